"""GUI translation: the backend talks as if the user had its web editor open; we do not.

Sentences that tell the user to click, open, drag or export are taken out of the agent's text
and replaced by what the bot does instead (NEMO_API.md, "GUI translation"):

    "click Export" / "点击导出"     -> action "export": the bot renders; the user says "export"
    "check account/billing"        -> action "credits": the engine adds the balance
    "preview in timeline"          -> action "summary": the engine adds the track summary
    "open …" / "打开"              -> action "summary"
    "drag/drop" / "拖拽"           -> "tell me the change in words"
    any other "click …" / "点击"   -> "tell me what to change"

English and Chinese. Pure: text in, text and actions out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Action = Literal["export", "credits", "summary"]


@dataclass(frozen=True)
class Translated:
    text: str
    """The agent's sentences with the bot's replacements in place (in the sentence's language)."""
    actions: tuple[Action, ...]
    own: str = ""
    """Only the agent's own sentences, as it wrote them."""
    notes: tuple[str, ...] = ()
    """The bot's replacements, in English (the reply boundary puts them in the reply language)."""


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern[str]
    action: Action | None
    english: str
    chinese: str


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_CLICKISH = r"(click|tap|press|hit|select|choose|use|go to|head to|find)"
_RULES: tuple[_Rule, ...] = (
    _Rule(
        _rx(rf"\b{_CLICKISH}\b[^.!?]*\bexport|\bexport (button|panel|menu|tab)|"
            r"点击[^。！？]*导出|导出按钮|点[^。！？]*导出"),
        "export", "Say “export” and I'll render the video for you.", "说“导出”，我就为你生成视频。",
    ),
    _Rule(
        _rx(r"\b(check|open|visit|go to|see|view)\b[^.!?]*\b(account|billing|credits?|balance|"
            r"subscription|plan)\b|(查看|打开|前往)[^。！？]*(账户|账号|充值|积分|余额|订阅)"),
        "credits", "", "",
    ),
    _Rule(
        _rx(r"\bpreview\b[^.!?]*\btimeline\b|\btimeline\b[^.!?]*\bpreview\b|"
            r"(时间线|时间轴)[^。！？]*预览|预览[^。！？]*(时间线|时间轴)"),
        "summary", "", "",
    ),
    _Rule(
        _rx(r"\b(drag|drop)\b|拖拽|拖动|拖放"),
        None, "Tell me the change in words and I'll make it.", "用文字告诉我要怎么改，我来完成。",
    ),
    _Rule(
        _rx(r"\bopen\b[^.!?]*\b(editor|panel|tab|timeline|project|menu|settings|window|"
            r"library|sidebar|workspace|preview)\b|打开"),
        "summary", "", "",
    ),
    _Rule(
        _rx(r"\b(click|tap|press)\b|点击"),
        None, "Tell me what to change and I'll do it.", "告诉我要改什么，我来完成。",
    ),
)

_SENTENCE = re.compile(r"[^.!?。！？\n]*(?:[.!?。！？]+|\n|$)")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def sentences(text: str) -> list[str]:
    """Split keeping each sentence's end punctuation; empty pieces dropped."""
    return [s for s in _SENTENCE.findall(text) if s.strip()]


def translate(text: str) -> Translated:
    """Take GUI instructions out of `text`; say what the bot does instead."""
    kept: list[str] = []
    own: list[str] = []
    notes: list[str] = []
    actions: list[Action] = []
    added: set[str] = set()
    for sentence in sentences(text):
        rule = next((r for r in _RULES if r.pattern.search(sentence)), None)
        if rule is None:
            kept.append(sentence.strip())
            own.append(sentence.strip())
            continue
        if rule.action is not None and rule.action not in actions:
            actions.append(rule.action)
        replacement = rule.chinese if _CJK.search(sentence) else rule.english
        if replacement and replacement not in added:
            added.add(replacement)
            kept.append(replacement)
            if rule.english not in notes:
                notes.append(rule.english)
    return Translated(_join(kept), tuple(actions), _join(own), tuple(notes))


def _join(pieces: list[str]) -> str:
    out = ""
    for piece in pieces:
        if out and not (_CJK.search(out[-1]) or out[-1] in "。！？"):
            out += " "
        out += piece
    return out.strip()
