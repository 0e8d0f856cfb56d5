"""A choice in a settings card's select menu answered in place: the card with the new value
replaces the card the choice was made on (Discord's UPDATE_MESSAGE response), instead of a new
message under it.

The answer is the interaction's response itself, so it must come within Discord's 3 s: a
settings turn is a store read and write, well inside that. When nothing was said after
`ACK_SECONDS` the choice is acknowledged with DEFERRED_UPDATE_MESSAGE and the card is then
edited through the response (@original is that message for component interactions). Anything
said after the card (a problem, a second message) is an ephemeral follow-up: settings concern
only the person.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from pathlib import Path
from types import TracebackType
from typing import Any

import discord

from bots.discord_replies import DISCORD_BACKOFF, on_the_way
from bots.discord_surfaces import is_too_large, view_kwargs
from bots.retry import Backoff, retrying
from core.conversation.turn import Menu

ACK_SECONDS = 2.0
"""Discord drops an interaction not answered within 3 s."""


class CardSurface:
    """A `bots.discord_replies.Surface` for a select-menu choice on a settings card; use it
    as an async context manager (it acknowledges the interaction in time, and at the end)."""

    def __init__(self, interaction: discord.Interaction[Any], *,
                 backoff: Backoff = DISCORD_BACKOFF, ack_seconds: float = ACK_SECONDS) -> None:
        self._interaction = interaction
        self._backoff = backoff
        self._quick = dataclasses.replace(backoff, tries=3, first=0.2, deadline=2.0,
                                          attempt_timeout=1.0)
        self._ack_seconds = ack_seconds
        self._lock = asyncio.Lock()
        self._replaced = False
        self._timer: asyncio.Task[None] | None = None

    async def __aenter__(self) -> CardSurface:
        self._timer = asyncio.create_task(self._ack_later(), name="discord-card-ack")
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        if self._timer is not None:
            self._timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._timer
        if kind is not None and not issubclass(kind, Exception):
            return  # cancelled (shutting down): nothing more is sent
        async with self._lock:
            await self._ack()  # a choice never left without an answer ("interaction failed")

    async def _ack_later(self) -> None:
        await asyncio.sleep(self._ack_seconds)
        async with self._lock:
            await self._ack()

    async def _ack(self) -> None:
        """DEFERRED_UPDATE_MESSAGE (discord.py's defer() on a component), unless answered."""
        response = self._interaction.response
        if not response.is_done():
            await retrying(response.defer, self._quick, on_the_way, "discord defer update")

    async def status(self, text: str) -> None:
        """Nothing: the card stays as it is until its answer replaces it."""

    async def say(self, text: str, buttons: tuple[str, ...] = (), menus: tuple[Menu, ...] = (),
                  private: bool = False) -> None:
        view = view_kwargs(buttons, menus)
        async with self._lock:
            if menus and not self._replaced:
                response = self._interaction.response
                if not response.is_done():  # UPDATE_MESSAGE: the card changes at once
                    await retrying(lambda: response.edit_message(content=text, **view),
                                   self._quick, on_the_way, "discord update message")
                else:
                    await retrying(lambda: self._interaction.edit_original_response(
                        content=text, **view), self._backoff, on_the_way,
                        "discord response edit")
                self._replaced = True
                return
            await self._ack()
        await retrying(lambda: self._interaction.followup.send(text, ephemeral=True, **view),
                       self._backoff, on_the_way, "discord follow-up")

    async def upload(self, path: Path, text: str, buttons: tuple[str, ...] = ()) -> bool:
        async with self._lock:
            await self._ack()
        try:
            await retrying(lambda: self._interaction.followup.send(
                text, file=discord.File(path), ephemeral=True, **view_kwargs(buttons)),
                self._backoff, on_the_way, "discord follow-up")
        except discord.HTTPException as exc:
            if is_too_large(exc):
                return False
            raise
        return True
