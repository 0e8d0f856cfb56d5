"""Routing: what a message asks for, decided before any engine sees it (English and Chinese).

`route(text)` is pure: it strips a bot mention, a leading "/" and up to two leading filler words
("ok", "great,", "wait,"), then matches a command word. Anything that is not a command is an
edit, passed to the engine as the user typed it (filler words included).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from core import preferences
from core.engine import ExportOptions
from core.parser import spoken

Action = Literal["export", "credits", "status", "upload", "help", "new", "undo", "cancel",
                 "settings", "moods", "edit"]


@dataclass(frozen=True)
class Route:
    """The action a message asks for; `text` is the instruction for edits."""

    action: Action
    text: str = ""
    options: ExportOptions = field(default_factory=ExportOptions)


# Whole-message commands (after normalising: lower case, no mention, no "/", no end punctuation).
_COMMANDS: dict[str, Action] = {}
for _action, _words in {
    "credits": ("credits", "credit", "balance", "积分", "余额", "查询积分", "查询余额"),
    "status": ("status", "show tracks", "tracks", "show timeline", "timeline", "show status",
               "show me the timeline", "show the timeline", "show me", "what did you change",
               "what did you do", "what have you done", "what changed", "what's on it",
               "what is on it", "how long is the video", "how long is it", "is it done",
               "is it ready", "where are we", "what's the status", "what is the status",
               "状态", "查看状态", "轨道", "改了什么", "现在什么样", "做好了吗", "好了吗"),
    "upload": ("upload", "上传"),
    "moods": ("moods", "list moods", "show moods", "show me the moods", "what moods",
              "which moods", "what moods are there", "mood list", "built-in music", "previews",
              "风格", "音乐风格", "有哪些风格", "风格列表", "试听"),
    "help": ("help", "start", "?", "帮助", "开始"),
    "new": ("new", "reset", "start over", "restart", "new video", "新建", "重置", "重新开始"),
    "undo": ("undo", "undo that", "undo it", "undo this", "undo last", "undo the last edit",
             "go back", "revert", "revert that", "revert it", "take that back", "撤销", "撤回"),
    "cancel": ("cancel", "stop", "取消", "停止"),
}.items():
    for _word in _words:
        _COMMANDS[_word] = _action  # type: ignore[assignment]

_EXPORT_WORDS = (
    "send me the video", "send me the file", "send the video", "send it", "export", "download",
    "render", "导出", "下载", "发给我", "渲染",
)
# Words that may follow an export word without turning the message into an edit.
_FILLER = frozenset({
    "it", "the", "video", "file", "now", "please", "in", "at", "as", "a", "mp4", "me", "to",
    "again", "视频", "请",
})
_ASPECTS = {
    "9:16": "9:16", "16:9": "16:9", "1:1": "1:1", "4:5": "4:5", "vertical": "9:16",
    "portrait": "9:16", "horizontal": "16:9", "landscape": "16:9", "square": "1:1",
    "竖屏": "9:16", "横屏": "16:9", "方形": "1:1",
}
# Words people put before a command ("great, export it", "wait, undo"): up to two are dropped
# before matching a command. A message that is not a command after them stays an edit, as typed.
_LEADING_FILLER = re.compile(
    r"^(?:(?:ok|okay|great|thanks|thank you|cool|nice|wait|hmm+|please|now|alright|all right"
    r"|perfect|looks (?:good|great|nice|perfect)|all good|that'?s it|sounds good|love it|lgtm"
    r"|awesome|excellent|好的|谢谢|不错|很好)(?:\s*[,，!！.。]\s*|\s+|(?=[\u4e00-\u9fff]))){1,2}"
)
_RESOLUTION = re.compile(r"^(\d{3,4})p?$")
_RESOLUTIONS = frozenset({360, 480, 540, 720, 1080, 1440, 2160})
_NAMED_RESOLUTIONS = {"4k": 2160, "hd": 720, "fullhd": 1080, "full-hd": 1080}

# "@backtrack_bot export", "<@1234> export", "/export@backtrack_bot 720p".
_MENTION = re.compile(r"^(?:<@!?&?\d+>|@[\w.]+)[\s,:]*")
_SLASH = re.compile(r"^/([\w\u4e00-\u9fff?-]+)(?:@[\w.]+)?")
_TRAILING = re.compile(r"[\s.!。！?？~]+$")


def normalise(text: str) -> str:
    """Lower case, without a leading bot mention, "/" or "@bot" suffix, or end punctuation."""
    text = text.strip()
    text = _MENTION.sub("", text, count=1).strip()
    match = _SLASH.match(text)
    if match:
        text = match.group(1) + text[match.end():]
    text = " ".join(text.split()).lower()
    stripped = _TRAILING.sub("", text)
    return stripped or text


def strip_command(text: str) -> str:
    """The user's text without a leading mention or "/edit"-style command, for the engine."""
    text = _MENTION.sub("", text.strip(), count=1).strip()
    match = re.match(r"^/(edit|编辑)(?:@[\w.]+)?\s*", text, flags=re.IGNORECASE)
    return text[match.end():].strip() if match else text


def export_options(words: list[str]) -> ExportOptions | None:
    """Options from the words after an export word; None when a word is not an option."""
    resolution: int | None = None
    aspect: str | None = None
    for word in words:
        word = word.strip(",;")
        if not word or word in _FILLER:
            continue
        if word in _ASPECTS:
            aspect = _ASPECTS[word]
            continue
        if word in _NAMED_RESOLUTIONS:
            resolution = _NAMED_RESOLUTIONS[word]
            continue
        match = _RESOLUTION.match(word)
        if match and int(match.group(1)) in _RESOLUTIONS:
            resolution = int(match.group(1))
            continue
        return None
    return ExportOptions(resolution=resolution, aspect=aspect)


def _split_export(text: str) -> list[str] | None:
    """The words after an export word at the start of the text, None if there is none."""
    for word in _EXPORT_WORDS:
        if text == word or text.startswith(word + " ") or (
                not word.isascii() and text.startswith(word)):  # Chinese needs no spaces
            rest = spoken.rewrite(text[len(word):])  # "9 by 16", "9比16" -> "9x16"
            return [_RATIO_WORD.sub(r"\1:\2", w) for w in rest.replace("，", " ").split()]
    return None


_RATIO_WORD = re.compile(r"^(\d{1,2})x(\d{1,2})$")


def without_filler(norm: str) -> str:
    """A normalised message without up to two leading filler words; itself when that would
    leave nothing ("thanks" alone is small talk for the parser)."""
    rest = _LEADING_FILLER.sub("", norm, count=1).strip()
    return rest or norm


def route(text: str) -> Route:
    """Decide what a message asks for."""
    norm = normalise(text)
    if not norm:
        return Route("edit", "")
    norm = without_filler(norm)
    action = _COMMANDS.get(norm)
    if action is not None:
        return Route(action)
    if norm in preferences.SHOW_WORDS:
        return Route("settings")
    if preferences.parse(norm) is not None:
        return Route("settings", norm)
    rest = _split_export(norm)
    if rest is not None:
        options = export_options(rest)
        if options is not None:
            return Route("export", options=options)
    if norm.startswith("upload ") or norm.startswith("上传"):
        return Route("upload")
    return Route("edit", strip_command(text))


COMMANDS_HELP = (
    "Commands: \"export\" (or \"export 720p\", \"export 9:16\") sends the video again; "
    "\"status\" shows the tracks; \"undo\" steps back one edit; \"new\" starts a fresh "
    "timeline; \"cancel\" stops what I'm doing; \"credits\" shows the balance; "
    "\"moods\" lists the built-in music with a preview of each; "
    "\"settings\" shows and changes your defaults (mood, music level, fade out, video or "
    "file, language). "
    "中文也可以：导出、状态、撤销、取消、积分、设置、风格。"
)

UPLOAD_HELP = (
    "Send me the video as a file in this chat (mp4, mov, avi, webm or mkv, up to 500 MB), or "
    "paste an http(s) link to it. Send a song (mp3, wav, m4a or aac) the same way to use it as "
    "the music. Then tell me what to do, e.g. \"add background music and fade it out at the end\"."
)


def help_text() -> str:
    """What the bot can do: how to send a clip, the instructions, the commands."""
    from core.parser.instructions import HELP_TEXT

    return "\n\n".join((UPLOAD_HELP, HELP_TEXT, COMMANDS_HELP))


def strip_links(text: str, links: list[str]) -> str:
    """The message without its links (they are downloaded, not read as words)."""
    for link in links:
        text = text.replace(link, " ")
    return " ".join(text.split())
