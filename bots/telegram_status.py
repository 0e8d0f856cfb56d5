"""The progress a Telegram chat sees during a turn: one status message edited in place, and
a chat action ("sending video…") while an upload runs.

Progress is optional: flood control, "message is not modified", a status message the user
deleted, or Telegram not answering never fail a turn (the results are what must arrive).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from telegram import Bot
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError

from bots.retry import DEFAULT_BACKOFF, Backoff, retrying
from bots.telegram_calls import message_gone, not_modified, on_the_way, patiently, retry_seconds
from core.errors import EngineError

log = logging.getLogger(__name__)

EDIT_INTERVAL = 2.5
"""Seconds between two edits of the status message (Telegram rate-limits edits)."""
ACTION_EVERY = 4.0
"""A chat action shows for 5 s; repeat it a little sooner while an upload runs."""


@dataclass
class StatusMessage:
    """The one status message of a turn: sent once, then edited at most every `interval`.

    A line that arrives too soon is kept and shown when the interval is over (a tracked timer
    task), so a phase change is never lost behind a long quiet render.
    """

    bot: Bot
    chat_id: int
    interval: float = EDIT_INTERVAL
    clock: Callable[[], float] = time.monotonic
    reply_to: int | None = None
    backoff: Backoff = DEFAULT_BACKOFF
    message_id: int | None = None
    shown: str | None = None
    pending: str | None = None
    next_edit: float = -math.inf
    _timer: asyncio.Task[None] | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def show(self, text: str) -> None:
        self.pending = text
        async with self._lock:
            await self._flush_locked()
        if self.pending is not None and self._timer is None:
            self._timer = asyncio.create_task(self._later(), name="telegram-status-flush")

    async def _later(self) -> None:
        try:
            while self.pending is not None:
                await asyncio.sleep(max(0.0, self.next_edit - self.clock()) + 0.01)
                async with self._lock:
                    await self._flush_locked()
        finally:
            self._timer = None

    async def _flush_locked(self) -> None:
        text = self.pending
        if text is None or text == self.shown:
            self.pending = None
            return
        if self.message_id is not None and self.clock() < self.next_edit:
            return
        self.pending = None
        self.next_edit = self.clock() + self.interval
        try:
            if self.message_id is None:
                await self._send(text)
            else:
                await retrying(lambda: self.bot.edit_message_text(
                    text, self.chat_id, self.message_id), self.backoff, on_the_way,
                    "telegram editMessageText")
            self.shown = text
        except EngineError:  # Telegram is not answering: progress is optional, results are not
            log.warning("telegram: status line skipped")
        except RetryAfter as exc:
            # Progress is optional: skip this line rather than hold the turn.
            self.next_edit = self.clock() + retry_seconds(exc)
            self.pending = self.pending or text
        except BadRequest as exc:
            if not_modified(exc):
                self.shown = text
            elif message_gone(exc):
                await self._send(text)
                self.shown = text
            else:
                raise

    async def _send(self, text: str) -> None:
        sent = await patiently(lambda: self.bot.send_message(
            self.chat_id, text, reply_to_message_id=self.reply_to,
            allow_sending_without_reply=True), self.backoff, "telegram sendMessage")
        self.message_id = sent.message_id

    async def close(self) -> None:
        """Stop the timer and remove the status message: the results are what stays."""
        self.pending = None
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await timer
        if self.message_id is not None:
            with contextlib.suppress(BadRequest, RetryAfter, NetworkError):
                await self.bot.delete_message(self.chat_id, self.message_id)
            self.message_id = None


@contextlib.asynccontextmanager
async def chat_action(bot: Bot, chat_id: int, action: str) -> AsyncIterator[None]:
    """Show "sending video…" (or another action) for as long as the block runs."""

    async def repeat() -> None:
        while True:
            with contextlib.suppress(TelegramError):  # only a hint: never fail the send
                await bot.send_chat_action(chat_id, action)
            await asyncio.sleep(ACTION_EVERY)

    task = asyncio.create_task(repeat(), name="telegram-chat-action")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
