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
from dataclasses import dataclass

from core.music.moods import MOODS as MOOD_WORDS
from core.music.moods import NAMES as MOODS  # the one place settings learn the built-in moods
from core.preferences_grammar import (
    MAX_LEVEL,
    NAMES,
    SHOW_WORDS,
    Change,
    DeliveryKind,
    Field,
    Invalid,
    ReplyLanguage,
    Unknown,
    parse,
)

__all__ = ["MAX_LEVEL", "SHOW_WORDS", "Change", "DeliveryKind", "Field", "Invalid",
           "Preferences", "ReplyLanguage", "Unknown", "parse"]

LEVELS: tuple[float, ...] = (0.2, 0.3, 0.5, 0.8, 1.0)
"""Music levels offered as choices; any level from 0% to 200% can be typed."""


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
        "no_such": "There is no setting called \"{said}\".",
        "can_set": "What you can set, and its values:",
        "allowed_mood": "auto, {moods}", "allowed_level": "auto, or 0% to 200% (e.g. 30%)",
        "allowed_fade_out": "on, off", "allowed_delivery": "video, file",
        "allowed_language": "auto, english, chinese",
        "console_delivery": "Send videos as (video or file) only applies on Telegram: here "
                            "the finished video's file path is printed either way.",
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
        "no_such": "没有叫“{said}”的设置。",
        "can_set": "可以设置的项目和取值：",
        "allowed_mood": "自动、{moods}", "allowed_level": "自动，或 0% 到 200%（例如 30%）",
        "allowed_fade_out": "开、关", "allowed_delivery": "视频、文件",
        "allowed_language": "自动、英文、中文",
        "console_delivery": "视频发送方式（视频或文件）只在 Telegram 上有用：这里做好的视频总是直接"
                            "打印文件路径。",
    },
}
FIELDS: tuple[Field, ...] = ("mood", "level", "fade_out", "delivery", "language")

ONE_WAY_DELIVERY = frozenset({"discord", "console"})
"""Platforms where a video arrives the same way whatever `delivery` says, so that setting is
not offered there. Discord stores an attachment byte for byte (no re-encoding) and its client
plays an MP4 attachment inline; its API has no "file, not video" switch (an attachment's
request fields are id, filename, title, description, duration_secs, waveform, is_spoiler).
The console prints the finished file's path, so a video/file choice means nothing there."""


def fields_for(platform: str) -> tuple[Field, ...]:
    """The settings that mean something on a platform."""
    if platform in ONE_WAY_DELIVERY:
        return tuple(f for f in FIELDS if f != "delivery")
    return FIELDS


def one_way_text(platform: str, language: str) -> str:
    """What a platform without the delivery setting says when someone asks for it."""
    return words(language)["console_delivery" if platform == "console" else "one_way"]


def allowed_text(language: str, fields: tuple[Field, ...] = FIELDS) -> str:
    """Every setting offered here with the values it takes, one line each."""
    w = words(language)
    zh = language == "zh"
    moods = ("、" if zh else ", ").join(
        f"{MOOD_WORDS[m].zh}（{m}）" if zh else m for m in MOODS)
    sep = "：" if zh else ": "
    return w["can_set"] + "\n" + "\n".join(
        "• " + w[f] + sep + w["allowed_" + f].format(moods=moods) for f in fields)


def unknown_text(unknown: Unknown, language: str, fields: tuple[Field, ...] = FIELDS) -> str:
    """The answer to a settings request naming nothing that can be set."""
    head = words(language)["no_such"].format(said=unknown.said) + "\n\n" if unknown.said else ""
    return head + allowed_text(language, fields)


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


def status_line(prefs: Preferences, language: str, fields: tuple[Field, ...] = FIELDS) -> str:
    """The settings as one line under the status; empty when all are the defaults."""
    if prefs == Preferences():
        return ""
    lines = describe(prefs, language, fields)
    return words(language)["status"].format(line=("；" if language == "zh" else "; ").join(lines))


def saved_text(change: Change, language: str) -> str:
    w = words(language)
    sep = "：" if language == "zh" else ": "
    return w["saved"].format(what=w[change.field] + sep
                             + shown_value(change.field, change.value, language))


def invalid_text(invalid: Invalid, language: str) -> str:
    return words(language)["bad_" + invalid.field].format(moods=", ".join(MOODS))


_SAY_ZH: dict[Field, str] = {"mood": "默认风格", "level": "默认音量", "fade_out": "默认淡出",
                             "delivery": "发送方式", "language": "语言"}


def say(field: Field, value: object, language: str) -> str:
    """The words a button or menu sends to choose a value (the grammar `parse` reads)."""
    name = _SAY_ZH[field] if language == "zh" else NAMES[field][0]
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
