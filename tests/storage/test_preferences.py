"""Settings per person in the stores (SQLite, PostgreSQL, the in-memory fake), and the
SQLite migration from version 2 that adds them without touching what was there."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.ports import Conversation, Store
from core.preferences import Preferences
from storage.postgres import PostgresStore
from storage.sqlite import SqliteStore, migrations, split_statements
from tests.fakes.memory_store import MemoryStore


@pytest.fixture(params=["sqlite", "postgres", "memory"])
async def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    store: Store
    if request.param == "sqlite":
        store = await SqliteStore.open(tmp_path / "db.sqlite3")
    elif request.param == "postgres":
        store = await PostgresStore.open(request.getfixturevalue("postgres").new_database())
    else:
        store = MemoryStore()
    yield store
    await store.close()


async def test_someone_new_has_every_default(any_store: Store) -> None:
    assert await any_store.get_preferences("telegram:1") == Preferences()


async def test_saved_settings_come_back_per_person(any_store: Store) -> None:
    mine = Preferences(mood="calm", level=0.3, fade_out=True, delivery="file", language="zh")
    await any_store.save_preferences("telegram:1", mine)
    await any_store.save_preferences("discord:2", Preferences(language="en"))
    assert await any_store.get_preferences("telegram:1") == mine
    assert await any_store.get_preferences("discord:2") == Preferences(language="en")
    back = Preferences(level=None, fade_out=False)
    await any_store.save_preferences("telegram:1", back)  # replaced, not merged
    assert await any_store.get_preferences("telegram:1") == back


async def test_settings_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    store = await SqliteStore.open(path)
    await store.save_preferences("console:local", Preferences(mood="cinematic", level=1.5))
    await store.close()
    store = await SqliteStore.open(path)
    try:
        got = await store.get_preferences("console:local")
        assert (got.mood, got.level, got.delivery) == ("cinematic", 1.5, "video")
    finally:
        await store.close()


async def test_a_version_2_file_is_migrated_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    raw = sqlite3.connect(path)
    for number, script in enumerate(migrations()[:2], start=1):
        for statement in split_statements(script):
            raw.execute(statement)
        raw.execute(f"PRAGMA user_version = {number}")
    raw.execute("INSERT INTO conversations (key, engine, session_id, language, created_at,"
                " updated_at) VALUES ('telegram:9', 'local', 's9', 'zh', 1, 1)")
    raw.commit()
    raw.close()
    store = await SqliteStore.open(path)
    try:
        assert await store.user_version() == len(migrations())
        assert await store.get_conversation("telegram:9") == Conversation(
            "telegram:9", "local", "s9", "zh", 1.0, 1.0)
        await store.save_preferences("telegram:9", Preferences(delivery="file"))
        assert (await store.get_preferences("telegram:9")).delivery == "file"
    finally:
        await store.close()


async def test_the_table_refuses_values_the_code_never_writes(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "db.sqlite3")
    await store.close()
    raw = sqlite3.connect(tmp_path / "db.sqlite3")
    try:
        with pytest.raises(sqlite3.IntegrityError):
            raw.execute("INSERT INTO preferences (person, delivery, updated_at)"
                        " VALUES ('x', 'carrier pigeon', 0)")
    finally:
        raw.close()
