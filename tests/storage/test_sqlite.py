"""What only SQLite has (a file, WAL, `user_version`, a page cap, several processes on one
file); the store contract on both backends is in test_store.py."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.errors import DiskFull, StoreError
from core.ports import MediaRecord, RenderRecord
from storage.sqlite import SqliteStore, migrations, split_statements, translate
from tests.storage.test_store import conversation_work


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "nested" / "folder" / "backtrack.sqlite3"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[SqliteStore]:
    s = await SqliteStore.open(db_path)
    yield s
    await s.close()


def render(
    rid: str, state: str = "queued", person: str = "telegram:1", **kw: object
) -> RenderRecord:
    return RenderRecord(id=rid, conversation="telegram:1", person=person, session_id="s1",
                        engine="local", state=state, **kw)  # type: ignore[arg-type]


def media(mid: str, kind: str = "video", session: str = "s1", at: float = 0.0) -> MediaRecord:
    return MediaRecord(id=mid, session_id=session, kind=kind, name=f"{mid}.mp4",
                       path=f"media/{mid}.mp4", size=123, duration=4.0, width=320, height=240,
                       created_at=at)


async def test_open_creates_folders_wal_and_version(db_path: Path, store: SqliteStore) -> None:
    assert db_path.exists()
    assert await store.user_version() == len(migrations()) == 4
    raw = sqlite3.connect(db_path)
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        raw.close()
    assert {"conversations", "drafts", "media", "renders", "named_values", "updates",
            "turns", "preferences", "rate_events", "turn_leases"} <= tables


async def test_migration_from_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite3"
    path.touch()
    s = await SqliteStore.open(path)
    try:
        assert await s.user_version() == len(migrations())
        await s.set_value("a", "b")
        assert await s.get_value("a") == "b"
    finally:
        await s.close()


async def test_newer_schema_is_refused_with_words(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA user_version = 99")
    raw.close()
    with pytest.raises(StoreError, match="newer than this Backtrack"):
        await SqliteStore.open(path)


async def test_disk_full_is_told_in_words(store: SqliteStore) -> None:
    # Cap the file at its current size: the next growth is SQLITE_FULL, as on a full disk.
    conn = store._conn
    async with conn.execute("PRAGMA page_count") as cursor:
        row = await cursor.fetchone()
    assert row is not None
    await conn.execute(f"PRAGMA max_page_count = {row[0]}")
    with pytest.raises(DiskFull) as info:
        for n in range(200):
            await store.push_draft("s", "x" * 10_000 + str(n))
    assert "storage is full" in info.value.user_message
    await conn.execute("PRAGMA max_page_count = 1000000")
    await store.push_draft("s", "fits again")
    assert await store.current_draft("s") == "fits again"


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (sqlite3.OperationalError("database or disk is full"), DiskFull),
        (sqlite3.OperationalError("no such table: x"), StoreError),
        (sqlite3.IntegrityError("UNIQUE constraint failed"), StoreError),
    ],
)
def test_translate(exc: sqlite3.Error, kind: type[Exception]) -> None:
    assert type(translate(exc)) is kind


def test_split_statements() -> None:
    script = "-- a comment; with a semicolon\nCREATE TABLE a (x TEXT DEFAULT ';');\n\nSELECT 1;\n"
    assert split_statements(script) == ["CREATE TABLE a (x TEXT DEFAULT ';');", "SELECT 1;"]
    with pytest.raises(StoreError):
        split_statements("SELECT 1; SELECT 'unterminated")


async def test_cancelled_writes_leave_no_open_transaction(store: SqliteStore) -> None:
    await store.push_draft("s", "base")
    for delay_steps in range(12):
        task = asyncio.create_task(store.pop_draft("s"))
        push = asyncio.create_task(store.push_draft("s", f"v{delay_steps}"))
        for _ in range(delay_steps):
            await asyncio.sleep(0)
        task.cancel()
        push.cancel()
        await asyncio.gather(task, push, return_exceptions=True)
    # Whatever was cancelled where, the store still takes writes and transactions.
    await store.push_draft("s", "after")
    assert await store.current_draft("s") == "after"
    assert await store.pop_draft("s") is not None
    assert not store._conn.in_transaction


async def test_unopenable_path_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "dir.sqlite3").mkdir()
    with pytest.raises(StoreError):
        await SqliteStore.open(tmp_path / "dir.sqlite3")


WRITER = """
import asyncio, sys
from pathlib import Path
from storage.sqlite import SqliteStore
from tests.storage.test_store import conversation_work

async def main() -> None:
    store = await SqliteStore.open(Path(sys.argv[1]))
    print("ready", flush=True)
    sys.stdin.readline()
    try:
        await asyncio.gather(*(conversation_work(store, n) for n in range(1, 400, 2)))
    finally:
        await store.close()

asyncio.run(main())
"""


async def test_two_processes_on_one_file(db_path: Path) -> None:
    import sys

    here = await SqliteStore.open(db_path)
    other = await asyncio.create_subprocess_exec(
        sys.executable, "-c", WRITER, str(db_path), cwd=Path(__file__).resolve().parents[2],
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    try:
        assert other.stdin is not None and other.stdout is not None
        assert await asyncio.wait_for(other.stdout.readline(), 30) == b"ready\n"
        other.stdin.write(b"go\n")
        await other.stdin.drain()
        await asyncio.gather(*(conversation_work(here, n) for n in range(0, 400, 2)))
        _, stderr = await asyncio.wait_for(other.communicate(), 60)
        assert other.returncode == 0, stderr.decode()[-2000:]
        assert len(await here.renders_in_state("done")) == 400
    finally:
        if other.returncode is None:
            other.kill()
            await other.wait()
        await here.close()
