"""What Telegram shows about the bot before anyone talks to it: the command menu, the
description on the empty chat and the short description on its profile, in English (the
default) and Chinese (`language_code` "zh"). Set at start-up; a server that lacks or refuses a
method gets one warning and the bot runs on."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import Bot, BotCommand
from telegram.error import TelegramError

log = logging.getLogger("backtrack.telegram")

MAX_DESCRIPTION = 512
MAX_SHORT_DESCRIPTION = 120
"""Telegram's limits (characters) for setMyDescription and setMyShortDescription."""

COMMANDS: dict[str, tuple[tuple[str, str], ...]] = {
    "": (
        ("start", "What I can do"),
        ("help", "How to use me, with examples"),
        ("new", "Start a fresh timeline"),
        ("status", "Show the tracks"),
        ("settings", "Your defaults: mood, music level, fade, file, language"),
        ("moods", "The built-in music, with a preview of each"),
        ("credits", "Show the balance"),
        ("export", "Send the video again (e.g. /export 720p)"),
        ("undo", "Step back one edit"),
        ("cancel", "Stop what I'm doing"),
    ),
    "zh": (
        ("start", "我能做什么"),
        ("help", "使用方法和例子"),
        ("new", "重新开始一个时间线"),
        ("status", "查看轨道"),
        ("settings", "我的默认设置：风格、音量、淡出、文件、语言"),
        ("moods", "内置音乐风格和试听"),
        ("credits", "查看余额"),
        ("export", "再次发送视频（例如 /export 720p）"),
        ("undo", "撤销上一步"),
        ("cancel", "停止当前操作"),
    ),
}
DESCRIPTIONS: dict[str, tuple[str, str]] = {
    # language_code: (description, short description)
    "": ("Send me a video and tell me what you want, e.g. \"add calm music and fade it out "
         "at the end\". I put background music under it and send the finished video back. "
         "Built-in moods or your own song; volume, fades, ducking under speech, trims, "
         "vertical 9:16 and titles. /settings keeps your defaults; English and Chinese.",
         "Background music for your videos: send a clip, say what you want."),
    "zh": ("发给我一个视频，告诉我你想要什么，例如“加轻松的背景音乐，结尾淡出”。我会给视频配上背景"
           "音乐并把做好的视频发回给你。可以用内置风格或你自己的歌曲；支持音量、淡入淡出、人声时"
           "自动压低音乐、剪辑、竖屏 9:16 和标题。/settings 保存你的默认设置；支持中文和英文。",
           "给你的视频配背景音乐：发视频，说出你的要求。"),
}


async def introduce(bot: Bot) -> None:
    """Set the command menus and the descriptions, in every language we speak."""
    await _each("setMyCommands", "the command menu stays as it was", [
        (lambda lang=lang, cmds=cmds: bot.set_my_commands(  # type: ignore[misc]
            [BotCommand(c, d) for c, d in cmds], language_code=lang or None))
        for lang, cmds in COMMANDS.items()])
    await _each("setMyDescription", "the description stays as it was", [
        (lambda lang=lang, text=text[0]: bot.set_my_description(  # type: ignore[misc]
            text, language_code=lang or None))
        for lang, text in DESCRIPTIONS.items()])
    await _each("setMyShortDescription", "the short description stays as it was", [
        (lambda lang=lang, text=text[1]: bot.set_my_short_description(  # type: ignore[misc]
            text, language_code=lang or None))
        for lang, text in DESCRIPTIONS.items()])


async def _each(method: str, consequence: str, calls: list[Callable[[], Awaitable[bool]]]
                ) -> None:
    """One call per language; the first refusal is one warning and ends that method."""
    for call in calls:
        try:
            await call()
        except TelegramError as exc:
            log.warning("telegram: %s failed (%s); %s", method, exc.message, consequence)
            return
