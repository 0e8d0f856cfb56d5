"""Calling Telegram: which failures are tried again, and which answers mean no harm done.

Flood control is PTB's AIORateLimiter's job (wired into the bot in `bots.telegram_server.make_bot`:
it spaces the sends and waits out 429 `retry_after`); calls that fail on the way (a dropped
connection, a 5xx, a timeout) are tried again with backoff (`bots.retry`). Shared by the status
message (`bots.telegram_status`) and the results (`bots.telegram_replies`).
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram.error import BadRequest, NetworkError, RetryAfter

from bots.retry import DEFAULT_BACKOFF, Backoff, retrying

T = TypeVar("T")


def retry_seconds(exc: RetryAfter) -> float:
    """Seconds Telegram asked us to wait, whichever type this PTB version returns."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value: int | dt.timedelta = exc.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def not_modified(exc: BadRequest) -> bool:
    return "message is not modified" in exc.message.lower()


def message_gone(exc: BadRequest) -> bool:
    text = exc.message.lower()
    return "message to edit not found" in text or "message_id_invalid" in text


def on_the_way(exc: BaseException, pause: float) -> float | None:
    """A `bots.retry.Judge`: a connection or server failure (or a timeout) waits the backoff's
    pause; Telegram's refusals (BadRequest, 413 "too large", Forbidden) are final."""
    if isinstance(exc, NetworkError) and not isinstance(exc, BadRequest) \
            and "too large" not in exc.message.lower():
        return pause
    return None


async def patiently(call: Callable[[], Awaitable[T]], backoff: Backoff = DEFAULT_BACKOFF,
                    what: str = "telegram") -> T:
    """Make a call Telegram must not drop: failures on the way tried again (flood control was
    waited out by the rate limiter already); EngineError when Telegram never answered."""
    return await retrying(call, backoff, on_the_way, what)
