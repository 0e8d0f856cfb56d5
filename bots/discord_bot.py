"""The Discord bot: slash commands, DMs and mentions in, the assistant's replies out.

Thin by design: each handler turns the interaction or message into a `Turn`, hands it to the
assistant and shows the replies through `bots.discord_replies`.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import re
import sys
import time
from collections.abc import AsyncIterator, Callable
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp
import discord
from discord import app_commands

from bots.adapter import AssistantPort, GatePort, settings_or_none
from bots.discord_card import CardSurface
from bots.discord_commands import COMMANDS, Translator
from bots.discord_replies import (
    DISCORD_BACKOFF,
    MenuChoice,
    QuickAction,
    Surface,
    deliver,
    on_the_way,
)
from bots.discord_server import follow_gateway, quiet_reconnects
from bots.discord_surfaces import ChannelSurface, InteractionSurface
from bots.retry import Backoff, retrying
from bots.tokens import hide_interaction_tokens
from core import words
from core.config import Settings
from core.conversation.routing import route
from core.conversation.turn import Attachment, ConversationKey, Notice, Reply, Turn
from core.errors import EngineError, TooLarge, UserError, apology, new_error_id
from core.tasks import TaskSet

log = logging.getLogger(__name__)

TOKEN_LIFETIME = 15 * 60 - 30
"""Seconds an interaction token is usable (Discord: 15 minutes), minus a safety margin."""

DEFAULT_UPLOAD_LIMIT = discord.utils.DEFAULT_FILE_SIZE_LIMIT_BYTES
NOT_HERE = "Sorry, I'm not available in this server or channel."
CANNOT_FETCH = "I couldn't download that attachment from Discord; please send it again."


def conversation_key(channel_id: int, user_id: int, guild_id: int | None) -> ConversationKey:
    """One timeline per person per channel; a DM is its own conversation."""
    if guild_id is None:
        return ConversationKey("discord", f"dm-{user_id}")
    return ConversationKey("discord", str(channel_id), str(user_id))


def wants_message(*, is_dm: bool, mentions_me: bool, has_attachments: bool,
                  replies_to_me: bool, content_intent: bool) -> bool:
    """Which ordinary messages are turns: DMs and mentions always; other channel messages only
    with the message-content intent, and then only files or replies to the bot (no chatter)."""
    if is_dm or mentions_me:
        return True
    return content_intent and (has_attachments or replies_to_me)


def strip_mentions(text: str, user_id: int) -> str:
    return re.sub(rf"<@!?{user_id}>", "", text).strip()


class BacktrackBot(discord.Client):
    """The Discord adapter; its dependencies come in through the constructor."""

    def __init__(self, settings: Settings, assistant: AssistantPort, gate: GatePort, *,
                 token_lifetime: float = TOKEN_LIFETIME, progress_interval: float = 2.5,
                 clock: Callable[[], float] = time.time,
                 backoff: Backoff = DISCORD_BACKOFF) -> None:
        intents = discord.Intents.default()
        intents.message_content = settings.discord_message_content
        super().__init__(intents=intents)
        self.settings = settings
        self.assistant = assistant
        self.gate = gate
        self.token_lifetime = token_lifetime
        self.progress_interval = progress_interval
        self.clock = clock
        self.backoff = backoff
        self.tree = app_commands.CommandTree(self)
        self.tree.error(self._on_tree_error)
        for command in COMMANDS:
            self.tree.add_command(command)
        self._tasks = TaskSet()  # the turns and the recovery: close() cancels and awaits them
        self._downloads: aiohttp.ClientSession | None = None
        self._recovered = False

    # Life cycle ------------------------------------------------------------------------------

    async def setup_hook(self) -> None:
        timeout = aiohttp.ClientTimeout(total=self.settings.download_timeout_seconds)
        self._downloads = aiohttp.ClientSession(timeout=timeout)
        self.add_dynamic_items(QuickAction, MenuChoice)
        hide_interaction_tokens()
        quiet_reconnects()
        if self.settings.discord_api_url:
            await follow_gateway(self)
        await self.tree.set_translator(Translator())
        self.assistant.add_notifier("discord", self.notify)
        if self.settings.discord_guild_id is not None:
            guild = discord.Object(id=self.settings.discord_guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
        else:
            synced = await self.tree.sync()
        log.info("discord: %d slash commands synced", len(synced))

    async def on_ready(self) -> None:
        log.info("discord: connected as %s", self.user)
        if not self._recovered:
            self._recovered = True
            self._tasks.spawn(self.assistant.recover(), "discord recover")

    async def close(self) -> None:
        await self._tasks.aclose()
        if self._downloads is not None:
            await self._downloads.close()
        await super().close()

    async def idle(self) -> None:
        """Wait until no tracked turn is running (tests, graceful shutdown)."""
        await self._tasks.idle()

    # Ways in ---------------------------------------------------------------------------------

    async def interaction_turn(self, interaction: discord.Interaction[Any], text: str,
                               files: tuple[discord.Attachment, ...] = ()) -> None:
        """A slash command or button press: defer at once, then run the turn."""
        channel_id = await self._admitted(interaction)
        if channel_id is None:
            return
        # Discord wants the acknowledgement within 3 s: quick tries only.
        quick = dataclasses.replace(self.backoff, tries=3, first=0.2, deadline=2.0,
                                    attempt_timeout=1.0)
        # Settings concern only the person: the whole answer is ephemeral.
        private = route(text).action == "settings"
        await retrying(lambda: interaction.response.defer(thinking=True, ephemeral=private),
                       quick, on_the_way, "discord defer")
        turn = self._turn_of(interaction, channel_id, text, files)
        fallback = partial(ChannelSurface, self.get_partial_messageable(
            channel_id, guild_id=interaction.guild_id), mention=interaction.user.mention,
            backoff=self.backoff)
        surface = InteractionSurface(
            interaction, deadline=interaction.created_at.timestamp() + self.token_lifetime,
            fallback=fallback, clock=self.clock, backoff=self.backoff, private=private)
        await self.run_turn(turn, surface)

    async def quick_action(self, interaction: discord.Interaction[Any], label: str) -> None:
        """A button under a delivered video: the same as typing its label."""
        try:
            await self.interaction_turn(interaction, label)
        except Exception as exc:  # buttons bypass the tree's handler; use the same one
            await self._on_tree_error(interaction, exc)

    async def _admitted(self, interaction: discord.Interaction[Any]) -> int | None:
        """The interaction's channel when the gate lets it in; else it is told so."""
        channel_id = interaction.channel_id
        if channel_id is None:  # Discord always sends one for commands and components
            raise RuntimeError("interaction without a channel")
        if not self.gate.allowed("discord", channel_id, interaction.user.id, interaction.guild_id):
            language = "zh" if str(interaction.locale).startswith("zh") else "en"
            await interaction.response.send_message(words.localise(NOT_HERE, language),
                                                    ephemeral=True)
            return None
        return channel_id

    def _turn_of(self, interaction: discord.Interaction[Any], channel_id: int, text: str,
                 files: tuple[discord.Attachment, ...] = ()) -> Turn:
        return Turn(
            key=conversation_key(channel_id, interaction.user.id, interaction.guild_id),
            text=text,
            attachments=tuple(self.attachment(a) for a in files),
            language=str(interaction.locale).split("-")[0] or "en",
            upload_limit=interaction.filesize_limit,
            update_id=f"i{interaction.id}",
        )

    async def menu_choice(self, interaction: discord.Interaction[Any], words: str) -> None:
        """A choice in a settings card's select menu: the answer replaces that card."""
        try:
            channel_id = await self._admitted(interaction)
            if channel_id is None:
                return
            async with CardSurface(interaction, backoff=self.backoff) as surface:
                await self.run_turn(self._turn_of(interaction, channel_id, words), surface)
        except Exception as exc:  # menus bypass the tree's handler; use the same one
            await self._on_tree_error(interaction, exc)

    async def on_message(self, message: discord.Message) -> None:
        me = self.user
        if me is None or message.author.bot:
            return
        reference = message.reference.resolved if message.reference else None
        # An uncached guild's channel is a PartialMessageable that still knows its guild.
        guild_id = message.guild.id if message.guild else getattr(message.channel, "guild_id", None)
        if not wants_message(
            is_dm=guild_id is None, mentions_me=me.mentioned_in(message),
            has_attachments=bool(message.attachments),
            replies_to_me=isinstance(reference, discord.Message) and reference.author == me,
            content_intent=self.settings.discord_message_content,
        ):
            return
        if not self.gate.allowed("discord", message.channel.id, message.author.id, guild_id):
            return
        turn = Turn(
            key=conversation_key(message.channel.id, message.author.id, guild_id),
            text=strip_mentions(message.content, me.id),
            attachments=tuple(self.attachment(a) for a in message.attachments),
            upload_limit=message.guild.filesize_limit if message.guild else DEFAULT_UPLOAD_LIMIT,
            update_id=f"m{message.id}",
        )
        await self.run_turn(turn, ChannelSurface(message.channel, reference=message,
                                                 backoff=self.backoff))

    async def notify(self, notice: Notice) -> None:
        """The assistant reaching a conversation on its own (restart recovery, late results)."""
        key = notice.key
        channel: discord.abc.Messageable
        if key.chat.startswith("dm-"):
            channel = await self.create_dm(discord.Object(id=int(key.chat[3:])))
            mention = ""
        else:
            channel = self.get_partial_messageable(int(key.chat))
            mention = f"<@{key.user}>" if key.user else ""

        async def replies() -> AsyncIterator[Reply]:
            for reply in notice.replies:
                yield reply

        await deliver(replies(), ChannelSurface(channel, mention=mention, backoff=self.backoff),
                      upload_limit=DEFAULT_UPLOAD_LIMIT, interval=self.progress_interval)

    # The turn --------------------------------------------------------------------------------

    async def run_turn(self, turn: Turn, surface: Surface) -> None:
        """Hand the turn to the assistant and show its replies; the handler's task (discord.py
        made it) is tracked until it ends, so close() stops it."""
        task = asyncio.current_task()
        if task is not None:
            self._tasks.track(task)
        try:
            await deliver(self.assistant.handle(turn), surface,
                          upload_limit=turn.upload_limit, interval=self.progress_interval)
        except UserError as exc:
            await surface.say(exc.user_message, private=True)

    def attachment(self, file: discord.Attachment) -> Attachment:
        """Name, size and type now; the bytes only when the assistant accepted the file."""
        return Attachment(name=file.filename, size=file.size, mime=file.content_type,
                          fetch=partial(self.download, file.url))

    async def download(self, url: str, dest: Path) -> None:
        """Fetch an attachment from Discord's CDN, trying again when it fails on the way."""
        try:
            await retrying(lambda: self._download_once(url, dest), self.backoff, on_the_way,
                           "discord CDN download")
        except (aiohttp.ClientError, TimeoutError, EngineError) as exc:
            raise UserError(CANNOT_FETCH) from exc

    async def _download_once(self, url: str, dest: Path) -> None:
        """Stream it to a file (never the whole file in memory); a 5xx raises to try again."""
        if self._downloads is None:
            raise RuntimeError("download before setup_hook")
        limit = self.settings.max_file_bytes
        async with self._downloads.get(url) as resp:
            if resp.status >= 500:
                resp.raise_for_status()
            if resp.status != 200:
                raise UserError(CANNOT_FETCH)
            out = await asyncio.to_thread(dest.open, "wb")
            try:
                got = 0
                async for chunk in resp.content.iter_chunked(1 << 20):
                    got += len(chunk)
                    if got > limit:
                        raise TooLarge(f"That file is over the {limit // 2**20} MB limit.")
                    await asyncio.to_thread(out.write, chunk)
            finally:
                await asyncio.to_thread(out.close)

    # Errors ----------------------------------------------------------------------------------

    async def _on_tree_error(self, interaction: discord.Interaction[Any],
                             error: Exception) -> None:
        original = getattr(error, "original", error)
        ref = new_error_id()
        log.error("discord: command failed (ref %s)", ref, exc_info=original)
        try:
            if interaction.response.is_done():
                await interaction.followup.send(apology(ref), ephemeral=True)
            else:
                await interaction.response.send_message(apology(ref), ephemeral=True)
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError):
            log.warning("discord: could not send the apology for ref %s", ref)

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        ref = new_error_id()
        log.error("discord: %s failed (ref %s)", event_method, ref, exc_info=sys.exc_info())
        message = args[0] if args and isinstance(args[0], discord.Message) else None
        if message is not None:
            try:
                await message.reply(apology(ref), mention_author=False)
            except (discord.HTTPException, aiohttp.ClientError, TimeoutError):
                log.warning("discord: could not send the apology for ref %s", ref)


# Command line ------------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """`backtrack discord` takes no options: everything is in the settings."""


def run(args: argparse.Namespace) -> int:
    settings = settings_or_none()
    if settings is None:
        return 2
    if settings.discord_bot_token is None:
        print("DISCORD_BOT_TOKEN is not set: create a bot at https://discord.com/developers "
              "and put its token in .env", file=sys.stderr)
        return 2
    return asyncio.run(serve(settings))


async def serve(settings: Settings) -> int:
    """Run the bot until SIGINT/SIGTERM (exit 0) or a failure (one line, exit 1 or 2), started
    and stopped as `backtrack run` does."""
    from bots.run import serve_in_words

    return await serve_in_words(settings, ["discord"])
