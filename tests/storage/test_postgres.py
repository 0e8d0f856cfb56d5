"""What only PostgreSQL has: versioned migrations in a table, an unreachable server named by
its setting, reconnecting after the server was stopped."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import psycopg
import pytest

from bots import doctor
from bots.cli import main
from core.config import Settings, load_settings
from core.errors import ConfigError, StoreError
from storage.backend import open_store
from storage.postgres import PostgresStore, migrations
from tests.postgres import Postgres


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def settings(tmp_path: Path, url: str) -> Settings:
    return Settings(_env_file=None, BACKTRACK_DATA_DIR=tmp_path,  # type: ignore[call-arg]
                    BACKTRACK_DATABASE_URL=url)


async def test_migrations_are_recorded_and_run_once(postgres: Postgres) -> None:
    url = postgres.new_database()
    stores = await asyncio.gather(*(PostgresStore.open(url) for _ in range(4)))  # start together
    try:
        assert [await s.user_version() for s in stores] == [len(migrations())] * 4
    finally:
        for s in stores:
            await s.close()
    with psycopg.connect(url) as conn:
        versions = [row[0] for row in conn.execute(
            b"SELECT version FROM schema_migrations ORDER BY version")]
        tables = {row[0] for row in conn.execute(
            b"SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert versions == [1, 2, 3, 4]
    assert {"conversations", "drafts", "media", "renders", "named_values", "updates",
            "turns", "preferences", "rate_events", "turn_leases"} <= tables


async def test_newer_schema_is_refused_with_words(postgres: Postgres) -> None:
    url = postgres.new_database()
    (await PostgresStore.open(url)).__class__  # noqa: B018 - migrate, then pretend a future one
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(b"INSERT INTO schema_migrations VALUES (99, 0)")
    with pytest.raises(StoreError, match="newer than this Backtrack"):
        await PostgresStore.open(url)


async def test_unreachable_server_names_the_setting_not_the_password(tmp_path: Path) -> None:
    url = f"postgresql://bt:VerySecretPassw0rd@127.0.0.1:{closed_port()}/backtrack"
    with pytest.raises(ConfigError) as info:
        await open_store(settings(tmp_path, url))
    words = str(info.value)
    assert words.startswith("BACKTRACK_DATABASE_URL: PostgreSQL 127.0.0.1:")
    assert "cannot reach the database" in words
    assert "VerySecretPassw0rd" not in words and "\n" not in words


def test_a_url_that_is_not_postgres_is_a_bad_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKTRACK_DATABASE_URL", "mysql://x:pw@host/db")
    with pytest.raises(ConfigError, match=r"BACKTRACK_DATABASE_URL: .*postgresql://"):
        load_settings(_env_file=None)


def test_run_with_an_unreachable_database_stops_with_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BACKTRACK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BACKTRACK_LINK_PUBLIC_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("BACKTRACK_LINK_PORT", "0")
    monkeypatch.setenv("BACKTRACK_DATABASE_URL",
                       f"postgresql://bt:VerySecretPassw0rd@127.0.0.1:{closed_port()}/bt")
    assert main(["run"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("BACKTRACK_DATABASE_URL:"), err
    assert "VerySecretPassw0rd" not in err[0]


async def test_doctor_checks_the_database_and_its_migrations(
        tmp_path: Path, postgres: Postgres) -> None:
    check = await doctor.check_store(settings(tmp_path, postgres.new_database()))
    assert check.level == "OK", check
    assert check.detail.startswith("PostgreSQL local socket/")
    assert f"schema version {len(migrations())}, migrations applied" in check.detail
    bad = await doctor.check_store(
        settings(tmp_path, f"postgresql://x@127.0.0.1:{closed_port()}/bt"))
    assert bad.level == "FAIL" and "BACKTRACK_DATABASE_URL" in bad.detail


async def test_a_stopped_server_is_waited_for_then_everything_is_kept(
        postgres: Postgres) -> None:
    """The server goes away for about a second mid-use: the next write waits on a fresh
    connection instead of failing, and nothing written before is lost."""
    url = postgres.new_database()
    store = await PostgresStore.open(url)
    try:
        await store.set_value("before", "1")
        await asyncio.to_thread(postgres.stop)
        write = asyncio.create_task(store.set_value("during", "2"))
        await asyncio.sleep(0.5)
        assert not write.done()
        await asyncio.to_thread(postgres.start)
        await asyncio.wait_for(write, 20)
        assert await store.get_value("before") == "1"
        assert await store.get_value("during") == "2"
    finally:
        await store.close()


async def test_a_server_that_stays_away_is_a_store_error(postgres: Postgres) -> None:
    url = postgres.new_database()
    store = await PostgresStore.open(url)
    store.retry_deadline = 0.5
    try:
        await asyncio.to_thread(postgres.stop)
        with pytest.raises(StoreError):
            await store.get_value("x")
    finally:
        await asyncio.to_thread(postgres.start)
        await store.close()
    reopened = await PostgresStore.open(url)  # and it is all there again
    await reopened.close()
