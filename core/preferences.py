"""Settings per person: what they are, how people change them in words, and how they are shown.

A person's `Preferences` are defaults for new edits (mood, music level, fade out), how a
finished video is sent (a streamable video, or an untouched file) and the reply language. They
are kept in the store by person ("telegram:42"), so they follow someone across chats.

People change them in plain words, in English or Chinese: "set default mood calm",
"set default level 30%", "set default fade out on", "set delivery file", "set language
chinese", "设置 语言 中文". Buttons and select menus send the same words, so every platform
shares one grammar. Everything here is pure.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Literal

from core.music.moods import NAMES as MOODS  # the one place settings learn the built-in moods
from core.music.moods import find as find_mood

DeliveryKind = Literal["video", "file"]
ReplyLanguage = Literal["auto", "en", "zh"]
Field = Literal["mood", "level", "fade_out", "delivery", "language"]

LEVELS: tuple[float, ...] = (0.2, 0.3, 0.5, 0.8, 1.0)
"""Music levels offered as choices; any level from 0% to 200% can be typed."""
MAX_LEVEL = 2.0


@dataclass(frozen=True)
class Preferences:
    """One person's settings; the defaults mean "as the bot decides"."""

    mood: str | None = None
    """The built-in mood used when music is asked for without one; None: the parser's own."""
    level: float | None = None
    """The level new music starts at (1.0 = 100%); None: 40% under speech, else 100%."""
    fade_out: bool = False
    """New music fades out at the end unless the person says otherwise."""
    delivery: DeliveryKind = "video"
    """"video": streamable (the platform may recompress it); "file": a document, untouched."""
    language: ReplyLanguage = "auto"
    """"auto" follows the person's app language."""

    def reply_language(self, app_language: str) -> str:
        """The language replies are in: the setting, or the app's when automatic."""
        return app_language if self.language == "auto" else self.language


@dataclass(frozen=True)
class Change:
    """A setting someone asked to change, already checked."""

    field: Field
    value: str | float | bool | None


@dataclass(frozen=True)
class Invalid:
    """A setting named with a value it cannot take; `field` says which, for the help line."""

    field: Field


# Words -------------------------------------------------------------------------------------

SHOW_WORDS = frozenset({"settings", "setting", "preferences", "prefs", "my settings",
                        "show settings", "设置", "我的设置", "查看设置"})

_NAMES: dict[Field, tuple[str, ...]] = {
    # Only names that cannot be an edit of this video ("set the music to 30%" is an edit).
    "mood": ("default mood", "mood default", "默认风格", "默认音乐"),
    "level": ("default music level", "default level", "default volume", "music level default",
              "默认音量"),
    "fade_out": ("default fade out", "default fade", "fade out by default", "默认淡出"),
    "delivery": ("delivery", "send as", "deliver as", "send videos as", "发送方式", "发送"),
    "language": ("reply language", "language", "回复语言", "语言"),
}
_SAY_ZH: dict[Field, str] = {"mood": "默认风格", "level": "默认音量", "fade_out": "默认淡出",
                             "delivery": "发送方式", "language": "语言"}
_SET = re.compile(r"^(?:set|change|设置|设定|修改)\s*")
_AUTO = frozenset({"auto", "automatic", "default", "none", "off", "自动", "默认", "无"})
_ON = frozenset({"on", "yes", "true", "1", "开", "开启", "打开", "是"})
_OFF = frozenset({"off", "no", "false", "0", "关", "关闭", "否"})
_DELIVERY: dict[str, DeliveryKind] = {
    "video": "video", "a video": "video", "videos": "video", "stream": "video", "视频": "video",
    "file": "file", "a file": "file", "files": "file", "document": "file", "文件": "file",
    "原文件": "file",
}
_LANGUAGES: dict[str, ReplyLanguage] = {
    "auto": "auto", "automatic": "auto", "自动": "auto",
    "english": "en", "en": "en", "英文": "en", "英语": "en",
    "chinese": "zh", "zh": "zh", "中文": "zh", "汉语": "zh", "简体中文": "zh",
}
_PERCENT = re.compile(r"^(\d{1,3}(?:\.\d+)?)\s*%?$")


def parse(norm: str) -> Change | Invalid | None:
    """A settings change from a normalised message; None when it is not about settings."""
    match = _SET.match(norm)
    if match is None:
        return None
    rest = norm[match.end():]
    for field, names in _NAMES.items():
        for name in names:
            if rest == name or rest.startswith(name):
                tail = rest[len(name):]
                if tail and name.isascii() and not tail.startswith(" "):
                    continue  # "set languages..." is not "set language"
                value = re.sub(r"^\s*(?:to|=|:|为|成|：)?\s*", "", tail).strip()
                return _value(field, value)
    return None


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


def apply(prefs: Preferences, change: Change) -> Preferences:
    """The settings with one changed (`parse` checked the value's type for its field)."""
    changes: dict[str, object] = {change.field: change.value}
    return dataclasses.replace(prefs, **changes)  # type: ignore[arg-type]


# How they are shown ------------------------------------------------------------------------

_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Your settings", "mood": "Default mood", "level": "Default music level",
        "fade_out": "Fade out by default", "delivery": "Send videos as",
        "language": "Reply language", "auto": "automatic", "on": "on", "off": "off",
        "video": "video (streamable)", "file": "file (untouched)", "en": "English",
        "zh": "中文 (Chinese)", "saved": "Saved: {what}.",
        "how": "Change one with the buttons, or in words, e.g. \"set default mood calm\", "
               "\"set default level 30%\", \"set default fade out on\", \"set delivery file\", "
               "\"set language chinese\".",
        "bad_mood": "The default mood can be {moods} or auto.",
        "bad_level": "The default music level is a percentage from 0% to 200%, or auto.",
        "bad_fade_out": "Fade out by default is on or off.",
        "bad_delivery": "Videos can be sent as video or as file.",
        "bad_language": "The reply language can be auto, english or chinese.",
        "status": "Your defaults: {line}.",
        "one_way": "Send videos as: an attachment, untouched (Discord keeps every file as "
                   "sent and plays MP4s inline either way: there is nothing to choose here)",
        "how_one_way": "Change one with the menus, or in words, e.g. \"set default mood "
                       "calm\", \"set default level 30%\", \"set default fade out on\", "
                       "\"set language chinese\".",
    },
    "zh": {
        "title": "你的设置", "mood": "默认风格", "level": "默认音乐音量", "fade_out": "默认淡出",
        "delivery": "视频发送方式", "language": "回复语言", "auto": "自动", "on": "开",
        "off": "关", "video": "视频（可在线播放）", "file": "文件（原样不压缩）", "en": "English",
        "zh": "中文", "saved": "已保存：{what}。",
        "how": "用按钮修改，或者直接说，例如“设置 默认风格 calm”、“设置 默认音量 30%”、"
               "“设置 默认淡出 开”、“设置 发送方式 文件”、“设置 语言 英文”。",
        "bad_mood": "默认风格可以是 {moods} 或 自动。",
        "bad_level": "默认音乐音量是 0% 到 200% 之间的百分比，或 自动。",
        "bad_fade_out": "默认淡出可以是 开 或 关。",
        "bad_delivery": "发送方式可以是 视频 或 文件。",
        "bad_language": "回复语言可以是 自动、英文 或 中文。",
        "status": "你的默认设置：{line}。",
        "one_way": "视频发送方式：附件，原样不压缩（Discord 保留上传的原文件，MP4 都能直接播放，"
                   "这里没有可选的）",
        "how_one_way": "用菜单修改，或者直接说，例如“设置 默认风格 calm”、“设置 默认音量 30%”、"
                       "“设置 默认淡出 开”、“设置 语言 英文”。",
    },
}
FIELDS: tuple[Field, ...] = ("mood", "level", "fade_out", "delivery", "language")

ONE_WAY_DELIVERY = frozenset({"discord"})
"""Platforms where a video arrives the same way whatever `delivery` says, so that setting is
not offered there. Discord stores an attachment byte for byte (no re-encoding) and its client
plays an MP4 attachment inline; its API has no "file, not video" switch (an attachment's
request fields are id, filename, title, description, duration_secs, waveform, is_spoiler)."""


def fields_for(platform: str) -> tuple[Field, ...]:
    """The settings that mean something on a platform."""
    if platform in ONE_WAY_DELIVERY:
        return tuple(f for f in FIELDS if f != "delivery")
    return FIELDS


def words(language: str) -> dict[str, str]:
    return _WORDS["zh" if language == "zh" else "en"]


def shown_value(field: Field, value: object, language: str) -> str:
    """One setting's value in words."""
    w = words(language)
    if value is None or value == "auto":
        return w["auto"]
    if field == "level" and isinstance(value, float):
        return f"{value * 100:.0f}%"
    if field == "fade_out":
        return w["on"] if value else w["off"]
    return w.get(str(value), str(value))


def describe(prefs: Preferences, language: str,
             fields: tuple[Field, ...] = FIELDS) -> list[str]:
    """"Default mood: calm" lines, one per setting."""
    w = words(language)
    sep = "：" if language == "zh" else ": "
    return [w[f] + sep + shown_value(f, getattr(prefs, f), language) for f in fields]


def status_line(prefs: Preferences, language: str) -> str:
    """The settings as one line under the status; empty when all are the defaults."""
    if prefs == Preferences():
        return ""
    lines = describe(prefs, language)
    return words(language)["status"].format(line=("；" if language == "zh" else "; ").join(lines))


def saved_text(change: Change, language: str) -> str:
    w = words(language)
    sep = "：" if language == "zh" else ": "
    return w["saved"].format(what=w[change.field] + sep
                             + shown_value(change.field, change.value, language))


def invalid_text(invalid: Invalid, language: str) -> str:
    return words(language)["bad_" + invalid.field].format(moods=", ".join(MOODS))


def say(field: Field, value: object, language: str) -> str:
    """The words a button or menu sends to choose a value (the grammar `parse` reads)."""
    name = _SAY_ZH[field] if language == "zh" else _NAMES[field][0]
    if language == "zh":
        spoken = {None: "自动", True: "开", False: "关", "video": "视频", "file": "文件",
                  "auto": "自动", "en": "英文", "zh": "中文"}
    else:
        spoken = {None: "auto", True: "on", False: "off", "en": "english", "zh": "chinese"}
    if field == "level" and isinstance(value, float):
        text = f"{value * 100:.0f}%"
    else:
        text = spoken.get(value, str(value))  # type: ignore[call-overload]
    return f"设置 {name} {text}" if language == "zh" else f"set {name} {text}"


def agent_hint(prefs: Preferences) -> str:
    """The edit defaults as a sentence for an editing agent (NemoVideo) that reads words, not
    settings; empty when the person has none. Phrased as a condition, so an edit that adds no
    music is not turned into one that does."""
    parts = []
    if prefs.mood:
        parts.append(f"use {prefs.mood} music")
    if prefs.level is not None:
        parts.append(f"put it at {prefs.level * 100:.0f}% volume")
    if prefs.fade_out:
        parts.append("fade it out at the end")
    if not parts:
        return ""
    return "(If you add music and I did not say otherwise: " + ", ".join(parts) + ".)"


def moods() -> tuple[str, ...]:
    """The built-in moods, in the music code's order (adapters list them from here)."""
    return MOODS


def choices(field: Field) -> tuple[object, ...]:
    """The values offered for a setting, in order."""
    if field == "mood":
        return (None, *MOODS)
    if field == "level":
        return (None, *LEVELS)
    if field == "fade_out":
        return (False, True)
    if field == "delivery":
        return ("video", "file")
    return ("auto", "en", "zh")
