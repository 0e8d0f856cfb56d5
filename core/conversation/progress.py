"""Progress people can see: a bar, a percentage and an estimate of the time left.

`status_text` is the one place a `Status` becomes words (Telegram, Discord and the console all
show it): `Rendering… ▰▰▰▰▱▱▱▱ 52% · about 0:12 left`. `Estimator` turns a stream of
percentages into seconds left; `ordinal` says a place in line ("3rd").
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from core import words
from core.conversation.turn import Status

BAR_CELLS = 8
FULL, EMPTY = "▰", "▱"

MIN_SECONDS = 2.0
"""No estimate before a phase has run this long: the first percent says little about speed."""
MIN_PERCENT = 3.0
"""Nor before it has moved this many percent."""


def bar(percent: float, cells: int = BAR_CELLS) -> str:
    """`▰▰▰▰▱▱▱▱` for 52%: cells filled by rounding down, full only at 100%."""
    share = min(max(percent, 0.0), 100.0) / 100.0
    filled = min(cells, math.floor(share * cells + 1e-9))
    return FULL * filled + EMPTY * (cells - filled)


def clock_time(seconds: float) -> str:
    """12.4 -> '0:12', 75 -> '1:15', 3725 -> '1:02:05'."""
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def ordinal(n: int) -> str:
    """1 -> '1st', 2 -> '2nd', 3 -> '3rd', 11 -> '11th', 22 -> '22nd'."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def in_line(place: int) -> str:
    """The words for a place in the render queue."""
    return "next in line" if place == 1 else f"{ordinal(place)} in line"


def progress_text(percent: float, seconds_left: float | None = None) -> str:
    """`▰▰▰▰▱▱▱▱ 52% · about 0:12 left` (without the estimate when there is none)."""
    text = f"{bar(percent)} {percent:.0f}%"
    if seconds_left is not None and percent < 100:
        text += f" · about {clock_time(seconds_left)} left"
    return text


def status_text(status: Status) -> str:
    """The status line as shown: the words, then the bar when a percentage is known. The words
    came through the reply boundary in the person's language; the estimate follows them."""
    if status.percent is None:
        return status.text
    shown = progress_text(status.percent, status.seconds_left)
    return f"{status.text} {words.localise(shown, words.detect(status.text))}"


class Estimator:
    """Seconds left from the percentages of one phase (the same words), by the average speed
    since the phase began; a new phase (other words) starts over."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._phase: str | None = None
        self._start: tuple[float, float] | None = None  # (time, percent) of the phase's start

    def update(self, text: str, percent: float | None) -> float | None:
        now = self._clock()
        if text != self._phase or percent is None:
            self._phase = text
            self._start = None if percent is None else (now, percent)
            return None
        if self._start is None or percent < self._start[1]:
            self._start = (now, percent)
            return None
        began, first = self._start
        elapsed, done = now - began, percent - first
        if elapsed < MIN_SECONDS or done < MIN_PERCENT or percent >= 100:
            return None
        return (100.0 - percent) * elapsed / done
