"""Text handling for the instruction parser: quotes, normalising, clauses, times and words.

Everything here is a pure function of strings. The parser (core/instructions.py) reads the
clauses this module produces; quoted titles are taken out first so their words never act.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

QUOTE_MARK = "\x01"
"""Stands for a quoted text in a clause: QUOTE_MARK + index + QUOTE_MARK."""

_QUOTES = [
    re.compile(r"“([^”]*)”"), re.compile(r"„([^“”]*)[“”]"), re.compile(r'"([^"]*)"'),
    re.compile(r"«([^»]*)»"), re.compile(r"「([^」]*)」"), re.compile(r"『([^』]*)』"),
    re.compile(r"‘([^’]*)’"), re.compile(r"《([^》]*)》"),
    # 'single quotes' only when they cannot be an apostrophe (don't, it's)
    re.compile(r"(?:(?<=^)|(?<=[\s:(]))'([^']+)'(?=$|[\s,.;:!?)])"),
]
# An unquoted title after "title:", up to "for 3 s", a comma or the end.
_BARE_TITLE = re.compile(
    r"((?:title|caption|heading|text|标题|字幕)\s*[:：]\s*)([^,;\n\x01]+?)"
    r"(?=\s+(?:for|at|from|during)\s+\S|[,;\n]|$)", re.IGNORECASE)


def extract_quotes(text: str) -> tuple[str, list[str]]:
    """Replace quoted texts by markers; returns the new text and the quoted texts in order."""
    found: list[str] = []

    def mark(quoted: str) -> str:
        found.append(quoted.strip())
        return f" {QUOTE_MARK}{len(found) - 1}{QUOTE_MARK} "

    for pattern in _QUOTES:
        text = pattern.sub(lambda m: mark(m.group(1)), text)
    text = _BARE_TITLE.sub(lambda m: m.group(1) + mark(m.group(2)), text)
    return text, found


# Normalising ----------------------------------------------------------------------------

_TYPOS = {
    "musc": "music", "muisc": "music", "msuic": "music", "musik": "music", "muzic": "music",
    "musci": "music", "mucis": "music", "volumn": "volume", "volum": "volume",
    "voulme": "volume", "vloume": "volume", "volme": "volume", "fadeout": "fade out",
    "fadein": "fade in", "quiter": "quieter", "quietr": "quieter", "lauder": "louder",
    "orignal": "original", "orginal": "original", "origional": "original", "secs": "seconds",
    "sec": "seconds", "lowfi": "lofi", "normalise": "normalize", "normalised": "normalized",
    "normalisation": "normalization", "tittle": "title", "titel": "title", "vid": "video",
    "mins": "minutes", "min": "minutes", "pls": "please", "plz": "please", "bgm": "music",
}
_KEYWORDS = (
    "background", "volume", "quieter", "louder", "softer", "original", "vertical",
    "horizontal", "landscape", "portrait", "square", "normalize", "loudness", "cinematic",
    "upbeat", "energetic", "relaxing", "seconds", "minutes", "percent", "instagram",
    "music", "fade", "title", "ducking", "widescreen", "soundtrack", "remove",
)
_NEVER_CORRECT = frozenset({"normal", "quiet", "louds", "little", "later", "letter", "minute", "second", "settle",
                            "subtitle", "titles", "faded", "fades", "played", "player"})
_WORD = re.compile(r"[a-z]+")

_UNITS = {w: i for i, w in enumerate((
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen"))}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}
_NUMBER_WORDS = re.compile(
    r"\b(?:(" + "|".join(_TENS) + r")(?:[\s-](" + "|".join(list(_UNITS)[1:10]) + r"))?|("
    + "|".join(_UNITS) + r")|(a hundred|one hundred|hundred))\b"
    r"(?=\s*-?\s*(?:seconds?|minutes?|percent|%|db|s\b|lufs|p\b))")
_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}
_CN_NUMBER = re.compile(r"([零一二两三四五六七八九十百]+)(?=\s*(?:秒|分|%|percent))")


def _cn_number(text: str) -> int:
    """三十 -> 30, 十五 -> 15, 一百 -> 100, 五 -> 5."""
    if "百" in text:
        head, _, rest = text.partition("百")
        return _CN_DIGITS.get(head, 1) * 100 + (_cn_number(rest) if rest else 0)
    if "十" in text:
        head, _, rest = text.partition("十")
        return _CN_DIGITS.get(head, 1) * 10 + _CN_DIGITS.get(rest, 0)
    return _CN_DIGITS.get(text, 0)


def _english_number(m: re.Match[str]) -> str:
    if m.group(4):
        return "100"
    if m.group(3):
        return str(_UNITS[m.group(3)])
    return str(_TENS[m.group(1)] + (_UNITS[m.group(2)] if m.group(2) else 0))


def _fix_word(m: re.Match[str]) -> str:
    word = m.group(0)
    if word in _TYPOS:
        return _TYPOS[word]
    if len(word) < 5 or word in _KEYWORDS or word in _NEVER_CORRECT:
        return word
    close = difflib.get_close_matches(word, _KEYWORDS, n=1, cutoff=0.86)
    return close[0] if close else word


_BOTH_FADES = re.compile(
    r"fade\s+(?:it\s+|the\s+music\s+|the\s+song\s+)?in\s*(?:and|&|/|\+)\s*(?:fade\s+)?"
    r"(?:it\s+)?out\b([^,;.]*)")


def normalise(text: str) -> str:
    """Lower case, one spelling per word, digits for numbers, 'fade in and out' as two fades."""
    text = unicodedata.normalize("NFKC", text).replace("’", "'").replace("‘", "'").lower()
    text = re.sub(r"百分之\s*([零一二两三四五六七八九十百\d]+)", r"\1%", text)
    text = _CN_NUMBER.sub(lambda m: str(_cn_number(m.group(1))), text)
    text = re.sub(r"\bhalf an? minute\b", "30 seconds", text)
    text = re.sub(r"\bhalf a second\b", "0.5 seconds", text)
    text = re.sub(r"\b(?:a|one) (second|minute)\b", r"1 \1", text)
    text = re.sub(r"\b(?:lo[\s-]fi|low[\s-]fi)\b", "lofi", text)
    text = re.sub(r"\bfade[\s-]?(in|out)\b", r"fade \1", text)
    text = _WORD.sub(_fix_word, text)
    text = _NUMBER_WORDS.sub(_english_number, text)
    text = _BOTH_FADES.sub(lambda m: f"fade in{m.group(1)}, fade out{m.group(1)}", text)
    text = text.replace("淡入淡出", "淡入,淡出")
    text = re.sub(r"\bbetween\s+([\d:.]+\s*\w*)\s+and\s+", r"from \1 to ", text)
    return " ".join(text.split())


_CLAUSE_BREAK = re.compile(
    r"[,;!?。；！？、\n]|\.(?!\d)|\s+(?:and|then|also|plus|but|&)\s+|然后|并且|并|同时|再把|还有")


def clauses(text: str) -> list[str]:
    """Split a normalised instruction into requests: "a, b and c" -> ["a", "b", "c"]."""
    return [c.strip() for c in _CLAUSE_BREAK.split(text) if c and c.strip()]


# Times -----------------------------------------------------------------------------------

_CLOCK = r"(?<![\d:.])(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.(\d+))?(?![\d:])"
_MIN_SEC = (r"(\d+)\s*(?:m|minutes?|分钟?)\s*(?:and\s+)?(\d+(?:\.\d+)?)\s*"
            r"(?:s|seconds?|秒钟?)(?![a-z])")
_AMOUNT = (r"(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|seconds?|m|minutes?|h|hours?|秒钟?|分钟?)"
           r"(?![a-z])")
TIME = re.compile(f"(?:{_CLOCK})|(?:{_MIN_SEC})|(?:{_AMOUNT})")
"""A time or a duration: 0:05, 1:02:03, 1m30s, 90 seconds, 2.5s, 500 ms, 3秒."""


def time_ms(m: re.Match[str]) -> float:
    """Milliseconds of a TIME match."""
    g = m.groups()
    if g[0] is not None:
        if g[2] is not None:  # h:mm:ss
            seconds = int(g[0]) * 3600 + int(g[1]) * 60 + int(g[2])
        else:
            seconds = int(g[0]) * 60 + int(g[1])
        return (seconds + (float("0." + g[3]) if g[3] else 0.0)) * 1000
    if g[4] is not None:
        return (int(g[4]) * 60 + float(g[5])) * 1000
    value, unit = float(g[6]), g[7]
    if unit.startswith("ms") or unit.startswith("milli"):
        return value
    if unit.startswith("h"):
        return value * 3_600_000
    if unit.startswith("m") or unit.startswith("分"):
        return value * 60_000
    return value * 1000


@dataclass(frozen=True)
class Found:
    """A time found in a clause: where, and how many milliseconds."""

    start: int
    end: int
    ms: float


def times(text: str) -> list[Found]:
    return [Found(m.start(), m.end(), time_ms(m)) for m in TIME.finditer(text)]


def say_time(ms: float) -> str:
    """2000 -> '2 s', 2500 -> '2.5 s', 90000 -> '1:30'."""
    seconds = round(ms / 1000, 1)
    if seconds < 60:
        return f"{seconds:g} s"
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def say_clock(ms: float) -> str:
    """5000 -> '0:05', 90500 -> '1:30.5'."""
    seconds = round(ms / 1000, 1)
    whole = int(seconds)
    tail = f"{seconds - whole:.1f}"[1:] if seconds != whole else ""
    return f"{whole // 60}:{whole % 60:02d}{tail}"


def say_percent(volume: float) -> str:
    return f"{round(volume * 100)}%"
