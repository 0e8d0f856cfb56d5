"""A stand-in for `asyncio.sleep` in retry policies: records the pauses instead of waiting."""

from __future__ import annotations

import asyncio


class Waits:
    """A `bots.retry.Backoff.sleep` that records each pause and only yields to the loop."""

    def __init__(self) -> None:
        self.seen: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seen.append(seconds)
        await asyncio.sleep(0)
