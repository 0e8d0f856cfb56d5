"""The store interfaces `core` needs; `storage.sqlite` implements them, tests may fake them.

Drafts are kept per engine session with their history (for undo). Every method is async and
safe to call from many conversations at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from core.preferences import Preferences

RenderState = Literal["queued", "running", "done", "failed", "interrupted", "cancelled"]
ACTIVE_RENDER_STATES: tuple[RenderState, ...] = ("queued", "running")


@dataclass(frozen=True)
class Conversation:
    """A conversation key mapped to its engine session."""

    key: str
    engine: str
    session_id: str
    language: str = "en"
    created_at: float = 0.0
    updated_at: float = 0.0


@dataclass(frozen=True)
class MediaRecord:
    """A file we hold for a session (an upload); `path` is relative to the data folder."""

    id: str
    session_id: str
    kind: str  # "video" | "audio" | "image"
    name: str
    path: str
    size: int
    duration: float | None = None
    width: int | None = None
    height: int | None = None
    created_at: float = 0.0


@dataclass(frozen=True)
class RenderRecord:
    """One export, from queued to done; survives restarts."""

    id: str
    conversation: str
    person: str
    session_id: str
    engine: str
    state: RenderState
    progress: float = 0.0
    remote_id: str | None = None
    output_path: str | None = None
    output_url: str | None = None
    error: str | None = None
    created_at: float = 0.0
    updated_at: float = 0.0


TurnState = Literal["running", "done", "interrupted"]


@dataclass(frozen=True)
class TurnRecord:
    """One turn in the journal: what it was doing, so a restart can tell its chat.

    `boot` names the process that ran it; a turn still "running" under another boot was cut
    short by a restart."""

    id: str
    conversation: str
    person: str
    boot: str
    what: str  # "receiving clip.mp4", "working on your edit"
    state: TurnState = "running"
    started_at: float = 0.0
    updated_at: float = 0.0


class ConversationStore(Protocol):
    async def get_conversation(self, key: str) -> Conversation | None: ...
    async def save_conversation(self, conversation: Conversation) -> None: ...


class DraftStore(Protocol):
    async def push_draft(self, session_id: str, draft_json: str) -> None:
        """Append a new current version."""
        ...

    async def current_draft(self, session_id: str) -> str | None: ...

    async def pop_draft(self, session_id: str) -> str | None:
        """Undo: drop the current version; returns the new current, None if nothing is left
        to undo (the current version is then kept)."""
        ...


class MediaStore(Protocol):
    async def add_media(self, record: MediaRecord) -> None: ...
    async def get_media(self, media_id: str) -> MediaRecord | None: ...
    async def list_media(self, session_id: str, kind: str | None = None) -> list[MediaRecord]:
        """Newest first."""
        ...


class RenderStore(Protocol):
    async def save_render(self, record: RenderRecord) -> None:
        """Insert or replace by id."""
        ...

    async def get_render(self, render_id: str) -> RenderRecord | None: ...
    async def renders_in_state(self, *states: RenderState) -> list[RenderRecord]: ...
    async def count_renders(self, person: str, since: float) -> int:
        """Renders started by a person since a UNIX time (daily quota)."""
        ...


class ValueStore(Protocol):
    """Small named values: the NemoVideo token and client id, the link secret."""

    async def get_value(self, name: str) -> str | None: ...
    async def set_value(self, name: str, value: str) -> None: ...


class UpdateStore(Protocol):
    async def mark_update(self, platform: str, update_id: str) -> bool:
        """Record a processed platform update; False when it was seen before."""
        ...


class TurnStore(Protocol):
    """The turn journal (schema version 2)."""

    async def start_turn(self, record: TurnRecord) -> None:
        """Insert or replace by id."""
        ...

    async def finish_turn(self, turn_id: str, state: TurnState) -> None: ...
    async def turns_in_state(self, state: TurnState) -> list[TurnRecord]:
        """Oldest first."""
        ...

    async def forget_turns(self, before: float) -> int:
        """Drop turns no longer running that started before a UNIX time; returns how many."""
        ...


class PreferenceStore(Protocol):
    """Settings per person (schema version 3), keyed like `ConversationKey.person`."""

    async def get_preferences(self, person: str) -> Preferences:
        """The stored settings; `Preferences()` for someone who never changed one."""
        ...

    async def save_preferences(self, person: str, preferences: Preferences) -> None:
        """Insert or replace."""
        ...


class FileStore(Protocol):
    """Where uploads, songs, built-in music and results are kept, by key.

    A key is a path relative to the data folder, made by Backtrack itself ("media/<session>/
    <random>.mp4", "renders/<id>.mp4", "music/<mood>.m4a"). ffmpeg always works on files in the
    data folder; with object storage (`shared`) that folder is scratch space and the bucket
    holds what every process on every machine reads. Each call is whole or nothing: a failed
    `put` leaves no object, a failed `get` no file; failures raise `StorageUnavailable`.
    """

    shared: bool
    """True when other machines read what is put here (object storage)."""
    link_seconds: int
    """How long a URL from `link` works (0 where there are none)."""

    async def put(self, key: str, path: Path) -> None:
        """Keep the local file `path` under `key`."""
        ...

    async def get(self, key: str, path: Path) -> bool:
        """Bring `key` to the local file `path`; False when nothing is kept under it."""
        ...

    async def delete(self, key: str) -> None:
        """Forget `key` (nothing happens when it is not there)."""
        ...

    async def put_data(self, key: str, data: bytes, content_type: str) -> None:
        """Keep a small generated file (a player page, a poster) under `key`, served with
        `content_type`."""
        ...

    async def link(self, key: str, filename: str, content_type: str = "video/mp4",
                   inline: bool = False, seconds: int | None = None) -> str | None:
        """A URL that expires `seconds` (default `link_seconds`) after now (a secret: never
        logged), served as `content_type`: a download named `filename`, or shown in the
        browser with `inline`. None where links come from Backtrack's own link server."""
        ...

    async def size(self, key: str) -> int | None:
        """The byte size of what is kept under `key`, None when nothing is."""
        ...

    async def check(self, *, write: bool = False) -> str:
        """Raise ConfigError naming the setting when the storage cannot be used; with `write`,
        also put, read back and delete a probe object. Returns what was checked, in words."""
        ...

    async def close(self) -> None: ...


class LimitStore(Protocol):
    """Limits several bot processes share (schema version 4): a rate limit's window and which
    process runs each conversation's turn. `now` is passed in so a clock can be faked."""

    async def hit_rate(self, key: str, limit: int, window: float, now: float) -> float:
        """Record an event under `key` if fewer than `limit` happened in the last `window`
        seconds and return 0; else record nothing and return the seconds until one is
        allowed."""
        ...

    async def claim_turn(self, conversation: str, turn_id: str, boot: str, label: str,
                         now: float, ttl: float) -> str | None:
        """Take the conversation's turn lease for `ttl` seconds; None when taken, else the
        label of the turn that holds it (live, another turn)."""
        ...

    async def renew_turn(self, conversation: str, turn_id: str, label: str, now: float,
                         ttl: float) -> bool | None:
        """Extend a held lease; True when someone asked to cancel the turn, None when the
        lease is no longer this turn's."""
        ...

    async def release_turn(self, conversation: str, turn_id: str) -> None: ...

    async def request_cancel(self, conversation: str, now: float) -> str | None:
        """Ask whichever process runs the conversation's turn to stop it; the turn's label, or
        None when no live turn holds the lease."""
        ...

    async def live_boots(self, now: float) -> set[str]:
        """The processes (boot ids) holding a live lease: their running turns are not dead."""
        ...

    async def hold_boot(self, boot: str) -> None:
        """Mark this process (boot id) alive until it closes the store or dies; a lease whose
        process died is free at once."""
        ...


class Store(ConversationStore, DraftStore, MediaStore, RenderStore, ValueStore, UpdateStore,
            TurnStore, PreferenceStore, LimitStore, Protocol):
    """Everything together, as the bootstrap hands it around."""

    async def close(self) -> None: ...
