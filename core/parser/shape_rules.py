"""The parser's rules about the picture and the title: shape, fill, resolution, title text.

Each rule reads a `Clause` (core/parser/phrases.py), blanks the words it used and fills the
`EditPlan` (core/local/edit_plan.py); core/parser/instructions.py calls them in a fixed order.
"""

from __future__ import annotations

import re

from core.local.edit_plan import TITLE_WHOLE
from core.local.edits import TITLE_AT_END, TITLE_IN_MIDDLE, EditPlan
from core.parser import phrases as w
from core.parser.phrases import TU, Clause, T, seconds
from core.parser.quotes import QUOTE_MARK
from core.parser.spoken import ratio_in
from core.timeline.model import Title

__all__ = ["file_size", "join", "picture", "title"]

JOIN = (r"\b(?:join|merge|combine|stitch|concatenate)\b(?:\s+(?:all|my|the|these|them|both|those"
        r"|clips?|videos?|together|up|into|one|single|video))*"
        r"|\bput\s+(?:all\s+)?(?:of\s+)?(?:the\s+|my\s+|these\s+)?(?:videos?|clips?)\s+together\b"
        r"|\bone\s+after\s+(?:the\s+)?other\b(?=.*\b(?:videos?|clips?)\b)"
        r"|(?:把|将)?(?:所有|全部)?的?(?:视频|片段)(?:都)?(?:拼|连|合)(?:在一起|接起来|起来|成一个)"
        r"|合并(?:所有|全部)?的?(?:视频|片段)?|拼接(?:所有|全部)?的?(?:视频|片段)?")
"""'join my clips': every clip of the conversation into one video."""


_WHOLE_VIDEO = (r"\b(?:for|during|over|across|in)\s+the\s+(?:whole|entire|full)\s+(?:video|clip|"
                r"thing|time)\b|\bthroughout(?:\s+the\s+(?:video|clip))?\b|\ball\s+the\s+way\s+"
                r"through\b|\bthe\s+whole\s+time\b|\bfrom\s+(?:the\s+)?start\s+to\s+(?:the\s+)?"
                r"(?:end|finish)\b|全程|整个视频|一直显示")
_TITLE_STYLE = (r"\b(?:bigger|smaller|larger|tiny|huge|font|bold|italic|underlined?|colou?r(?:ed)?"
                r"|red|blue|green|yellow|black|pink|purple|orange|gr[ae]y|gold|animated|scrolling"
                r")\b|字体|颜色|红色|蓝色|黄色|大一点的标题|加粗")
_TITLE_BELOW = (r"\b(?:at|on|to|near)\s+the\s+bottom\b|\bbottom\s+of\s+the\s+(?:screen|video|"
                r"frame|picture)\b|\blower\s+third\b|\b(?:in|at)\s+the\s+(?:centre|center)\b"
                r"|底部|下方|中间显示")
TITLE_LOOK = ("not done: I can't change the title's size, colour, font or place (it is white, "
              "centred near the top)")
_TITLE_TOP = r"\b(?:at|on|near)\s+the\s+top(?:\s+of\s+the\s+(?:screen|video|frame))?\b|顶部|上方"


def _title_looks(c: Clause, plan: EditPlan) -> None:
    """A look or place asked for with a new title ("add the title "Hi" in red at the bottom"):
    they are fixed, so it is said, never dropped silently; "at the top" is where it is anyway.
    Without a new title the answer says it (core/parser/answers.py)."""
    if QUOTE_MARK not in c.text:
        return
    looks = [c.take(_TITLE_STYLE), c.take(_TITLE_BELOW)]
    while c.take(_TITLE_STYLE) or c.take(_TITLE_BELOW):
        pass
    if any(looks):
        plan.notes.append(TITLE_LOOK)
    c.take(_TITLE_TOP)


_CHANGE = (r"\b(?:change|replace|rename|swap|switch|edit|fix)\b|\bshould\s+(?:say|read|be)\b"
           r"|改成|换成|改为")
_LONGER = r"\b(?:longer|extend\w*|more\s+time)\b|久一点|长一点|更久"
_SHORTER = r"\bshorter\b|短一点"


def retitle(c: Clause, plan: EditPlan, quotes: list[str], shown: Title | None) -> bool:
    """The title on the timeline changed without saying all of it: new words ('change "Hi"
    to "Bye"', "rename the title to Bye": its times kept), longer or shorter, moved to the end
    or the start, kept for the whole video."""
    if shown is None:
        return False
    marks = re.findall(f"{QUOTE_MARK}(\\d+){QUOTE_MARK}", c.text)
    plain = re.sub(f"{QUOTE_MARK}\\d+{QUOTE_MARK}", " ", c.text)
    if marks and re.search(_CHANGE, plain) and (len(marks) >= 2 or re.search(
            r"\b(?:title|text|caption)\b|标题", plain)) and not re.search(r"\d", plain):
        plan.title = (quotes[int(marks[-1])], shown.start, shown.length)
        c.text = ""
        return True
    if marks or not c.has(r"\b(?:title|text|caption|heading)\b|标题"):
        return False
    start, length = float(shown.start), float(shown.length)
    if c.take(_LONGER):
        length += 2000
    elif c.take(_SHORTER):
        length = max(1000.0, length - 1000)
    elif c.take(_WHOLE_VIDEO):
        start, length = 0.0, TITLE_WHOLE
    elif c.take(r"\b(?:to|at|towards|near|in)\s+the\s+end\b|结尾|最后"):
        start = TITLE_AT_END
    elif c.take(r"\b(?:to|at)\s+the\s+(?:start|beginning)\b|开头"):
        start = 0.0
    else:
        return False
    plan.title = (shown.text, start, length)
    c.text = ""
    return True


def title(c: Clause, plan: EditPlan, quotes: list[str], current: str | None = None) -> bool:
    """A quoted text is a title; the whole request is about it. `current` is the title's text
    on the timeline, for "make the title last 5 seconds"."""
    timed = r"\b(?:last|lasting|for|during|at|from|starting|after|move|show)\b.*\d|\d.*秒|显示"
    named = r"\b(?:title|text|caption)\b|标题"
    if current and QUOTE_MARK not in c.text and c.has(named) and c.has(timed):
        quotes = [*quotes, current]
        c.text = re.sub(r"\b(?:the\s+|a\s+)?(?:title|text|caption)\b|标题",
                        f" {QUOTE_MARK}{len(quotes) - 1}{QUOTE_MARK} ", c.text, count=1)
    _title_looks(c, plan)
    mark = re.search(f"{QUOTE_MARK}(\\d+){QUOTE_MARK}", c.text)
    titled = r"\b(?:title|caption|text|heading|words?|says?|saying)\b|标题|字幕"
    if mark and not c.has(titled) and c.has(w.MUSIC + r"|\bby\s+\w+|" + w.FETCH):
        plan.notes.append(w.SONG_BY_NAME)  # add "Blinding Lights" by the Weeknd
        c.text = ""
        return True
    if mark:
        text = quotes[int(mark.group(1))]
        c.take(re.escape(mark.group(0)))
        start, span = 0.0, 3000.0
        if rng := c.take(rf"\bfrom\s+({T})\s*(?:to|until|till|-)\s*({T})|从\s*({T})\s*到\s*({T})"):
            a, b = (g for g in rng.groups() if g)
            start, end = seconds(a, b), seconds(b)
            span = end - start if end > start else span
        elif c.take(_WHOLE_VIDEO):
            span = TITLE_WHOLE
        elif last := c.take(rf"\b(?:in|for|during|over)\s+the\s+(?:last|final)\s+({T})"
                            rf"|(?:在)?最后\s*({T})"):
            start, span = TITLE_AT_END, seconds(next(g for g in last.groups() if g))
        else:
            if at := c.take(rf"\b(?:at|from|starting\s+at|after|to)\s+({TU})|从\s*({TU})"
                            rf"|在\s*({TU})|({TU})\s*(?:处|时|的时候|开始)"):
                start = seconds(next(g for g in at.groups() if g))
            elif c.take(r"\b(?:at|in|near|towards)\s+the\s+end\b|结尾|最后"):
                start = TITLE_AT_END
            elif c.take(r"\b(?:in|at)\s+the\s+middle\b|中间"):
                start = TITLE_IN_MIDDLE
            if length := c.take(rf"\b(?:for|during|lasting|last)\s+(?:the\s+first\s+)?({T})|({T})"):
                span = seconds(next(g for g in length.groups() if g))
        if plan.title is not None and plan.title[0] != text:  # "the titles "A" and "B""
            plan.notes.append("not done: one title at a time (I kept the last one)")
        plan.title = (text, start, span)
        c.text = ""
        return True
    if c.take(r"\b(?:remove|delete|drop|no|without|get\s+rid\s+of|take\s+off|hide)\s+(?:the\s+)?"
              r"(?:title|text|caption|heading)s?\b|(?:去掉|删除)(?:标题|字幕)"):
        plan.remove_title = True
    return False


def join(c: Clause, plan: EditPlan) -> None:
    if c.take(JOIN):
        plan.join = True
        while c.take(r"\b(?:all|my|the|these|them|both|videos?|clips?|together"
                     r"|into\s+one(?:\s+video)?)\b|(?:成|为)?一个(?:视频)?"):
            pass


_MB = r"(\d+(?:\.\d+)?)\s*(?:mb|megabytes?|megs?|m(?=\s*(?:file|max|or\s+less|以内|内))|兆|m(?=以))"
_FILE_SIZE = (
    rf"\b(?:under|below|less\s+than|smaller\s+than|at\s+most|max(?:imum)?|no\s+(?:more|bigger|"
    rf"larger)\s+than|not\s+over|within|up\s+to|fit\s+(?:in|into|under)|(?:compress|shrink|"
    rf"reduce)\w*\s+(?:it\s+|the\s+(?:video|file)\s+)?(?:to|into|under|below)|limit(?:ed)?\s+to)"
    rf"\s*(?:a\s+)?{_MB}|{_MB}\s*(?:max(?:imum)?|or\s+(?:less|smaller|under)|limit|file\b)"
    rf"|(?:小于|不超过|低于|压缩到|压到|控制在|不要超过)\s*{_MB}|{_MB}\s*(?:以内|以下|之内)")
"""A file size limit: "make it under 8 MB", "compress to 25mb", "10MB max", "小于8MB"."""


_APP_LIMITS = {"discord": 10.0, "whatsapp": 16.0, "email": 25.0, "gmail": 25.0}
_APP_NAMES = {"discord": "Discord (without Nitro)", "whatsapp": "WhatsApp", "email": "Email",
              "gmail": "Gmail"}
_FOR_APP = (r"\b(?:small\s+enough|fit|fits|under\s+the\s+limit|light\s+enough|within\s+the\s+limit"
            r"|compress\w*(?:\s+it)?|upload\w*|send)\s+(?:\w+\s+){0,2}?(?:for|on|to|in|by|via)\s+"
            r"(discord|whatsapp|email|gmail)\b")
"""A size limit said as an app's ("small enough for Discord"): its upload limit, said."""


def file_size(c: Clause, plan: EditPlan) -> None:
    """The largest file asked for; "no size limit" takes it off."""
    if c.take(r"\b(?:no|remove\s+the|without\s+(?:a|the))\s+(?:file\s+)?size\s+limit\b"
              r"|\bany\s+(?:file\s+)?size\b|不限(?:制)?(?:文件)?大小"):
        plan.max_mb = 0.0
        return
    if app := c.take(_FOR_APP):
        name = app.group(1)
        plan.max_mb = _APP_LIMITS[name]
        plan.notes.append(f"{_APP_NAMES[name]} takes files up to {_APP_LIMITS[name]:g} MB")
        return
    if m := c.take(_FILE_SIZE):
        asked = float(next(g for g in m.groups() if g))
        if asked >= 0.1:
            plan.max_mb = asked
        else:
            plan.notes.append("not done: a file that small would not be watchable")
        c.take(r"\b(?:make|get|keep|compress|shrink|reduce)\w*(?:\s+(?:it|the\s+(?:video|file)))?"
               r"|\b(?:file|size)\b|文件|大小|压缩")


_NOT_THIS_SHAPE = (r"(?:\b(?:undo|not|no|remove|cancel|revert|don'?t(?:\s+make\s+it)?"
                   r"|no\s+longer|stop\s+(?:being|making\s+it))\s+(?:the\s+|it\s+|it\s+be\s+)?"
                   r"|不要|取消|别)\s*$")
"""Words before a shape that take it back: the video goes back to its own shape."""


def picture(c: Clause, plan: EditPlan) -> None:
    if c.take(r"\b(?:original|keep\s+the|no\s+change\s+of)\s+(?:aspect|ratio|shape|format|"
              r"size)(?:\s+ratio)?\b|原始比例"):
        plan.aspect = "none"
    if size := c.take(r"\b(\d{3,4})\s*(?:[x×*]|by)\s*(\d{3,4})\b"):
        width, height = int(size.group(1)), int(size.group(2))
        plan.aspect = min(("16:9", "9:16", "1:1", "4:5"), key=lambda a: abs(
            int(a.split(":")[0]) / int(a.split(":")[1]) - width / height))
        plan.resolution = min(width, height)
        plan.upscale = True
    before, named = plan.aspect, ""
    for pattern, aspect in w.ASPECTS:
        if found := c.take(pattern):
            plan.aspect, named = aspect, found.group(0)
            while c.take(pattern):  # "vertical 9:16" says it twice
                pass
            if re.search(_NOT_THIS_SHAPE, c.text[:found.start()]):
                plan.aspect = "none"  # "undo vertical", "not square", "取消竖屏": as filmed
                c.take(_NOT_THIS_SHAPE)
            break
    refused = False
    while other := c.take(r"(?<![\d.])(\d{1,2}(?:\.\d{1,2})?)x(\d{1,2})(?![\d.])"):
        if ratio_in(other.group(0)):  # a ratio Backtrack does not make is said, never a time
            plan.notes.append(f"not done: I can make 9:16, 16:9, 1:1 or 4:5, not "
                              f"{other.group(1)}:{other.group(2)}")
            refused = True
    if refused and not re.search(r"\d", named):
        plan.aspect = before  # "16:10 widescreen": the shape asked for is refused, not swapped
    fill = c.take(r"\b(?:black\s+)?bars\b|\bletterbox\w*|\bpad\w*|\bborders?\b|黑边"
                  r"|\bcrop\w*|\bzoom\w*|\bfill\s+the\s+(?:frame|screen)\b|\bcut\s+off\s+the\s+sides"
                  r"|裁剪|\bblur\w*|模糊")
    if fill and (plan.aspect or not (refused or w.times(c.text))):  # "crop to 3:2": refused
        word = fill.group(0)
        negated = r"\b(?:no|without|don'?t|not|never)\s+(?:the\s+|a\s+)?$|不要$"
        if re.search(negated, c.text[:fill.start()]):  # "without blur", "don't crop"
            word = "bars" if re.search(r"blur|模糊", word) else "blur"
        plan.fill = ("blur" if re.search(r"blur|模糊", word) else
                     "pad" if re.search(r"bar|letterbox|pad|border|黑边", word) else "crop")
        if c.take(r"\bwith\s+(?:a\s+)?blur\w*(?:\s+background)?|\bblurred\s+background"):
            plan.fill = "blur"  # "pad to square with blur": the words say how it is filled
    if c.take(r"\b(?:white|red|blue|green|pink|yellow|gr[ae]y|colou?red|purple|orange)\s+"
              r"(?:background|bars|borders?|padding|edges)\b|(?:白色|彩色|红色|蓝色)(?:背景|边)"):
        plan.notes.append("not done: the space around the picture is blurred, black or cropped, "
                          "not a colour")
    size = c.take(r"(?<![\d.a-z])(360|480|540|720|1080|1440|2160)\s*p\b"
                  r"|\b(4k|uhd|2k|full\s*hd|fhd|hd|sd)\b"
                  r"|(?:\b(?:to|in|at)\s+|^\s*)(360|480|540|720|1080|1440|2160)(?![\d%:.]|\s*(?:s|ms|m|h|"
                  r"seconds?|minutes?|percent|db)\b)")
    if c.take(r"\b(?:lower|reduce|smaller|less|decrease)\s+(?:the\s+)?(?:resolution|res|quality)\b"
              r"|降低分辨率"):
        plan.resolution = 720
    elif size:
        names = {"4k": 2160, "uhd": 2160, "2k": 1440, "fhd": 1080, "hd": 720, "sd": 480}
        word = re.sub(r"\s", "", size.group(2) or "")
        number = size.group(1) or size.group(3)
        plan.resolution = int(number) if number else names.get(word, 1080)
        plan.upscale = True  # asking for a size is asking for it, also from a smaller clip
    if c.take(r"\bupscal\w*|\benlarg\w*|放大"):
        plan.upscale = not c.has(r"\b(?:don'?t|no|never|without)\s*$")
