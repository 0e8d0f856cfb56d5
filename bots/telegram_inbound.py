"""Telegram messages in Backtrack's terms: the files they offer, whether a group message is for
the bot, the conversation key, and the order in which one conversation's messages go through.

Everything here but `ChatOrder` is pure and tested as tables.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from telegram import Chat, Message, User
from telegram.constants import ChatType

from core.conversation.routing import route
from core.conversation.turn import ConversationKey

URGENT = frozenset({"cancel", "status", "settings"})
"""Actions that must not queue behind a running turn of the same conversation."""
PATIENCE = 8.0
"""Seconds a message waits for the previous one of its conversation before going through
anyway (the assistant then answers "still working")."""



@dataclass(frozen=True)
class FileOffer:
    """A file in a message, as Telegram announces it (nothing downloaded yet)."""

    file_id: str
    name: str
    size: int | None
    mime: str | None


def offered_files(message: Message) -> list[FileOffer]:
    """The video or audio in a message (an animation also carries a `document`: skip it)."""
    if message.video:
        v = message.video
        return [FileOffer(v.file_id, v.file_name or "video.mp4", v.file_size,
                          v.mime_type or "video/mp4")]
    if message.animation:
        a = message.animation
        return [FileOffer(a.file_id, _mp4_name(a.file_name, "animation.mp4"), a.file_size,
                          a.mime_type or "video/mp4")]
    if message.video_note:
        n = message.video_note
        return [FileOffer(n.file_id, "video_note.mp4", n.file_size, "video/mp4")]
    if message.audio:
        s = message.audio
        return [FileOffer(s.file_id, s.file_name or "audio.mp3", s.file_size,
                          s.mime_type or "audio/mpeg")]
    if message.voice:
        o = message.voice
        return [FileOffer(o.file_id, "voice.ogg", o.file_size, o.mime_type or "audio/ogg")]
    if message.document:
        d = message.document
        return [FileOffer(d.file_id, d.file_name or "document", d.file_size, d.mime_type)]
    return []


def _mp4_name(name: str | None, default: str) -> str:
    """Telegram turns GIFs into MP4s but keeps names like "cat.gif.mp4" or "cat.gif"."""
    if not name:
        return default
    return name if name.lower().endswith(".mp4") else name + ".mp4"


def is_group(chat: Chat) -> bool:
    return chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)


def addressed(message: Message, username: str, bot_id: int) -> bool:
    """In groups only commands, mentions of the bot and replies to it are for us."""
    if not is_group(message.chat):
        return True
    text = message.text or message.caption or ""
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        return "@" not in command or command.split("@", 1)[1].lower() == username.lower()
    if f"@{username.lower()}" in text.lower():
        return True
    replied = message.reply_to_message
    return bool(replied and replied.from_user and replied.from_user.id == bot_id)


def clean_text(text: str, username: str) -> str:
    """The instruction without the bot's @mention."""
    mention = f"@{username.lower()}"
    while (at := text.lower().find(mention)) >= 0:
        text = text[:at] + text[at + len(mention):]
    return " ".join(text.split())


def conversation_key(chat: Chat, user: User) -> ConversationKey:
    """One timeline per private chat; one per person in a group."""
    return ConversationKey("telegram", str(chat.id), str(user.id) if is_group(chat) else None)


def language_of(user: User) -> str:
    return "zh" if (user.language_code or "").lower().startswith("zh") else "en"


def is_urgent(text: str) -> bool:
    return route(text).action in URGENT


def webhook_secret(token: str) -> str:
    """A stable secret for Telegram's X-Telegram-Bot-Api-Secret-Token header, not the token."""
    return hashlib.sha256(b"backtrack-webhook:" + token.encode()).hexdigest()[:48]


# Ordering within a conversation ------------------------------------------------------------


class ChatOrder:
    """Hands the messages of one conversation over in arrival order.

    A message waits for the previous one at most `patience` seconds, then goes through anyway,
    so the assistant can answer "still working" instead of leaving the person in silence.
    """

    def __init__(self, patience: float = PATIENCE) -> None:
        self.patience = patience
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}

    @contextlib.asynccontextmanager
    async def turn(self, key: str, *, wait: bool = True) -> AsyncIterator[None]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        held = False
        try:
            if wait:
                with contextlib.suppress(TimeoutError):
                    held = await asyncio.wait_for(lock.acquire(), self.patience)
            yield
        finally:
            if held:
                lock.release()
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key], self._locks[key]
