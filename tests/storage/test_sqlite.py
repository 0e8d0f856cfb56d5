"""SqliteStore against a real SQLite file in a temporary folder."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.errors import DiskFull, StoreError
from core.ports import Conversation, MediaRecord, RenderRecord, Store
from storage.sqlite import SqliteStore, migrations, split_statements, translate


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


def test_is_a_store() -> None:
    def takes(store: Store) -> None: ...

    takes(SqliteStore.__new__(SqliteStore))  # static check: mypy verifies the protocol


async def test_open_creates_folders_wal_and_version(db_path: Path, store: SqliteStore) -> None:
    assert db_path.exists()
    assert await store.user_version() == len(migrations()) == 3
    raw = sqlite3.connect(db_path)
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        raw.close()
    assert {"conversations", "drafts", "media", "renders", "named_values", "updates",
            "turns", "preferences"} <= tables


async def test_reopen_is_idempotent_and_keeps_everything(db_path: Path) -> None:
    s = await SqliteStore.open(db_path)
    await s.save_conversation(Conversation("telegram:1", "local", "s1", "zh"))
    await s.push_draft("s1", '{"v":1}')
    await s.push_draft("s1", '{"v":2}')
    await s.add_media(media("m1"))
    await s.save_render(render("r1", "running", progress=40.0))
    await s.set_value("nemo_token", "tok")
    assert await s.mark_update("telegram", "77")
    await s.close()

    s = await SqliteStore.open(db_path)  # a restart
    try:
        assert await s.user_version() == 3
        conv = await s.get_conversation("telegram:1")
        assert conv is not None and (conv.session_id, conv.language) == ("s1", "zh")
        assert await s.current_draft("s1") == '{"v":2}'
        assert await s.pop_draft("s1") == '{"v":1}'
        m1 = await s.get_media("m1")
        assert m1 is not None and m1 == media("m1", at=m1.created_at) and m1.created_at > 0
        running = await s.renders_in_state("running")
        assert [(r.id, r.progress) for r in running] == [("r1", 40.0)]
        assert await s.get_value("nemo_token") == "tok"
        assert not await s.mark_update("telegram", "77")
    finally:
        await s.close()


async def test_migration_from_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite3"
    path.touch()
    s = await SqliteStore.open(path)
    try:
        assert await s.user_version() == 3
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


async def test_conversation_save_replaces_and_keeps_created_at(db_path: Path) -> None:
    clock = Clock(100.0)
    s = await SqliteStore.open(db_path, clock=clock)
    try:
        assert await s.get_conversation("console:local") is None
        await s.save_conversation(Conversation("console:local", "local", "a"))
        clock.now = 200.0
        await s.save_conversation(Conversation("console:local", "nemo", "b", "zh"))
        got = await s.get_conversation("console:local")
        assert got == Conversation("console:local", "nemo", "b", "zh", 100.0, 200.0)
    finally:
        await s.close()


async def test_draft_history_push_pop(store: SqliteStore) -> None:
    assert await store.current_draft("s") is None
    assert await store.pop_draft("s") is None  # nothing at all
    await store.push_draft("s", "A")
    assert await store.pop_draft("s") is None  # nothing to undo to
    assert await store.current_draft("s") == "A"  # ... and the current version is kept
    await store.push_draft("s", "B")
    await store.push_draft("s", "C")
    await store.push_draft("other", "X")
    assert await store.current_draft("s") == "C"
    assert await store.pop_draft("s") == "B"
    assert await store.current_draft("s") == "B"
    await store.push_draft("s", "D")  # a new branch after undo
    assert await store.pop_draft("s") == "B"
    assert await store.pop_draft("s") == "A"
    assert await store.pop_draft("s") is None
    assert await store.current_draft("s") == "A"
    assert await store.current_draft("other") == "X"


async def test_draft_history_is_bounded(store: SqliteStore) -> None:
    from storage.sqlite import HISTORY_LIMIT

    for n in range(HISTORY_LIMIT + 5):
        await store.push_draft("s", str(n))
    undos = 0
    while await store.pop_draft("s") is not None:
        undos += 1
    assert undos == HISTORY_LIMIT - 1
    assert await store.current_draft("s") == "5"


async def test_media_newest_first_and_by_kind(store: SqliteStore) -> None:
    await store.add_media(media("v1", at=10))
    await store.add_media(media("a1", kind="audio", at=20))
    await store.add_media(media("v2", at=30))
    await store.add_media(media("v3", session="s2", at=40))
    assert [m.id for m in await store.list_media("s1")] == ["v2", "a1", "v1"]
    assert [m.id for m in await store.list_media("s1", "video")] == ["v2", "v1"]
    assert [m.id for m in await store.list_media("s1", "image")] == []
    assert await store.get_media("v2") == media("v2", at=30)
    assert await store.get_media("nope") is None


async def test_media_same_time_newest_inserted_first(store: SqliteStore) -> None:
    for mid in ("x", "y", "z"):
        await store.add_media(media(mid, at=5))
    assert [m.id for m in await store.list_media("s1")] == ["z", "y", "x"]


async def test_render_upsert_states_and_counts(db_path: Path) -> None:
    clock = Clock(1000.0)
    s = await SqliteStore.open(db_path, clock=clock)
    try:
        await s.save_render(render("r1"))
        clock.now = 1100.0
        await s.save_render(render("r2", person="telegram:2"))
        clock.now = 1200.0
        await s.save_render(render("r3", "running"))
        clock.now = 1300.0
        r1 = await s.get_render("r1")
        assert r1 is not None and r1.created_at == 1000.0
        await s.save_render(dataclasses.replace(r1, state="done", progress=100.0,
                                                output_path="renders/r1.mp4", updated_at=0.0))
        r1b = await s.get_render("r1")
        assert r1b is not None
        assert (r1b.state, r1b.output_path, r1b.created_at, r1b.updated_at) == (
            "done", "renders/r1.mp4", 1000.0, 1300.0)
        assert [r.id for r in await s.renders_in_state("queued", "running")] == ["r2", "r3"]
        assert [r.id for r in await s.renders_in_state("done")] == ["r1"]
        assert await s.renders_in_state() == []
        assert await s.count_renders("telegram:1", since=0) == 2
        assert await s.count_renders("telegram:1", since=1000.0) == 2
        assert await s.count_renders("telegram:1", since=1000.1) == 1
        assert await s.count_renders("telegram:2", since=1100.0) == 1
        assert await s.count_renders("nobody", since=0) == 0
        assert await s.get_render("nope") is None
    finally:
        await s.close()


async def test_bad_render_state_is_a_store_error(store: SqliteStore) -> None:
    with pytest.raises(StoreError):
        await store.save_render(render("r", "exploded"))


async def test_mark_update_is_idempotent(store: SqliteStore) -> None:
    assert await store.mark_update("telegram", "1") is True
    assert await store.mark_update("telegram", "1") is False
    assert await store.mark_update("telegram", "1") is False
    assert await store.mark_update("discord", "1") is True
    results = await asyncio.gather(*(store.mark_update("telegram", "2") for _ in range(20)))
    assert results.count(True) == 1


async def test_forget_updates(db_path: Path) -> None:
    clock = Clock(10.0)
    s = await SqliteStore.open(db_path, clock=clock)
    try:
        await s.mark_update("t", "old")
        clock.now = 100.0
        await s.mark_update("t", "new")
        assert await s.forget_updates(before=50.0) == 1
        assert await s.mark_update("t", "old") is True
        assert await s.mark_update("t", "new") is False
    finally:
        await s.close()


async def test_values(store: SqliteStore) -> None:
    assert await store.get_value("k") is None
    await store.set_value("k", "1")
    await store.set_value("k", "2")
    assert await store.get_value("k") == "2"


async def conversation_work(store: SqliteStore, n: int) -> None:
    session = f"s{n}"
    await store.save_conversation(Conversation(f"telegram:{n}", "local", session))
    assert await store.mark_update("telegram", str(n))
    await store.push_draft(session, f'{{"n":{n},"v":1}}')
    await store.add_media(media(f"m{n}", session=session))
    await store.push_draft(session, f'{{"n":{n},"v":2}}')
    await store.save_render(render(f"r{n}", person=f"telegram:{n}"))
    assert await store.pop_draft(session) == f'{{"n":{n},"v":1}}'
    await store.save_render(render(f"r{n}", "done", person=f"telegram:{n}"))


async def test_100_concurrent_conversations_never_locked(store: SqliteStore) -> None:
    await asyncio.gather(*(conversation_work(store, n) for n in range(100)))
    assert len(await store.renders_in_state("done")) == 100
    for n in (0, 57, 99):
        assert await store.current_draft(f"s{n}") == f'{{"n":{n},"v":1}}'


async def test_two_stores_on_one_file_write_concurrently(db_path: Path) -> None:
    first, second = await asyncio.gather(SqliteStore.open(db_path), SqliteStore.open(db_path))
    try:
        await asyncio.gather(
            *(conversation_work(first, n) for n in range(0, 100, 2)),
            *(conversation_work(second, n) for n in range(1, 100, 2)),
        )
        assert len(await first.renders_in_state("done")) == 100
        assert len(await second.renders_in_state("done")) == 100
        assert await first.current_draft("s1") == '{"n":1,"v":1}'
    finally:
        await first.close()
        await second.close()


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


async def test_closed_store_is_a_store_error(db_path: Path) -> None:
    s = await SqliteStore.open(db_path)
    await s.close()
    with pytest.raises(StoreError):
        await s.get_value("x")


async def test_unopenable_path_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "dir.sqlite3").mkdir()
    with pytest.raises(StoreError):
        await SqliteStore.open(tmp_path / "dir.sqlite3")


WRITER = """
import asyncio, sys
from pathlib import Path
from storage.sqlite import SqliteStore
from tests.storage.test_sqlite import conversation_work

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
