"""Limits several bot processes share (`LimitStore`), on both backends and in the memory fake:
a sliding-window rate limit and the turn leases. Two stores on one database stand for two
processes."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from core.ports import LimitStore
from storage.backend import OpenStore
from tests.fakes.memory_store import MemoryStore
from tests.storage.conftest import Opener


async def rate_checks(store: LimitStore) -> None:
    now = 1000.0
    assert [await store.hit_rate("p", 3, 60, now + n * 5) for n in range(3)] == [0, 0, 0]
    # Full: the oldest (t=1000) leaves the window at 1060; refusals are not recorded.
    assert await store.hit_rate("p", 3, 60, 1015) == 45
    assert await store.hit_rate("p", 3, 60, 1030) == 30
    assert await store.hit_rate("q", 3, 60, 1030) == 0  # someone else
    assert await store.hit_rate("p", 3, 60, 1060) == 0
    assert await store.hit_rate("p", 3, 60, 1061) == 4  # 1005 + 60 - 1061


async def lease_checks(a: LimitStore, b: LimitStore) -> None:
    """`a` and `b` are two processes on one store."""
    now = 500.0
    await a.hold_boot("bootA")
    await b.hold_boot("bootB")
    assert await a.claim_turn("tg:1", "t1", "bootA", "receiving clip.mp4", now, 30) is None
    assert await b.claim_turn("tg:1", "t2", "bootB", "editing", now + 1, 30) == (
        "receiving clip.mp4")
    assert await b.claim_turn("tg:2", "t3", "bootB", "editing", now + 1, 30) is None
    assert await a.live_boots(now + 2) == {"bootA", "bootB"}
    assert await a.renew_turn("tg:1", "t1", "making your video, 40%", now + 2, 30) is False
    assert await b.request_cancel("tg:1", now + 3) == "making your video, 40%"
    assert await a.renew_turn("tg:1", "t1", "making your video", now + 4, 30) is True
    assert await a.renew_turn("tg:1", "t-other", "x", now + 4, 30) is None
    await a.release_turn("tg:1", "t1")
    assert await b.request_cancel("tg:1", now + 5) is None  # nothing runs there now
    assert await b.claim_turn("tg:1", "t4", "bootB", "editing", now + 5, 30) is None
    # bootB stops renewing (hung): its leases lapse, and the conversation is free for anyone.
    assert await a.live_boots(now + 40) == set()
    assert await a.claim_turn("tg:1", "t5", "bootA", "editing", now + 40, 30) is None
    assert await b.request_cancel("tg:2", now + 40) is None


async def test_rate_window(store: OpenStore) -> None:
    await rate_checks(store)


async def test_leases_between_two_stores(opener: Opener) -> None:
    a, b = await asyncio.gather(opener(), opener())
    try:
        await lease_checks(a, b)
    finally:
        await a.close()
        await b.close()


async def test_the_memory_fake_agrees() -> None:
    await rate_checks(MemoryStore())
    shared = MemoryStore()
    await lease_checks(shared, shared)


async def test_concurrent_hits_from_two_stores_never_exceed_the_limit(opener: Opener) -> None:
    a, b = await asyncio.gather(opener(), opener())
    try:
        waits = await asyncio.gather(*(s.hit_rate("p", 5, 60, 100.0)
                                       for s in (a, b) * 10))
        assert waits.count(0.0) == 5
        await a.hold_boot("b")
        claims = await asyncio.gather(*(s.claim_turn("c", f"t{n}", "b", "x", 100.0, 30)
                                        for n, s in enumerate((a, b) * 5)))
        assert claims.count(None) == 1
    finally:
        await a.close()
        await b.close()


KILLED_HOLDER = """
import asyncio, sys
from tests.storage.test_shared_limits import open_by_name

async def main() -> None:
    store = await open_by_name(sys.argv[1])
    await store.hold_boot("doomed")
    assert await store.claim_turn("tg:7", "t1", "doomed", "rendering", 100.0, 30) is None
    print("holding", flush=True)
    await asyncio.sleep(60)

asyncio.run(main())
"""


async def open_by_name(where: str) -> OpenStore:
    """A store from a path (SQLite) or a URL (PostgreSQL), as a child process opens it."""
    from storage.postgres import PostgresStore
    from storage.sqlite import SqliteStore

    if where.startswith("postgresql://"):
        return await PostgresStore.open(where)
    return await SqliteStore.open(Path(where))


async def test_a_killed_process_frees_its_conversations_at_once(
        backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """kill -9 the process holding a lease: the lock the OS (SQLite) or the server
    (PostgreSQL) held for it is gone, so another process may take the conversation at once
    instead of waiting for the lease to lapse."""
    where = (str(tmp_path / "db.sqlite3") if backend == "sqlite"
             else request.getfixturevalue("postgres").new_database())
    here = await open_by_name(where)
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", KILLED_HOLDER, where, cwd=Path(__file__).resolve().parents[2],
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        assert child.stdout is not None
        line = await asyncio.wait_for(child.stdout.readline(), 30)
        assert line == b"holding\n", (await child.stderr.read()).decode()[-2000:]  # type: ignore[union-attr]
        await here.hold_boot("survivor")
        assert await here.claim_turn("tg:7", "t2", "survivor", "editing", 101.0, 30) == (
            "rendering")
        assert await here.live_boots(101.0) == {"doomed"}
        assert await here.request_cancel("tg:7", 101.0) == "rendering"
        child.kill()
        await child.wait()
        for _ in range(50):  # the server notices the closed connection within moments
            if await here.live_boots(102.0) == set():
                break
            await asyncio.sleep(0.1)
        assert await here.live_boots(102.0) == set()
        assert await here.request_cancel("tg:7", 102.0) is None
        assert await here.claim_turn("tg:7", "t2", "survivor", "editing", 102.0, 30) is None
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
        await here.close()


async def test_two_turns_starting_together_both_hold_the_boot(store: OpenStore) -> None:
    """The first two turns of a process start at once (a DM and a slash command): both hold the
    process's boot lock. Holding it twice at the same moment once opened the lock file twice,
    and the second flock (or the second connection's advisory lock) waited forever, so the
    second conversation never got an answer."""
    await asyncio.wait_for(asyncio.gather(*(store.hold_boot("boot-x") for _ in range(4))), 10)
    assert await store.claim_turn("k", "t", "boot-x", "editing", 1.0, 30) is None
    assert await store.live_boots(2.0) == {"boot-x"}
