"""Discord's application commands: the slash commands, the "Add music" message command, and
their Chinese names and descriptions (a `Translator`).

Every command is installable by guilds and by users and usable in servers, DMs and group DMs
(`allowed_installs` / `allowed_contexts`), so someone who installed the app on their account can
use it in a server without the bot. Callbacks only turn the interaction into a turn through the
client's `interaction_turn`; the mood choices come from the music code, not a copy.
"""

from __future__ import annotations

from typing import Any, TypeVar

import discord
from discord import app_commands
from discord.app_commands import locale_str

from core.conversation.fetch import KINDS, find_links
from core.music.moods import MOODS as MOOD_INFO
from core.preferences import moods

NO_VIDEO = ("That message has no video or link I can use: pick a message with a video "
            "attachment (or a link to one).")
VIDEO_SUFFIXES = (*(f".{ext}" for ext, kind in KINDS.items() if kind == "video"), ".mpeg")

T = TypeVar("T")


def everywhere(command: T) -> T:
    """Installable by servers and users; usable in servers, DMs and group DMs."""
    command = app_commands.allowed_installs(guilds=True, users=True)(command)
    return app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)(command)


async def _turn(interaction: discord.Interaction[Any], text: str,
                files: tuple[discord.Attachment, ...] = ()) -> None:
    client: Any = interaction.client  # bots.discord_bot.BacktrackBot
    await client.interaction_turn(interaction, text, files)


def first_video(message: discord.Message) -> discord.Attachment | None:
    """The message's first video attachment (by type, else by name)."""
    for file in message.attachments:
        if (file.content_type or "").startswith("video/") \
                or file.filename.lower().endswith(VIDEO_SUFFIXES):
            return file
    return None


MOOD_CHOICES = [app_commands.Choice(name=locale_str(mood), value=mood) for mood in moods()[:25]]
"""Discord takes at most 25 choices."""


@everywhere
@app_commands.command(name=locale_str("music"),
                      description=locale_str("Put background music under a video"))
@app_commands.describe(video=locale_str("The clip"),
                       music=locale_str("A song to use (optional)"),
                       mood=locale_str("A built-in mood (optional)"),
                       prompt=locale_str('What to do, e.g. "calm music, fade out at the end"'))
@app_commands.choices(mood=MOOD_CHOICES)
async def music_command(interaction: discord.Interaction[Any], video: discord.Attachment,
                        music: discord.Attachment | None = None,
                        mood: app_commands.Choice[str] | None = None,
                        prompt: str | None = None) -> None:
    files = (video,) if music is None else (video, music)
    text = prompt or "add background music"
    if mood is not None:
        text = f"add {mood.value} music" + (f", {prompt}" if prompt else "")
    await _turn(interaction, text, files)


@everywhere
@app_commands.command(name=locale_str("edit"),
                      description=locale_str("Change your video, in plain words"))
@app_commands.describe(prompt=locale_str('e.g. "quieter music", "fade out", "vertical 9:16"'))
async def edit_command(interaction: discord.Interaction[Any], prompt: str) -> None:
    await _turn(interaction, prompt)


@everywhere
@app_commands.context_menu(name=locale_str("Add music"))
async def add_music(interaction: discord.Interaction[Any], message: discord.Message) -> None:
    """On any message with a video: its first video attachment, else its first link."""
    video = first_video(message)
    links = find_links(message.content or "")
    if video is None and not links:
        await interaction.response.send_message(NO_VIDEO, ephemeral=True)
        return
    if video is not None:
        await _turn(interaction, "add background music", (video,))
    else:
        await _turn(interaction, f"add background music {links[0]}")


def _keyword_command(name: str, description: str) -> app_commands.Command[Any, Any, None]:
    """A command that sends its own name as the turn (the assistant routes the keyword)."""

    async def callback(interaction: discord.Interaction[Any]) -> None:
        await _turn(interaction, name)

    return everywhere(app_commands.Command(name=locale_str(name),
                                           description=locale_str(description),
                                           callback=callback))


COMMANDS: tuple[app_commands.Command[Any, Any, None] | app_commands.ContextMenu, ...] = (
    music_command,
    edit_command,
    add_music,
    _keyword_command("export", "Render the video again"),
    _keyword_command("status", "What is on your timeline"),
    _keyword_command("settings", "Your defaults: mood, music level, fade, language"),
    _keyword_command("credits", "The editing engine's balance"),
    _keyword_command("new", "Start over with a new video"),
    _keyword_command("undo", "Step back one edit"),
    _keyword_command("cancel", "Stop the running render"),
    _keyword_command("help", "What I can do, with examples"),
    _keyword_command("moods", "The built-in music, with a preview of each"),
)


# Chinese ------------------------------------------------------------------------------------

ZH: dict[str, str] = {
    "music": "配乐", "Put background music under a video": "给视频配上背景音乐",
    "The clip": "视频", "A song to use (optional)": "要用的歌曲（可选）",
    "A built-in mood (optional)": "内置风格（可选）",
    'What to do, e.g. "calm music, fade out at the end"': "你的要求，例如“轻松的音乐，结尾淡出”",
    "video": "视频", "mood": "风格", "prompt": "要求",
    "edit": "编辑", "Change your video, in plain words": "用一句话修改你的视频",
    'e.g. "quieter music", "fade out", "vertical 9:16"': "例如“音乐小一点”、“淡出”、“竖屏 9:16”",
    "Add music": "添加音乐",
    "export": "导出", "Render the video again": "重新导出视频",
    "status": "状态", "What is on your timeline": "查看时间线上的内容",
    "settings": "设置", "Your defaults: mood, music level, fade, language":
        "我的默认设置：风格、音量、淡出、语言",
    "credits": "积分", "The editing engine's balance": "编辑引擎的余额",
    "new": "新建", "Start over with a new video": "用新视频重新开始",
    "undo": "撤销", "Step back one edit": "撤销上一步",
    "cancel": "取消", "Stop the running render": "停止正在进行的渲染",
    "help": "帮助", "What I can do, with examples": "我能做什么，附例子",
    "moods": "风格", "The built-in music, with a preview of each": "内置音乐风格和试听",
    **{m.name: f"{m.zh} {m.name}" for m in MOOD_INFO.values()},
}
"""English text -> Chinese; the "music" option of /music keeps its English name (it would
clash with 配乐's "视频" option otherwise)."""
CHINESE = frozenset({discord.Locale.chinese, discord.Locale.taiwan_chinese})


class Translator(app_commands.Translator):
    """Chinese names and descriptions for Discord clients in Chinese (zh-CN, zh-TW)."""

    async def translate(self, string: locale_str, locale: discord.Locale,
                        context: app_commands.TranslationContextTypes) -> str | None:
        if locale not in CHINESE:
            return None
        if context.location is app_commands.TranslationContextLocation.parameter_name \
                and string.message == "music":
            return "歌曲"
        return ZH.get(string.message)
