"""Ratios and spoken times, rewritten into one written form before any rule reads them.

A ratio is never a time: "9:16", "9 by 16", "9/16" and "9比16" all become "9x16", which no time
pattern reads (core/parser/phrases.py T and TU need a unit, a clock colon or a space after the
number). Times said in pieces become seconds: "1m30", "1 min 30", "1 minute and 30 seconds",
"1分30秒", "a minute and a half", "1分半" -> "90s". Clocks (1:30, 0:01:30, 12:30) and amounts
with one unit (90s, 1.5 min) are read as they are by core/parser/phrases.py.
"""

from __future__ import annotations

import re

SUPPORTED_RATIOS = frozenset({"9x16", "16x9", "1x1", "4x5"})
"""The shapes a render can make (core/local/picture.py ASPECTS), in the written form here."""
OTHER_RATIOS = frozenset({
    "4x3", "3x4", "21x9", "9x21", "3x2", "2x3", "5x4", "2x1", "1x2", "2.35x1", "2.39x1",
    "1.85x1", "18x9", "9x18", "5x3", "3x5"})
"""Shapes people ask for that Backtrack does not make: said back, never read as times."""

_RATIO = re.compile(
    r"(?<![\d.:])(\d{1,2}(?:\.\d{1,2})?)\s*(?::|：|x|×|\*|/|比|\s+by\s+)\s*(\d{1,2})"
    r"(?![\d:.%]|\s*(?:ms|s|secs?|seconds?|m|mins?|minutes?|h|hours?|%|percent|db|times|秒|分)"
    r"(?![a-z]))")

_PIECES = re.compile(
    r"(?<![\d.:])(?:(\d+)\s*(?:h|hours?|小时)\s*(?:and\s+)?)?"
    r"(?:(\d+)\s*(?:m|minutes?|分钟?)\s*(?:and\s+)?)"
    r"(\d{1,2}(?:\.\d+)?)\s*(?:s|seconds?|秒钟?)?(?![\d:.%a-z]|\s*(?:times|x|percent|db)\b)"
    r"|(?<![\d.:])(\d+)\s*(?:h|hours?|小时)\s*(?:and\s+)?(\d{1,2})\s*(?:m|minutes?|分钟?)"
    r"(?![\d:.%a-z])")
_HALF = re.compile(
    r"(?<![\d.])(\d+)\s*(?:(minutes?|hours?|seconds?)\s+and\s+a\s+half|and\s+a\s+half\s+"
    r"(minutes?|hours?|seconds?)|(分钟?|小时|秒钟?)半|个半(小时|分钟))")
_UNIT_SECONDS = {"m": 60, "h": 3600, "s": 1, "分": 60, "小": 3600, "秒": 1}


def _ratio(m: re.Match[str]) -> str:
    written = f"{m.group(1)}x{m.group(2)}"
    return written if written in SUPPORTED_RATIOS | OTHER_RATIOS else m.group(0)


def _pieces(m: re.Match[str]) -> str:
    if m.group(2) is not None:
        hours, minutes, secs = int(m.group(1) or 0), int(m.group(2)), float(m.group(3))
        if secs >= 60:
            return m.group(0)
    else:
        hours, minutes, secs = int(m.group(4)), int(m.group(5)), 0.0
    return f"{hours * 3600 + minutes * 60 + secs:g}s"


def _half(m: re.Match[str]) -> str:
    unit = next(g for g in m.groups()[1:] if g)
    return f"{(int(m.group(1)) + 0.5) * _UNIT_SECONDS[unit[0]]:g}s"


_SMALL = {"one": 1, "an": 1, "a": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
          "seven": 7, "eight": 8, "nine": 9, "ten": 10}


def rewrite(text: str) -> str:
    """Ratios as "AxB", times in pieces as seconds ("90s"); lower-case text in, text out."""
    text = _RATIO.sub(_ratio, text)
    text = re.sub(r"\b(" + "|".join(_SMALL) + r")(?=\s+(?:minutes?|hours?|seconds?\s+)?and\s+a"
                  r"\s+half\b)", lambda m: str(_SMALL[m.group(1)]), text)
    text = re.sub(r"半分钟", "30s", text)
    text = _HALF.sub(_half, text)
    return _PIECES.sub(_pieces, text)


def ratio_in(text: str) -> str | None:
    """The first written ratio ("4x3") in a rewritten text, None when there is none."""
    m = re.search(r"(?<![\d.])(\d{1,2}(?:\.\d{1,2})?x\d{1,2})(?![\d.])", text)
    return m.group(1) if m and m.group(1) in SUPPORTED_RATIOS | OTHER_RATIOS else None
