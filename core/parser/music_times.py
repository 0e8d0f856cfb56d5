"""The parser's rules for where and how the music plays: fades, fit (loop, once, to the
end), its start and end on the video, and the point in the song it starts from.

Each rule reads a `Clause` (core/parser/phrases.py), blanks the words it used and fills the
`EditPlan`; core/parser/instructions.py calls them in a fixed order (fades and fit before the
video's trim, then the music's end, the song offset and the start).
"""

from __future__ import annotations

import re

from core.draft import Draft
from core.local.edits import DEFAULT, Context, EditPlan
from core.parser import phrases as w
from core.parser.phrases import TU, Clause, T, seconds
from core.timeline.convert import timeline_of

__all__ = ["fades", "fit", "offset", "start", "until", "video_length"]


_PICTURE_FADE = (r"\bfad(?:e|es|ed|ing)\s+(?:in\s+|out\s+)?(?:the\s+|my\s+)?(?:video|picture|image|"
                 r"screen|clip|footage)(?:\s+(?:in|out)(?:\s+and\s+(?:in|out))?)?\b"
                 r"|\bfad(?:e|es|ed|ing)\s+(?:\w+\s+)?(?:to|from|into|out\s+to|in\s+from)\s+"
                 r"(?:black|white)\b|\b(?:dip|cut)\s+to\s+black\b|黑场|渐黑|画面淡[入出]")
"""Fades of the picture, which Backtrack does not make (it fades music)."""


_FADE_BEGINS = (
    rf"\b(?:start|begin)\w*\s+(?:the\s+|to\s+)?fad(?:e|ing)(?:[\s-]+(?:it\s+|the\s+(?:music|song)"
    rf"\s+)?out)?\s+(?:at|from|after)\s+({TU})|\bfad(?:e|ing)[\s-]*out\s+(?:should\s+)?"
    rf"(?:starts?|begins?)\s+(?:at|from)\s+({TU})|\bfade\s+(?:it\s+|the\s+(?:music|song)\s+)?"
    rf"out\s+(?:from|starting\s+(?:at|from)|beginning\s+at)\s+({TU})"
    rf"|(?:从|在)\s*({TU})\s*(?:开始|起)\s*(?:音乐)?淡出")
"""A fade out said by where it begins ("fade out from 0:25"): it lasts to the music's end."""


def _fades_off(c: Clause, plan: EditPlan) -> bool:
    """Picture fades (said not done), "no fades", and a fade out said by where it begins."""
    if c.take(_PICTURE_FADE):
        plan.notes.append("not done: I can fade the music in and out, not the picture")
        return True
    off = c.take(r"\b(?:no|without|remove|don'?t|do\s+not|skip|undo|cancel|delete|drop"
                 r"|get\s+rid\s+of|take\s+(?:off|out))\s+(?:the\s+|a\s+|any\s+)?"
                 r"fad(?:e|es|ing)(?:\s+(in|out))?\b"
                 r"|(?:不要|别|去掉|取消|没有|不)(?:(淡入)|(淡出)|淡入淡出)")
    if off:
        which = "in" if off.group(2) else "out" if off.group(3) else off.group(1)
        if which != "out":
            plan.fade_in = 0.0
        if which != "in":
            plan.fade_out = 0.0
    if begins := c.take(_FADE_BEGINS):
        plan.fade_out_from = seconds(next(g for g in begins.groups() if g))
    return False


_FADE_SPAN = (rf"\bfad(?:e|es|ed|ing)\s+(?:it\s+|the\s+(?:music|song)\s+)?(in|out)\s+"
              rf"(?:from|between)\s+({T})\s*(?:to|and|until|till|-|–)\s*({T})"
              rf"|(?:从|在)\s*({TU})\s*(?:到|至)\s*({TU})\s*(?:音乐)?(淡入|淡出)")


def _fade_span(c: Clause, plan: EditPlan, draft: Draft) -> bool:
    """A fade said by where it starts and ends: "fade the music in from 0:05 to 0:08" (the
    music comes in at 0:05 and is full at 0:08), "fade out from 0:20 to 0:25" (it is gone at
    0:25; at the video's end it runs to the end)."""
    m = c.take(_FADE_SPAN)
    if m is None:
        return False
    g = m.groups()
    way, a, b = (g[0], g[1], g[2]) if g[0] else ("in" if g[5] == "淡入" else "out", g[3], g[4])
    start, end = seconds(a, b), seconds(b)
    if end <= start:
        plan.notes.append("not done: that fade ends before it starts")
    elif way == "in":
        plan.start, plan.fade_in = start, end - start
    else:
        length = timeline_of(draft).length
        plan.fade_out = end - start
        if length is None or end < length - 50:
            plan.until = end
    return True


def fades(c: Clause, plan: EditPlan, draft: Draft) -> None:
    """Fade in and out, their lengths ("fade out over 5 s", "5 s fade", "slow fade"), and a
    fade out that ends the music at a time ("fade out at 0:20")."""
    if _fade_span(c, plan, draft) or _fades_off(c, plan):
        return
    # "end with a 5 second fade": the fade out
    c.text = re.sub(r"\b(?:end|finish)\s+(?:it\s+|the\s+(?:music|song|video)\s+)?with\s+(?:a\s+)?"
                    r"((?:[\w.]+\s+){0,3}?)fade\b(?!\s+(?:in|out))", r"\1fade out", c.text)
    it = r"(?:it\s+|(?:the\s+)?(?:music|song)\s+|this\s+)?"
    pattern = (rf"(?P<out>\bfad(?:e|es|ed|ing)\s+{it}(?:out|away)\b"
               rf"(?:(?:\s+(?:the\s+)?(?:music|song))?\s+(?:at|towards?|near)\s+the"
               rf"\s+(?:very\s+)?end\b(?!\s+(?:over|for|in|during|lasting|\d)))?"
               r"|\bfad(?:e|es|ed|ing)\s+(?:it\s+)?(?:at|by|towards|near)\s+the\s+end\b|^\s*(?:it\s+)?out\b(?=\s+(?:over|for|in|"
               r"during|\d))|(?:在)?(?:结尾|末尾|最后)(?:处|时|的时候)?(?:音乐)?淡出|淡出|渐出|渐弱)"
               rf"|(?P<in>\bfad(?:e|es|ed|ing)\s+{it}in\b|\bfad(?:e|es|ed|ing)\s+(?:it\s+)?(?:at|from)"
               r"\s+the\s+(?:start|beginning)\b|淡入|渐入|渐强)|(?P<bare>\bfad(?:e|es|ed|ing)\b)")
    pace = (c.take(r"\b(slow|gentle|smooth|soft|long|gradual|quick|fast|short|sharp|brief)(?:er)?"
                   r"\s+(?=fad)")
            or c.take(r"(?:(?<=\bin\s)|(?<=\bout\s))\s*(?:more\s+)?(slow|gentle|smooth|long"
                      r"|gradual|quick|fast|short)(?:er|ly)?\b"))
    default = DEFAULT if not pace else 5000.0 if pace.group(1) in (
        "slow", "gentle", "smooth", "soft", "long", "gradual") else 1000.0
    found = list(re.finditer(pattern, c.text))
    for i, m in enumerate(found):
        after_end = found[i + 1].start() if i + 1 < len(found) else len(c.text)
        after = re.match(rf"\s*(?:(?:the\s+)?(?:music|song)\s+)?(?:at\s+the\s+end\s*)?"
                         rf"(?:over|for|of|in|during|lasting|the\s+last"
                         rf"|last|the\s+first|to|should\s+be|=|:|is)?\s*(?:the\s+first\s+)?"
                         rf"(?:the\s+last\s+)?({T})(?:\s+(?:before|at)\s+the\s+(?:very\s+)?end\b)?",
                         c.text[m.end():after_end])
        before = re.search(rf"({T})\s*-?\s*(?:long\s+)?$", c.text[:m.start()])
        ends = re.match(rf"\s*(?:at|by|after|ending\s+at)\s+({TU})", c.text[m.end():after_end])
        if ends and not m.group("in"):  # "fade out at 0:20": the music ends there
            plan.until, after = seconds(ends.group(1)), None
            length, span = default, (m.end(), m.end() + ends.end())
        elif after:
            length, span = seconds(after.group(1)), (m.end(), m.end() + after.end())
        elif too := re.match(r"\s*(?:is\s+|was\s+)?(?:way\s+|a\s+bit\s+|much\s+)?too\s+(long|slow"
                             r"|short|fast|quick|abrupt|sudden)\b", c.text[m.end():after_end]):
            song = timeline_of(draft).song
            now = float((song.fade_in if m.group("in") else song.fade_out) if song else 0)
            now = now or (2000.0 if m.group("in") else 3000.0)
            length = now / 2 if too.group(1) in ("long", "slow") else now * 2
            span = (m.end(), m.end() + too.end())
        elif before:
            length, span = seconds(before.group(1)), (before.start(), m.start())
        else:
            length, span = default, (m.start(), m.start())
        coming_in = m.group("bare") and re.search(
            r"\b(?:start|begin|bring|come|kick)\w*\b(?:(?!\b(?:end|out|stop)\b).)*$",
            c.said[:m.start()])
        if m.group("in") or coming_in:  # "bring the music in at 0:05 with a 2 s fade": in
            plan.fade_in = length
        else:
            plan.fade_out = length
        c.text = c.text[:span[0]] + " " * (span[1] - span[0]) + c.text[span[1]:]
    c.take(pattern)
    while c.take(pattern):
        pass


def fit(c: Clause, plan: EditPlan) -> None:
    # "cut from 1:30 to the end" is the video's end; "music from 0:05 to the end" the music's
    to_the_end = ("" if c.has(w.MUSIC) else r"(?<!\d\s)") + r"\b(?:till|until|to)\s+the\s+end\b"
    if not c.has(w.MUSIC) and c.has(rf"\b{w.DROP_VERBS}|\b(?:keep|trim|clip|crop)\b"
                                    rf"|{w.TU}\s+(?:till|until|to)\s+the\s+end\b"):
        to_the_end = r"(?!)"  # "delete from 0:20 to the end", "keep from 30 minutes to the end"
    if c.take(r"\b(?:loop|repeat|replay)\w*\s+(?:the\s+|my\s+)?(?:video|clip)\b(?:\s+(?:twice|"
              r"\d+\s+times|again))?|\bplay\s+(?:the\s+|my\s+)?(?:video|clip)\s+(?:twice|\d+\s+times"
              r"|again)\b"
              r"|视频循环|循环(?:播放)?视频|重复(?:播放)?视频"):
        plan.notes.append("not done: I can't repeat the video itself (the music loops under it "
                          "on its own)")
        return
    if c.take(r"\b(?:don'?t|do\s+not|no|without|never|stop)\s+(?:loop|repeat)\w*|\bplay(?:s|ed)?"
              r"\s+(?:it\s+|the\s+(?:music|song)\s+)?(?:only\s+|just\s+)?once\b|\b(?:only|just)\s+"
              r"once\b|\bone\s+time\b|不(?:要)?循环|播放一次|只播一次"):
        plan.fit = "once"
    elif c.take(w.BACK_TIME):
        plan.align = "end"  # the song's own ending on the video's last frame
    elif c.take(r"\btoo\s+short\b|\bends?\s+too\s+(?:early|soon)|\bsilen\w*\s+at\s+the\s+end"
                r"|\bstops?\s+(?:before|early|too\s+soon)"):
        plan.fit, plan.until = "loop", 0.0  # "the song ends too early": play to the end
    elif c.take(r"\b(?:loop|repeat)\w*(?:\s+(?:it|the\s+(?:music|song)))?(?:\s+(?:till|until|to)\s+"
                r"the\s+end\b)?|循环|\btwice\b(?!\s+as)"
                r"|\b\d+\s+times\b(?!\s+(?:as|louder|quieter))"):
        plan.fit = "loop"
    elif c.take(r"\b(?:cut|trim|end|stop)\s+(?:the\s+)?(?:music|song)\s+(?:at|to|with)\s+"
                r"(?:the\s+)?(?:end|video)\b|\bfit\s+(?:the\s+)?(?:music|song)\b|\bmatch\s+(?:the\s+)?"
                r"(?:video(?:'s)?\s+)?length\b|\b(?:make|let)\s+(?:the\s+)?(?:music|song)\s+fit\b"
                r"|\bstretch\s+(?:the\s+)?(?:music|song)(?:\s+(?:to|over)\s+(?:the\s+)?(?:video|clip))?|"
                r"\bmatch\s+(?:the\s+)?"
                r"(?:video(?:'s)?\s+)?length\b|\ball\s+the\s+way\b(?!\s+(?:up|down)\b)|"
                + to_the_end):
        plan.fit, plan.until = "trim", 0.0
        if re.search(r"\bstretch", c.said):
            plan.notes.append("a short song loops to fill the video (I don't change its speed)")


_SONG_PART = (
    r"\b(?:skip|cut|without|drop|remove|lose)\s+(?:the\s+)?(?:song'?s\s+|music'?s\s+)?(?:intro|opening)"
    r"(?:\s+of\s+(?:my|the|this)\s+(?:song|track|music))?\b|\b(?:from|at|use|to)\s+the\s+(?:chorus"
    r"|drop|hook|verse|bridge|refrain|best\s+part)(?:\s+of\s+(?:my|the|this)\s+(?:song|track))?\b"
    r"|\bthe\s+(?:chorus|drop|hook|verse|bridge|refrain)\s+of\s+(?:my|the|this)\s+(?:song|track)\b"
    r"|(?:从|用)?(?:歌曲?的?)?(?:副歌|高潮|前奏)(?:部分)?(?:开始)?")
"""A part of a song named by what it is (the chorus, the intro): not found by ear."""


def offset(c: Clause, plan: EditPlan) -> None:
    if not (c.has(w.MUSIC + r"|跳过|副歌|高潮|前奏") or (c.after_music and c.has(r"\bskip\b"))):
        return
    if c.take(_SONG_PART):
        plan.notes.append("not done: I can't find a part of a song (its chorus, intro or drop) "
                          'by ear; say where it is, e.g. "start the song 45 seconds in"')
        c.take(_START_WORDS)
        return
    if c.take(r"\bfrom\s+the\s+(?:start|beginning)\s+of\s+the\s+(?:song|music|track)"
              r"|\brestart\s+(?:the\s+)?(?:song|music|track)"):
        plan.offset = 0.0
        return
    m = (c.take(rf"\b(?:from|at)\s+({T})\s+(?:of|in|into)\s+(?:the\s+|my\s+|this\s+)?"
                rf"(?:song|music|track|tune|audio)")
         or c.take(rf"({T})\s+into\s+(?:the\s+)?(?:song|music|track|it)\b")
         or c.take(rf"\b(?:skip|{w.DROP_VERBS})(?:the\s+)?(?:first\s+)?({T})")
         or (None if c.has(r"\b(?:add|put|insert|bring|overlay)\b|加") else
             c.take(rf"\bfrom\s+({TU})(?!\s+(?:of|in)\s+the\s+video)")
             if not re.search(r"\b(?:until|till|to)\s+the\s+end\b", c.said) else None)
         or c.take(rf"(?:跳过|去掉)(?:歌曲?|音乐)?的?前?\s*({T})|从(?:歌曲?|音乐)的?\s*({T})"))
    if m:
        plan.offset = seconds(next(g for g in m.groups() if g))
        plan.offset_in_song = re.search(r"\b(?:of|in|into)\s+(?:the\s+|my\s+|this\s+)?(?:song"
                                        r"|track|tune|audio)\b|\bskip|跳过|歌", c.said) is not None
        c.take(_START_WORDS)


def until(c: Clause, plan: EditPlan, ctx: Context, draft: Draft) -> None:
    """Where the music stops: "music from 0:05 to 0:20", "stop the music at 0:20", "3 seconds
    before the end"."""
    if not (c.has(w.MUSIC) or c.after_music or c.has(r"\b(?:stop|end)\s+it\b")):
        return
    if c.has(r"\b(?:stop|end|ends|ending|finish|cut)\w*\b|结束|停") and (
            early := c.take(_BEFORE_THE_END)):
        length = video_length(draft, ctx)
        if length:
            plan.until = max(length - seconds(next(g for g in early.groups() if g)), 100.0)
        else:
            plan.notes.append("not done: I don't know the video's length for that")
        c.take(r"\b(?:stop|end|cut|finish)\w*(?:\s+(?:the\s+)?(?:music|song|it))?\b")
        return
    if quiet := c.take(rf"\b(?:silence|mute|no|without)\s+(?:the\s+)?(?:music|song)\s+(?:for|in|"
                       rf"during)\s+the\s+first\s+({T})|\bfirst\s+({T})\s+(?:without|with\s+no|no)"
                       rf"\s+(?:the\s+)?(?:music|song)"):
        plan.start = seconds(next(g for g in quiet.groups() if g))  # "no music in the first 3 s"
        return
    if after := c.take(rf"\bno\s+(?:more\s+)?(?:music|song)\s+(?:after|from|past|beyond)\s+({T})"
                       rf"|({TU})\s*(?:以后|之后|后)\s*(?:就)?(?:不要|没有|关掉|停掉?)(?:背景)?(?:音乐|配乐)"):
        plan.until = seconds(next(g for g in after.groups() if g))  # "no music after 0:20"
        return
    if rng := c.take(rf"\bfrom\s+({T})\s*(?:to|until|till|-|–)\s*({TU})|从\s*({T})\s*到\s*({TU})"):
        a, b = (g for g in rng.groups() if g)
        start, end = seconds(a, b), seconds(b)
        length = video_length(draft, ctx)
        if end <= start:
            plan.notes.append("not done: that part ends before it starts")
            return
        if length and start >= length and c.has(r"\b(?:of|in)\s+(?:the\s+|my\s+)?(?:song|track)"
                                                r"|\bsong\b|歌"):
            # "the part of the song from 1:00 to 1:30": past the video's end, it is song time
            plan.offset, plan.music_length = start, end - start
            c.take(r"\b(?:the\s+)?part\s+of\b|\b(?:use|play)\b")
        else:
            plan.start, plan.until = start, end
        return
    if m := (c.take(rf"\b(?:stop|end|cut|finish)\w*\s+(?:the\s+)?(?:music|song|it)?\s*"
                    rf"(?:at|after|by|from|past)\s+({T})|\b(?:kill|drop|mute|silence|pause"
                    rf"|turn\s+off|switch\s+off)\s+(?:the\s+)?(?:music|song|it)\s+(?:off\s+)?"
                    rf"(?:at|after|by|from|past)\s+({T})"
                    rf"|\b(?:turn|switch|shut)\s+(?:the\s+)?(?:music|song|it)\s+off\s+(?:at|after|from)"
                    rf"\s+({T})|\b(?:stop|end|finish)\w*\s+(?:the\s+)?(?:music|song|it)\s+({TU})\s+in\b")
             or c.take(rf"\b(?:until|till|up\s+to)\s+({T})|(?:到|在)\s*({TU})\s*(?:结束|停)")
             or c.take(rf"\b(?:for|in|during)\s+(?:only\s+)?the\s+first\s+({T})"
                       rf"|\bfirst\s+({T})\s+only")):
        plan.until = seconds(next(g for g in m.groups() if g))
    elif m := c.take(rf"\b(?:for|lasting)\s+(?:only\s+|just\s+)?({TU})"
                     rf"|\b(?:(?:use|play|keep)\s+(?:only\s+|just\s+)?|only\s+|just\s+)the\s+first\s+"
                     rf"({T})\s+of\s+(?:the\s+|my\s+|this\s+)?(?:song|music|track)"):
        plan.music_length = seconds(next(g for g in m.groups() if g))


_BEFORE_THE_END = (
    rf"\b({T})\s+(?:before\s+the\s+(?:very\s+)?end(?:\s+of\s+the\s+(?:video|clip))?"
    rf"|before\s+the\s+(?:video|clip)\s+(?:ends|is\s+over|finishes)|(?:too\s+)?early|earlier)\b"
    rf"|(?:结束前|提前)\s*({T})")
"""A music end counted back from the video's end: "stop the music 3 s before the end"."""


def video_length(draft: Draft, ctx: Context) -> float | None:
    """The length the video plays for: its trim when there is one, else the clip's."""
    timeline = timeline_of(draft)
    if timeline.trim is not None:
        return float(timeline.trim[1] - timeline.trim[0])
    return ctx.video_duration_ms or timeline.full_length or None


_START_WORDS = (r"\b(?:start|begin|kick\s+in|come\s+in|bring\s+in|play)\w*"
                r"(?:\s+(?:the\s+)?(?:music|song|track|it))?\b")
"""The verb of a start or offset already read from its time ("start the song at 1:30")."""


def start(c: Clause, plan: EditPlan, ctx: Context, draft: Draft) -> None:
    if c.has(r"\b(?:stop|end|ends|cut|finish|until|till)\b|结束|停"):
        return  # an end we could not read is not a start
    if shift := c.take(rf"({TU})\s+(later|earlier|sooner)\b"):
        song = timeline_of(draft).song
        now = float(song.start) if song is not None else 0.0
        step = seconds(shift.group(1)) * (1 if shift.group(2) == "later" else -1)
        plan.start = max(now + step, 0.0)
        c.take(_START_WORDS)
        return
    if c.take(r"\b(?:from|at)\s+the\s+(?:very\s+)?(?:start|beginning)\b|从头"):
        plan.start = 0.0
        return
    if last := c.take(rf"\b(?:(?:for|in|during)\s+(?:only\s+)?|only\s+(?:for\s+|in\s+)?)the\s+"
                      rf"last\s+({T})|\blast\s+({T})\s+only"):
        length = video_length(draft, ctx)
        if length:  # "music for the last 10 seconds"
            plan.start = max(length - seconds(next(g for g in last.groups() if g)), 0.0)
        return
    m = (c.take(rf"\bdelay(?:ed)?\s+(?:the\s+(?:music|song)\s+|it\s+)?(?:by\s+)?({T})"
                rf"|\bwait\s+({T})\s+(?:before|until|till)\s+(?:the\s+)?(?:music|song)\b")
         or c.take(r"\b(?:start|begin|kick\s+in|come\s+in)\w*\s+(?:the\s+(?:music|song)\s+|it\s+)?"
                   r"(?:at|after|from)\s+(\d+(?:\.\d+)?)(?![\d:.%]|\s*(?:ms|s|secs?|seconds?|m|mins?|minutes?|h|hours?)(?![a-z])|\s*[秒分])")
         or c.take(rf"\b(?:at|after|from)\s+({TU})")
         or c.take(rf"(?:从|在)?第?\s*({TU})\s*(?:的?时候)?\s*(?:开始|后)")
         or (c.take(rf"({TU})\s+in\b") if c.has(r"\b(?:start|begin|come|kick|bring)") else None))
    if not m:
        return
    at = seconds(next(g for g in m.groups() if g))
    if ctx.video_duration_ms is not None and at >= ctx.video_duration_ms and c.has(
            w.MUSIC + r"|\b(?:chorus|verse|drop|hook|bridge|refrain)\b"):
        plan.offset = at  # past the end of the video: they mean a point in the song
    else:
        plan.start = at
    c.take(_START_WORDS)
