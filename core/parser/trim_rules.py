"""The parser's rule for the video's own cut points: trims, ranges and single cut times.

Read after the fades and the music's fit (core/parser/instructions.py `_read`), before the
music's own times: a request that names the music ("stop the music at 0:20") is left to the
music's rules. Times are read in every written form by core/parser/phrases.py T and TU, after
core/parser/spoken.py wrote ratios and spoken times once.
"""

from __future__ import annotations

import re

from core.local.edits import EditPlan
from core.parser import phrases as w
from core.parser.phrases import TU, Clause, T, seconds

__all__ = ["trim"]

_IT = r"(?:it\s+|the\s+(?:video|clip)\s+|this\s+|everything\s+)?"
_CUT_POINTS: list[tuple[str, str]] = [
    # "cut at 1:30", "cut it off after 90s", "end at 1:30" (a bare "end/stop at" is the video's:
    # "stop it at" and "stop the music at" stay the music's, core/parser/instructions.py _until)
    (rf"\b(?:cut|trim|chop|clip)\w*\s+{_IT}(?:off\s+)?(?:at|after)\s+({T})"
     rf"|\b(?:end|ends|stop|stops|finish|finishes)\s+(?:at|after)\s+({T})"
     rf"|\b(?:delete|remove|drop|lose|get\s+rid\s+of|cut\s+out|cut\s+off|chop\s+off|skip)\s+"
     rf"(?:the\s+(?:part|bit|rest)\s+|everything\s+)?from\s+({T})\s+(?:to|until|till|through)\s+"
     rf"the\s+(?:very\s+)?end\b|(?:删掉|去掉|删除|剪掉)(?:从)?\s*({TU})\s*(?:到|至)(?:最后|结尾|结束)"
     rf"|\b{w.DROP_VERBS}(?:everything|all|anything|the\s+rest)\s+(?:after|past|beyond|from)\s+"
     rf"({T})|\b(?:keep|only|just)\s+(?:(?:the\s+)?(?:video|clip)\s+)?(?:only\s+|just\s+)?"
     rf"({TU})(?!\s*(?:of|from|in|into)\b)"
     rf"|在\s*({TU})\s*(?:处|的地方|的位置|时)?\s*(?:剪掉|剪断|截断|剪|截|结束|停)"
     rf"|(?:剪到|剪成|裁到|裁成|截到|截成|缩短到|剪短到|保留到|只保留到|只要到)\s*({T})"
     rf"|(?:剪掉|去掉|删掉|删除)\s*({TU})\s*(?:以后|之后|后面|后)的?(?:部分|内容)?"
     rf"|({TU})\s*(?:以后|之后|后面)的?(?:部分|内容)?(?:都)?(?:剪掉|去掉|删掉|删除|不要)"
     # "keep up to 10:30", "everything after 10:30 can go", "nothing after 10:30"
     rf"|\b(?:keep|only|just)\s+(?:keep\s+)?(?:(?:the\s+)?(?:video|clip|everything|it)\s+)?"
     rf"(?:up\s+to|until|till)\s+({T})|\beverything\s+(?:after|past|beyond)\s+({T})\s+(?:can|"
     rf"should|has\s+to|must|needs\s+to)\s+go\b|\bnothing\s+(?:after|past|beyond)\s+({T})",
     "first"),
    # "cut from 1:30" (to the end: a range with no end), "skip to 1:30", "cut everything before"
    (rf"\b(?:cut|trim|keep|play|show|use)\w*\s+{_IT}(?:from|starting\s+(?:at|from))\s+({T})"
     rf"(?:\s+(?:to|until|till)\s+the\s+end|\s+on(?:wards?)?)?|\bskip\s+(?:ahead\s+)?to\s+({T})"
     rf"|\b{w.DROP_VERBS}(?:everything|all|anything)\s+(?:before|up\s+to|until|till)\s+({T})"
     rf"|(?:剪掉|去掉|删掉|删除)\s*({TU})\s*(?:以前|之前|前面)的?(?:部分|内容)?"
     rf"|从\s*({TU})\s*(?:开始)?(?:剪|截|保留|留下)(?:到(?:最后|结尾|结束))?"
     rf"|\b(?:trim|cut|make)\s+(?:the\s+video\s+|it\s+)?(?:to\s+)?start\s+(?:at|from)\s+({T})"
     rf"|\b(?:trim|cut|chop)\s+(?:the\s+)?(?:start|beginning|front)\s+(?:by|to)\s+({T})"
     rf"|(?:去掉|剪掉|删掉|删除|不要)(?:开头|前面)的?\s*({TU})"
     rf"|把?\s*(?:开头|前面|前)的?\s*({TU})\s*(?:剪掉|去掉|删掉|删除|不要)", "drop_first"),
    (rf"\b(?:trim|cut|chop)\s+(?:the\s+)?end\s+by\s+({T})"
     rf"|(?:去掉|剪掉|删掉|删除|不要)(?:结尾|最后面|后面)的?\s*({TU})"
     rf"|把?\s*(?:结尾|最后|后面)的?\s*({TU})\s*(?:剪掉|去掉|删掉|删除|不要)", "drop_last"),
]
"""Cut points said as one time: where the video ends, or where it starts."""

_LENGTH_AFTER = (
    rf"\b(?:keep|use|take|only|just|cut|trim)\s+(?:the\s+|only\s+|just\s+)?({TU})\s+(?:from|"
    rf"starting\s+(?:at|from)|after|beginning\s+at)\s+({T})(?!\s*(?:to|until|till|-)\s*\d)"
    rf"|(?:^|\b(?:keep|use|take|cut|trim|play|show)\s+(?:it\s+|the\s+video\s+)?)(?:from|starting"
    rf"\s+at)\s+({T})\s+(?:for|lasting)\s+(?:the\s+next\s+)?({TU})"
    rf"|从\s*({TU})\s*(?:开始|起)?\s*(?:保留|截取|剪|留下?|只要)\s*({TU})")
"""A start and a length: "keep 30 seconds from 1:00", "from 1:00 for 30 s", "从1分钟开始保留30秒"
(the music's own "music from 1:00 for 30 s" never gets here: `trim` leaves the music's words)."""


def _start_and_length(c: Clause) -> tuple[float, float] | None:
    """(start, length) in ms of a part said as where it starts and how long it lasts."""
    m = c.take(_LENGTH_AFTER)
    if m is None:
        return None
    g = m.groups()
    if g[0] is not None:
        return seconds(g[1]), seconds(g[0])
    start, length = (g[2], g[3]) if g[2] is not None else (g[4], g[5])
    return seconds(start), seconds(length)


_BOTH = (rf"{w.DROP_VERBS}({TU})\s+(?:from|off|at|of)\s+(?:both|each)\s+(?:ends|sides|end)\b"
         rf"|(?:两头|首尾|前后)各(?:剪掉|去掉|删掉|剪)?\s*({TU})")
_THE_OTHER_END = (rf"^\W*(?:(?:and|also|plus)\s+)?(?:{w.DROP_VERBS})?(?:the\s+)?"
                  rf"(?:(last|final|first)\s+({T})|({TU})\s+(?:from|off|at|of)\s+the\s+(end|start|beginning|front))"
                  rf"(?:\s+too|\s+as\s+well)?\W*$|^\W*(?:再)?(?:去掉|剪掉|删掉)?(最后|后|前)\s*({T})\W*$")


def _both_ends(c: Clause, plan: EditPlan) -> bool:
    """Cuts at both ends: "trim 2 s off both ends", and a second request naming the other end
    after a cut at one ("cut the first 5 seconds and the last 5 seconds", "cut 5 s from the
    start and 5 s from the end"), which alone has no verb."""
    if m := c.take(_BOTH):
        each = seconds(next(g for g in m.groups() if g))
        plan.trim = ("drop_both", each, each)
        return True
    if plan.trim is None or plan.trim[0] not in ("drop_first", "drop_last"):
        return False
    m = re.search(_THE_OTHER_END, c.text)
    if m is None:
        return False
    g = m.groups()
    end, said = ((g[0], g[1]) if g[0] else (g[3], g[2]) if g[2] else (g[4], g[5]))
    at_end = end in ("last", "final", "end", "最后", "后")
    kind, first_cut = plan.trim[0], plan.trim[1]
    if at_end == (kind == "drop_last"):
        return False  # the same end again: the usual rules read it (the later one wins)
    c.take(_THE_OTHER_END)
    cut = seconds(said)
    plan.trim = (("drop_both", first_cut, cut) if kind == "drop_first"
                 else ("drop_both", cut, first_cut))
    return True


_MIDDLE_CUT = (rf"\b(?:delete|remove|cut\s+out|take\s+out|drop|get\s+rid\s+of|lose|skip|chop\s+out)"
               rf"\s+(?:the\s+|that\s+)?(?:(?:part|bit|section|piece|segment|stretch|scene)\s+)?"
               rf"(?:between\s+|from\s+)?(?:seconds?\s+|secs?\s+)?({T})\s*(?:to|and|until|till"
               rf"|through|-|–)\s*({T})"
               rf"|\b(?:cut|take|chop|snip)\s+(?:the\s+(?:part|bit|section)\s+)?(?:between\s+|from\s+)?"
               rf"({T})\s*(?:to|and|until|till|through|-|–)\s*({T})\s+out\b"
               rf"|\b(?:cut|remove|delete|take)\s+(?:out\s+)?the\s+middle\b(?!\s+\d)"
               rf"|(?:删掉|去掉|删除|剪掉)(?:中间)?(?:从)?\s*({TU})\s*(?:到|至|-)\s*({TU})"
               rf"|(?:删掉|去掉|删除|剪掉)中间"
               rf"|把\s*(?:从)?\s*({TU})\s*(?:到|至|-)\s*({TU})\s*(?:的部分|这段|之间的?)?\s*"
               rf"(?:删掉|去掉|删除|剪掉)")


_ONE_TIME: list[tuple[str, str]] = [*_CUT_POINTS,
    (rf"{w.KEEP_VERBS}\s+(?:the\s+)?first\s+({T})|\bfirst\s+({T})\s+only"
     rf"|(?:只要|保留|剪到|剪成|裁成|截取|只保留|留下)前\s*({T})", "first"),
    (rf"{w.KEEP_VERBS}\s+(?:the\s+)?(?:last|final)\s+({T})|\b(?:last|final)\s+({T})\s+only"
     rf"|(?:只要|保留|截取|只保留)(?:最后|后)\s*({T})", "last"),
    (rf"{w.KEEP_VERBS}\s+(?:the\s+)?(?:middle|central|center|centre)\s+({T})"
     rf"|\b(?:middle|central)\s+({T})\s+only|(?:只要|保留|截取|只保留)中间(?:的)?\s*({T})",
     "middle"),
    (rf"{w.DROP_VERBS}(?:the\s+)?first\s+({T})|(?:去掉|剪掉|删掉)前\s*({T})", "drop_first"),
    (rf"{w.DROP_VERBS}(?:the\s+)?(?:last|final)\s+({T})|(?:去掉|剪掉|删掉)(?:最后|后)\s*({T})",
     "drop_last"),
    (rf"\b(?:trim|cut|shorten|clip|reduce)\s+(?:it\s+|the\s+video\s+|this\s+|the\s+clip\s+)?"
     rf"(?:down\s+)?to\s+({T})|\bmake\s+it\s+({T})\s+long|^\s*make\s+(?:it|the\s+video)\s+"
     rf"(?:only\s+)?({TU})\s*$", "first"),
    (rf"{w.DROP_VERBS}({TU})\s+(?:from|at|off|of)\s+the\s+(?:start|beginning|front)",
     "drop_first"),
    (rf"{w.DROP_VERBS}({TU})\s+(?:from|at|off|of)\s+the\s+end", "drop_last"),
    # "shorten it by 5 seconds", "make it 5 s shorter", "把视频缩短5秒": off the end
    (rf"\b(?:shorten|reduce)\s+(?:it|the\s+(?:video|clip))?\s*by\s+({T})|\bmake\s+(?:it|the\s+"
     rf"(?:video|clip))\s+({TU})\s+shorter\b|(?:把)?(?:视频)?(?:缩短|减少|短)\s*({TU})",
     "drop_last"),
    # a part said alone: "first 10 seconds", "last 10 s", "前十秒", "视频只要10秒"
    (rf"^\W*(?:the\s+)?first\s+({TU})\W*(?:please)?\W*$|^\W*前\s*({TU})\W*$"
     rf"|(?:视频)?只要\s*({TU})(?!\s*(?:音乐|的音乐))", "first"),
    (rf"^\W*(?:the\s+)?(?:last|final)\s+({TU})\W*(?:please)?\W*$|^\W*最后\s*({TU})\W*$",
     "last"),
]
"""Every request said with one time, in the order tried: the cut points, then keeping or
dropping the first or last part, lengths and parts said alone."""


WHICH_PART = 'not done: tell me which part to cut out, e.g. "delete 0:05 to 0:12"'


def trim(c: Clause, plan: EditPlan) -> None:
    """Where the video starts and ends: "cut at 1:30", "keep the first 90s", "从10秒到20秒"."""
    if (c.has(w.MUSIC) or (c.after_music and c.has(r"\bskip\b"))) and not c.has(w.VIDEO_WORDS):
        return
    if c.take(r"\b(?:cut|chop|trim)\s+(?:it\s+|the\s+(?:video|clip)\s+)?in\s+half\b"
              r"|对半剪|剪一半"):
        plan.notes.append('not done: which half? Say "keep the first half" or "keep the second '
                          'half"')
        return
    if c.take(r"\b(?:no\s+trim\w*|don'?t\s+trim|untrim|full\s+length|(?:use|keep|restore|"
              r"back\s+to|show)\s+the\s+(?:whole|full|entire)\s+(?:video|clip)|"
              r"(?:remove|undo|cancel|reset|drop)\s+the\s+(?:trim|cuts?)|(?:put|bring)\s+(?:back\s+)?the\s+(?:cut\s+)?"
              r"parts?\s+back|no\s+cuts?|uncut)\b|^\W*(?:the\s+)?(?:whole|full|entire)\s+(?:video|clip)"
              r"\W*$|完整视频|不要剪|恢复原长"):
        plan.trim = ("reset", 0.0, 0.0)
        return
    if m := c.take(rf"\b(?:start|begin)\w*\s+(?:the\s+)?(?:video|clip)\s+(?:at|from|after)\s+({T})"
                   rf"|\b(?:video|clip)\s+(?:should\s+)?(?:start|begin)s?\s+(?:at|from|after)\s+({T})"):
        plan.trim = ("drop_first", seconds(next(g for g in m.groups() if g)), 0.0)
        return
    if m := c.take(rf"\b(?:end|stop|finish)\w*\s+(?:the\s+)?(?:video|clip)\s+(?:at|after)\s+({T})"
                   rf"|\b(?:video|clip)\s+(?:should\s+)?(?:end|stop)s?\s+(?:at|after)\s+({T})"):
        plan.trim = ("first", seconds(next(g for g in m.groups() if g)), 0.0)
        return
    if _both_ends(c, plan):
        return
    if span := _start_and_length(c):
        plan.trim = ("range", span[0], span[0] + span[1])
        return
    if cut := c.take(_MIDDLE_CUT):
        said = [g for g in cut.groups() if g]
        if said:  # a part that touches an end is a cut at that end (core/local/edits.py)
            if plan.trim is not None and plan.trim[0] == "cut_out":  # "… and 0:15-0:18"
                plan.more_cuts.append((plan.trim[1], plan.trim[2]))
            plan.trim = ("cut_out", seconds(said[0], said[1]), seconds(said[1]))
        else:
            plan.notes.append(WHICH_PART)
        return
    trim_words = r"\b(?:trim|cut|keep|only|just|clip|shorten|use|crop)\b|剪|截取|保留|只要"
    rng = c.take(rf"(?:\bfrom\s+|从\s*)?({T})\s*(?:to|until|till|through|-|–|~|到|至)\s*({T})")
    if rng and (c.has(trim_words) or re.match("from|从", rng.group(0)) or not c.text.strip()):
        a, b = seconds(rng.group(1), rng.group(2)), seconds(rng.group(2))
        plan.trim = ("range", a, b)  # one that ends before it starts is said (core/local/edits.py)
        return
    for pattern, kind in _ONE_TIME:
        m = c.take(pattern)
        if m:
            plan.trim = (kind, seconds(next(g for g in m.groups() if g)), 0.0)
            return
