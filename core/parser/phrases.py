"""Text handling for the instruction parser: quotes, normalising, clauses, times and words.

Everything here is a pure function of strings, plus the word patterns the parser's rules look
for and `Clause`, the request that rules read and blank. Quoted titles are taken out first so
their words never act.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

from core.music.moods import SAY_MOODS, WORDS
from core.parser import spoken

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
    "bg": "background", "fadout": "fade out", "fadeot": "fade out", "fadin": "fade in",
    "clam": "calm", "upbeet": "upbeat", "upbet": "upbeat", "lofy": "lofi", "lowr": "lower",
    "louer": "louder", "qiuet": "quiet", "ot": "out",
}
_KEYWORDS = (
    "background", "volume", "quieter", "louder", "softer", "original", "vertical",
    "horizontal", "landscape", "portrait", "square", "normalize", "loudness", "cinematic",
    "upbeat", "energetic", "relaxing", "seconds", "minutes", "percent", "instagram",
    "music", "fade", "title", "ducking", "widescreen", "soundtrack", "remove", "acoustic",
    "electronic",
)
_NEVER_CORRECT = frozenset({"normal", "quiet", "louds", "little", "later", "letter", "minute",
                            "second", "settle", "subtitle", "titles", "faded", "fades", "played",
                            "player"})
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
_CN_NUMBER = re.compile(r"([零一二两三四五六七八九十百]+)(?=\s*(?:秒|分|%|percent))"
                        r"|(?<=音量)\s*([零一二两三四五六七八九十百]+)|(?<=调到)\s*([零一二两三四五六七八九十百]+)")


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


def normalise(text: str, clip_ms: float | None = None) -> str:
    """Lower case, one spelling per word, digits for numbers, 'fade in and out' as two fades.
    `clip_ms`, the clip's length, lets "cut at 16:10" be a time when the clip has that time."""
    text = unicodedata.normalize("NFKC", text).replace("’", "'").replace("‘", "'").lower()
    text = re.sub(r"百分之\s*([零一二两三四五六七八九十百\d]+)", r"\1%", text)
    text = _CN_NUMBER.sub(lambda m: str(_cn_number(next(g for g in m.groups() if g))), text)
    text = re.sub(r"(\d),(\d{1,2})(?=\s*(?:s|secs?|seconds?|%|percent|db)\b)", r"\1.\2", text)
    text = re.sub(r"\b(?:19|20)\d0'?s\b|'\d0s\b|\b\d0's\b|\b[2-9]0s(?=\s+(?:music|songs?|style|hits"
                  r"|vibes?|tunes?|pop|rock|disco))", "retro", text)  # the 90s are not 90 seconds
    text = re.sub(r"(?<=\d)o(?=\s*(?:%|percent))", "0", text)  # "3o%"
    text = re.sub(r"(?<!\band\s)(?<!\band\sa\s)\b(?:(?:a\s+)?half\s+(?:an?\s+)?|1/2\s+(?:an?\s+)?)"
                  r"min(?:ute)?s?\b",
                  "30 seconds", text)  # "half a minute", "the first half minute", "1/2 minute"
    text = re.sub(r"(?<![\d.:])(\d{1,2})\.([0-5]\d)\s*(to|till|until|-|–)\s*(\d{1,2})\.([0-5]\d)"
                  r"(?![\d.%]|\s*(?:s|secs?|seconds?|ms|%|x)\b)", r"\1:\2 \3 \4:\5",
                  text)  # "keep 0.05 to 0.12": clock times written with a dot
    text = re.sub(r"第(?=\s*\d+(?:\.\d+)?\s*[秒分])", "", text)  # "第5秒" is 5 s
    text = re.sub(r"\b(at|from|after)\s+the\s+([\d:.]+\s*(?:s|secs?|seconds?|minutes?)?)\s*-?\s*"
                  r"mark\b",
                  r"\1 \2", text)
    text = re.sub(r"\bhalf a second\b", "0.5 seconds", text)
    # "fade the music down to 10% at 0:10": a level change, not a fade out
    text = re.sub(r"\bfade\s+(the\s+music\s+|the\s+song\s+|it\s+)?(down|up)\b",
                  lambda m: ("lower " if m.group(2) == "down" else "raise ")
                  + (m.group(1) or "it "), text)
    text = re.sub(r"\bfade\s+(?:the\s+music\s+|the\s+song\s+|it\s+)?(?:at|towards?|near|in)\s+"
                  r"the\s+(?:very\s+)?(end|start|beginning)\b(?!\s+and\b)",
                  lambda m: "fade out" if m.group(1) == "end" else "fade in", text)
    text = re.sub(r"\bonce\s*,?\s*(?:and\s+)?then\s+(?:silence|nothing|quiet|no\s+music)\b", "once",
                  text)  # "play the song once then silence": not a mute of the clip's sound
    text = re.sub(r"\b(at|to|near|till|until|from)\s+(end|start|beginning)\b(?!\s*(?:at|from|by|"
                  r"after|before|with|playing|in|on|it|the|\d))", r"\1 the \2", text)  # "at end"
    text = re.sub(r"\b(?:a|one|an) (second|minute|hour)\b(?!\s+and\s+a\s+half)", r"1 \1", text)
    text = re.sub(r"\b(first|last|final)\s+(second|minute|hour)\b(?!\s+(?:song|track|clip|video|one"
                  r"|half|part))", r"\1 1 \2", text)  # "cut the first second"
    text = re.sub(r"\b(?:lo[\s-]fi|low[\s-]fi)\b", "lofi", text)
    text = re.sub(r"\bfade[\s-]?(in|out)\b|\bfad\s+(in|out)\b",
                  lambda m: f"fade {m.group(1) or m.group(2)}", text)
    text = re.sub(r"^ad\b|\bad\b(?=\s+(?:some\s+|a\s+|the\s+)?(?:\w+\s+)?(?:music|song|bgm"
                  r"|title))", "add", text)
    text = _WORD.sub(_fix_word, text)
    text = _NUMBER_WORDS.sub(_english_number, text)
    text = spoken.rewrite(text, clip_ms)  # after the number words: "a minute and a half" -> "90s"
    text = spoken.two_fades(text)
    text = spoken.two_levels(text)
    text = text.replace("淡入淡出", "淡入,淡出")
    text = re.sub(r"\bbetween\s+([\d:.]+\s*\w*)\s+and\s+", r"from \1 to ", text)
    return " ".join(text.split())


_CLAUSE_BREAK = re.compile(
    r"[,;!?。；！？、\n]|\.(?!\d)|\s+(?:and|then|also|plus|but|&)\s+|然后|并且|(?<!合)并|同时|再把|还有"
    # "add lofi at 30% fade in 2 fade out 3 mute original": a number ends a request
    r"|(?:(?<=[\d%])|(?<=\ds))\s+(?=(?:fade|mute|trim|cut|add|keep|lower|duck|normali[sz]e|"
    r"vertical|square|horizontal|landscape|portrait|voice|my\s+(?:voice|audio|sound)|original|"
    r"music|song|bgm)\b)")


def clauses(text: str) -> list[str]:
    """Split a normalised instruction into requests: "a, b and c" -> ["a", "b", "c"]. A time
    alone belongs to the request after it ("2s fade out", "1:30 fade out"), a shape word to the
    ratio before it ("16x10 landscape")."""
    parts = [c.strip() for c in _CLAUSE_BREAK.split(text) if c and c.strip()]
    out: list[str] = []
    for part in parts:
        if out and (_ALONE.fullmatch(out[-1]) or (
                re.search(r"\d{1,2}(?:\.\d{1,2})?x\d{1,2}$", out[-1])  # "16x10 landscape"
                and re.match(r"vertical|square|horizontal|landscape|portrait", part))):
            out[-1] = f"{out[-1]} {part}"
        else:
            out.append(part)
    return out


# Times -----------------------------------------------------------------------------------

_CLOCK = r"(?<![\d:.])(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.(\d+))?(?![\d:])"
_MIN_SEC = (r"(\d+)\s*(?:m|mins?|minutes?|分钟?)\s*(?:and\s+)?(\d+(?:\.\d+)?)\s*"
            r"(?:s|secs?|seconds?|秒钟?)(?![a-z])")
_AMOUNT = (r"(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|seconds?|m|minutes?|h|hours?|秒钟?|分钟?)"
           r"(?![a-z])")
TIME = re.compile(f"(?:{_CLOCK})|(?:{_MIN_SEC})|(?:{_AMOUNT})")
"""A time or a duration: 0:05, 1:02:03, 1m30s, 90 seconds, 2.5s, 500 ms, 3秒."""


MAX_MS = 86_400_000.0
"""Times are capped at a day, so an absurd number can never overflow later arithmetic."""


def time_ms(m: re.Match[str]) -> float:
    """Milliseconds of a TIME match (at most MAX_MS)."""
    return min(_time_ms(m), MAX_MS)


def _time_ms(m: re.Match[str]) -> float:
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


# Words the parser looks for ----------------------------------------------------------

SONG_BY_NAME = ("not done: I can't fetch songs by name or from Spotify, YouTube or TikTok. "
                f"Send me the audio file (mp3, m4a, wav), or pick a mood: {SAY_MOODS}.")
"""Said when someone asks for a named song or a streaming service's sound."""
FETCH = (r"\bfrom\s+(?:spotify|youtube|tik\s*tok|apple\s+music|soundcloud|the\s+internet)\b"
         r"|\btrending\b|\b(?:tik\s*tok|spotify|youtube)\s+(?:sound|song|music|audio|track)\b"
         r"|\b(?:song|track)\s+(?:called|named)\b|\b(?:songs?|tracks?)\s+by\s+(?!the\s+"
         r"(?:end|start|beginning|video)\b|\d|(?:half|a|an|some|about|around|much|far|ear)\b)[a-z]"
         r"|抖音(?:上|里)?(?:很|最)?(?:火|热门|流行)的?(?:歌|音乐|神曲)|(?:很火|最火|热门)的?(?:歌|音乐)"
         r"|网易云|qq音乐|酷狗")
"""Asking for music from somewhere Backtrack cannot fetch."""

T = (r"(?:\d+\s*m(?:in(?:utes?)?)?\s*\d+(?:\.\d+)?\s*s(?:ec(?:onds?)?)?|"
     r"\d+(?::\d{2}){0,2}(?:\.\d+)?\s*(?:ms|milliseconds?|s|seconds?|m|minutes?|h|hours?|"
     r"秒钟?|分钟?)?)(?![a-z\d%]|\s*(?:percent|per\s+cent|pct)\b)")
"""A time with an optional unit (a bare number is seconds), for use inside patterns."""
TU = (r"(?:\d+\s*m(?:in(?:utes?)?)?\s*\d+(?:\.\d+)?\s*s(?:ec(?:onds?)?)?|\d+(?::\d{2}){1,2}"
      r"(?:\.\d+)?|\d+(?:\.\d+)?\s*(?:ms|milliseconds?|s|seconds?|m|minutes?|h|hours?|秒钟?|分钟?))"
      r"(?![a-z\d%])")
"""A time that says it is one: a clock (0:05) or a number with a unit."""
_ALONE = re.compile(rf"\s*{TU}\s*")
"""A request that is only a time: it goes with the next one (`clauses`)."""
MUSIC = (r"\b(?:music|songs?|track|soundtrack|tunes?|beats?|backing)\b|音乐|歌|配乐")
VIDEO_WORDS = r"\b(?:video|clip|footage)\b|视频"
ORIGINAL = (r"\boriginal\b|\bmy\s+(?:own\s+)?(?:voice|audio|sound|talking|speech|narration|mic)"
            r"\b|\b(?:video|clip|camera)(?:'s)?\s+(?:sound|audio|voice)\b|\bvoices?\b|\bspeech\b"
            r"|\bdialog(?:ue)?\b|\bnarration\b|\bthe\s+(?:audio|sound|talking)\b(?!\s+(?:i|that|you)\b)"
            r"|\bthe\s+video\b(?=\s+(?:\w+\s+)?(?:quiet|loud|soft))|原声|原音|人声|视频声音|原视频"
            r"|我的声音|原来的声音|视频的声音|我说话|说话声|我的话|(?<=no\s)talking\b")
UPLOAD = (r"\b(?:this|that|my|the)\s+(?:own\s+)?(?:song|music|track|audio|tune|mp3|wav|m4a|ogg|aac"
          r"|flac|file|one)\s+"
          r"(?:that\s+)?(?:i|you\s+got)\s+(?:just\s+)?(?:sent|uploaded|attached|gave|shared|added)"
          r"\b|\b(?:this|that|my)\s+(?:own\s+)?(?:song|music|track|tune|mp3)\b|\b(?:the|my|that)\s+"
          r"(?:mp3|wav|m4a|ogg|aac|flac)(?:\s+file)?\b|\b(?:uploaded|"
          r"attached|sent)\s+(?:song|music|audio|track|file|mp3)\b|\bmy\s+audio\s+(?:file|track)\b"
          r"|我的(?:歌|音乐)|这首歌")
ADD = (r"\b(?:add|put|insert|use|using|give|want|need|play|overlay|include|with|set|pick|"
       r"choose|apply|lay|try|swap|switch|change|replace|go\s+with|instead)\b|加|添加|用|配上|换成")
MOOD_WORDS = WORDS
"""mood -> the words for it (core/music/moods.py keeps them with the moods)."""
_TURN = r"\b(?:turn|bring|tone|dial|volume|put|knock)\s+(?:\w+\s+){0,2}?"
QUIETER = (r"\b(?:quiet\w*|soft\w*|lower(?!\s+(?:the\s+)?(?:quality|resolution|res)\b)|low|dip"
           r"|reduce\w*|decrease\w*|less\s+loud|"
           rf"not\s+so\s+loud|dim)\b|{_TURN}down\b|\bdown\s+(?:a\s+(?:bit|little|notch)|by)\b"
           r"|小一点|小点|小声|调小|调低|低一点|低点|降低|减小|轻一点|轻点")
LOUDER = (r"\b(?:loud\w*|raise|boost\w*|increase\w*|higher(?!\s+(?:quality|resolution|res|"
          r"definition|bitrate)\b)|more\s+volume)\b"
          rf"|{_TURN}up\b|\bup\s+(?:a\s+(?:bit|little|notch)|by|the\s+(?:volume|music))\b"
          r"|\bpump\s+(?:\w+\s+)?up\b|大一点|大点|大声|调大|调高|(?<!画质)(?<!清晰度)高一点|(?<!画质)提高|增大|响一点")
LITTLE = (r"\b(?:a\s+(?:bit|little|touch|tad|smidge|hair|notch|tiny\s+bit)|slightly|somewhat"
          r"|little)\b|一点点|稍微")
MUCH = r"\b(?:much|a\s+lot|way|lots|really|very|far)\b|很多"
ASPECTS = [
    (r"(?<![\d.])9\s*(?:x|by|/)\s*16(?!\d)|\b(?:insta(?:gram)?|ig)\s+(?:reels?|stor(?:y|ies))\b|"
     r"\byoutube\s+shorts?\b|\bwhatsapp\s+status\b|\bsnap(?:chat)?\b|\btik\s*tok\b(?!\s+(?:sound|song|music|audio|track))|\breels?\b|\bshorts\b|\bstor(?:y|ies)\b|\bvertical\w*"
     r"|竖屏|竖版|快手|视频号|抖音(?![上里]?[很最]?(?:火|热门|流行)?的?(?:歌|音乐|神曲))", "9:16"),
    (r"(?<![\d.])1\s*(?:x|by|/)\s*1(?!\d)|\bsquare\w*|方形|正方形", "1:1"),
    (r"(?<![\d.])4\s*(?:x|by|/)\s*5(?!\d)|\b(?:insta(?:gram)?|ig)(?:\s+(?:portrait|post|feed))?"
     r"\b|小红书", "4:5"),
    (r"\bportrait\b", "9:16"),
    (r"(?<![\d.])16\s*(?:x|by|/)\s*9(?!\d)|\blandscape\b|\bhorizontal\w*|\bwide\s*screen\b|\byoutube\b"
     r"|横屏|横版|b站|哔哩哔哩|西瓜视频", "16:9"),
]
KEEP_VERBS = (r"(?:(?:trim|cut|shorten|clip|crop|reduce|make)\s+(?:it\s+|the\s+video\s+|this\s+|"
               r"the\s+clip\s+)?(?:down\s+)?to|only|just|keep|use|(?:i\s+)?(?:only\s+|just\s+)?"
               r"(?:want|need)(?:\s+(?:only|just))?)")
DROP_VERBS = (r"(?:cut|remove|drop|delete|skip|trim|chop|snip|lose|get\s+rid\s+of)\s+"
              r"(?:off\s+|out\s+)?")
GENRES = frozenset((
    "jazz", "rock", "piano", "classical", "guitar", "acoustic", "country", "metal", "rap",
    "edm", "electronic", "techno", "house", "trap", "funk", "reggae", "blues", "folk", "latin",
    "kpop", "christmas", "romantic", "funny", "spooky", "horror", "scary", "violin", "disco",
    "hiphop", "hop", "punk", "opera", "synthwave", "retro", "dubstep", "lullaby", "kids",
    "wedding", "birthday", "summer", "tropical", "indie", "soul"))
"""Kinds of music people ask for that are not built-in moods (said, never silently swapped)."""
GENRES_ZH = ("摇滚|古典|说唱|嘻哈|乡村|金属|朋克|雷鬼|蓝调|中国风|古风|二次元|儿歌"
             "|圣诞|婚礼|生日|恐怖|搞笑|浪漫|韩流|流行|民族|戏曲|重金属|迪斯科|拉丁|小提琴|吉他")
"""The same in Chinese (the built-in moods' own Chinese words are in core/music/moods.py)."""
NOT_GENRES = frozenset((
    "add", "use", "put", "some", "background", "the", "any", "more", "nice", "good", "cool",
    "great", "this", "that", "with", "new", "different", "another", "other", "own", "your",
    "want", "need", "give", "play", "insert", "include", "overlay", "free", "built", "default",
    "and", "for", "better", "soft", "quiet", "loud", "louder", "quieter", "instrumental",
    "previous", "last", "old", "same", "first", "original", "current", "next", "less", "other",
    "little", "bit", "nicer", "light", "subtle", "gentle", "proper", "real", "cool", "fitting"))
FILLER = frozenset((
    "please", "thanks", "thank", "you", "okay", "now", "it", "the", "and", "make", "can",
    "could", "would", "this", "that", "video", "clip", "also", "just", "hello", "hey", "for",
    "with", "some", "bit", "little", "sound", "audio", "perfect", "good", "great", "nice", "cool",
    "awesome", "okay", "yes", "yeah", "yep", "hmm", "wait", "alright", "but", "that's", "lovely",
    "fine", "wow", "looks", "amazing", "keep", "everything", "else", "same", "rest", "music",
    "is", "are", "background", "i'd", "like", "want", "song", "track", "use", "put",
    "请", "谢谢", "好的", "不错"))


class Clause:
    """One request; rules `take` the words they use so no two rules read the same words."""

    def __init__(self, text: str, after_music: bool = False) -> None:
        self.text = text
        self.said = text
        """The request as it came, before rules blanked words."""
        self.after_music = after_music
        """The request before this one was about the music ("add my song, skip 10 s")."""

    def has(self, pattern: str) -> bool:
        return re.search(pattern, self.text) is not None

    def take(self, pattern: str) -> re.Match[str] | None:
        match = re.search(pattern, self.text)
        if match:
            self.text = (self.text[:match.start()] + " " * (match.end() - match.start())
                         + self.text[match.end():])
        return match


def seconds(piece: str, partner: str = "") -> float:
    """Milliseconds of a T match; a bare number borrows the unit of its partner ("10 to 40 s")."""
    found = times(piece)
    if found:
        return found[0].ms
    try:
        number = float(re.sub(r"[^\d.]", "", piece) or 0)
    except ValueError:
        return 0.0
    minutes = times(partner) and re.search(r"m(?:in|inutes?)?\s*$|分", partner.strip())
    return min(number * (60_000 if minutes else 1000), MAX_MS)


BACK_TIME = (r"\b(?:music|song|track)\s+(?:should\s+)?ends?\s+(?:exactly\s+|right\s+)?"
             r"(?:at|with)\s+the\s+(?:very\s+)?end\b|"
             r"\bend\s+(?:the\s+|my\s+)?(?:music|song|track)\s+(?:together\s+)?with\s+the\s+"
             r"(?:video|clip)\b|\b(?:music|song|track)\s+(?:should\s+)?ends?\s+(?:when|where|as"
             r"|with|at\s+the\s+same\s+time\s+as)\s+the\s+(?:video|clip)(?:\s+(?:ends|does|stops))?\b"
             r"|\bback[-\s]?tim\w*(?:\s+(?:the\s+|my\s+)?(?:music|song|track))?"
             r"|(?:音乐|歌曲?|配乐)(?:和|与|跟)视频(?:一起|同时)结束"
             r"|(?:音乐|歌曲?|配乐)(?:在|随)视频结束(?:时|的时候)?(?:也)?(?:结束|停)"
             r"|(?:音乐|歌曲?|配乐)的?结尾(?:对齐|对准|对上)视频的?结尾")
"""'end the song with the video': placed so its ending lands on the video's end."""


WINDOWS = (
    (rf"\bfor\s+({TU})\s+(?:at|from|starting\s+(?:at|from))\s+({T})", "for_at"),
    (rf"\b(?:at|from|starting\s+at)\s+({T})\s+for\s+(?:the\s+next\s+)?({TU})", "at_for"),
    (rf"\b(?:after|past|beyond)\s+the\s+first\s+({T})", "after"),
    (rf"\b(?:(?:for|in|during|over|at)\s+)?(?:only\s+)?(?:the\s+)?first\s+({T})|(?:在)?前\s*({T})",
     "first"),
    (rf"\b(?:(?:for|in|during|over|at)\s+)?(?:only\s+)?(?:the\s+)?(?:last|final)\s+({T})"
     rf"|(?:在)?(?:最后|后)\s*({T})", "last"),
    (rf"\b(?:from|between)\s+({T})\s*(?:to|until|till|and|-|–)\s*({T})"
     rf"|(?:从|在)?\s*({T})\s*(?:到|至|-|–|~)\s*({T})", "range"),
    (rf"\b(?:after|from|since|past|starting\s+(?:at|from))\s+({T})(?:\s+(?:on(?:wards?)?\b|to\s+the"
     rf"\s+end\b))?|(?:从|在)?\s*({T})\s*(?:以后|之后|起|开始)", "after"),
    (rf"\b(?:until|till|up\s+to)\s+({T})", "first"),
    (r"\b(?:at|in|near|for|during)\s+the\s+(?:very\s+)?(?:start|beginning)\b|\bat\s+first\b"
     r"|\b(?:for\s+)?(?:the\s+)?(?:intro|opening)\b|开头|一开始|开始的时候", "start"),
    (r"\b(?:at|in|near|towards?|for|during)\s+the\s+(?:very\s+)?end\b|\b(?:the\s+)?outro\b"
     r"|结尾|最后", "end"),
    (rf"\b(?:around|near|about)\s+({TU})", "around"),
    (rf"\bat\s+({TU})", "after"),  # "louder at 0:10": from there on
)
"""Parts of the video as said: (pattern, kind) in the order they are tried."""
