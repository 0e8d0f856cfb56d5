"""Which of the songs sent an instruction names: "use the second song", "用第二首歌",
"remove the first song". The songs count in the order they were sent (1 = the first);
-1 is the last one sent."""

from __future__ import annotations

import re

from core.local.edit_plan import EditPlan
from core.music.moods import WORDS as MOOD_WORDS
from core.music.moods import find as find_mood
from core.parser.phrases import Clause, T, seconds

_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4,
             "4th": 4, "fifth": 5, "5th": 5, "last": -1, "latest": -1, "newest": -1}
_CN_ORDINALS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "1": 1, "2": 2, "3": 3,
                "4": 4, "5": 5}
_SONG = r"(?:song|track|tune|music|one|mp3|audio)"
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_EN = re.compile(
    rf"\b(?:the\s+)?(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last|latest|newest)"
    rf"\s+{_SONG}\b(?:\s+i\s+sent)?|\b(?:song|track)\s+(?:number\s+|no\.?\s*|#\s*)?"
    r"([1-5]|one|two|three|four|five)\b")
_CN = re.compile(r"第\s*([一二两三四五1-5])\s*首(?:歌曲?|音乐)?|最后一首(?:歌曲?|音乐)?")
_REMOVE = (r"\b(?:remove|delete|drop|get\s+rid\s+of|take\s+out|take\s+off|lose|ditch|without)\b"
           r"|去掉|删除|删掉|移除|不要|取消")
_USE = (r"\b(?:use|play|put|switch\s+to|change\s+to|go\s+back\s+to|back\s+to|pick|choose|want"
        r"|add|try)\b|用|换成|换回|改成|改用|选|播放|放")


def _index(c: Clause) -> int | None:
    if (found := c.take(_CN.pattern)) is not None:
        number = found.group(1)
        return -1 if number is None else _CN_ORDINALS[number]
    if (found := c.take(_EN.pattern)) is not None:
        word = found.group(1) or found.group(2)
        return _ORDINALS.get(word) or _NUMBER_WORDS.get(word) or int(word)
    return None


def pick_song(c: Clause, plan: EditPlan) -> bool:
    """A song named by its place among the songs sent, to use or to remove; True when the
    clause was about one."""
    if not (_CN.search(c.text) or _EN.search(c.text)):
        return False
    remove = c.has(_REMOVE)
    if not remove and not c.has(_USE):
        return False
    index = _index(c)
    if index is None:
        return False
    c.take(_REMOVE if remove else _USE)
    plan.song = index
    plan.source = "remove" if remove else "upload"
    return True


# Songs in turn: "play both songs one after the other", "the first song until 0:30, then the
# second", "switch to the other song at 1:00". Read on the whole message before it is cut into
# clauses, since "then" and commas would cut these in two.

_ORD = r"(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last)"
_CN_N = r"([一二两三四五1-5])"
_ONE = r"(?:\s+(?:song|one|track|tune))"
_TWO_SONGS = (r"(?:both|the\s+two|two|2)\s+(?:of\s+(?:the|my)\s+)?(?:songs?|tracks?|tunes?)"
              r"(?:\s+i\s+sent)?")
_BOTH = re.compile(
    rf"\b(?:(?:play|use|put|add)\s+)?{_TWO_SONGS}[^,.;]*?\b(?:one\s+after\s+(?:the\s+)?"
    r"(?:other|another)|in\s+a\s+row|back\s+to\s+back|in\s+order|in\s+sequence|in\s+turn|"
    r"consecutively|(?:one\s+)?then\s+the\s+other)"
    rf"|\b(?:play|use|put|add)\s+{_TWO_SONGS}\s*$|\bone\s+song\s+after\s+the\s+other\b"
    r"|(?:两|2)首(?:歌曲?|音乐)?(?:都)?(?:依次|连着|接着|轮流|先后|一首接一首|前后|都用|都放|连起来)"
    r"(?:播放?|放|用)?")
_IN_TURN = (r"(?:one\s+after\s+(?:the\s+)?(?:other|another)|in\s+a\s+row|back\s+to\s+back|"
            r"in\s+order|in\s+sequence|in\s+turn|consecutively)")
_ALL = re.compile(
    rf"\b(?:(?:play|use|put|add)\s+)?all\s+(?:of\s+)?(?:the\s+|my\s+)?(?P<n>three|four|five|[3-5]"
    rf")?\s*(?:of\s+(?:the|my)\s+)?(?:songs|tracks|tunes)(?:\s+i\s+sent)?[^,.;]*?\b{_IN_TURN}"
    rf"|(?:所有|全部)(?:的)?(?:歌曲?|音乐)(?:都)?(?:依次|连着|接着|轮流|先后|一首接一首|连起来)(?:播放?|放|用)?"
    rf"|(?P<cn>[三四五3-5])首(?:歌曲?|音乐)?(?:都)?(?:依次|连着|接着|轮流|先后|一首接一首|连起来)"
    rf"(?:播放?|放|用)?")
_COUNTS = {"three": 3, "four": 4, "five": 5, "3": 3, "4": 4, "5": 5, "三": 3, "四": 4, "五": 5}
_UNTIL_THEN = re.compile(
    rf"\b(?:(?:use|play)\s+)?(?:the\s+)?{_ORD}{_ONE}\s+(?:until|till|up\s+to|to)\s+(?P<t>{T})"
    rf"\s*[,;]?\s*(?:and\s+)?then\s+(?:(?:use|play|switch\s+to)\s+)?(?:the\s+)?{_ORD}{_ONE}?\b"
    rf"|第{_CN_N}首(?:歌曲?|音乐)?(?:放|用|播)?(?:到|至)\s*(?P<ct>{T})\s*[，,]?\s*"
    rf"(?:然后|再|之后|接着)?\s*(?:放|用|换成?|播放?)?\s*第{_CN_N}首(?:歌曲?|音乐)?")
_SWITCH = (rf"(?:switch|change|go|move|cut|swap)\s+(?:over\s+)?to\s+(?:the\s+)?(other|next|"
           rf"{_ORD[1:-1]}){_ONE}")
_SWITCH_AT = re.compile(
    rf"\b{_SWITCH}\s+(?:at|from|after)\s+(?P<t>{T})|\b(?:at|from|after)\s+(?P<t2>{T})\s*,?\s*"
    rf"{_SWITCH.replace('(other', '(?P<w2>other')}\b"
    rf"|(?:在|从)?\s*(?P<ct>{T})\s*(?:后|以后|之后|时|的时候)?\s*(?:切换|换|切|改)(?:到|成)?\s*"
    rf"(?:另一首|下一首|第{_CN_N}首)(?:歌曲?|音乐)?")


def _place(word: str | None) -> int | None:
    """A song's place from an ordinal word or Chinese number; None for "the other"."""
    if word is None or word in ("other", "next"):
        return None
    return _ORDINALS.get(word) or _CN_ORDINALS[word]


# Built-in moods in turn, or a mood and the song sent: "lofi until 0:10, then upbeat", "my song
# until 0:08 then calm", "switch to calm at 0:12", "轻松放到0:10，然后欢快", "在0:12换成伤感".
_A_MOOD = "(?:" + "|".join(f"(?:{p})" for p in MOOD_WORDS.values()) + ")"
_MINE = r"(?:my|the)\s+(?:own\s+)?(?:song|track|tune|mp3)|我的歌曲?|我的音乐|我发的歌"
_EITHER = rf"(?:(?:the\s+)?{_A_MOOD}(?:\s+(?:music|one|song))?|{_MINE})"
_MOOD_THEN = re.compile(
    rf"(?:\b(?:use|play)\s+)?(?P<a>{_EITHER})\s+(?:until|till|up\s+to|to)\s+(?P<t>{T})\s*[,;]?"
    rf"\s*(?:and\s+)?then\s+(?:(?:use|play|switch\s+to)\s+)?(?P<b>{_EITHER})"
    rf"|(?P<ca>{_A_MOOD})(?:音乐)?(?:放|用|播)?(?:到|至)\s*(?P<ct>{T})\s*[，,]?\s*"
    rf"(?:然后|再|之后|接着)?\s*(?:放|用|换成?|播放?)?\s*(?P<cb>{_A_MOOD})")
_INTO = (r"(?:(?:switch|change|go|move|cut|swap)\s+(?:over\s+)?to|(?:cross-?\s?fade|fade|blend"
         r"|transition|segue)\s+(?:in)?to|bring\s+in)")
_MOOD_SWITCH = re.compile(
    rf"\b{_INTO}\s+(?:the\s+|some\s+)?(?P<m>{_A_MOOD}(?:\s+(?:music|one|song))?|{_MINE})"
    rf"\s+(?:at|from|after)\s+(?P<t>{T})"
    rf"|(?:在|从)?\s*(?P<ct>{T})\s*(?:后|以后|之后|时|的时候)?\s*(?:切换|换|切|改)(?:到|成)?\s*"
    rf"(?P<cm>{_A_MOOD}|我的歌曲?|我的音乐|我发的歌)(?:的)?(?:音乐|歌曲?)?")


def _mood_or_mine(words: str) -> int | str | None:
    """A mood's name, or -1 for "my song" (the last one sent)."""
    return -1 if re.fullmatch(_MINE, words.strip()) else find_mood(words)


def moods_in_turn(text: str, plan: EditPlan) -> tuple[str, bool]:
    """`songs_in_turn` for built-in moods: a mood, then another or the song sent (or the other
    way round); the message without that part, and whether it asked."""
    if (found := _MOOD_THEN.search(text)) is not None:
        a = _mood_or_mine(found.group("a") or found.group("ca"))
        b = _mood_or_mine(found.group("b") or found.group("cb"))
        if a is None or b is None or not (isinstance(a, str) or isinstance(b, str)):
            return text, False
        plan.sequence, plan.change = (a, b), seconds(found.group("t") or found.group("ct"))
    elif (found := _MOOD_SWITCH.search(text)) is not None:
        into = _mood_or_mine(found.group("m") or found.group("cm"))
        if into is None:
            return text, False
        plan.sequence, plan.change = (None, into), seconds(found.group("t") or found.group("ct"))
    else:
        return text, False
    plan.source = "mood"
    return text[:found.start()] + " " + text[found.end():], True


def songs_in_turn(text: str, plan: EditPlan) -> str:
    """Sets `plan.sequence` and `plan.change` when the (normalised) message asks for songs in
    turn; returns the message without that part."""
    text, asked = moods_in_turn(text, plan)
    if asked:
        return text
    if found := _UNTIL_THEN.search(text):
        a, b, c, d = found.group(1), found.group(3), found.group(4), found.group(6)
        plan.sequence = (_place(a or c), _place(b or d))
        plan.change = seconds(found.group("t") or found.group("ct"))
    elif found := _SWITCH_AT.search(text):
        word = found.group(1) or found.group("w2") or found.group(found.re.groupindex["ct"] + 1)
        plan.sequence = (None, _place(word))
        plan.change = seconds(found.group("t") or found.group("t2") or found.group("ct"))
    elif found := _ALL.search(text):  # the last N sent, or every song sent
        count = _COUNTS.get(found.group("n") or found.group("cn") or "", 0)
        plan.sequence, plan.change = tuple(range(-count, 0)), None
    elif found := _BOTH.search(text):
        plan.sequence, plan.change = (-2, -1), None
    else:
        return text
    plan.source = "upload"
    return text[:found.start()] + " " + text[found.end():]
