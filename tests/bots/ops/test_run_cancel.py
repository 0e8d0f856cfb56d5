"""`_serve` cancelled while it waits (the loop torn down from outside) leaves no task behind."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bots.run import Stopper, _serve
from core.config import load_settings


async def test_cancelled_mid_wait_leaves_no_pending_task(
        env: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    env.setenv("BACKTRACK_LINK_PUBLIC_URL", "http://127.0.0.1:9")
    env.setenv("BACKTRACK_LINK_PORT", "0")
    caplog.set_level(logging.INFO, logger="backtrack.run")
    before = asyncio.all_tasks()
    serving = asyncio.create_task(_serve(load_settings(), 0, Stopper()))
    deadline = asyncio.get_running_loop().time() + 20
    while "backtrack running" not in caplog.text:
        assert not serving.done(), serving
        assert asyncio.get_running_loop().time() < deadline, "never got to waiting"
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.05)  # inside asyncio.wait on the watchers and the stop event
    serving.cancel()
    with pytest.raises(asyncio.CancelledError):
        await serving
    left = {t for t in asyncio.all_tasks() - before if not t.done()}
    assert left == set(), [t.get_coro() for t in left]
    assert "backtrack stopped" in caplog.text
