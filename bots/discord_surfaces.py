"""Where a Discord turn's replies appear (the `bots.discord_replies.Surface`s): ordinary channel
messages, or the response and follow-ups of a deferred interaction, which fall back to the channel
once the interaction token is over. Each call that fails on the way is tried again with backoff
(`bots.retry`); a file Discord refuses as too large is reported, not raised.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import discord

from bots.discord_replies import DISCORD_BACKOFF, MAX_CONTENT, buttons_view, on_the_way
from bots.retry import Backoff, retrying
from core.conversation.turn import Menu

log = logging.getLogger(__name__)

GONE_CODES = frozenset({50027, 10015, 10062})
"""Invalid webhook token, unknown webhook, unknown interaction: the interaction token is over."""


def is_too_large(exc: discord.HTTPException) -> bool:
    return exc.status == 413 or exc.code == 40005


def view_kwargs(buttons: tuple[str, ...], menus: tuple[Menu, ...] = ()) -> dict[str, Any]:
    view = buttons_view(buttons, menus)
    return {} if view is None else {"view": view}


class ChannelSurface:
    """Replies as ordinary channel messages (DMs, mentions, notices, expired interactions).

    `mention` (e.g. "<@42>") prefixes results, so a late video still pings its owner."""

    def __init__(self, channel: discord.abc.Messageable, *,
                 reference: discord.Message | None = None, mention: str = "",
                 backoff: Backoff = DISCORD_BACKOFF) -> None:
        self._channel = channel
        self._reference = reference
        self._mention = mention
        self._backoff = backoff
        self._status: discord.Message | None = None

    async def status(self, text: str) -> None:
        if self._status is None:
            self._status = await self._send(text)
        else:
            status = self._status
            await retrying(lambda: status.edit(content=text), self._backoff, on_the_way,
                           "discord message edit")

    async def say(self, text: str, buttons: tuple[str, ...] = (), menus: tuple[Menu, ...] = (),
                  private: bool = False) -> None:
        await self._send(self._with_mention(text), **view_kwargs(buttons, menus))

    async def upload(self, path: Path, text: str, buttons: tuple[str, ...] = ()) -> bool:
        try:
            await self._send(self._with_mention(text), file=lambda: discord.File(path),
                             **view_kwargs(buttons))
        except discord.HTTPException as exc:
            if is_too_large(exc):
                return False
            raise
        return True

    def _with_mention(self, text: str) -> str:
        return f"{self._mention} {text}".strip()[:MAX_CONTENT] if self._mention else text

    async def _send(self, text: str, file: Callable[[], discord.File] | None = None,
                    **kwargs: Any) -> discord.Message:
        """A channel message; `file` makes the attachment afresh for each try (discord.py
        closes it after a request)."""
        if self._reference is not None:
            kwargs["reference"] = self._reference
            kwargs["mention_author"] = False
        if file is not None:
            return await retrying(lambda: self._channel.send(text or None, file=file(), **kwargs),
                                  self._backoff, on_the_way, "discord channel upload")
        return await retrying(lambda: self._channel.send(text or None, **kwargs),
                              self._backoff, on_the_way, "discord channel message")


class InteractionSurface:
    """Replies to a deferred slash command or button press: the status line is the original
    response, results are follow-ups. Once the interaction token is (nearly) over, results go
    to the channel instead, so a long render is never lost."""

    def __init__(self, interaction: discord.Interaction[Any], *, deadline: float,
                 fallback: Callable[[], ChannelSurface], clock: Callable[[], float] = time.time,
                 backoff: Backoff = DISCORD_BACKOFF, private: bool = False) -> None:
        self._interaction = interaction
        self._private = private
        """The response was deferred as ephemeral: everything in it is the person's alone."""
        self._backoff = backoff
        self._deadline = deadline
        self._fallback_factory = fallback
        self._fallback: ChannelSurface | None = None
        self._clock = clock
        self._original_used = False

    async def status(self, text: str) -> None:
        if self._live():
            try:
                await self._edit_original(text)
            except discord.HTTPException as exc:
                self._give_up_on(exc)
        # After the token is over the old status stays as it was; results still arrive.

    async def say(self, text: str, buttons: tuple[str, ...] = (), menus: tuple[Menu, ...] = (),
                  private: bool = False) -> None:
        if self._live():
            try:
                view = view_kwargs(buttons, menus)
                if private and not self._private:
                    await self._say_privately(text, view)
                elif not self._original_used:
                    await self._edit_original(text, **view)
                else:
                    await self._followup(text, ephemeral=self._private, **view)
                return
            except discord.HTTPException as exc:
                self._give_up_on(exc)
        await self._channel().say(text, buttons, menus)

    async def _say_privately(self, text: str, view: dict[str, Any]) -> None:
        """An ephemeral follow-up; an unused public "thinking…" response is removed first
        (the first follow-up would otherwise replace it, in public)."""
        if not self._original_used:
            await retrying(self._interaction.delete_original_response, self._backoff,
                           on_the_way, "discord response delete")
            self._original_used = True
        await self._followup(text, ephemeral=True, **view)

    async def upload(self, path: Path, text: str, buttons: tuple[str, ...] = ()) -> bool:
        if self._live():
            try:
                if not self._original_used:
                    await self._edit_original("Here is your video.")
                await self._followup(text, file=lambda: discord.File(path),
                                     **view_kwargs(buttons))
                return True
            except discord.HTTPException as exc:
                if is_too_large(exc):
                    return False
                self._give_up_on(exc)
        return await self._channel().upload(path, text, buttons)

    def _live(self) -> bool:
        return self._clock() < self._deadline

    def _give_up_on(self, exc: discord.HTTPException) -> None:
        """The token is over (Discord said so): switch to the channel, or re-raise."""
        if exc.code not in GONE_CODES and exc.status != 401:
            raise exc
        log.info("interaction token no longer valid; delivering in the channel")
        self._deadline = -math.inf

    async def _edit_original(self, text: str, **kwargs: Any) -> None:
        await retrying(lambda: self._interaction.edit_original_response(content=text, **kwargs),
                       self._backoff, on_the_way, "discord response edit")
        self._original_used = True

    async def _followup(self, text: str, file: Callable[[], discord.File] | None = None,
                        **kwargs: Any) -> None:
        async def send() -> None:
            if file is None:
                await self._interaction.followup.send(text, **kwargs)
            else:
                await self._interaction.followup.send(text, file=file(), **kwargs)

        await retrying(send, self._backoff, on_the_way, "discord follow-up")

    def _channel(self) -> ChannelSurface:
        if self._fallback is None:
            self._fallback = self._fallback_factory()
        return self._fallback
