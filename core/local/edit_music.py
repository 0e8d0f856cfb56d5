"""The music part of an edit: which song, its level, start, end, offset, fit, fades and dips
(core/local/edit_plan.py has the choices). Most settings are about the first music track; with
several songs in turn the level is shared, the fade in is the first one's, the fade out and
the back-timing ("end the song with the video") the last one's, and a dip ("quieter for the
first 5 seconds") goes on every track that sounds in it."""

from __future__ import annotations

from dataclasses import replace

from core.local import envelope
from core.local.edit_plan import (
    DEFAULT,
    DEFAULT_MOOD,
    FADE_IN_MS,
    FADE_OUT_MS,
    MAX_VOLUME,
    Context,
    EditPlan,
)
from core.local.edit_songs import in_turn, new_level, picked, remove_song
from core.music.moods import NAMES as MOODS
from core.parser.phrases import say_clock, say_percent, say_time
from core.timeline.fit import fit_tracks
from core.timeline.model import MAX_LEVEL_FACTOR, MusicTrack, Song, Timeline

FIT_WORDS = {"once": "music plays once (silence may follow)", "loop": "music loops to the end",
             "trim": "music fits the video"}


def fit_all(timeline: Timeline, ctx: Context, length: float | None) -> Timeline:
    """Every track fitted to `length` (the output's, ms), the uploaded song's length noted
    (the song may have been swapped in since)."""
    tracks = []
    for track in timeline.music:
        if ctx.music is not None and track.source.media_id == ctx.music.media_id:
            track = replace(track, source=replace(track.source,
                                                  length=round(ctx.music.duration_ms)))
        tracks.append(track)
    return replace(timeline, music=fit_tracks(tuple(tracks),
                                              None if length is None else round(length)))


def apply_music(plan: EditPlan, timeline: Timeline, ctx: Context, length: float | None,
                said: list[str]) -> Timeline:
    """The timeline with the plan's music changes made (see the module docstring for which
    track each concerns)."""
    if plan.sequence is not None and len(plan.sequence) == 2 and plan.sequence[0] is None and (
            not timeline.music and plan.change is not None):
        # "switch to calm at 0:12" with no music yet: nothing to switch from, it starts there
        into, plan.sequence, plan.start = plan.sequence[1], None, plan.change
        if isinstance(into, str):
            plan.source, plan.mood = "mood", into
        elif into is not None:
            plan.source, plan.song = "upload", (into if into != -1 else None)
    if plan.sequence is not None:
        timeline = in_turn(plan, timeline, ctx, length, said)
        if plan.align is None or not timeline.music:
            return timeline
        last = _align(plan, timeline.music[-1], said)
        return fit_all(replace(timeline, music=(*timeline.music[:-1], last)), ctx, length)
    if plan.song is not None:
        chosen = picked(plan.song, ctx, said)
        if chosen is None:
            return timeline
        if plan.source == "remove":
            return remove_song(timeline, chosen, said)
        # "use the second song": that song replaces all the music, in the first track's place
        ctx = replace(ctx, music=chosen)
        timeline = replace(timeline, music=timeline.music[:1])
    if plan.source == "remove":
        said.append("music removed" if timeline.music else "no music to remove")
        return replace(timeline, music=())
    track = _source_and_level(plan, timeline, ctx, said)
    return _settle(plan, replace(timeline, music=(track, *timeline.music[1:])), ctx, length,
                   said)


def _source_and_level(plan: EditPlan, timeline: Timeline, ctx: Context,
                      said: list[str]) -> MusicTrack:
    """The first track with the song and level asked (music added when a setting needs it)."""
    current = timeline.song
    new = current is None
    source = plan.source
    added_for_setting = new and source is None
    if added_for_setting:
        source = "any"
    if new and ctx.fade_out and plan.fade_out is None:
        plan.fade_out = DEFAULT
    track = current or MusicTrack(Song())
    song = track.source
    kept = song.mood or (song.media_id and (ctx.music is None
                                            or song.media_id == ctx.music.media_id))
    if source == "any" and not new and kept:
        source = None  # "add music" with music on the timeline: keep it, say only what changes
        if not plan.touches_music_settings() and plan.volume is None and plan.volume_factor is None:
            said.append(f"music: {song.name or song.mood} (kept)")
    if source is not None:
        track, label = _choose_source(plan, source, track, ctx)
        volume_said = plan.volume is not None or plan.volume_factor is not None
        if new:
            track = replace(track, level=new_level(timeline, ctx))
        track = _set_level(plan, track)
        words = f"music: {label}"
        if new or volume_said:
            words += f" at {say_percent(track.gain)}"
        if added_for_setting:
            words += " (there was no music yet)"
        said.append(words)
    elif plan.volume is not None or plan.volume_factor is not None:
        before = track.gain
        track = _set_level(plan, track)
        how = "music volume" if plan.volume is not None else (
            "music quieter:" if track.gain < before else "music louder:")
        most = (plan.volume or 0.0) > MAX_VOLUME or (
            plan.volume_factor is not None and before * plan.volume_factor > MAX_VOLUME)
        said.append(f"{how} {say_percent(track.gain)}"
                    + (f" (the most I go to: {say_percent(MAX_VOLUME)})" if most else ""))
    return track


def _settle(plan: EditPlan, timeline: Timeline, ctx: Context, length: float | None,
            said: list[str]) -> Timeline:
    """Placing, back-timing, fitting, dips and fades, on the tracks they concern."""
    music = (_place(plan, timeline.music[0], length, said), *timeline.music[1:])
    music = (*music[:-1], _align(plan, music[-1], said))  # the last song ends with the video
    timeline = fit_all(replace(timeline, music=music), ctx, length)
    for window in (*plan.more_windows, plan.window):
        if window is not None:
            timeline = _window(window, timeline, length, said)
    if plan.ramp is not None:
        timeline = _ramp(plan.ramp, timeline, length, said)
    track, rest = timeline.music[0], timeline.music[1:]
    if not rest:
        return replace(timeline, music=(_fades(plan, track, length, said),))
    # Songs in turn: they share the music's level; the fade out belongs to the last one's end
    # (the first one's is the crossfade).
    track = _fades(replace(plan, fade_out=None), track, length, said)
    rest = tuple(replace(t, level=track.level) for t in rest)
    last = _fades(replace(plan, fade_in=None), rest[-1], length, said)
    return replace(timeline, music=(track, *rest[:-1], last))


def _place(plan: EditPlan, track: MusicTrack, length: float | None,
           said: list[str]) -> MusicTrack:
    """Start, end, offset and fit as asked."""
    song = track.source
    if plan.offset and song.mood and not song.media_id and plan.offset_in_song:
        said.append("not done: the built-in music is composed to fit your clip, so it has no "
                    "part to skip (say \"start the music at 0:10\" to bring it in later)")
        plan.offset = None
    if plan.offset and plan.start is None and song.mood and not song.media_id:
        # A built-in piece is composed to start where it plays: "music from 0:07" places it.
        plan.start, plan.offset = plan.offset, None
    if length and plan.start is not None and plan.start >= length:
        said.append(f"not done: the video is only {say_clock(length)} long, so the music "
                    f"can't start at {say_clock(plan.start)}")
        plan.start = None
        plan.until = None if plan.until and plan.until > length else plan.until
    if length and plan.until and plan.until > length:  # past the video's end: to the end
        if track.until is None:
            plan.until = None
            said.append(f"music runs to the end (the video is only {say_clock(length)} long)")
        else:
            plan.until = 0.0  # clears the stop said before, which says so below
    if plan.start is not None:
        track = replace(track, start=round(plan.start))
        said.append(f"music starts at {say_clock(plan.start)}")
    if plan.music_length is not None:
        plan.until = track.start + plan.music_length
    if plan.until:
        track = replace(track, until=round(plan.until))
        said.append(f"music stops at {say_clock(plan.until)}")
    elif plan.until is not None and track.until is not None:
        track = replace(track, until=None)
        said.append("music runs to the end")
    if plan.offset is not None:
        track = replace(track, offset=round(plan.offset))
        said.append(f"song starts {say_time(plan.offset)} in" if plan.offset else
                    "song plays from its beginning")
    if plan.fit is not None:
        track = replace(track, fit=plan.fit)  # type: ignore[arg-type]
        said.append(FIT_WORDS[plan.fit])
    if track.align == "end" and (plan.start is not None or plan.offset is not None):
        # Placed by its start again, as asked; the offset back-timing chose goes with it.
        track = replace(track, align="start",
                        offset=track.offset if plan.offset is not None else 0)
    return track


def _align(plan: EditPlan, track: MusicTrack, said: list[str]) -> MusicTrack:
    """The track placed by its ending ("end the song with the video") or by its start again."""
    if plan.align == "end":
        track = replace(track, align="end")
        said.append("the song ends with the video")
    elif track.align == "end" and plan.align == "start":
        track = replace(track, align="start", offset=0)
    return track


def _fades(plan: EditPlan, track: MusicTrack, length: float | None,
           said: list[str]) -> MusicTrack:
    span = track.length or (length or 0.0)
    if plan.fade_in is not None:
        track = replace(track, fade_in=_fade(plan.fade_in, FADE_IN_MS, span))
        said.append(f"fade in {say_time(track.fade_in)}" if track.fade_in else "no fade in")
    if plan.fade_out_from is not None:
        end = track.end if track.length else length
        if end is None or end - plan.fade_out_from < 100:
            said.append(f"not done: the music ends at {say_clock(end)}, before "
                        f"{say_clock(plan.fade_out_from)}"
                        if end is not None else
                        "not done: I don't know the video's length for that")
        else:
            plan.fade_out = end - max(plan.fade_out_from, float(track.start))
    if plan.fade_out is not None:
        track = replace(track, fade_out=_fade(plan.fade_out, FADE_OUT_MS, span))
        said.append(f"fade out {say_time(track.fade_out)}" if track.fade_out else
                    "no fade out")
    return track


def _fade(asked: float, default: float, span: float) -> int:
    """A fade's length: as asked, or the default (at most a third of the music) for DEFAULT;
    never longer than the music."""
    value = min(default, span / 3) if asked == DEFAULT and span else (
        default if asked == DEFAULT else asked)
    return round(min(value, span) if span else value)


def window_span(anchor: str, a: float, b: float, length: float | None,
                said: list[str]) -> tuple[float, float] | None:
    """Where a part of the video said as a window lies (ms), or None with the reason said:
    "last" counts back from the end, "after" runs to it."""
    if anchor in ("last", "after"):
        if length is None:
            said.append("not done: I don't know the video's length for that")
            return None
        a, b = (max(length - b, 0.0), length) if anchor == "last" else (a, length)
    elif length is not None:
        b = min(b, length)
    if b - a < 100:
        said.append("not done: that part is not in the video")
        return None
    return a, b


def _window(window: tuple[str, float, float, str, float], timeline: Timeline,
            length: float | None, said: list[str]) -> Timeline:
    """A dip or lift of the music for part of the video, on every track that sounds in it;
    the level comes back after it."""
    anchor, a, b, how, value = window
    if (placed := window_span(anchor, a, b, length, said)) is None:
        return timeline
    a, b = placed
    volume = timeline.music[0].gain
    level = value if how == "factor" else (value / volume if volume > 0 else 1.0)
    music = tuple(replace(t, envelope=envelope.add(t.envelope, a, b, _factor(t, how, value)))
                  if _sounds_in(t, a, b) else t for t in timeline.music)
    if volume * level <= 0:
        said.append(f"no music from {say_clock(a)} to {say_clock(b)}, back at "
                    f"{say_percent(volume)} after" if length is None or b < length
                    else f"no music from {say_clock(a)} to the end")
        return replace(timeline, music=music)
    said.append(f"music at {say_percent(volume * level)} from {say_clock(a)} to "
                f"{say_clock(b)}, {say_percent(volume)} after" if length is None or b < length
                else f"music at {say_percent(volume * level)} from {say_clock(a)} to the end")
    return replace(timeline, music=music)


def _ramp(ramp: tuple[str, float, float, str, float], timeline: Timeline,
          length: float | None, said: list[str]) -> Timeline:
    """A gradual change of the music's level ("gradually louder", "build up to 80% from 0:10
    to 0:20"): a straight line from its level to the new one, which it keeps after."""
    anchor, a, b, how, value = ramp
    if (placed := window_span(anchor, a, b, length, said)) is None:
        return timeline
    a, b = placed
    volume = timeline.music[0].gain
    to = min(_factor(timeline.music[0], how, value), MAX_LEVEL_FACTOR)
    if abs(to - 1.0) < 0.01:
        said.append(f"the music is at {say_percent(volume)} already")
        return timeline
    music = tuple(replace(t, envelope=envelope.add(t.envelope, a, b, 1.0, to))
                  if _sounds_in(t, a, b) else t for t in timeline.music)
    way = "rising" if to > 1 else "falling"
    said.append(f"music {way} from {say_percent(volume)} to {say_percent(volume * to)} from "
                f"{say_clock(a)} to {say_clock(b)}")
    return replace(timeline, music=music)


def _sounds_in(track: MusicTrack, a: float, b: float) -> bool:
    """Whether the track plays somewhere in [a, b) (a length of 0 plays to the end)."""
    return track.start < b and (track.length == 0 or track.end > a)


def _factor(track: MusicTrack, how: str, value: float) -> float:
    """The track's factor for a dip: as asked, or the level asked over the track's own."""
    if how == "factor":
        return value
    return value / track.gain if track.gain > 0 else 1.0


def _choose_source(plan: EditPlan, source: str, track: MusicTrack,
                   ctx: Context) -> tuple[MusicTrack, str]:
    """The track pointed at its music, and how to call it."""
    song = track.source
    current_mood = song.mood
    upload_current = ctx.music is not None and song.media_id == ctx.music.media_id
    if source == "another" and current_mood in MOODS and not song.media_id:
        # A new take of the same mood: the seed counts takes on top of the session's own.
        return (replace(track, source=replace(song, seed=(song.seed or 0) + 1), offset=0),
                f"{current_mood} (built-in), a new variation")
    if source in ("next", "another"):
        source = "upload" if ctx.music is not None and not upload_current else "mood"
        if source == "mood":
            i = MOODS.index(current_mood) if current_mood in MOODS else -1
            plan.mood = MOODS[(i + 1) % len(MOODS)]
    if source == "any":
        if ctx.music is not None and not upload_current and not current_mood:
            source = "upload"
        elif current_mood or song.media_id:
            return track, f"{song.name or current_mood} (kept)"
        else:
            source, plan.mood = "mood", ctx.mood or DEFAULT_MOOD
    if source == "upload" and ctx.music is not None:
        changed = not upload_current
        song = replace(song, name=ctx.music.name, media_id=ctx.music.media_id, mood=None,
                       length=round(ctx.music.duration_ms))
        label = f"{ctx.music.name} (your song)"
    else:
        mood = plan.mood or ctx.mood or DEFAULT_MOOD
        changed = mood != current_mood
        # No length: the piece is composed for whatever stretch the track gets (at render).
        song = replace(song, name=f"built-in {mood}", media_id=None, mood=mood, length=None)
        label = f"{mood} (built-in)"
    track = replace(track, source=song)
    if changed and plan.offset is None:
        track = replace(track, offset=0)
    return track, label


def _set_level(plan: EditPlan, track: MusicTrack) -> MusicTrack:
    volume = track.gain
    if plan.volume is not None:
        volume = plan.volume
    if plan.volume_factor is not None:
        volume *= plan.volume_factor
    return replace(track, level=round(min(max(volume, 0.0), MAX_VOLUME), 3))
