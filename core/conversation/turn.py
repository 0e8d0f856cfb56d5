"""What adapters hand to the assistant (`Turn`) and what they get back (`Reply`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from core.preferences import Preferences


@dataclass(frozen=True)
class ConversationKey:
    """platform + chat (+ user in group chats), so two people in a channel never share a timeline.

    `str(key)` is the stored form, e.g. "telegram:-100123:42" or "console:local".
    """

    platform: str
    chat: str
    user: str | None = None

    def __str__(self) -> str:
        return ":".join(p for p in (self.platform, self.chat, self.user) if p is not None)

    @classmethod
    def parse(cls, text: str) -> ConversationKey:
        parts = text.split(":")
        if len(parts) == 2:
            return cls(parts[0], parts[1])
        if len(parts) == 3:
            return cls(parts[0], parts[1], parts[2])
        raise ValueError(f"not a conversation key: {text!r}")

    @property
    def person(self) -> str:
        """Who is talking: "platform:user", or "platform:chat" in a private chat."""
        return f"{self.platform}:{self.user if self.user is not None else self.chat}"


Fetch = Callable[[Path], Awaitable[None]]
"""Writes the attachment's bytes to the given path (downloading it from the platform)."""


@dataclass(frozen=True)
class Attachment:
    """A file the user sent; its bytes are fetched only after type and size were checked."""

    name: str
    size: int | None
    mime: str | None
    fetch: Fetch


@dataclass(frozen=True)
class Turn:
    """One incoming message, platform-neutral."""

    key: ConversationKey
    text: str = ""
    attachments: tuple[Attachment, ...] = ()
    language: str = "en"
    upload_limit: int | None = None
    """Bytes the platform lets us send back as a file; None means no limit (console)."""
    update_id: str | None = None
    """The platform's id for this message; a re-delivered update is handled once."""
    preferences: Preferences = field(default_factory=Preferences)
    """The person's settings; adapters leave it, the assistant fills it from the store (and
    then `language` is the reply language those settings choose)."""


# Replies ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Status:
    """The one status line of this turn: adapters show it once and then edit it in place."""

    text: str
    percent: float | None = None
    seconds_left: float | None = None
    """The estimate of the time left (`core.conversation.progress.Estimator`), when known."""


@dataclass(frozen=True)
class Option:
    """One choice of a menu: its label, and the words choosing it sends as the next turn."""

    label: str
    say: str
    chosen: bool = False


@dataclass(frozen=True)
class Menu:
    """A choice of one value (a setting): Telegram shows a row of buttons, Discord a select
    menu, the console the words to type."""

    title: str
    options: tuple[Option, ...]


@dataclass(frozen=True)
class Message:
    """A message to keep in the chat; `buttons` are quick follow-ups that send their label."""

    text: str
    buttons: tuple[str, ...] = ()
    menus: tuple[Menu, ...] = ()
    verbatim: bool = False
    """The text is already in the reply language (e.g. NemoVideo's words framed in it): the
    reply boundary leaves it as it is."""


@dataclass(frozen=True)
class Video:
    """A delivered video: a local file to upload, and/or a URL to show when it is too big."""

    path: Path | None
    url: str | None
    size: int | None
    duration: float | None
    caption: str = ""
    width: int | None = None
    height: int | None = None
    buttons: tuple[str, ...] = ()
    as_file: bool = False
    """Send it as a document (untouched) rather than as a streamable video."""
    language: str = "en"
    """The reply language: adapters put their own words around the video (a link, a failed
    upload) in it."""


@dataclass(frozen=True)
class Problem:
    """A user-facing problem, already in words (never a traceback)."""

    text: str


@dataclass(frozen=True)
class Photo:
    """A picture to show (the timeline picture): a PNG file, under 300 KB, sent as a photo."""

    path: Path
    caption: str = ""


@dataclass(frozen=True)
class Audio:
    """A piece of music to listen to (a mood's preview): an MP3 file, its title and length;
    Telegram sends it as an audio message, Discord as an attachment it plays inline, the
    console prints its path."""

    path: Path
    title: str
    duration: float
    caption: str = ""


Reply = Status | Message | Video | Problem | Photo | Audio

QUICK_ACTIONS: tuple[str, ...] = ("Fade out", "Quieter music", "Vertical 9:16", "Undo")
"""Buttons under a delivered video; pressing one sends its label as the next turn's text."""


@dataclass
class Notice:
    """A message for a conversation that did not just speak (restart recovery, late results)."""

    key: ConversationKey
    replies: list[Reply] = field(default_factory=list)


Notifier = Callable[[Notice], Awaitable[None]]
"""Adapters register one per platform so the assistant can reach a chat on its own."""
