"""The store tests run on both backends through one fixture, so SQLite and PostgreSQL cannot
drift: `opener` opens (and reopens) the same database, `store` is one opened store."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from storage.backend import OpenStore
from storage.postgres import PostgresStore
from storage.sqlite import SqliteStore
from tests.postgres import Postgres

Opener = Callable[..., Awaitable[OpenStore]]


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def opener(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Opener:
    """`await opener(clock=...)` opens the test's database (again, for a restart)."""
    if backend == "sqlite":
        path = tmp_path / "nested" / "folder" / "backtrack.sqlite3"

        async def open_sqlite(clock: Callable[[], float] = time.time) -> OpenStore:
            return await SqliteStore.open(path, clock=clock)

        return open_sqlite
    server: Postgres = request.getfixturevalue("postgres")
    url = server.new_database()

    async def open_postgres(clock: Callable[[], float] = time.time) -> OpenStore:
        return await PostgresStore.open(url, clock=clock)

    return open_postgres


@pytest.fixture
async def store(opener: Opener) -> AsyncIterator[OpenStore]:
    s = await opener()
    yield s
    await s.close()
