"""The music's level over time: dips and lifts for part of the video, then back.

"quieter for the first 5 seconds" is not a cut and not a new volume: the music plays at a lower
level from 0 to 5 s and comes back to its own level after. It is kept on the music track as
`MusicTrack.envelope`, spans of (start_ms, end_ms, level) on the output's timeline (after the
trim), `level` multiplying the track's level (in the draft JSON: `m["envelope"]`, see
core/draft.py; core/timeline/convert.py reads and writes it). The render turns it
into one ffmpeg `volume` expression (`expression`), with short ramps so nothing clicks.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.timeline.model import MAX_LEVEL_FACTOR, LevelSpan

RAMP_S = 0.5
"""Seconds the level takes to go down into a dip and back up after it."""


def _clamp(level: float) -> float:
    return round(min(max(level, 0.0), MAX_LEVEL_FACTOR), 3)


def add(spans: tuple[LevelSpan, ...], start_ms: float, end_ms: float,
        level: float, to: float | None = None) -> tuple[LevelSpan, ...]:
    """The spans with a dip from `start_ms` to `end_ms` added (or, with `to`, a gradual change
    from `level` to `to` that holds after it). A dip replaces the dips it overlaps; a gradual
    change replaces the gradual changes that start where it starts or later (one that began
    before it goes on under it). Dips and gradual changes multiply."""
    if to is not None:
        kept = [s for s in spans if s.to is None or s.start < start_ms]
    else:
        kept = [s for s in spans if s.to is not None or s.end <= start_ms or s.start >= end_ms]
    kept.append(LevelSpan(round(start_ms), round(end_ms), _clamp(level),
                          None if to is None else _clamp(to)))
    return tuple(sorted(kept, key=lambda s: (s.start, s.end, s.factor)))


def _gradual(span: LevelSpan) -> str:
    """A gradual change as a factor of `t`: 1 before it (reaching its first level over RAMP_S
    when that is not 1), a straight line through it, its last level after it."""
    assert span.to is not None
    a, b, r = span.start / 1000, span.end / 1000, RAMP_S
    f, g = span.factor, span.to
    before = "1" if f == 1 or a <= 0 else (
        f"if(lt(t,{a - r:.3f}),1,1+({f:.4f}-1)*(t-{a - r:.3f})/{r})")
    return (f"if(lt(t,{a:.3f}),{before},if(lt(t,{b:.3f}),"
            f"{f:.4f}+({g - f:.4f})*(t-{a:.3f})/{b - a:.3f},{g:.4f}))")


def expression(dips: Sequence[LevelSpan]) -> str | None:
    """An ffmpeg `volume` expression of the output time `t` (seconds), None for no dips.

    Each dip is 1 before it, ramps to its level over RAMP_S, holds it to its end, and ramps
    back to 1 over RAMP_S after it; a gradual change (`to`) goes in a straight line and holds
    its last level; they multiply."""
    factors = []
    for span in dips:
        if span.to is not None:
            factors.append(_gradual(span))
            continue
        a, b, r, level = span.start / 1000, span.end / 1000, RAMP_S, span.factor
        down = f"{level:.4f}" if a <= 0 else (
            f"if(lt(t,{a - r:.3f}),1,if(lt(t,{a:.3f}),1+({level:.4f}-1)*(t-{a - r:.3f})/{r},"
            f"{level:.4f}))")
        factors.append(f"if(lt(t,{b:.3f}),{down},if(lt(t,{b + r:.3f}),"
                       f"{level:.4f}+(1-{level:.4f})*(t-{b:.3f})/{r},1))")
    return "*".join(factors) if factors else None
