"""Tracked background tasks: nothing is fire-and-forget, and shutdown cancels and awaits."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger("backtrack.tasks")


class TaskSet:
    """A set of running tasks, each dropped from the set (its failure logged) when done."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def __len__(self) -> int:
        return len(self._tasks)

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        return self.track(asyncio.create_task(coro, name=name))

    def track(self, task: asyncio.Task[Any]) -> asyncio.Task[Any]:
        """Track a task started elsewhere (a library's handler task), as if spawned here."""
        if task not in self._tasks:
            self._tasks.add(task)
            task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("task %s failed", task.get_name(), exc_info=task.exception())

    async def idle(self) -> None:
        """Wait until no task runs, including tasks started while waiting (never raises)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def aclose(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
