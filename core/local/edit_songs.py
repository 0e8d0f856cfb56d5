"""Edits about which of the songs sent plays: one song by its place ("use the second song",
"remove the first song") and songs in turn ("play both songs one after the other", "the
first song until 0:30, then the second", "switch to the other song at 1:00", "play all three
songs one after the other").

Songs in turn are music tracks that overlap by `CROSSFADE_MS` around each change: the one
before fades out and the one after fades in over it (linear fades, so both are near -6 dB in
the middle). All keep the level and outer fades of the music that was there."""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

from core.local.edit_plan import VOLUME_UNDER_VOICE, Context, EditPlan, MusicRef
from core.parser.phrases import say_clock
from core.timeline.fit import fit_tracks
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


def _built_in(mood: str) -> Song:
    return Song(mood=mood)


def _same(a: Song, b: Song) -> bool:
    return (a.media_id, None if a.media_id else a.mood) == (b.media_id,
                                                             None if b.media_id else b.mood)


def _pair(plan: EditPlan, timeline: Timeline, ctx: Context,
          said: list[str]) -> list[Song] | None:
    """The two songs of "the first song until 0:30, then the second" / "switch to the other"
    (either may be a built-in mood: "lofi until 0:10, then upbeat", "switch to calm at 0:12")."""
    assert plan.sequence is not None
    first_at, second_at = plan.sequence
    uploads = sum(isinstance(at, int) for at in plan.sequence) + (second_at is None) + (
        first_at is None and timeline.song is None)
    if len(ctx.songs) < min(uploads, 2):
        said.append("not done: send me the songs first (you have sent "
                    f"{len(ctx.songs) or 'none'}), then say which plays when")
        return None
    if isinstance(first_at, str):
        first: Song | None = _built_in(first_at)
    elif first_at is not None:
        ref = picked(first_at, ctx, said)
        first = _song(ref) if ref is not None else None
    else:
        first = timeline.song.source if timeline.song is not None else _song(ctx.songs[0])
    if first is None:
        return None
    if isinstance(second_at, str):
        second: Song | None = _built_in(second_at)
    elif second_at is not None:
        ref = picked(second_at, ctx, said)
        second = _song(ref) if ref is not None else None
    else:  # "the other song": the newest one sent that is not playing first
        ref = next((s for s in reversed(ctx.songs) if s.media_id != first.media_id), None)
        if ref is None:
            said.append("not done: there is no other song; send me another one")
        second = _song(ref) if ref is not None else None
    if second is None:
        return None
    if _same(first, second):
        said.append("not done: that is the same song twice")
        return None
    return [first, second]


def _songs(plan: EditPlan, timeline: Timeline, ctx: Context,
           said: list[str]) -> list[Song] | None:
    """The songs to play in turn, in order, or None with words why not."""
    assert plan.sequence is not None
    if len(plan.sequence) == 2:
        return _pair(plan, timeline, ctx, said)
    wanted = len(plan.sequence) or len(ctx.songs)
    if len(ctx.songs) < max(wanted, 2):
        said.append(f"not done: send me the songs first (you have sent {len(ctx.songs) or 'none'}"
                    "), then say which plays when")
        return None
    refs = ([picked(at if isinstance(at, int) else -1, ctx, said) for at in plan.sequence]
            if plan.sequence else list(ctx.songs))
    if any(ref is None for ref in refs):
        return None
    return [_song(ref) for ref in refs if ref is not None]


def _changes(songs: list[Song], change: float | None, length: float | None) -> list[float]:
    """Where each song after the first takes over: as asked (two songs), else where the songs
    before it end; equal shares of the video when the songs outlast it."""
    if change is not None:
        return [change]
    ends, at = [], 0.0
    for song in songs[:-1]:
        at += song.length or 0
        ends.append(at)
    unknown = any(not song.length for song in songs[:-1])
    if length is not None and (unknown or ends[-1] > length - CROSSFADE_MS):
        return [length * i / len(songs) for i in range(1, len(songs))]
    return ends


def _room(changes: list[float], length: float | None) -> bool:
    """Whether every song gets at least a crossfade's time."""
    edges = [0.0, *changes] + ([length] if length is not None else [])
    return all(b - a >= CROSSFADE_MS for a, b in pairwise(edges))


def in_turn(plan: EditPlan, timeline: Timeline, ctx: Context, length: float | None,
            said: list[str]) -> Timeline:
    """Songs one after the other, crossfading at each change."""
    songs = _songs(plan, timeline, ctx, said)
    if songs is None:
        return timeline
    changes = _changes(songs, plan.change, length)
    if not _room(changes, length):
        video = f" (the video is {say_clock(length)} long)" if length is not None else ""
        at = ", ".join(say_clock(c) for c in changes)
        said.append(f"not done: the change at {at} leaves no room for "
                    f"{'both' if len(songs) == 2 else 'all the'} songs{video}")
        return timeline
    base = timeline.song or MusicTrack(Song(), level=new_level(timeline, ctx))
    half = CROSSFADE_MS // 2
    edges = [round(c) for c in changes]
    tracks = []
    for i, song in enumerate(songs):
        track = replace(base, source=song, offset=0, fit=None, align="start",
                        start=edges[i - 1] - half if i else 0,
                        until=edges[i] + half if i < len(edges) else None)
        if i:
            track = replace(track, fade_in=CROSSFADE_MS)
        if i < len(edges):
            track = replace(track, fade_out=CROSSFADE_MS)
        tracks.append(track)
    music = fit_tracks(tuple(tracks), None if length is None else round(length))
    turns = "".join(f"{song.label} until {say_clock(c)}, then "
                    for song, c in zip(songs, changes, strict=False))
    said.append(f"music: {turns}{songs[-1].label} (1 s crossfade"
                f"{'s' if len(songs) > 2 else ''})")
    return replace(timeline, music=music)
