"""The interface both engines (local ffmpeg, NemoVideo cloud) implement."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from core.draft import Draft
from core.preferences import Preferences

MediaKind = Literal["video", "audio", "image"]


@dataclass(frozen=True)
class SessionRef:
    """An engine session bound to one conversation."""

    conversation: str
    session_id: str
    language: str = "en"
    preferences: Preferences = field(default_factory=Preferences)
    """The person's settings: defaults an engine applies to new edits (the local engine)."""


@dataclass(frozen=True)
class MediaFile:
    """A file already on disk, checked and probed, to add to a session."""

    media_id: str
    path: Path
    name: str
    kind: MediaKind
    size: int
    duration: float | None = None
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class ExportOptions:
    """Knobs of one export; None means "as the draft says"."""

    resolution: int | None = None
    aspect: str | None = None
    max_bytes: int | None = None
    """Fit the file under this size by choosing the bitrate (chat upload limits)."""
    render_id: str | None = None
    output: Path | None = None
    """Where the local engine writes the file (`backtrack render -o`), instead of its own
    renders folder; the folder must exist."""


# Events an engine yields while it works -----------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """Still working; `percent` is 0-100 when known."""

    text: str
    percent: float | None = None


@dataclass(frozen=True)
class Said:
    """Text from the engine for the user (NemoVideo's agent, or the parser's explanation)."""

    text: str
    agent: bool = False
    """NemoVideo's agent's own free text, in whatever language it wrote: shown as its words,
    framed in the reply language (core.words.agent_message), never half-translated."""


@dataclass(frozen=True)
class Edited:
    """The edit is done. `changes` is the diff in words; empty means the timeline did not change."""

    changes: tuple[str, ...]
    draft: Draft

    @property
    def changed(self) -> bool:
        return bool(self.changes)


@dataclass(frozen=True)
class RemoteRender:
    """A render started on a remote service; stored so it can be resumed after a restart."""

    remote_id: str


@dataclass(frozen=True)
class Rendered:
    """A finished export: a local file, or a URL (NemoVideo), or both."""

    path: Path | None
    url: str | None
    size: int | None
    duration: float | None
    width: int | None = None
    height: int | None = None


EngineEvent = Progress | Said | Edited | RemoteRender | Rendered


class Engine(Protocol):
    """One editing backend. Every method raises only `core.errors` exceptions.

    Optional attribute (read with `getattr`, absent means False): `accepts_images: bool`,
    True when a picture (jpg, png, gif, webp) can be added as the clip. The assistant refuses
    pictures in words, before fetching them, for engines without it (the local engine).
    """

    name: str

    async def new_session(self, conversation: str, language: str) -> str:
        """Start an empty timeline; returns the engine's session id."""
        ...

    async def add_media(self, session: SessionRef, media: MediaFile) -> str:
        """Put a video (the clip being edited, replacing the previous one) or an audio file
        (the music) into the session. Returns one line for the user."""
        ...

    def edit(self, session: SessionRef, text: str) -> AsyncIterator[EngineEvent]:
        """Apply a plain-language instruction; ends with exactly one `Edited`."""
        ...

    def export(self, session: SessionRef, options: ExportOptions) -> AsyncIterator[EngineEvent]:
        """Render the timeline; ends with exactly one `Rendered`."""
        ...

    def resume_export(self, session: SessionRef, remote_id: str) -> AsyncIterator[EngineEvent]:
        """Pick up a remote render after a restart (engines without remote renders raise
        EngineError); ends with one `Rendered`."""
        ...

    async def draft(self, session: SessionRef) -> Draft:
        """The current timeline."""
        ...

    async def undo(self, session: SessionRef) -> tuple[str, ...]:
        """Step back one edit; returns the changes in words. NothingToEdit when there is none."""
        ...

    async def credits(self, session: SessionRef | None) -> str:
        """The balance in words ("Local engine: free, no credits needed.")."""
        ...

    async def aclose(self) -> None:
        """Release clients and processes."""
        ...
