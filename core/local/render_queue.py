"""A first-come, first-served line of renders with a bounded number running at once.

Each waiting render can see its place ("you are number 2 in line") change as others finish.
It is an object handed to whoever renders, never a module global.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from types import TracebackType


class Ticket:
    """A place in the line; `async with` it, iterate `positions()` until it runs."""

    def __init__(self, queue: RenderQueue) -> None:
        self._queue = queue
        self.running = False
        self.done = False

    @property
    def position(self) -> int:
        """0 while running, N when N-th in line (1 is next)."""
        return self._queue.position_of(self)

    async def positions(self) -> AsyncIterator[int]:
        """Yields the place in line each time it changes; ends once the render may run."""
        last = -1
        changed = self._queue.changed
        while not self.running:
            if self.position != last:
                last = self.position
                yield last  # never while holding the lock: the consumer may take its time
                continue
            async with changed:
                if not self.running and self.position == last:
                    await changed.wait()

    async def wait(self) -> None:
        """Wait for the turn without looking at the place in line."""
        async for _ in self.positions():
            pass

    async def release(self) -> None:
        """Leave the line (or free the slot); safe to call twice."""
        if self.done:
            return
        self.done = True
        await self._queue.leave(self)

    async def __aenter__(self) -> Ticket:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await asyncio.shield(self.release())


class RenderQueue:
    """At most `limit` tickets run at once; the rest wait in order of arrival."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self.changed = asyncio.Condition()
        self._running: list[Ticket] = []
        self._waiting: list[Ticket] = []

    @property
    def running(self) -> int:
        return len(self._running)

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def position_of(self, ticket: Ticket) -> int:
        if ticket in self._running:
            return 0
        return self._waiting.index(ticket) + 1 if ticket in self._waiting else 0

    def join(self) -> Ticket:
        """Take a place at the end of the line (it runs at once when a slot is free)."""
        ticket = Ticket(self)
        self._waiting.append(ticket)
        self._promote()
        return ticket

    async def leave(self, ticket: Ticket) -> None:
        if ticket in self._running:
            self._running.remove(ticket)
        if ticket in self._waiting:
            self._waiting.remove(ticket)
        self._promote()
        async with self.changed:
            self.changed.notify_all()

    def _promote(self) -> None:
        while self._waiting and len(self._running) < self.limit:
            ticket = self._waiting.pop(0)
            ticket.running = True
            self._running.append(ticket)
