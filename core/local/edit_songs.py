"""Edits about which of the songs sent plays: one song by its place ("use the second song",
"remove the first song") and two songs in turn ("play both songs one after the other", "the
first song until 0:30, then the second", "switch to the other song at 1:00").

Two songs in turn are two music tracks that overlap by `CROSSFADE_MS` around the change: the
first fades out and the second fades in over it (linear fades, so both are near -6 dB in the
middle). Both keep the level and outer fades of the music that was there."""

from __future__ import annotations

from dataclasses import replace

from core.local.edit_plan import VOLUME_UNDER_VOICE, Context, EditPlan, MusicRef
from core.parser.phrases import say_clock
from core.timeline.fit import fit_track
from core.timeline.model import MusicTrack, Song, Timeline

CROSSFADE_MS = 1000


def new_level(timeline: Timeline, ctx: Context) -> float:
    """The level new music starts at: the person's default, else under an audible original."""
    if ctx.level is not None:
        return ctx.level
    audible = ctx.has_original_audio and timeline.original.mode != "mute"
    return VOLUME_UNDER_VOICE if audible else 1.0


def picked(index: int, ctx: Context, said: list[str]) -> MusicRef | None:
    """The song sent at `index` (1: the first, -1: the last), or None with words why not."""
    count = len(ctx.songs)
    if count == 0 or not -count <= index <= count or index == 0:
        have = "no song yet" if count == 0 else (
            "only one song" if count == 1 else f"only {count} songs")
        said.append(f"not done: you have sent {have}")
        return None
    return ctx.songs[index - 1 if index > 0 else index]


def remove_song(timeline: Timeline, song: MusicRef, said: list[str]) -> Timeline:
    """The timeline without the tracks that play `song`."""
    kept = tuple(t for t in timeline.music if t.source.media_id != song.media_id)
    if len(kept) == len(timeline.music):
        said.append(f"{song.name} is not in the music")
        return timeline
    said.append(f"{song.name} removed from the music")
    return replace(timeline, music=kept)


def _song(ref: MusicRef) -> Song:
    return Song(ref.name, ref.media_id, length=round(ref.duration_ms))


def _pair(plan: EditPlan, timeline: Timeline, ctx: Context,
          said: list[str]) -> tuple[Song, Song] | None:
    assert plan.sequence is not None
    first_at, second_at = plan.sequence
    if len(ctx.songs) < (1 if first_at is None and timeline.song is not None else 2):
        said.append("not done: send me the songs first (you have sent "
                    f"{len(ctx.songs) or 'none'}), then say which plays when")
        return None
    if first_at is not None:
        ref = picked(first_at, ctx, said)
        first = _song(ref) if ref is not None else None
    else:
        first = timeline.song.source if timeline.song is not None else _song(ctx.songs[0])
    if first is None:
        return None
    if second_at is not None:
        ref = picked(second_at, ctx, said)
    else:  # "the other song": the newest one sent that is not playing first
        ref = next((s for s in reversed(ctx.songs) if s.media_id != first.media_id), None)
        if ref is None:
            said.append("not done: there is no other song; send me another one")
    if ref is None:
        return None
    if ref.media_id == first.media_id:
        said.append("not done: that is the same song twice")
        return None
    return first, _song(ref)


def in_turn(plan: EditPlan, timeline: Timeline, ctx: Context, length: float | None,
            said: list[str]) -> Timeline:
    """Two songs one after the other, crossfading at the change."""
    pair = _pair(plan, timeline, ctx, said)
    if pair is None:
        return timeline
    first, second = pair
    change = plan.change
    if change is None:  # when the first song ends; half the video each if it outlasts it
        change = float(first.length or 0)
        if length is not None and (not change or change > length - CROSSFADE_MS):
            change = length / 2
    if change < CROSSFADE_MS or (length is not None and change > length - CROSSFADE_MS):
        video = f" (the video is {say_clock(length)} long)" if length is not None else ""
        said.append(f"not done: the change at {say_clock(change)} leaves no room for both "
                    f"songs{video}")
        return timeline
    base = timeline.song or MusicTrack(Song(), level=new_level(timeline, ctx))
    half = CROSSFADE_MS // 2
    at = round(change)
    one = replace(base, source=first, start=0, offset=0, until=at + half, fit=None,
                  align="start", fade_out=CROSSFADE_MS)
    two = replace(base, source=second, start=at - half, offset=0, until=None, fit=None,
                  align="start", fade_in=CROSSFADE_MS)
    rounded = None if length is None else round(length)
    music = (fit_track(one, rounded), fit_track(two, rounded))
    said.append(f"music: {first.label} until {say_clock(change)}, then {second.label} "
                f"(1 s crossfade)")
    return replace(timeline, music=music)
