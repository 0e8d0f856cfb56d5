"""The one error tree of Backtrack.

    BacktrackError
     ├── UserError              the user can act on it; `.user_message` is shown as is
     │    ├── BadMedia          not media, empty, truncated, no video stream
     │    ├── UnsupportedFile   a type we do not accept
     │    ├── TooLarge          bytes, duration or resolution over a limit
     │    ├── NotUnderstood     the instruction parser found nothing to do
     │    ├── NothingToEdit     no clip yet, nothing to undo, nothing to export
     │    ├── Busy              a turn is already running in this conversation
     │    ├── RateLimited       per-user rate limit or daily quota
     │    ├── NotAllowed        allowlists
     │    ├── LinkRefused       a URL we will not fetch (scheme, private address, size)
     │    ├── OutOfCredits      NemoVideo code 2001
     │    ├── PlanBlocked       NemoVideo HTTP 402
     │    ├── DiskFull          the data folder is at its cap or the disk is full
     │    └── StorageUnavailable  object storage failed mid-turn (nothing half-kept)
     ├── ConfigError            a bad setting; the message names it
     ├── EngineError            a backend failed; logged with details, shown as an apology
     │    ├── RenderFailed      ffmpeg exited non-zero (`.stderr_tail` for the log)
     │    ├── RenderTimeout
     │    └── NemoError         an unmapped NemoVideo answer (`.code`, `.status`)
     └── StoreError             the database failed

Library exceptions (httpx, sqlite3, telegram, discord, av) are translated at the boundary with
`raise ... from exc`. Anything that is not a `UserError` reaches the user only as `apology()`.
"""

from __future__ import annotations

import secrets


class BacktrackError(Exception):
    """Base of every error Backtrack raises on purpose."""


class UserError(BacktrackError):
    """A problem the user can act on; the message is written for them."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


class BadMedia(UserError):
    """The file is not usable media (empty, random bytes, truncated, no video stream)."""


class UnsupportedFile(UserError):
    """The file type is not one we accept."""


class TooLarge(UserError):
    """Bytes, duration or resolution over a configured limit."""


class NotUnderstood(UserError):
    """The instruction parser found nothing it can do."""


class NothingToEdit(UserError):
    """No clip yet, nothing to undo, or nothing to export."""


class Busy(UserError):
    """A turn is already running in this conversation."""


class RateLimited(UserError):
    """Per-user rate limit or daily quota reached."""


class NotAllowed(UserError):
    """The chat, guild or user is not on an allowlist."""


class LinkRefused(UserError):
    """A URL we will not fetch."""


class OutOfCredits(UserError):
    """NemoVideo has no credits left for this account."""


class PlanBlocked(UserError):
    """NemoVideo's plan does not allow this (HTTP 402)."""


class DiskFull(UserError):
    """The data folder reached its cap or the disk is full."""


class StorageUnavailable(UserError):
    """Object storage could not be reached or refused a request during a turn."""


STORAGE_DOWN = ("I can't reach my file storage right now, so I couldn't finish that. Nothing "
                "was half-saved: please try again in a few minutes.")


class ConfigError(BacktrackError):
    """A setting has a bad value; the message names the setting."""


class EngineError(BacktrackError):
    """A backend failed in a way the user cannot fix."""


class RenderFailed(EngineError):
    """ffmpeg exited with an error."""

    def __init__(self, message: str, stderr_tail: str = "") -> None:
        super().__init__(message)
        self.stderr_tail = stderr_tail


class RenderTimeout(EngineError):
    """A render ran past its deadline."""


class NemoError(EngineError):
    """A NemoVideo answer with no user-facing mapping."""

    def __init__(self, message: str, *, code: int | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class StoreError(BacktrackError):
    """The database failed."""


def new_error_id() -> str:
    """A short id that ties an apology in the chat to a traceback in the log."""
    return secrets.token_hex(4)


def apology(error_id: str) -> str:
    """What the user sees for an error that is not theirs to fix."""
    return f"Sorry, something went wrong on our side (ref {error_id}). Please try again."
