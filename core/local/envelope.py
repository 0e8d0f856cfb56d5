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


def add(spans: tuple[LevelSpan, ...], start_ms: float, end_ms: float,
        level: float) -> tuple[LevelSpan, ...]:
    """The spans with a dip from `start_ms` to `end_ms` added; dips it overlaps are replaced."""
    kept = [s for s in spans if s.end <= start_ms or s.start >= end_ms]
    kept.append(LevelSpan(round(start_ms), round(end_ms),
                          round(min(max(level, 0.0), MAX_LEVEL_FACTOR), 3)))
    return tuple(sorted(kept, key=lambda s: (s.start, s.end, s.factor)))


def expression(dips: Sequence[tuple[float, float, float]]) -> str | None:
    """An ffmpeg `volume` expression of the output time `t` (seconds), None for no dips.

    Each dip is 1 before it, ramps to its level over RAMP_S, holds it to its end, and ramps
    back to 1 over RAMP_S after it; dips multiply."""
    factors = []
    for start_ms, end_ms, level in dips:
        a, b, r = start_ms / 1000, end_ms / 1000, RAMP_S
        down = f"{level:.4f}" if a <= 0 else (
            f"if(lt(t,{a - r:.3f}),1,if(lt(t,{a:.3f}),1+({level:.4f}-1)*(t-{a - r:.3f})/{r},"
            f"{level:.4f}))")
        factors.append(f"if(lt(t,{b:.3f}),{down},if(lt(t,{b + r:.3f}),"
                       f"{level:.4f}+(1-{level:.4f})*(t-{b:.3f})/{r},1))")
    return "*".join(factors) if factors else None
