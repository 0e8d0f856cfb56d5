"""The words users see, in English and Chinese, and the language a message is in.

`detect(text)` tells the language of a message from its letters (Han characters -> "zh",
Latin letters -> "en", neither -> the fallback, e.g. the platform's app language). The turn
carries that one value (`Turn.language`); a person's language setting, when set, replaces it
(core/conversation/personal.py), and every reply is given in it.

The catalogue has two parts:
- `TEXT`: whole texts by name, in both languages (help, quick action labels, small talk).
- `_PHRASES`: the English sentences and phrases the engine, the parser and the assistant say,
  each with its Chinese form; `localise(text, "zh")` rewrites a reply with them. A phrase
  not in the catalogue stays in English rather than being guessed.
Quick action labels in Chinese are instructions the parser understands (tested).
"""

from __future__ import annotations

import dataclasses
import re
from typing import TypeVar

from core.conversation.turn import Message
from core.engine import Said
from core.words_zh import PHRASES, ZH_MOODS

LANGUAGES = ("en", "zh")

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")


def detect(text: str, fallback: str = "en") -> str:
    """ "zh" for a message mostly in Chinese, "en" for one in Latin letters, else `fallback`
    (emoji, numbers, an attachment alone)."""
    text = re.sub(r"(?:^|\s)/\w+(?:@[\w.]+)?", " ", text)  # a /command is no language
    han = len(_HAN.findall(text))
    latin = len(_LATIN.findall(re.sub(r"https?://\S+|\b\d+p\b|\b[a-z]{1,4}\b(?=\d)", " ", text)))
    if han and han * 3 >= latin:  # "把music调小" is Chinese; "add 音乐" is too, leniently
        return "zh"
    if latin:
        return "en"
    return fallback if fallback in LANGUAGES else "en"


TEXT: dict[str, dict[str, str]] = {
    "quick.fade_out": {"en": "Fade out", "zh": "淡出"},
    "quick.quieter": {"en": "Quieter music", "zh": "音乐小一点"},
    "quick.louder": {"en": "Louder music", "zh": "音乐大一点"},
    "quick.add_calm": {"en": "Add calm music", "zh": "加舒缓音乐"},
    "quick.vertical": {"en": "Vertical 9:16", "zh": "竖屏 9:16"},
    "quick.undo": {"en": "Undo", "zh": "撤销"},
    # The console's labels before what it prints (bots/console.py).
    "console.video": {"en": "Video: ", "zh": "视频："},
    "console.link": {"en": "Link: ", "zh": "链接："},
    "console.try": {"en": "Try: ", "zh": "试试："},
    "console.picture": {"en": "Picture: ", "zh": "图片："},
    "console.preview": {"en": "Preview: ", "zh": "试听："},
    "console.problem": {"en": "Problem: ", "zh": "问题："},
    "help.zh": {"zh": (
        "把视频作为文件发给我（mp4、mov、avi、webm 或 mkv，最大 500 MB），或发一个视频链接。"
        "歌曲（mp3、wav、m4a、aac）也一样发来，就会用作背景音乐。\n\n"
        "然后用平常的话告诉我怎么改，例如：\n"
        "• 加舒缓音乐，音量 20%，淡入 2 秒，淡出 5 秒，原声静音\n"
        "• 用我的歌，从 0:05 开始，跳过歌曲前 20 秒\n"
        "• 音乐小一点，说话时降低音乐\n"
        "• 保留前 30 秒，竖屏 9:16，响度标准化\n"
        "• 前 5 秒音乐小一点，文件小于 8MB\n"
        f"内置风格：{ZH_MOODS}（或发你自己的歌）。\n\n"
        "命令：导出（或“导出 720p”“导出 9:16”）重新发送视频；状态 查看轨道；撤销 退回一步；"
        "重置 重新开始；取消 停止当前操作；积分 查看余额；风格 试听内置音乐。English works too.")},
}


AGENT_FRAME = {
    "en": "NemoVideo's answer, in its own words (in Chinese):\n{text}",
    "zh": "以下是 NemoVideo 的原话（英文，未翻译）：\n{text}",
}


def said_message(said: Said, language: str) -> Message:
    """An engine's words as a message. NemoVideo's agent writes free text in a language of its
    own that no catalogue can translate: in another language than the reply's it is framed by a
    line in the reply's language, and left whole, never half-rewritten by the catalogue."""
    if not said.agent:
        return Message(said.text)
    if detect(said.text, language) == language or language not in AGENT_FRAME:
        return Message(said.text, verbatim=True)
    return Message(AGENT_FRAME[language].format(text=said.text), verbatim=True)


def text(name: str, language: str) -> str:
    """A whole text of the catalogue in a language (English when it has no such form)."""
    forms = TEXT[name]
    return forms.get(language) or forms["en"]


_QUICK_EN = {TEXT[k]["en"]: k for k in TEXT if k.startswith("quick.")}


def button(label: str, language: str) -> str:
    """A quick action label in the language (a label the parser reads in both)."""
    name = _QUICK_EN.get(label)
    return text(name, language) if name is not None else label


_PHRASES = PHRASES
_LIST_LINE = re.compile(r"^(好的：|完成：|已撤销：|没有变化。)(.*)$", re.M)


def _punctuate(line: re.Match[str]) -> str:
    """Chinese list punctuation in a translated summary line."""
    body = re.sub(r"(?<=[^\d]), |, (?=\D)", "，", line.group(2)).replace("; ", "；")
    return line.group(1) + re.sub(r"\.$", "。", body)
_COMPILED = [(re.compile(p, re.M | re.S if p.endswith(".*$") else re.M), zh) for p, zh in _PHRASES]


def localise(words: str, language: str) -> str:
    """A reply's words in the language (English in, the catalogue's Chinese out)."""
    if language != "zh" or not words:
        return words
    for pattern, zh in _COMPILED:
        words = pattern.sub(zh.replace("{help}", TEXT["help.zh"]["zh"]), words)
    return _LIST_LINE.sub(_punctuate, words)


R = TypeVar("R")


def reply(item: R, language: str) -> R:
    """A reply (Status, Message, Video, Problem) with its words in the language."""
    if language != "zh" or not dataclasses.is_dataclass(item) or isinstance(item, type):
        return item
    changes: dict[str, object] = {}
    for name in () if getattr(item, "verbatim", False) else ("text", "caption"):
        value = getattr(item, name, None)
        if isinstance(value, str):
            changes[name] = localise(value, language)
    if hasattr(item, "language"):
        changes["language"] = language
    buttons = getattr(item, "buttons", None)
    if isinstance(buttons, tuple):
        changes["buttons"] = tuple(button(b, language) for b in buttons)
    return dataclasses.replace(item, **changes)
