"""Ratios and spoken times, rewritten into one written form before any rule reads them.

A ratio is never a time: "9:16", "9 by 16", "9/16" and "9比16" all become "9x16", which no time
pattern reads (core/parser/phrases.py T and TU need a unit, a clock colon or a space after the
number). The one written form a ratio shares with a clock is "A:BB" ("9:16", "16:10", "10:16");
it is a time only where the person says a time and the clip has it (`_clock_meant`). Times said
in pieces become seconds: "1m30", "1 min 30", "1 minute and 30 seconds", "1分30秒", "a minute
and a half", "1分半" -> "90s". Clocks (1:30, 0:01:30, 12:30) and amounts with one unit (90s,
1.5 min) are read as they are by core/parser/phrases.py.
"""

from __future__ import annotations

import re
from functools import partial

from core.parser import everyday

SUPPORTED_RATIOS = frozenset({"9x16", "16x9", "1x1", "4x5"})
"""The shapes a render can make (core/local/picture.py ASPECTS), in the written form here."""
OTHER_RATIOS = frozenset({
    "4x3", "3x4", "21x9", "9x21", "3x2", "2x3", "5x4", "2x1", "1x2", "2.35x1", "2.39x1",
    "1.85x1", "18x9", "9x18", "5x3", "3x5", "16x10", "10x16", "32x9", "9x32", "1.91x1",
    "2.4x1", "4x1", "1x4", "3x1", "1x3", "7x5", "5x7"})
"""Shapes people ask for that Backtrack does not make: said back, never read as times."""

_RATIO = re.compile(
    r"(?<![\d.:])(\d{1,2}(?:\.\d{1,2})?)\s*(?::|：|x|×|\*|/|比|\s+by\s+)\s*(\d{1,2})"
    r"(?![\d:.%]|\s*(?:ms|s|secs?|seconds?|m|mins?|minutes?|h|hours?|%|percent|db|times|秒|分)"
    r"(?![a-z]))")

_PIECES = re.compile(
    r"(?<![\d.:])(?:(\d+)\s*(?:h|hours?|小时)\s*(?:and\s+)?)?"
    r"(?:(\d+)\s*(?:m|minutes?|分钟?)\s*(?:and\s+)?)"
    r"(\d{1,2}(?:\.\d+)?)\s*(?:s|seconds?|秒钟?)?(?![\d:.%a-z]|\s*(?:times|x|percent|db)\b"
    r"|\s*(?:m|mins?|minutes?|h|hours?)(?![a-z])|\s*(?:分|小时))"
    r"|(?<![\d.:])(\d+)\s*(?:h|hours?|小时)\s*(?:and\s+)?(\d{1,2})\s*(?:m|minutes?|分钟?)"
    r"(?![\d:.%a-z])")
_HALF = re.compile(
    r"(?<![\d.])(\d+)\s*(?:(minutes?|hours?|seconds?)\s+and\s+a\s+half|and\s+a\s+half\s+"
    r"(minutes?|hours?|seconds?)|(分钟?|小时|秒钟?)半|个半(小时|分钟))")
_UNIT_SECONDS = {"m": 60, "h": 3600, "s": 1, "分": 60, "小": 3600, "秒": 1}


_TIME_WORD = re.compile(
    r"\b(?:cut|trim|end|ends|stop|start|begin|finish|skip|keep|shorten|chop|remove|drop|delete"
    r"|until|till|after|before|first|last|from|between|into|long)\b|剪|截|到|在|从|前|后")
"""Words that make "A:BB" a time when the clip is that long: "cut at 16:10", "from 9:16"."""
_TIME_PLACE = re.compile(
    r"(?:\b(?:at|to|from|until|till|after|before|first|last|by|and|into|between|only|just)|到|在|从"
    r"|前|后|[-–~])\s*$")
_TIME_AFTER = re.compile(
    r"\s*(?:long\b|(?:from|off|of)\s+the\s+(?:start|beginning|front|end)\b"
    r"|(?:to|until|till|through|and|-|–|~|到|至)\s*\d|(?:以后|之后|以前|之前|处|剪|截))")
_SHAPE_WORD = re.compile(
    r"\b(?:aspect|ratio|shape|format|vertical|horizontal|portrait|landscape|square|crop\w*"
    r"|frame|screen|reels?|tiktok|shorts|stor(?:y|ies))\b|比例|竖|横|画幅|尺寸")


def _clock_meant(before: str, after: str, minutes: str, secs: str,
                 clip_ms: float | None) -> bool:
    """"A:BB" said where a time goes, in a clip that has that time, is a clock.

    The rule, for a request with no picture word ("aspect", "vertical", "format", "crop"...):
    one end of a range ("from 1:00 to 9:16", "9:16-11:00") is a time whatever the clip's length
    (a time past the end is then said not to fit); otherwise it is a time only when the words
    around it place a time ("at 9:16", "到9:16", "9:16 long"), the request has a time verb
    ("cut", "trim", "end", "start", "剪"...) and the clip is longer than that time. So "cut at
    16:10" is a time on a 20-minute clip and the refused ratio 16:10 on a 12-minute one, and
    "make it 9:16", "change to 9:16" and "make it vertical 9:16" are always the picture shape.
    """
    if len(secs) != 2 or int(secs) >= 60:
        return False
    if clip_ms is None:
        clip_ms = 0.0  # length unknown: only a range makes it a time
    request = re.split(r"[,;!?。，；！？\n]|\.(?!\d)|\bthen\b|\band\b(?=\s*\S)", before)[-1]
    rest = re.split(r"[,;!?。，；！？\n]|\.(?!\d)|\bthen\b|\band\s+(?!\d)", after)[0]
    placed = _TIME_PLACE.search(request) is not None or _TIME_AFTER.match(after) is not None
    if _SHAPE_WORD.search(request + rest):
        return False
    ranged = (re.match(r"\s*(?:to|until|till|through|-|–|~|到|至)\s*\d", after) is not None
              or re.search(r"\d\S*\s*(?:to|until|till|through|and|-|–|~|到|至)\s*$", request)
              is not None)
    if ranged:  # "from 1:00 to 9:16": a time, also one the clip is too short for (said so)
        return True
    return (placed and _TIME_WORD.search(request + rest) is not None
            and (int(minutes) * 60 + int(secs)) * 1000 < clip_ms)


def _ratio(m: re.Match[str], clip_ms: float | None) -> str:
    written = f"{m.group(1)}x{m.group(2)}"
    if written not in SUPPORTED_RATIOS | OTHER_RATIOS:
        return m.group(0)
    colon = m.group(0)[len(m.group(1)):].strip()[:1] in (":", "：")
    if colon and _clock_meant(m.string[:m.start()], m.string[m.end():], m.group(1), m.group(2),
                              clip_ms):
        return m.group(0)
    return written


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


_SAID_TO = re.compile(r"(?<![\d.:])(\d{1,2}(?:\.\d{1,2})?)\s+to\s+(\d{1,2})(?![\d:.])")
"""A ratio said with "to" ("aspect ratio 9 to 16"): one only next to a picture word."""


def _said_to(m: re.Match[str]) -> str:
    written = f"{m.group(1)}x{m.group(2)}"
    if written not in SUPPORTED_RATIOS | OTHER_RATIOS:
        return m.group(0)
    request = re.split(r"[,;!?。，；！？\n]|\bthen\b|\band\b", m.string[:m.start()])[-1]
    rest = re.split(r"[,;!?。，；！？\n]|\bthen\b|\band\b", m.string[m.end():])[0]
    return written if _SHAPE_WORD.search(request + rest) else m.group(0)


_NOT_THE_SONG = r"(?!\s+of\s+(?:the\s+|my\s+|this\s+)?(?:song|music|track|tune|audio))"
_HALVES = (
    (re.compile(rf"\b(?:the\s+)?(?:first|1st|front)\s+half(?:\s+of\s+the\s+(?:video|clip))?"
                rf"{_NOT_THE_SONG}|前半(?:段|部分)?|前一半"), "the first {half}", "前{half}"),
    (re.compile(rf"\b(?:the\s+)?(?:second|2nd|last|latter|back)\s+half(?:\s+of\s+the\s+"
                rf"(?:video|clip))?{_NOT_THE_SONG}|后半(?:段|部分)?|后一半"), "the last {half}",
     "最后{half}"),
    (re.compile(r"\b(at|from|after|until|till|by)\s+the\s+middle(?:\s+(?:point|mark))?(?:\s+of\s+"
                r"the\s+(?:video|clip))?\b(?:\s+on(?:wards?)?\b)?"), "{at} {half}", "{half}"),
    (re.compile(r"\b(?:(at|from|after|until|till|by)\s+)?(?:the\s+)?(?:half[\s-]?way|mid[\s-]?way"
                r"|mid[\s-]?point)(?:\s+(?:point|mark))?(?:\s+(?:through|into)(?:\s+(?:the|this)"
                r"\s+(?:video|clip))?)?\b|(?:到|在|从)?一半(?=的?(?:时候|处|开始|结束|停))"),
     "{at} {half}", "{half}"),
)
"""Halves of the video as times, when its length is known: "the second half" is "the last
15s" of a 30 s clip, "halfway through" is "at 15s"."""


def _halves(text: str, clip_ms: float | None) -> str:
    if not clip_ms:
        return text  # length unknown: left as said, and said back as not understood
    half = f"{round(clip_ms / 2000, 1):g}s"

    for pattern, english, chinese in _HALVES:
        text = pattern.sub(partial(_half_written, half=half, english=english, chinese=chinese),
                           text)
    if re.search(r"\b(?:title|text|caption|subtitle)s?\b|标题|字幕|文字", text):
        return text  # "the title in the middle" is a place on the picture (shape_rules.py)
    third, two = (f"{round(clip_ms * k / 3000, 1):g}s" for k in (1, 2))
    if not re.search(_SAYS_HOW, text):  # "add music at the end": placed in the last third
        text = _MUSIC_AT_AN_END.sub(partial(_music_for_a_third, third=third), text)
        text = _MUSIC_AT_AN_END_ZH.sub(partial(_music_in_a_third_zh, third=third), text)
    text = _MIDDLE.sub(f"from {third} to {two}", text)
    return _MIDDLE_ZH.sub(f"从{third}到{two}", text)


def _music_for_a_third(m: re.Match[str], third: str) -> str:
    which = "last" if m.group(2) in ("end", "ending", "outro") else "first"
    return f"{m.group(1)} for the {which} {third}"


_MUSIC_AT_AN_END = re.compile(
    r"\b((?:music|song|track|soundtrack)(?:\s+only)?)\s+(?:only\s+)?(?:at|in|for|during|near|over)"
    r"\s+the\s+(?:very\s+)?(end|ending|outro|start|beginning|intro)\b"
    r"(?!\s+of\s+the\s+(?:song|music))")
def _music_in_a_third_zh(m: re.Match[str], third: str) -> str:
    return f" add music for the {'last' if m.group(1) or m.group(2) else 'first'} {third} "


_MUSIC_AT_AN_END_ZH = re.compile(
    r"(?:在)?(?:(结尾|最后|末尾)|开头|开始的时候|开始部分)(?:的时候|部分)?(?:加|放|配)(?:点|个|一段|上)?"
    r"(?:背景)?音乐"
    r"|(?:背景)?音乐(?:只)?放在(?:视频)?(?:(结尾|最后|末尾)|开头)")
"""'结尾加音乐', '音乐放在最后': the music in the last (or first) third."""
_SAYS_HOW = (r"\bfad\w*|\bquiet\w*|\bloud\w*|\bsoft\w*|\blower|\bhigher|\bvolume|%|\bdb\b|\bstop"
             r"|\bend(?:s|ing)?\s+(?:it|the\s+music)|\bduck|\bmute|\bno\s+music|\bwithout|\bremove"
             r"|\bcut|\btrim|\bdrop|\bkill|\bswitch|\bchange")
"""Words that make "the music at the end" about something else than where it plays."""
_MIDDLE = re.compile(r"\b(?:in|during|for|through|over)\s+the\s+(?:very\s+)?middle(?:\s+(?:part|"
                     r"section|bit|third))?(?:\s+of\s+(?:the\s+|my\s+)?(?:video|clip))?\b")
_MIDDLE_ZH = re.compile(r"(?<!删掉)(?<!去掉)(?<!删除)(?<!剪掉)(?<!只要)(?<!保留)"
                        r"(?:在)?(?:视频)?中间(?:部分|那段|一段|的部分)?")
"""The middle of the video: its middle third ("louder in the middle")."""


def _half_written(m: re.Match[str], half: str, english: str, chinese: str) -> str:
    if not m.group(0)[:1].isascii():
        return chinese.format(half=half)
    at = m.group(1) if m.re.groups else None
    return english.format(half=half, at=at or "at")


def rewrite(text: str, clip_ms: float | None = None) -> str:
    """Ratios as "AxB", times in pieces as seconds ("90s"); lower-case text in, text out.
    `clip_ms` is the clip's length, for telling "cut at 16:10" (a time) from a ratio."""
    text = everyday.rewrite(text, clip_ms)  # before ratios: "music 1/4" is a level
    text = _RATIO.sub(lambda m: _ratio(m, clip_ms), text)
    text = _SAID_TO.sub(_said_to, text)
    text = re.sub(r"\b(" + "|".join(_SMALL) + r")(?=\s+(?:(?:minutes?|hours?|seconds?)\s+)?and\s+a"
                  r"\s+half\b)", lambda m: str(_SMALL[m.group(1)]), text)
    text = re.sub(r"半分钟", "30s", text)
    text = _HALF.sub(_half, text)
    text = re.sub(r"(?<![\d.])(?<![\d.]\s)\b(minute|hour)\s+and\s+a\s+half\b",  # "the first minute
                  lambda m: "90s" if m.group(1) == "minute" else "5400s", text)  # and a half"
    text = re.sub(r"\s*(?:→|->|—>|=>|⇒)\s*", " to ", _PIECES.sub(_pieces, text))  # "2:00 → 2:30"
    text = _NUMBERED.sub(_numbered, text)
    text = _START_AND_END.sub(r"keep \1 to \2", text)
    text = _BEFORE_AND_AFTER.sub(r"keep \1 to \2", text)
    text = _BOTH_ENDS.sub(r"\1 \2 off both ends", text)
    return _halves(text, clip_ms)


_BEFORE_AND_AFTER = re.compile(
    r"\b(?:remove|cut|delete|drop|trim|lose|get\s+rid\s+of)\s+(?:off\s+)?(?:everything|anything|all)"
    r"\s+before\s+(\S+(?:\s*(?:s|secs?|seconds?|m|mins?|minutes?)\b)?)\s*,?\s*and\s+(?:everything\s+|"
    r"anything\s+|all\s+)?after\s+(\S+(?:\s*(?:s|secs?|seconds?|m|mins?|minutes?)\b)?)")
"""'remove everything before 1:00 and after 2:00': the part between is kept."""
_NUMBERED = re.compile(
    r"\b(?:from\s+)?(minute|second)s?\s+(\d+(?:\.\d+)?)\s*(?:to|-|–|through|until|till|and)\s*"
    r"(?:(?:minute|second)s?\s+)?(\d+(?:\.\d+)?)\b(?!\s*(?:s|secs?|seconds?|m|mins?|minutes?|:|%)\b)")
"""'keep minutes 2 to 4', 'from minute 2 to minute 4', 'seconds 10 to 20': the unit said first."""


def _numbered(m: re.Match[str]) -> str:
    unit = " minutes" if m.group(1) == "minute" else "s"
    return f"from {m.group(2)}{unit} to {m.group(3)}{unit}"


_BOTH_ENDS = re.compile(
    r"\b(trim|cut|remove|drop|delete|chop)\s+(?:off\s+)?the\s+first\s+and\s+(?:the\s+)?last\s+"
    r"(\d+(?:\.\d+)?\s*(?:seconds?|secs?|s|minutes?|mins?|m)(?![a-z]))")
"""'trim the first and last 3 seconds': 3 s off each end (not 'the first' and 'the last 3 s')."""
_AT = r"(\d+(?::\d{2}){0,2}(?:\.\d+)?\s*(?:seconds?|secs?|s|minutes?|mins?|m)?(?![a-z]))"
_START_AND_END = re.compile(
    rf"^\W*(?:please\s+)?(?:start|begin)(?:\s+(?:it|the\s+(?:video|clip)))?\s+(?:at|from)\s+{_AT}"
    rf"\s*(?:,|and|then|&)?\s*(?:(?:and|then)\s+)?(?:end|stop|finish)(?:\s+(?:it|the\s+(?:video|clip)))?"
    rf"\s+(?:at|by)\s+{_AT}\W*$")
"""'start at 0:05 and end at 0:25' with nothing else said: the part of the video kept (a
music start and stop say the music's name: 'start the music at 0:05 and end it at 0:25')."""


def ratio_in(text: str) -> str | None:
    """The first written ratio ("4x3") in a rewritten text, None when there is none."""
    m = re.search(r"(?<![\d.])(\d{1,2}(?:\.\d{1,2})?x\d{1,2})(?![\d.])", text)
    return m.group(1) if m and m.group(1) in SUPPORTED_RATIOS | OTHER_RATIOS else None


_FADE_BOTH_ENDS = re.compile(
    r"\bfade\s+(?:it\s+|the\s+(?:music|song)\s+)?(?:(?:at|on)\s+)?(?:both\s+ends|each\s+end|"
    r"(?:the\s+)?(?:start|beginning)\s+and\s+(?:at\s+)?(?:the\s+)?end)\b")
_IN_AND_OUT_AT_THE_END = re.compile(
    r"\b(fade\s+(?:it\s+|the\s+(?:music|song)\s+)?in\b[^,;.]*?)\s+and\s+(?:fade\s+(?:it\s+)?)?out\s+"
    r"(at\s+the\s+end)\b")
"""'fade in the music at the start and out at the end': two fades."""
_BOTH_FADES = re.compile(
    r"fade\s+(?:it\s+|the\s+music\s+|the\s+song\s+)?in\s*(?:and|&|/|\+)\s*(?:fade\s+)?"
    r"(?:it\s+)?out\b([^,;.]*)")


def two_fades(text: str) -> str:
    """'fade in and out', 'fade at both ends', 'fade in at the start and out at the end' as two
    requests: "fade in, fade out" (with the length said after them on both)."""
    text = _FADE_BOTH_ENDS.sub("fade in, fade out", text)
    text = _IN_AND_OUT_AT_THE_END.sub(r"\1, fade out \2", text)
    return _BOTH_FADES.sub(lambda m: f"fade in{m.group(1)}, fade out{m.group(1)}", text)


_PCT = r"(\d{1,3}(?:\.\d+)?)\s*(?:%|percent|per\s+cent)"
_SPAN = (r"(\d+(?::\d{2}){0,2}(?:\.\d+)?\s*(?:ms|seconds?|secs?|s|minutes?|mins?|m|秒钟?|分钟?)?"
         r"(?![a-z]))")
_FIRST_PART = (rf"(?:(?:(?:for|in|during|over)\s+)?(?:the\s+)?first\s+|(?:until|till|up\s+to)\s+"
               rf"|for\s+(?=\d+(?:\.\d+)?\s*(?:s|secs?|seconds?|m|mins?|minutes?)\b)){_SPAN}")
_THEN = (r"\s*(?:[,;]\s*(?:and\s+)?(?:then\s+)?|\s+(?:and\s+)?then\s+|\s+and\s+)"
         r"(?:after\s+(?:that|it)\s*,?\s*|afterwards\s+)?"
         r"(?:(?:at|to|go(?:es)?\s+(?:up\s+|back\s+)?to|back\s+(?:up\s+)?to|up\s+to|rises?\s+to)\s+)?")
_REST = (r"(?:\s+(?:after(?:wards|\s+that)?|for\s+the\s+rest(?:\s+of\s+(?:it|the\s+(?:video"
         r"|clip)))?|from\s+then\s+on|the\s+rest\s+of\s+the\s+(?:time|video)))?(?!\s*(?:louder|quieter|"
         r"softer|lower|higher|more|less))")
_TWO_LEVELS = re.compile(
    rf"(?:\b(?:at|to)\s+)?{_PCT}\s+{_FIRST_PART}{_THEN}{_PCT}{_REST}"
    rf"|\b{_FIRST_PART}\s*,?\s*(?:(?:the\s+)?(?:music|song)\s+)?(?:volume\s+)?(?:at\s+|to\s+)?"
    rf"{_PCT}{_THEN}{_PCT}{_REST}"
    rf"|前\s*{_SPAN}\s*(?:的)?(?:背景)?(?:音乐|配乐)?(?:音量)?\s*(?:调到|调成|设为|为|是|用|在)?\s*{_PCT}"
    rf"\s*[，,]?\s*(?:然后|之后|后面|再|其余|其他|剩下的?)(?:部分|时间)?\s*(?:的)?(?:都)?"
    rf"(?:调到|调成|为|是|用|恢复到|回到|变成)?\s*{_PCT}")


def _two_levels(m: re.Match[str]) -> str:
    g = m.groups()
    first, span, then = (g[0], g[1], g[2]) if g[0] else (g[4], g[3], g[5]) if g[3] else (
        g[7], g[6], g[8])
    way = "quieter" if float(first) < float(then) else "louder"
    if g[6]:
        return f"{then}%,前{span}{'调低' if way == 'quieter' else '调高'}到{first}%"
    return f"at {then}%, {way} to {first}% for the first {span}"


_THEN_BACK = re.compile(
    rf"(?:\b(?:at|to)\s+)?(?:{_PCT}|\b(quiet\w*|soft\w*|low(?:er)?|loud\w*))\s+{_FIRST_PART}"
    r"\s*[,;]?\s*(?:and\s+)?then\s+(?:it\s+)?(?:goes\s+|gets\s+)?(louder|loud|normal|back\s+up"
    r"|back\s+to\s+normal|full(?:\s+volume)?|quieter|softer|lower)\b"
    r"(?:\s+(?:after(?:wards|\s+that)?|again|for\s+the\s+rest))?")


def _then_back(m: re.Match[str]) -> str:
    level, word, span, after = m.groups()
    if level is None:
        return f"{word} for the first {span}"
    way = "louder" if re.match(r"quieter|softer|lower", after) else "quieter"
    return f"{way} to {level}% for the first {span}"


def two_levels(text: str) -> str:
    """'music at 20% for the first 10 s, then 50%' as two requests: the music at 50%, and a
    dip to 20% for the first 10 s (a window in its envelope, core/parser/window_rules.py),
    instead of music that stops at 0:10. 'then' and commas would cut them apart otherwise.
    'quiet for the first 10 s, then louder / back to normal' is the dip alone: after it the
    music is at its own level again."""
    return _THEN_BACK.sub(_then_back, _TWO_LEVELS.sub(_two_levels, text))
