"""Retrying a call to a chat platform that failed on the way (a dropped connection, a 5xx, no
answer in time): a few tries with capped exponential backoff, all within a deadline.

Each adapter says which of its library's errors are worth another try (a `Judge`); when the
tries or the deadline run out, `retrying` raises `EngineError` from the last error, so callers
can put the failure in words ("Telegram didn't answer") instead of showing it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from core.errors import EngineError

log = logging.getLogger("backtrack.retry")

T = TypeVar("T")

Judge = Callable[[BaseException, float], float | None]
"""Given an error and the backoff's next pause: seconds to wait before the next try (the pause,
or what the platform asked for), or None when the error is not worth another try."""


@dataclass(frozen=True)
class Backoff:
    """How hard to try: `tries` in all, pauses from `first` growing by `factor` up to `cap`,
    no try started after `deadline` seconds, each try cut after `attempt_timeout` (if set)."""

    tries: int = 4
    first: float = 0.5
    factor: float = 2.0
    cap: float = 8.0
    deadline: float = 120.0
    attempt_timeout: float | None = None
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep
    clock: Callable[[], float] = time.monotonic

    def pauses(self) -> list[float]:
        """The pauses between the tries (one fewer than the tries)."""
        return [min(self.cap, self.first * self.factor ** i) for i in range(self.tries - 1)]


DEFAULT_BACKOFF = Backoff()


async def retrying(call: Callable[[], Awaitable[T]], backoff: Backoff, judge: Judge,
                   what: str) -> T:
    """`call()` until it works; errors the judge rejects go through as they are."""
    started = backoff.clock()
    pauses = backoff.pauses()
    for attempt in range(backoff.tries):
        try:
            if backoff.attempt_timeout is None:
                return await call()
            return await asyncio.wait_for(call(), backoff.attempt_timeout)
        except Exception as exc:
            pause = judge(exc, pauses[attempt] if attempt < len(pauses) else 0.0)
            if pause is None:
                raise
            late = backoff.clock() - started + pause > backoff.deadline
            if attempt == backoff.tries - 1 or late:
                log.warning("%s: giving up after %d tries (%s)", what, attempt + 1,
                            type(exc).__name__)
                raise EngineError(f"{what}: no answer after {attempt + 1} tries") from exc
            log.warning("%s failed (%s); trying again in %.1f s", what, type(exc).__name__,
                        pause)
            await backoff.sleep(pause)
    raise AssertionError("unreachable")


