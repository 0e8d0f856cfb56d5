"""SIGTERM does what Ctrl-C does for the commands that run one job (`render`, `chat`).

A plain SIGTERM ends Python at once: no `finally` runs, so ffmpeg's partial file and the
render's work folder stay behind. Here it cancels the main task instead, like asyncio does
for Ctrl-C, so every clean-up runs, and `Terminated` tells the caller to exit with 143.
(ffmpeg itself dies with us even on SIGKILL: see `core/local/reaper.py`.)
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
EXIT_CODE = 128 + signal.SIGTERM


class Terminated(Exception):
    """SIGTERM arrived; the work was cancelled and cleaned up."""


def run(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(main)`, with SIGTERM cancelling `main` (Terminated is raised after)."""
    return asyncio.run(_cancelled_by_sigterm(main))


async def _cancelled_by_sigterm(main: Coroutine[Any, Any, T]) -> T:
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    received: list[int] = []

    def terminate() -> None:
        received.append(signal.SIGTERM)
        task.cancel()

    try:
        loop.add_signal_handler(signal.SIGTERM, terminate)
    except (NotImplementedError, RuntimeError, ValueError):  # no signals here (Windows, thread)
        return await main
    try:
        result = await main
    except asyncio.CancelledError:
        if received:
            raise Terminated from None
        raise
    finally:
        with contextlib.suppress(Exception):
            loop.remove_signal_handler(signal.SIGTERM)
    if received:  # the work swallowed the cancellation: still, SIGTERM means stop
        raise Terminated
    return result
