"""The music's level over time: dips and lifts for part of the video, then back.

"quieter for the first 5 seconds" is not a cut and not a new volume: the music plays at a lower
level from 0 to 5 s and comes back to its own level after. It is kept on the BGM segment as
`m["envelope"]`, a list of `[start_ms, end_ms, level]` on the output's timeline (after the trim),
`level` multiplying the segment's `volume` (documented in core/draft.py). The render turns it
into one ffmpeg `volume` expression (`expression`), with short ramps so nothing clicks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

RAMP_S = 0.5
"""Seconds the level takes to go down into a dip and back up after it."""
MAX_LEVEL = 4.0


def read(meta: Mapping[str, Any]) -> list[tuple[float, float, float]]:
    """The segment's dips as (start_ms, end_ms, level), bad entries dropped."""
    raw = meta.get("envelope")
    found: list[tuple[float, float, float]] = []
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        return found
    for item in raw:
        try:
            start, end, level = (float(x) for x in item)
        except (TypeError, ValueError):
            continue
        if end > start >= 0 and 0 <= level <= MAX_LEVEL:
            found.append((start, end, level))
    return found


def add(meta: dict[str, Any], start_ms: float, end_ms: float, level: float) -> None:
    """Put a dip on the segment (in place); dips it overlaps are replaced."""
    kept = [d for d in read(meta) if d[1] <= start_ms or d[0] >= end_ms]
    kept.append((float(round(start_ms)), float(round(end_ms)), round(min(max(level, 0.0),
                                                                          MAX_LEVEL), 3)))
    meta["envelope"] = [[round(a), round(b), lvl] for a, b, lvl in sorted(kept)]


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
