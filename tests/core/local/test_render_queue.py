"""The bounded render line: at most N at once, first come first served, places that move."""

from __future__ import annotations

import asyncio

import pytest

from core.local.render_queue import RenderQueue


async def test_places_in_line_move_as_renders_finish() -> None:
    queue = RenderQueue(1)
    first, second, third = queue.join(), queue.join(), queue.join()
    assert (first.position, second.position, third.position) == (0, 1, 2)
    assert (queue.running, queue.waiting) == (1, 2)
    seen: list[int] = []

    async def watch() -> None:
        async for place in third.positions():
            seen.append(place)

    watcher = asyncio.create_task(watch())
    await asyncio.sleep(0)
    await first.release()
    await asyncio.sleep(0)
    assert second.position == 0 and third.position == 1
    await second.release()
    await asyncio.wait_for(watcher, 1)
    assert seen == [2, 1]
    assert third.running and third.position == 0
    await third.release()
    await third.release()  # twice is harmless
    assert (queue.running, queue.waiting) == (0, 0)


async def test_never_more_than_the_limit_at_once() -> None:
    queue = RenderQueue(2)
    busy, peak = 0, 0

    async def job() -> None:
        nonlocal busy, peak
        async with queue.join() as ticket:
            await ticket.wait()
            busy += 1
            peak = max(peak, busy)
            await asyncio.sleep(0.01)
            busy -= 1

    await asyncio.gather(*(job() for _ in range(7)))
    assert peak == 2 and (queue.running, queue.waiting) == (0, 0)


async def test_first_come_first_served() -> None:
    queue = RenderQueue(1)
    order: list[int] = []
    blocker = queue.join()

    async def job(n: int) -> None:
        async with queue.join() as ticket:
            await ticket.wait()
            order.append(n)

    tasks = [asyncio.create_task(job(n)) for n in range(4)]
    await asyncio.sleep(0.01)
    await blocker.release()
    await asyncio.gather(*tasks)
    assert order == [0, 1, 2, 3]


async def test_a_cancelled_waiter_leaves_the_line() -> None:
    queue = RenderQueue(1)
    running = queue.join()

    async def wait_in_line() -> None:
        async with queue.join() as ticket:
            await ticket.wait()

    waiter = asyncio.create_task(wait_in_line())
    await asyncio.sleep(0.01)
    assert queue.waiting == 1
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert queue.waiting == 0
    late = queue.join()
    assert late.position == 1
    await running.release()
    assert late.position == 0


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError):
        RenderQueue(0)


async def test_two_queues_are_independent() -> None:
    a, b = RenderQueue(1), RenderQueue(1)
    a.join()
    assert b.join().position == 0
