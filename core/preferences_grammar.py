"""How people change their settings in words (English and Chinese): the grammar, pure.

A settings request is a lead ("set", "change", "turn off", "settings", "设置", "把", "关闭"),
a setting's name ("default mood", "默认音量", "reply language") and a value, joined by the
words people use ("to", "为", "调到", "改成"). A name that can only be a setting ("default
mood", "回复语言") needs no lead. A request that names no setting Backtrack has ("设置 颜色 红",
"settings foo", "set default colour red") is `Unknown`, so it gets a settings answer rather
than an edit's; "set the music to 30%" and "设置 音量 30%" stay edits of this video.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from core.music.moods import NAMES as MOODS  # the one place settings learn the built-in moods
from core.music.moods import find as find_mood

DeliveryKind = Literal["video", "file"]
ReplyLanguage = Literal["auto", "en", "zh"]
Field = Literal["mood", "level", "fade_out", "delivery", "language"]

MAX_LEVEL = 2.0


@dataclass(frozen=True)
class Change:
    """A setting someone asked to change, already checked."""

    field: Field
    value: str | float | bool | None


@dataclass(frozen=True)
class Invalid:
    """A setting named with a value it cannot take; `field` says which, for the help line."""

    field: Field


@dataclass(frozen=True)
class Unknown:
    """A settings request naming nothing Backtrack can set; `said` is what was named."""

    said: str = ""


SHOW_WORDS = frozenset({"settings", "setting", "preferences", "prefs", "my settings",
                        "show settings", "设置", "我的设置", "查看设置"})

NAMES: dict[Field, tuple[str, ...]] = {
    # Only names that cannot be an edit of this video ("set the music to 30%" is an edit).
    "mood": ("default mood", "mood default", "default music mood", "default music style",
             "default style", "default music", "default genre", "默认风格", "默认音乐风格",
             "默认音乐", "默认心情", "默认情绪", "默认氛围", "默认曲风"),
    "level": ("default music level", "default music volume", "default level", "default volume",
              "music level default", "默认音量", "默认音乐音量", "默认音乐大小", "默认声音大小"),
    "fade_out": ("default fade out", "default fade-out", "default fadeout", "default fade",
                 "fade out by default", "fade-out by default", "默认淡出", "默认渐出",
                 "结尾默认淡出"),
    "delivery": ("delivery", "send as", "deliver as", "send videos as", "delivery mode",
                 "发送方式", "发送格式", "发送"),
    "language": ("reply language", "language", "replies in", "回复语言", "语言"),
}
_NEEDS_LEAD = frozenset({"发送", "send as", "deliver as"})
"""Names that alone could start something else ("发送视频" is "send the video")."""
_BY_DEFAULT: dict[str, Field] = {
    # Plain names that become settings when "by default" / "默认" says so.
    "music level": "level", "music volume": "level", "volume": "level", "level": "level",
    "mood": "mood", "music": "mood", "style": "mood", "fade out": "fade_out",
    "fade-out": "fade_out", "fade": "fade_out",
}
_ALL_NAMES = sorted(((name, field) for field, names in NAMES.items() for name in names),
                    key=lambda pair: -len(pair[0]))

_SETTINGS_LEAD = re.compile(
    r"^(?:(?:show|my|change|update|open)\s+)?(?:my\s+)?(?:settings?|preferences?|prefs)\b"
    r"\s*[:：]?\s*|^(?:我的|修改|更改)?(?:设置|设定|偏好设置|偏好)\s*[:：]?\s*")
_LEAD = re.compile(
    r"^(?:please\s+|pls\s+|请|帮我)?(?:(?:set|change|make|switch|update)\b(?:\s+my\b)?"
    r"|把|将|修改|更改|改|调)\s*(?:the\s+|my\s+|我的)?")
_SWITCH = re.compile(
    r"^(?:please\s+|请|帮我)?(?:(?:turn|switch|set)\s+(on|off)\b"
    r"|(enable|disable|no|don'?t|do not)\b|(开启|打开|启用|关闭|关掉|禁用|取消|不要|别))"
    r"\s*(?:the\s+|my\s+)?")
_NEGATIONS = frozenset({"no", "dont", "don't", "do not", "不要", "别"})
"""Leads that only turn a setting off: "no, the default music" is not a settings request."""
_JOIN = re.compile(
    r"^\s*(?:to\b|=|:|：|is\b|设置为|设置成|设定为|调整为|调整到|调到|调成|调为|调至|改成|改为|改到|"
    r"设为|设成|换成|变成|为|成|到|用|是)?\s*")
_TAIL = re.compile(r"[\s,，]*(?:\bby default|\bplease|\bfor me|吧|了|啊|呀|好吗|谢谢|[,，])*$")
_EDIT_ZH = re.compile(r"音乐|音量|声音|原声|淡入|淡出|标题|竖屏|横屏|方形|剪|秒|分辨率|响度|歌")

_AUTO = frozenset({"auto", "automatic", "default", "none", "off", "自动", "默认", "无"})
_ON = frozenset({"on", "yes", "true", "1", "开", "开启", "打开", "是", "enable", "enabled"})
_OFF = frozenset({"off", "no", "false", "0", "关", "关闭", "否", "disable", "disabled"})
_DELIVERY: dict[str, DeliveryKind] = {
    "video": "video", "a video": "video", "videos": "video", "stream": "video", "视频": "video",
    "file": "file", "a file": "file", "files": "file", "document": "file", "文件": "file",
    "原文件": "file",
}
_LANGUAGES: dict[str, ReplyLanguage] = {
    "auto": "auto", "automatic": "auto", "自动": "auto",
    "english": "en", "en": "en", "英文": "en", "英语": "en",
    "chinese": "zh", "zh": "zh", "中文": "zh", "汉语": "zh", "简体中文": "zh", "普通话": "zh",
}
_PERCENT = re.compile(r"^(\d{1,3}(?:\.\d+)?)\s*%?$")


def parse(norm: str) -> Change | Invalid | Unknown | None:
    """A settings request from a normalised message; None when it is not about settings."""
    settings_lead = _SETTINGS_LEAD.match(norm)
    switch = None if settings_lead else _SWITCH.match(norm)
    lead = settings_lead or switch or _LEAD.match(norm)
    rest = norm[lead.end():] if lead else norm
    preset = _preset(switch)
    named = _named(rest, "by default" in rest or "默认" in norm)
    if named is not None:
        field, tail = named
        if lead is None and tail[0] in _NEEDS_LEAD:
            return None
        value = _TAIL.sub("", _JOIN.sub("", tail[1], count=1)).strip()
        if preset is not None and field == "fade_out" and not value:
            return Change(field, preset)
        if preset is False and field in ("mood", "level") and not value:
            return Change(field, None)  # "no default mood": as the bot decides
        if not value and field == "fade_out" and lead is None:
            return Change(field, True)  # "fade out by default"
        return _value(field, value)
    if settings_lead:
        if not rest:
            return Unknown()  # "change settings": the card
        if rest.isascii() or "默认" in rest or not _EDIT_ZH.search(rest):
            return Unknown(_said(rest))
        return None  # "设置 音量 30%": this video's volume
    negation = switch is not None and switch.group(0).strip() in _NEGATIONS
    if lead and not negation and re.search(r"\bdefaults?\b|\bby default\b|\bpreferences?\b|默认",
                                           rest):
        return Unknown(_said(rest))
    return None


def _preset(switch: re.Match[str] | None) -> bool | None:
    if switch is None:
        return None
    word = next(g for g in switch.groups() if g)
    return word in ("on", "enable", "开启", "打开", "启用")


def _named(rest: str, by_default: bool) -> tuple[Field, tuple[str, str]] | None:
    """The setting a text starts with, and (the name, the words after it)."""
    rest = re.sub(r"^(?:the|my)\s+", "", rest)
    names = _ALL_NAMES + ([(n, f) for n, f in _BY_DEFAULT.items()] if by_default else [])
    for name, field in names:
        if not rest.startswith(name):
            continue
        tail = rest[len(name):]
        if tail and name.isascii() and tail[0].isalnum():
            continue  # "set languages..." is not "set language"
        return field, (name, tail)
    return None


def _said(rest: str) -> str:
    words = _TAIL.sub("", rest).strip()
    return words if len(words) <= 30 else words[:29] + "…"


def _value(field: Field, value: str) -> Change | Invalid:
    if field == "mood":
        if value in _AUTO:
            return Change(field, None)
        name = value if value in MOODS else find_mood(value)  # "chill" is lofi, "史诗" epic
        return Change(field, name) if name is not None else Invalid(field)
    if field == "level":
        if value in _AUTO:
            return Change(field, None)
        match = _PERCENT.match(value)
        level = float(match.group(1)) / 100 if match else -1.0
        return Change(field, level) if 0 <= level <= MAX_LEVEL else Invalid(field)
    if field == "fade_out":
        if value in _ON:
            return Change(field, True)
        return Change(field, False) if value in _OFF else Invalid(field)
    if field == "delivery":
        kind = _DELIVERY.get(value.removeprefix("as ").strip())
        return Change(field, kind) if kind else Invalid(field)
    language = _LANGUAGES.get(value)
    return Change(field, language) if language else Invalid(field)
