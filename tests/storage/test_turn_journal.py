"""The turn journal (schema version 2) on both stores and in the memory fake, and the migration
of a version 1 file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from core.ports import Store, TurnRecord
from storage.sqlite import SqliteStore, migrations, split_statements
from tests.fakes.memory_store import MemoryStore


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def entry(tid: str, at: float, what: str = "receiving clip.mp4", boot: str = "b1") -> TurnRecord:
    return TurnRecord(id=tid, conversation="telegram:1", person="telegram:1", boot=boot,
                      what=what, started_at=at)


async def test_start_finish_list_and_forget(store: Store) -> None:
    """On SQLite and PostgreSQL (the conftest's `store`)."""
    await journal_checks(store)


async def test_the_memory_fake_keeps_the_journal_the_same_way() -> None:
    await journal_checks(MemoryStore())


async def journal_checks(store: Store) -> None:
    await store.start_turn(entry("t2", 20.0))
    await store.start_turn(entry("t1", 10.0, "editing"))
    await store.start_turn(entry("t3", 30.0))
    running = await store.turns_in_state("running")
    assert [(t.id, t.what, t.boot) for t in running] == [
        ("t1", "editing", "b1"), ("t2", "receiving clip.mp4", "b1"), ("t3", "receiving clip.mp4",
                                                                      "b1")]
    assert all(t.updated_at > 0 for t in running)
    await store.finish_turn("t1", "done")
    await store.finish_turn("t2", "interrupted")
    await store.finish_turn("nope", "done")  # unknown ids are ignored
    assert [t.id for t in await store.turns_in_state("running")] == ["t3"]
    assert [t.id for t in await store.turns_in_state("done")] == ["t1"]
    assert [t.id for t in await store.turns_in_state("interrupted")] == ["t2"]
    # Only finished turns are forgotten, and only old ones.
    assert await store.forget_turns(before=15.0) == 1
    assert await store.forget_turns(before=1e12) == 1
    assert [t.id for t in await store.turns_in_state("running")] == ["t3"]
    assert await store.turns_in_state("done") == []


async def test_sqlite_journal_survives_a_reopen(tmp_path: Path) -> None:
    clock = Clock(500.0)
    path = tmp_path / "db.sqlite3"
    s = await SqliteStore.open(path, clock=clock)
    await s.start_turn(entry("t1", 0.0))  # no start time: the store's clock
    await s.close()
    s = await SqliteStore.open(path, clock=clock)
    try:
        (t1,) = await s.turns_in_state("running")
        assert (t1.started_at, t1.updated_at, t1.state) == (500.0, 500.0, "running")
    finally:
        await s.close()


async def test_a_version_1_file_is_migrated_to_version_2(tmp_path: Path) -> None:
    path = tmp_path / "v1.sqlite3"
    raw = sqlite3.connect(path)
    for statement in split_statements(migrations()[0]):
        raw.execute(statement)
    raw.execute("PRAGMA user_version = 1")
    raw.execute("INSERT INTO named_values (name, value) VALUES ('link_secret', 'kept')")
    raw.execute("INSERT INTO renders (id, conversation, person, session_id, engine, state,"
                " created_at, updated_at) VALUES ('r1', 'telegram:1', 'telegram:1', 's1',"
                " 'local', 'running', 1, 1)")
    raw.commit()
    raw.close()
    s = await SqliteStore.open(path)
    try:
        assert await s.user_version() == len(migrations())
        assert await s.get_value("link_secret") == "kept"
        assert [r.id for r in await s.renders_in_state("running")] == ["r1"]
        assert await s.turns_in_state("running") == []
        await s.start_turn(entry("t1", 1.0))
        assert [t.id for t in await s.turns_in_state("running")] == ["t1"]
    finally:
        await s.close()
    raw = sqlite3.connect(path)
    try:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        with pytest.raises(sqlite3.IntegrityError):  # states are checked by the schema
            raw.execute("UPDATE turns SET state = 'lost'")
    finally:
        raw.close()
