"""Edits that land on the beat of the built-in music.

A built-in track plays a piece composed for exactly its stretch (core/local/render_job.py,
`compose_to_length`), so its first downbeat is the track's start and its final chord starts on
a downbeat before its end: "start the music at 0:05", "music for the last 10 seconds" and a
piece that comes in after another song starts on its own first downbeat, by construction. What
can fall between beats is what is placed inside the piece, and `on_the_beat` moves it onto the
grid of the piece that will play:
- a change of song after a built-in piece ("lofi until 0:10, then upbeat", "switch to my song
  at 0:12"): the piece is composed a little longer or shorter so that its final chord falls on
  the bar line nearest the change asked, and the next song comes in on that chord (which fades
  out under it);
- a fade-in ends on a beat (at least the first one);
- a fade-out starts on a beat; one that would start after the final chord starts on the final
  chord (so a crossfade into the next song starts on that bar, and the chord fades under it);
- a level change ("quieter for the first 5 seconds") starts and ends on beats.
"Near a bar" wins over "nearest beat" when the bar is hardly further (a quarter beat), and a
move of more than a beat is said in words. Other music (uploads) is left as it is.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from core.local.edit_songs import CROSSFADE_MS
from core.local.render_job import compose_to_length, piece_of
from core.parser.phrases import say_clock, say_time
from core.timeline.model import LevelSpan, Ms, MusicTrack, Timeline

if TYPE_CHECKING:
    from core.music.compose import Grid

WHAT = {"fade_in": "fade in", "fade_out": "fade out", "level": "level change"}


def snap(grid: Grid, seconds: float) -> float:
    """The beat nearest `seconds`, or the bar line when it is hardly further."""
    beat = min(grid.beats(), key=lambda t: abs(t - seconds))
    bar = min(grid.downbeats(), key=lambda t: abs(t - seconds))
    return bar if abs(bar - seconds) <= abs(beat - seconds) + grid.beat / 4 else beat


def _moved(what: str, before: Ms, after: Ms, grid: Grid, said: list[str]) -> None:
    """Words for a move of more than a beat (smaller ones are what snapping is for)."""
    if abs(after - before) > grid.beat * 1000 + 1:
        way = "later" if after > before else "earlier"
        said.append(f"{WHAT[what]} moved {abs(after - before) / 1000:.1f} s {way} to land on "
                    "the beat")


def _restate(what: str, before: Ms, after: Ms, said: list[str]) -> None:
    """The fade's length as said by the edit ("fade out 2.3 s") made the one that plays."""
    old, new = f"{WHAT[what]} {say_time(before)}", f"{WHAT[what]} {say_time(after)}"
    if old in said:
        said[said.index(old)] = new


def _fades(track: MusicTrack, grid: Grid, said: list[str]) -> MusicTrack:
    length = round(grid.length * 1000)
    if 0 < track.fade_in < length:
        end = max(snap(grid, track.fade_in / 1000), grid.beat)
        fade_in = round(min(end, grid.length) * 1000)
        _restate("fade_in", track.fade_in, fade_in, said)
        _moved("fade_in", track.fade_in, fade_in, grid, said)
        track = replace(track, fade_in=fade_in)
    if 0 < track.fade_out < length:
        start = snap(grid, grid.length - track.fade_out / 1000)
        fade_out = length - round(start * 1000)
        _restate("fade_out", track.fade_out, fade_out, said)
        # The start moves, not the length: say how far the fade's start moved.
        _moved("fade_out", length - track.fade_out, length - fade_out, grid, said)
        track = replace(track, fade_out=fade_out)
    return track


def _levels(track: MusicTrack, grid: Grid, said: list[str]) -> MusicTrack:
    """Level changes inside the piece start and end on its beats (their edges at the track's
    start or end, or outside it, stay where they are)."""
    origin, end = track.start, track.start + round(grid.length * 1000)
    spans = []
    for span in track.envelope:
        edges = []
        for at in (span.start, span.end):
            if origin < at < end:
                moved = origin + round(snap(grid, (at - origin) / 1000) * 1000)
                _moved("level", at, moved, grid, said)
                at = moved
            edges.append(at)
        if edges[1] > edges[0]:
            spans.append(LevelSpan(edges[0], edges[1], span.factor, span.to))
    return replace(track, envelope=tuple(spans))


RING_MS = (700, 4300)
"""How much longer than the change asked a piece before it may be composed: its final chord
rings 1.2-3.8 s (core/music/compose.py), with half a second either way to reach a bar."""


def _change_on_the_bar(a: MusicTrack, b: MusicTrack, timeline: Timeline, seed: int,
                       said: list[str]) -> tuple[MusicTrack, MusicTrack]:
    """A built-in piece `a` crossfading into `b` as edit_songs lays it out: `a` composed for the
    length whose final chord is nearest the change asked, `b` coming in on that chord."""
    asked = a.end - CROSSFADE_MS // 2
    room = (timeline.length or a.end + RING_MS[1]) - a.start
    mood, take = a.source.mood or "", seed + (a.source.seed or 0)
    from core.music import cache  # the composer loads only when there is built-in music

    best: tuple[float, int, Grid] | None = None
    for length in range(asked - a.start + RING_MS[0], asked - a.start + RING_MS[1], 20):
        if length > room:
            break
        try:
            grid = cache.grid(mood, take, length)
        except ValueError:  # a mood this version does not know: nothing to snap to
            return a, b
        miss = abs(a.start + grid.ending * 1000 - asked)
        if grid.bars and (best is None or miss < best[0]):
            best = (miss, length, grid)
    if best is None:
        return a, b
    _miss, length, grid = best
    bar = a.start + round(grid.ending * 1000)
    if b.end - bar < CROSSFADE_MS:
        return a, b
    a = replace(a, length=length, until=a.start + length, fade_out=length - (bar - a.start))
    b = replace(b, start=bar, length=b.end - bar)
    old, new = f" until {say_clock(asked)}, then ", f" until {say_clock(bar)}, then "
    said[:] = [s.replace(old, new) for s in said]
    if abs(bar - asked) > grid.beat * 1000 + 1:
        way = "later" if bar > asked else "earlier"
        said.append(f"change of song moved {abs(bar - asked) / 1000:.1f} s {way} to land on "
                    "the bar")
    return a, b


def _changes(timeline: Timeline, seed: int, said: list[str]) -> Timeline:
    """Every change of song after a built-in piece, not yet on its bar, put on it."""
    music = list(timeline.music)
    for i in range(len(music) - 1):
        a, b = music[i], music[i + 1]
        laid_out = b.start == a.end - CROSSFADE_MS and a.fade_out == CROSSFADE_MS
        if laid_out and a.length and piece_of(a.source) is not None:
            music[i], music[i + 1] = _change_on_the_bar(a, b, timeline, seed, said)
    return replace(timeline, music=tuple(music))


def piece_grid(track: MusicTrack, timeline: Timeline, seed: int) -> Grid | None:
    """The beat grid of the piece a built-in track will play (the render composes it with the
    same length and seed), None for an upload or while the video's length is unknown."""
    if not track.source.mood or track.source.media_id:
        return None
    if not track.length and not timeline.length:
        return None
    composed = compose_to_length(replace(timeline, music=(track,)), seed).music[0]
    piece = piece_of(composed.source)
    if piece is None:
        return None
    from core.music import cache  # the composer loads only when there is built-in music

    try:
        return cache.grid(*piece)
    except ValueError:  # a mood this version does not know: nothing to snap to
        return None


def on_the_beat(before: Timeline, after: Timeline, seed: int | None,
                said: list[str]) -> Timeline:
    """`after` with the fades and level changes of its built-in tracks on the beat, for each
    track whose piece, fades or level changes differ from `before`'s (an edit that touches
    neither moves nothing). `seed` is the session's (None: not known, nothing moves). A piece
    too short for a bar (a chord under a 3 s clip, one beat at 0) has no grid to land on:
    nothing in it moves (before, "louder after 0:01" became louder from 0:00)."""
    if seed is None:
        return after
    after = _changes(after, seed, said)
    tracks = []
    for i, track in enumerate(after.music):
        old = before.music[i] if i < len(before.music) else None
        grid = piece_grid(track, after, seed)
        if grid is not None and grid.bars and (old is None or _changed(old, track, before, after)):
            track = _levels(_fades(track, grid, said), grid, said)
        tracks.append(track)
    return replace(after, music=tuple(tracks))


def _changed(old: MusicTrack, new: MusicTrack, before: Timeline, after: Timeline) -> bool:
    placed = (old.source, old.start, old.length or before.length) != (
        new.source, new.start, new.length or after.length)
    return placed or (old.fade_in, old.fade_out, old.envelope) != (
        new.fade_in, new.fade_out, new.envelope)
