"""What every chat adapter shares: the ports it needs from the `App`, the pure rules for showing
replies (status line, text splitting, file or link, the words when an upload gives up), and
reading the settings for a command."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from typing import Protocol

from core import words
from core.config import Settings, load_settings
from core.conversation.progress import status_text
from core.conversation.turn import Notifier, Reply, Status, Turn, Video
from core.errors import ConfigError

# Ports --------------------------------------------------------------------------------------


class AssistantPort(Protocol):
    def handle(self, turn: Turn) -> AsyncIterator[Reply]: ...
    def add_notifier(self, platform: str, notifier: Notifier) -> None: ...
    async def recover(self) -> None: ...


class GatePort(Protocol):
    def allowed(self, platform: str, chat: str | int, user: str | int,
                guild: str | int | None = None) -> bool: ...


# Pure rules ---------------------------------------------------------------------------------


def status_line(status: Status) -> str:
    """"Rendering… ▰▰▰▱▱▱▱▱ 40% · about 0:12 left" from a Status."""
    return status_text(status)


def split_text(text: str, limit: int) -> list[str]:
    """Cut text into messages of at most `limit` characters, at line breaks where possible."""
    text = text.strip() or "…"
    chunks: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut <= 0:
            cut = limit
        chunks.append(text[:cut].rstrip())
        text = text[cut:].lstrip("\n")
    chunks.append(text)
    return chunks


def fits(video: Video, upload_limit: int | None) -> bool:
    """Whether the video can be sent as a file under the chat's upload limit."""
    if video.path is None:
        return False
    return upload_limit is None or (video.size is not None and video.size <= upload_limit)


def upload_failed_text(video: Video, platform: str) -> str:
    """What to say when the platform never took the upload: the link if there is one."""
    if video.url:
        said = (f"Sorry, I couldn't send the video ({platform} didn't answer). "
                f"It is ready here: {video.url}")
    else:
        said = (f"Sorry, I couldn't send the video ({platform} didn't answer); "
                "say 'export' to try again.")
    return words.localise(said, video.language)


# Commands -----------------------------------------------------------------------------------


def settings_or_none() -> Settings | None:
    """The settings for a command; a bad setting is printed (the command then exits 2)."""
    try:
        return load_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return None
