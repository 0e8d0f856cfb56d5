"""`core.ports.Store` on PostgreSQL (psycopg 3 async, a connection pool), for several processes.

Chosen with `BACKTRACK_DATABASE_URL=postgresql://…`. The tables are SQLite's, in the dialect of
PostgreSQL (`pg_N.sql`); versioned migrations run at start-up under an advisory lock, so bots
and workers starting together migrate once. A lost connection (a restarted or briefly stopped
server) is retried until a deadline on a fresh connection from the pool; only then does the
caller see a StoreError.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from importlib import resources
from typing import Any, TypeVar

import psycopg
from psycopg import errors as pg_errors
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from core.errors import DiskFull, StoreError
from storage.liveness import PgBoots
from storage.queries import DISK_FULL_WORDS, SharedQueries
from storage.shared import Exec, Rows

T = TypeVar("T")
Conn = psycopg.AsyncConnection[tuple[Any, ...]]

CONNECT_TIMEOUT_SECONDS = 10.0
RETRY_DEADLINE_SECONDS = 30.0
"""How long an operation keeps trying on a lost connection (a server restart takes seconds)."""
POOL_SIZE = 10
MIGRATION_LOCK = 0x6261636B  # "back": one advisory lock id for every Backtrack migration
MIGRATIONS = ("pg_1.sql", "pg_2.sql", "pg_3.sql", "pg_4.sql")


def migrations() -> list[str]:
    """The schema steps; step n (1-based) brings the database to version n."""
    folder = resources.files("storage")
    return [folder.joinpath(name).read_text(encoding="utf-8") for name in MIGRATIONS]


def _one_line(exc: BaseException) -> str:
    """libpq's messages run over several lines (a hint after the error); logs and start-up
    errors want one."""
    return " ".join(str(exc).split())


def translate(exc: psycopg.Error) -> Exception:
    """A psycopg error as one of ours: a full disk is the user's answer, the rest a StoreError."""
    if isinstance(exc, pg_errors.DiskFull):
        return DiskFull(DISK_FULL_WORDS)
    return StoreError(f"database error: {type(exc).__name__}: {_one_line(exc)}")


def lost(exc: BaseException) -> bool:
    """A broken or refused connection (worth another try), not a bad statement."""
    return isinstance(exc, psycopg.OperationalError | PoolTimeout) and not isinstance(
        exc, pg_errors.DiskFull | pg_errors.QueryCanceled)


def _marks(sql: str) -> bytes:
    """The shared queries' `?` marks as psycopg's `%s` (no query has a literal `?` or `%`)."""
    return sql.replace("?", "%s").encode()


async def connect(url: str) -> Conn:
    """One connection, for migrations and checks; an unreachable server is a StoreError."""
    try:
        return await psycopg.AsyncConnection.connect(
            url, autocommit=True, connect_timeout=int(CONNECT_TIMEOUT_SECONDS))
    except psycopg.Error as exc:
        raise StoreError(f"cannot reach the database: {_one_line(exc)}") from exc


class PostgresStore(SharedQueries):
    """Everything `core` stores, in one PostgreSQL database shared by every process (the
    queries: `storage.queries`, written with `?` marks, sent with psycopg's `%s`)."""

    _SEQ = "seq"

    def __init__(self, pool: AsyncConnectionPool[Conn], url: str,
                 clock: Callable[[], float] = time.time) -> None:
        self._pool = pool
        self._clock = clock
        self._boots = PgBoots(url)
        self.retry_deadline = RETRY_DEADLINE_SECONDS

    @classmethod
    async def open(cls, url: str, *, clock: Callable[[], float] = time.time,
                   pool_size: int = POOL_SIZE) -> PostgresStore:
        """Connect, migrate, and open the pool; an unreachable server is a StoreError."""
        conn = await connect(url)
        try:
            await migrate(conn)
        finally:
            await conn.close()
        pool: AsyncConnectionPool[Conn] = AsyncConnectionPool(
            url, min_size=1, max_size=pool_size, open=False, timeout=CONNECT_TIMEOUT_SECONDS,
            kwargs={"autocommit": True, "connect_timeout": int(CONNECT_TIMEOUT_SECONDS)},
            name="backtrack")
        try:
            await pool.open(wait=True, timeout=CONNECT_TIMEOUT_SECONDS)
        except PoolTimeout as exc:
            await pool.close()
            raise StoreError("cannot reach the database: the pool did not connect") from exc
        return cls(pool, url, clock)

    async def hold_boot(self, boot: str) -> None:
        try:
            await self._boots.hold(boot)
        except psycopg.Error as exc:
            raise translate(exc) from exc

    async def _alive(self, run: Exec, boots: set[str]) -> set[str]:
        return await self._boots.alive(run, boots)

    async def close(self) -> None:
        await self._boots.release()
        await self._pool.close()

    async def user_version(self) -> int:
        rows = await self._rows("SELECT coalesce(max(version), 0) FROM schema_migrations")
        return int(rows[0][0])

    # Plumbing ------------------------------------------------------------------------------

    async def run(self, op: Callable[[Conn], Awaitable[T]]) -> T:
        """Run one operation on a pooled connection; retry lost connections until a deadline;
        translate errors. `op` runs again from the start on a retry, so it is one statement or
        one transaction."""
        deadline = time.monotonic() + self.retry_deadline
        delay = 0.05
        while True:
            if self._pool.closed:
                raise StoreError("the database is not open")
            left = max(0.1, deadline - time.monotonic())
            try:
                async with self._pool.connection(timeout=left) as conn:
                    return await op(conn)
            except (psycopg.Error, PoolTimeout) as exc:
                if not lost(exc) or time.monotonic() > deadline:
                    raise translate(exc) from exc
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)

    async def _rows(self, sql: str, params: Sequence[Any] = ()) -> Rows:
        async def op(conn: Conn) -> Rows:
            cursor = await conn.execute(_marks(sql), params)
            return await cursor.fetchall()

        return await self.run(op)

    async def _write(self, sql: str, params: Sequence[Any] = ()) -> int:
        async def op(conn: Conn) -> int:
            cursor = await conn.execute(_marks(sql), params)
            return cursor.rowcount

        return await self.run(op)

    async def _atomic(self, lock: str, work: Callable[[Exec], Awaitable[T]]) -> T:
        """A transaction under an advisory lock named by `lock` (held until it ends)."""

        async def op(conn: Conn) -> T:
            async def run(sql: str, params: Sequence[Any]) -> Rows:
                cursor = await conn.execute(_marks(sql), params)
                return await cursor.fetchall() if cursor.description else []

            async with conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (lock,))
                return await work(run)

        return await self.run(op)


async def migrate(conn: Conn) -> int:
    """Bring the schema up to date in one transaction under an advisory lock (processes that
    start together wait for the first); returns the version now in place."""
    steps = migrations()
    try:
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
                " applied_at DOUBLE PRECISION NOT NULL)")
            cursor = await conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations")
            row = await cursor.fetchone()
            version = int(row[0]) if row else 0
            if version > len(steps):
                raise StoreError(
                    f"the database is at schema version {version}, newer than this Backtrack "
                    f"({len(steps)}); upgrade Backtrack or use another database")
            for number, script in enumerate(steps[version:], start=version + 1):
                await conn.execute(script.encode("utf-8"))  # several statements, no parameters
                await conn.execute(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (%s, %s)",
                    (number, time.time()))
    except psycopg.Error as exc:
        raise translate(exc) from exc
    return len(steps)
