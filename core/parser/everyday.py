"""Everyday ways of saying a request that the rules take in another form (found from the
outside in session 7): a fraction of the music ("music 1/4", 四分之一), a share of the video
("keep the first 50%"), "trim by 10 seconds", "a 20 second version", "make me louder", "start
the music right away", "fade the music out over the last 5 seconds", and Chinese word orders.
Lower-case text in, text out; `spoken.rewrite` runs this first."""

from __future__ import annotations

import re
from functools import partial


def rewrite(text: str, clip_ms: float | None = None) -> str:
    """The rewrites, in order; `clip_ms` (the clip's length) turns a share into seconds."""
    text = _CHINESE_SAID.sub(_chinese_said, text)
    text = _WAY_THROUGH.sub(partial(_way_through, clip_ms), text)
    text = _KEEP_FRACTION.sub(_keep_fraction, text)
    text = _LEVEL_FRACTION.sub(_level_fraction, text)
    text = _FADE_THE_MUSIC.sub(r"fade \2 \1", text)
    text = _AT_ONCE.sub(r"\1 at 0:00", text)
    text = _SHARE_OF_VIDEO.sub(partial(_share_of_video, clip_ms), text)
    text = _TRIM_BY.sub(lambda m: f"shorten it by {m.group(1) or m.group(2)}", text)
    text = _VERSION.sub(r"trim to the first \1 seconds", text)
    text = _SILENCE_THEN_MUSIC.sub(r"no music in \1", text)
    text = _ME.sub(lambda m: f"make my voice {m.group(1) or m.group(2) or m.group(3)}", text)
    text = _BALANCE.sub("duck the music when i talk", text)
    text = _SAME_LEVEL.sub("music at 100% and my voice at 100%", text)
    text = _PART_OF_SONG.sub(_part_of_song, text)
    text = _EASE_IN.sub("fade in", text)
    text = _EASE_OUT.sub("fade out", text)
    text = _TIRED_OF.sub("change the music", text)
    return _ME_QUIET.sub("my voice is too quiet", text)


_FADE_THE_MUSIC = re.compile(r"\bfade\s+(the\s+(?:music|song|bgm|track))\s+(out|in)"
                             r"(?=\s+(?:over|for|during|across|within|in)\b)")
"""'fade the music out over the last 5 s' as 'fade out the music …': one word order."""
_AT_ONCE = re.compile(
    r"\b(start(?:s)?\s+(?:the\s+)?(?:music|song)|(?:music|song)\s+(?:should\s+)?(?:start|begin|come\s+in)s?)"
    r"\s+(?:right\s+away|immediately|straight\s+away|at\s+once|from\s+the\s+(?:very\s+)?(?:start|"
    r"beginning)|(?:when|as)\s+(?:soon\s+as\s+)?the\s+(?:video|clip)\s+(?:starts|begins))\b")
"""'start the music right away', 'the music should start when the video starts': at 0:00."""
_SHARE_OF_VIDEO = re.compile(r"\b(first|last|final)\s+(\d+(?:\.\d+)?)\s*(?:%|percent)(?:\s+of\s+"
                             r"(?:the\s+)?(?:video|clip))?")
"""'keep the first 50%', 'remove the last 10%': a share of the video, not a level."""


def _share_of_video(clip_ms: float | None, m: re.Match[str]) -> str:
    share = min(float(m.group(2)), 100.0)  # "the first 500%": all of it
    if clip_ms is None:
        return m.group(0)
    return f"{m.group(1)} {clip_ms * share / 100_000:.3f}".rstrip("0").rstrip(".") + " seconds"


_UNITS = r"(\d+(?:\.\d+)?\s*(?:seconds?|secs?|s|minutes?|mins?))(?![a-z])(?!\s*\d)"
_TRIM_BY = re.compile(
    rf"\btrim\s+(?:it\s+|the\s+(?:video|clip)\s+)?(?:by\s+{_UNITS}|{_UNITS}(?!\s*(?:off|from|at|of|"
    rf"to|into|-|–|long|version)\b))")
"""'trim by 10 seconds', 'trim 10 seconds': shortened by that much, from the end."""
_VERSION = re.compile(r"\b(?:an?\s+)?(\d+(?:\.\d+)?)\s*-?\s*(?:s|secs?|seconds?)\s+(?:long\s+)?"
                      r"(?:version|cut|edit)\b")
"""'a 20 second version', 'make a 15s cut': the first that many seconds."""
_SILENCE_THEN_MUSIC = re.compile(
    r"\b(?:silence|quiet|nothing)\s+(?:for\s+|in\s+)?(the\s+first\s+\S+(?:\s+(?:seconds?|secs?|s)\b)?)"
    r"\s*,?\s*(?:and\s+)?then\s+(?:the\s+|some\s+)?music\b")
"""'silence for the first 5 seconds then music': the music starts after it."""
_ME = re.compile(
    r"\bmake\s+me\s+(louder|quieter|softer|more\s+audible)\b|\bi\s+(?:want|need|would\s+like|'?d\s+"
    r"like)\s+to\s+be\s+(louder|quieter|softer|more\s+audible)\b|\bi\s+should\s+be\s+(louder|quieter)")
"""The person as their own sound: "make me louder", "I want to be louder than the music"."""
_ME_QUIET = re.compile(r"\bi\s+(?:can'?t|cannot)\s+be\s+heard\b|\bi'?m\s+(?:too\s+quiet|not\s+loud"
                       r"\s+enough|hard\s+to\s+hear)\b|\b(?:nobody|no\s+one)\s+can\s+hear\s+me\b")


_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9}
_CHINESE_SAID = re.compile(
    r"(\d|[一二两三四五六七八九])\s*分之\s*(\d|[一二三四五六七八九])"  # 四分之一: a fraction
    r"|(?:前面|开头)(?:小|轻)(?:一点)?[,，]?\s*后面(?:大|响)|先小后大"  # quiet first, loud after
    r"|(?:前面|开头)(?:大|响)(?:一点)?[,，]?\s*后面(?:小|轻)|先大后小"
    r"|[,，]?\s*显示\s*(\d+(?:\.\d+)?)\s*秒(?:钟)?"  # a title "，显示3秒": shown for 3 s
    r"|(?:开头|前)\s*(\d+(?:\.\d+)?)\s*秒\s*淡入|(?:结尾|最后)\s*(\d+(?:\.\d+)?)\s*秒\s*淡出"
    r"|(?:降|调|减|变)(?:到|成|为)一半|只放一次|放一遍")
"""Chinese said in ways the rules take in another form."""


def _chinese_said(m: re.Match[str]) -> str:
    said = m.group(0)
    if m.group(1):
        whole, part = (int(g) if g.isdigit() else _CN_DIGITS[g] for g in m.group(1, 2))
        return f"{part}/{whole}"
    if m.group(3):
        return f" for {m.group(3)} seconds"
    if m.group(4):
        return f"淡入{m.group(4)}秒"
    if m.group(5):
        return f"淡出{m.group(5)}秒"
    if "一半" in said:
        return "减半"
    if "一" in said or "遍" in said:
        return "播放一次"
    return "越来越大" if said.startswith(("前面小", "开头小", "前面轻", "开头轻", "先小")) \
        else "越来越小"


_LEVEL_FRACTION = re.compile(
    r"((?:\b(?:music|song|bgm|background\s+music|volume|level|vol)\s+(?:volume\s+|level\s+)?"
    r"(?:(?:at|to|down\s+to|up\s+to|is|=)\s+)?)|(?:音乐|音量|背景音乐)\s*(?:音量)?\s*(?:调到|调成|降到|"
    r"设为|到|为)?\s*)([1-9])\s*/\s*([2-9])\b(?![\d:/])"
    r"|\b((?:at|to)\s+|(?<=[,;]\s)|^)([1-9])\s*/\s*([2-9])(?=\s+(?:volume|level|vol)\b)")
"""A fraction said of the music's level: "music 1/4", "volume at 1/2", "to 1/3 volume"."""


def _level_fraction(m: re.Match[str]) -> str:
    words, a, b = (m.group(1), m.group(2), m.group(3)) if m.group(2) else (
        m.group(4) or "", m.group(5), m.group(6))
    if int(a) >= int(b):
        return m.group(0)  # "4/3" is no share of a level
    return f"{words}{round(100 * int(a) / int(b))}%"


_BALANCE = re.compile(
    r"\b(?:mix|balance|blend)\s+(?:the\s+)?(?:music|song)\s+(?:and|with)\s+(?:my\s+)?(?:voice|talking|"
    r"speech|audio|sound)\b|\b(?:balance|blend)\s+(?:my\s+)?(?:voice|audio|sound)\s+(?:and|with)\s+"
    r"(?:the\s+)?music\b")
"""'balance the music and my voice': the music ducks under the voice."""
_SAME_LEVEL = re.compile(
    r"\b(?:music\s+and\s+(?:my\s+)?voice|(?:my\s+)?voice\s+and\s+(?:the\s+)?music|both)\s+at\s+the\s+"
    r"same\s+(?:level|volume)\b|\bequal\s+volumes?\b")
_CLOCK = r"(\d+:[0-5]\d|\d+(?:\.\d+)?\s*(?:s|secs?|seconds?)(?![a-z]))"
_PART_OF_SONG = re.compile(
    rf"\b(use|play|take|add)\s+(?:from\s+)?{_CLOCK}\s*(?:to|-|–|until|till)\s*{_CLOCK}\s+of\s+"
    r"(my|the|this)\s+(song|track|music)\b")
"""'use 0:30 to 1:00 of my song': that stretch of the song, from the video's start."""


def _part_of_song(m: re.Match[str]) -> str:
    from core.parser.phrases import seconds  # phrases imports this module: read at call time

    a, b = seconds(m.group(2)) / 1000, seconds(m.group(3)) / 1000
    if b <= a:
        return m.group(0)
    return (f"{m.group(1)} {m.group(4)} {m.group(5)} starting {a:g} seconds in, for "
            f"{b - a:g} seconds")


_WAY_THROUGH = re.compile(r"\b([1-9])\s*/\s*([2-9])\s+(?:of\s+the\s+way|of\s+the\s+(?:video|clip))"
                          r"(?:\s+(?:through|in|into(?:\s+the\s+(?:video|clip))?))?")
"""'3/4 of the way through': a time in the clip, not a level."""


def _way_through(clip_ms: float | None, m: re.Match[str]) -> str:
    a, b = int(m.group(1)), int(m.group(2))
    if clip_ms is None or a >= b:
        return m.group(0)
    return f"at {clip_ms * a / b / 1000:.3f}".rstrip("0").rstrip(".") + "s"


_KEEP_FRACTION = re.compile(
    r"\b(keep|trim\s+(?:it\s+)?(?:down\s+)?to|cut\s+(?:it\s+)?(?:down\s+)?to|trim)\s+"
    r"(?:the\s+first\s+)?([1-9])\s*/\s*([2-9])\b(?!\s*(?:volume|level))")
"""'keep 1/3', 'trim 1/2': the first share of the video (not a shape)."""


def _keep_fraction(m: re.Match[str]) -> str:
    a, b = int(m.group(2)), int(m.group(3))
    if a >= b:
        return m.group(0)
    return f"keep the first {100 * a / b:.6g}%"


_GENTLY = r"(?:slowly|gradually|gently|softly|smoothly)"
_EASE_IN = re.compile(
    rf"\b(?:make\s+)?(?:the\s+)?(?:music|song)\s+(?:should\s+)?(?:come|comes|coming)\s+in\s+{_GENTLY}"
    rf"|\bbring\s+(?:the\s+)?(?:music|song)\s+in\s+{_GENTLY}|\bease\s+(?:the\s+)?(?:music|song|it)\s+in"
    r"\b|\bsmooth(?:er)?\s+(?:start|beginning|intro)\b")
"""The music coming in gently, said as such: a fade in."""
_EASE_OUT = re.compile(
    r"\b(?:the\s+)?(?:music|song)\s+(?:dies|fades|trails)\s+(?:out|off|away)(?:\s+at\s+the\s+end)?\b"
    r"|\b(?:the\s+)?(?:music|song|ending|end)\s+(?:ends|stops|is)\s+(?:too\s+)?(?:abrupt(?:ly)?|"
    r"sudden(?:ly)?|hard)\b|\b(?:the\s+)?(?:music|song)\s+cuts\s+(?:off|out)\s+at\s+the\s+end\b"
    r"|\bthe\s+ending\s+is\s+too\s+(?:sudden|abrupt)\b|\bsmooth(?:er)?\s+(?:ending|end|outro)\b")
"""An ending that is too sudden, said as a complaint: a fade out."""
_TIRED_OF = re.compile(r"\b(?:the\s+)?(?:music|song)\s+is\s+(?:too\s+|so\s+|a\s+bit\s+)?"
                       r"(?:repetitive|boring|annoying|meh|bad|cheesy)\b")
"""The music itself disliked: another piece."""
