"""Which of the songs sent an instruction names: "use the second song", "用第二首歌",
"remove the first song". The songs count in the order they were sent (1 = the first);
-1 is the last one sent."""

from __future__ import annotations

import re

from core.local.edit_plan import EditPlan
from core.parser.phrases import Clause

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
