"""TaskSet: tracked tasks leave the set when done, failures are logged, idle and aclose wait."""

from __future__ import annotations

import asyncio
import logging

import pytest

from core.tasks import TaskSet


async def test_a_finished_task_leaves_the_set_and_its_failure_is_logged(
        caplog: pytest.LogCaptureFixture) -> None:
    tasks = TaskSet()

    async def boom() -> None:
        raise RuntimeError("boom")

    task = tasks.spawn(boom(), "boom-task")
    assert len(tasks) == 1
    await asyncio.gather(task, return_exceptions=True)
    await asyncio.sleep(0)
    assert len(tasks) == 0
    assert any(r.levelno == logging.ERROR and "boom-task" in r.getMessage()
               for r in caplog.records)


async def test_idle_waits_for_tasks_started_while_waiting() -> None:
    tasks = TaskSet()
    order: list[str] = []

    async def second() -> None:
        await asyncio.sleep(0.01)
        order.append("second")

    async def first() -> None:
        await asyncio.sleep(0.01)
        tasks.spawn(second(), "second")
        order.append("first")

    tasks.spawn(first(), "first")
    await asyncio.wait_for(tasks.idle(), 5)
    assert order == ["first", "second"] and len(tasks) == 0


async def test_a_tracked_task_is_cancelled_by_aclose_and_counted_once() -> None:
    tasks = TaskSet()
    started = asyncio.Event()

    async def forever() -> None:
        started.set()
        await asyncio.sleep(30)

    task = asyncio.create_task(forever())
    assert tasks.track(task) is task
    tasks.track(task)
    assert len(tasks) == 1
    await started.wait()
    await asyncio.wait_for(tasks.aclose(), 5)
    assert task.cancelled() and len(tasks) == 0
