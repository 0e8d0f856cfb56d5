"""The parser's rules for a part of the video: a dip or lift of the music there ("quieter for
the first 5 seconds", "louder after 0:10"), a gap in it ("mute the music from 0:10 to 0:15",
"no music in the last 5 seconds") and the clip's own sound for a part ("mute my voice for the
first 3 seconds"). Each comes back after its part: a span in the track's envelope, placed on
the output's timeline by core/local/edit_music.py and core/local/edits.py.
"""

from __future__ import annotations

import re

from core.local.edits import EditPlan
from core.parser import phrases as w
from core.parser.phrases import TU, Clause, T, seconds
from core.parser.phrases import WINDOWS as _WINDOWS
from core.parser.sound_rules import levels

__all__ = ["WINDOW_MS", "music_gap", "window"]

WINDOW_MS = 5000.0
"""The length of "at the start" / "at the end" when no time is said."""


_OFF_VERBS = (r"(?:mute\w*|silence|pause|kill|cut\s+out|turn\s+off|switch\s+off|no|without"
              r"|take\s+out|drop|remove)")
_MUSIC_OFF = (rf"\b{_OFF_VERBS}\s+(?:the\s+|my\s+|any\s+|all\s+)?(?:background\s+)?(?:{w.MUSIC})"
              rf"|\b(?:music|song|track)\s+(?:\w+\s+)?(?:off|muted|silent|paused|out)\b"
              rf"|\btake\s+(?:the\s+)?(?:music|song)\s+out\b"
              r"|(?:没有|不要|去掉|关掉|关闭)(?:背景)?(?:音乐|配乐)|(?:音乐|配乐)(?:静音|关掉|暂停|停)")
"""Words that turn the music off: the verb goes with the music ("mute the music", "music off")."""
_FOR_AT = (rf"\bfor\s+({TU})\s+(?:at|from|starting\s+(?:at|from)|after)\s+({T})"
           rf"|\b(?:at|from|starting\s+(?:at|from))\s+({T})\s+for\s+(?:the\s+next\s+)?({TU})")
_LAST = (rf"\b(?:(?:for|in|during|over|at)\s+)?(?:the\s+)?(?:last|final)\s+({T})"
         rf"|(?:在)?最后\s*({T})")
_RANGE = (rf"\b(?:from|between)\s+({T})\s*(?:to|until|till|and|-|–)\s*({T})"
          rf"|(?:从|在)?\s*({T})\s*(?:到|至|-|–|~)\s*({T})")


def set_window(plan: EditPlan, window: tuple[str, float, float, str, float]) -> None:
    """The plan's level for a part; one said before in the same message is kept too."""
    if plan.window is not None:
        plan.more_windows.append(plan.window)
    plan.window = window


def music_gap(c: Clause, plan: EditPlan) -> bool:
    """No music for a part of the video: "mute the music from 0:10 to 0:15", "silence the
    music for 5 seconds at 0:10", "no music between 10 and 15 s", "0:10到0:15没有音乐", "no
    music in the last 5 seconds". The music's level drops to nothing there and comes back
    after (a gap in its envelope, not a removal or a move); a gap from 0:00 is a later start
    (and "the first N seconds" stays the start rule's, core/parser/music_times.py)."""
    if not c.has(_MUSIC_OFF) or c.has(w.ORIGINAL):
        return False
    if m := c.take(_FOR_AT):
        g = m.groups()
        length, at = (g[0], g[1]) if g[0] else (g[3], g[2])
        a, b = seconds(at), seconds(at) + seconds(length)
    elif m := c.take(_RANGE):
        said = [x for x in m.groups() if x]
        a, b = seconds(said[0], said[1]), seconds(said[1])
    elif m := c.take(_LAST):  # "no music in the last 5 s": silent to the end
        c.take(_MUSIC_OFF)
        set_window(plan, ("last", 0.0, seconds(next(g for g in m.groups() if g)), "abs", 0.0))
        return True
    else:
        return False
    c.take(_MUSIC_OFF)
    if b <= a:
        plan.notes.append("not done: that part ends before it starts")
    elif a < 100:
        plan.start = b  # "no music from 0:00 to 0:05": it comes in at 0:05
    else:
        set_window(plan, ("range", a, b, "abs", 0.0))
    return True


_GRADUAL = (r"\b(?:gradual(?:ly)?|slowly|progressively|little\s+by\s+little|bit\s+by\s+bit"
            r"|steadily|over\s+time)\b|逐渐|慢慢|渐渐|越来越")
_BUILD = r"\b(?:build(?:s|ing)?\s+(?:it\s+|the\s+music\s+)?up|crescendo|swell)\b"
_WHOLE = (r"\b(?:over|across|throughout|during|for)\s+(?:the\s+)?(?:whole|entire|full)\s+(?:video"
          r"|clip|thing)\b|\bthroughout\b|整个视频")


def gradual(c: Clause, plan: EditPlan) -> bool:
    """A gradual change of the music's level: "make the music gradually louder", "slowly
    quieter over the last 10 seconds", "build up to 80% from 0:10 to 0:20", "音乐越来越大".
    Louder doubles the level, quieter takes it to 40% of it, unless a level is said; the
    change runs over the whole video unless a part is said, and its level stays after."""
    if c.has(r"\bfad|淡"):
        c.take(_GRADUAL)  # "gradually fade out": a fade is gradual
        return False
    build = c.take(_BUILD) is not None
    if not (build or c.has(_GRADUAL)) or (c.has(w.ORIGINAL) and not c.has(w.MUSIC)):
        return False
    up = build or c.has(w.LOUDER) or c.has(r"越来越(?:大|响)|变(?:大|响)")
    if not (up or c.has(w.QUIETER) or c.has(r"越来越(?:小|轻)|变(?:小|轻)")):
        return False
    c.take(_GRADUAL)
    c.take(r"越来越(?:大声?|响|小声?|轻)|变(?:大声?|响|小声?|轻)")
    c.take(_WHOLE)
    found = next(((p, k, m) for p, k in _WINDOWS if (m := re.search(p, c.text))), None)
    if found is not None:
        c.take(found[0])
    level = levels(c) if c.has(r"\d|\bhal(?:f|ve)\b|\bdouble\b|\btwice\b|\bmax|\bmin") else None
    while c.take(w.QUIETER) or c.take(w.LOUDER):
        pass
    how, value = level if level is not None and level[0] == "abs" else (
        "factor", level[1] if level is not None else 2.0 if up else 0.4)
    if found is None:
        plan.ramp = ("range", 0.0, w.MAX_MS, how, value)
    else:
        kind, said = found[1], [g for g in found[2].groups() if g]
        plan.ramp = _anchored(kind, *_span(kind, said), how, value)
    return True


_LEVEL_ONLY = r"\b(?:at|to)\s+\d{1,3}(?:\.\d+)?\s*(?:%|percent)|\bfull\s+volume\b"
"""A level said with a number: with music already there and a part of the video, a level for
that part ("music at 30% for the last 10 seconds"), not a new place for the music."""
_PLACES = r"\b(?:add|put|play|use|start\w*|only|begin\w*|insert|bring)\b|加|放|只"


def window(c: Clause, plan: EditPlan, has_music: bool = False) -> None:
    """A level for part of the video ("quieter for the first 5 seconds", "louder from 0:10 to
    0:20", "quieter at the start"): a dip in the music's level, which comes back after it."""
    if _original_window(c, plan, has_music) or music_gap(c, plan) or gradual(c, plan):
        return
    level_only = has_music and c.has(_LEVEL_ONLY) and not c.has(_PLACES)
    if not (c.has(w.QUIETER) or c.has(w.LOUDER) or level_only):  # "music at 10% from 0:10"
        return  # with no music yet places it
    if c.has(r"\bfad|淡|\bstart\w*\s+(?:the\s+)?(?:music|song)|\b(?:music|song)\s+start") or (
            c.has(w.ORIGINAL) and not c.has(w.MUSIC)):
        return  # fades have their own rules
    found = next(((p, k, m) for p, k in _WINDOWS if (m := re.search(p, c.text))), None)
    if found is None:
        return
    pattern, kind, m = found
    said = [g for g in m.groups() if g]
    before = c.text
    c.take(pattern)
    level = levels(c)
    if level is None:
        c.text = before  # a window with no level words is someone else's
        return
    how, value = level
    while c.take(w.QUIETER) or c.take(w.LOUDER):  # "lower it to 10%": the words are the dip's
        pass
    if how == "factor":  # a dip is heard as one: stronger than the plain "quieter" step
        value = {0.85: 0.7, 0.7: 0.45, 0.5: 0.25}.get(round(value, 2), value) if value < 1 else (
            {1 / 0.85: 1.4, 1 / 0.7: 1.8, 2.0: 2.5}.get(value, value))
    a, b = _span(kind, said)  # "louder after 0:10": from there to the end
    set_window(plan, _anchored(kind, a, b, how, value))


def _anchored(kind: str, a: float, b: float, how: str,
              value: float) -> tuple[str, float, float, str, float]:
    return ("last" if kind in ("last", "end") else kind if kind == "after" else "range",
            a, b, how, value)


def _span(kind: str, said: list[str]) -> tuple[float, float]:
    """A window's (a, b) in ms as said ("last" and "after" are placed by the edit)."""
    if kind == "range":
        return seconds(said[0], said[1]), seconds(said[1])
    if kind in ("for_at", "at_for"):  # "for 3 s at 0:10", "at 0:10 for 3 s"
        at, length = (said[1], said[0]) if kind == "for_at" else (said[0], said[1])
        return seconds(at), seconds(at) + seconds(length)
    if kind == "around":  # "around 0:15": a few seconds either side
        return max(seconds(said[0]) - WINDOW_MS / 2, 0.0), seconds(said[0]) + WINDOW_MS / 2
    if kind in ("first", "last"):
        return 0.0, seconds(said[0])
    if kind == "after":
        return seconds(said[0]), 0.0
    return 0.0, WINDOW_MS


_MUTE_WORDS = (r"\b(?:mute\w*|silence|silent|turn\s+off|kill|remove|cut\s+out|no|off)\b"
               r"|静音|关掉|去掉|不要")
_UNMUTE = (r"\bun-?mute\w*|\bbring\s+(?:back\s+)?(?:my\s+|the\s+)?(?:own\s+)?(?:sound|voice|audio)"
           r"(?:\s+back)?|\brestore\s+(?:my\s+|the\s+)?(?:sound|voice|audio)|取消静音|恢复(?:原声|声音)")
_ABOUT_ORIGINAL = (r"^\W*(?:please\s+)?(?:mute|silence)\b|静音|\bno\s+(?:sound|audio)\b|"
                   + _UNMUTE + r"|\b(?:sound|audio)\s+off\b")


def _original_window(c: Clause, plan: EditPlan, has_music: bool = False) -> bool:
    """The clip's own sound for part of the video: "mute my voice for the first 3 seconds",
    "mute the first 5 seconds", "lower my audio to 20% from 0:10 to 0:20", "前3秒静音".
    "Everything" / "no sound at all" there silences the music there too."""
    if c.has(w.MUSIC) or not (c.has(w.ORIGINAL) or c.has(_ABOUT_ORIGINAL)):
        return False
    found = next(((p, k, m) for p, k in _WINDOWS if (m := re.search(p, c.text))), None)
    if found is None:
        return False
    pattern, kind, m = found
    before = c.text
    c.take(pattern)
    unmute = c.take(_UNMUTE) is not None  # "unmute the first 5 seconds": heard only there
    level: tuple[str, float] | None = ("abs", 1.0) if unmute else (
        ("abs", 0.0) if c.has(_MUTE_WORDS) else levels(c))
    if level is None:
        c.text = before
        return False
    how, value = level
    if how == "factor" and value < 1:  # a dip is heard as one, as for the music
        value = {0.85: 0.7, 0.7: 0.45, 0.5: 0.25}.get(round(value, 2), value)
    c.take(_MUTE_WORDS)
    c.take(w.ORIGINAL)
    while c.take(w.QUIETER) or c.take(w.LOUDER):
        pass
    a, b = _span(kind, [g for g in m.groups() if g])
    plan.original_window = _anchored(kind, a, b, how, value)
    if has_music and value == 0.0 and re.search(_ALL_SOUND, c.said):
        set_window(plan, plan.original_window)  # the music is silent there as well
    return True


_ALL_SOUND = (r"\beverything\b|\ball\s+(?:the\s+)?(?:sound|audio)\b"
              r"|\bno\s+(?:sound|audio)\s+at\s+all\b|\b(?:total|complete)\s+silence\b|全部静音|完全静音|所有声音")
