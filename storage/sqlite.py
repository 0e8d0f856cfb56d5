"""`core.ports.Store` on SQLite (aiosqlite): WAL, a busy timeout, migrations by `user_version`.

One connection per `SqliteStore`, serialised by an asyncio lock so a transaction's statements
are never interleaved with another coroutine's. Several stores (processes) may share one file:
writes take the write lock up front (`BEGIN IMMEDIATE`) and wait for it through the busy
timeout, and a busy answer that still slips through is retried until a deadline, so callers
never see "database is locked".
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from core.errors import DiskFull, StoreError
from storage.liveness import FileBoots
from storage.queries import DISK_FULL_WORDS, SharedQueries
from storage.shared import Exec, Rows

T = TypeVar("T")

BUSY_TIMEOUT_SECONDS = 10.0
RETRY_DEADLINE_SECONDS = 60.0

_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_FULL = 13


def migrations() -> list[str]:
    """The schema steps; step n (1-based) brings the file to `user_version` n."""
    folder = resources.files("storage")
    return [folder.joinpath(name).read_text(encoding="utf-8")
            for name in ("schema.sql", "schema_2.sql", "schema_3.sql",
                                 "schema_4.sql")]


def split_statements(script: str) -> list[str]:
    """Split a SQL script into statements (comments dropped), so a step can run in one
    transaction; `executescript` would commit on its own."""
    lines = [line for line in script.splitlines() if not line.lstrip().startswith("--")]
    statements: list[str] = []
    buf = ""
    for piece in "\n".join(lines).split(";"):
        buf += piece + ";"
        if sqlite3.complete_statement(buf):
            if buf.strip(" \t\r\n;"):
                statements.append(buf.strip())
            buf = ""
    if buf.strip(" \t\r\n;"):
        raise StoreError("schema script ends with an incomplete statement")
    return statements


def _code(exc: sqlite3.Error) -> int:
    return int(getattr(exc, "sqlite_errorcode", -1)) & 0xFF


def _is_busy(exc: sqlite3.Error) -> bool:
    if _code(exc) in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return True
    text = str(exc).lower()
    return "database is locked" in text or "database is busy" in text


def translate(exc: sqlite3.Error) -> Exception:
    """A sqlite3 error as one of ours: a full disk is the user's answer, the rest a StoreError."""
    if _code(exc) == _SQLITE_FULL or "database or disk is full" in str(exc).lower():
        return DiskFull(DISK_FULL_WORDS)
    return StoreError(f"database error: {exc}")


class SqliteStore(SharedQueries):
    """Everything `core` stores, in one SQLite file (the queries: `storage.queries`)."""

    _SEQ = "rowid"

    def __init__(self, conn: aiosqlite.Connection, clock: Callable[[], float],
                 boots: FileBoots) -> None:
        self._conn = conn
        self._clock = clock
        self._lock = asyncio.Lock()
        self._boots = boots

    @classmethod
    async def open(cls, path: Path, *, clock: Callable[[], float] = time.time) -> SqliteStore:
        """Open (creating folders and file) and bring the schema up to date."""
        try:
            await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the database folder {path.parent}: {exc}") from exc
        try:
            conn = await aiosqlite.connect(
                path, isolation_level=None, timeout=BUSY_TIMEOUT_SECONDS
            )
        except sqlite3.Error as exc:
            # aiosqlite stops its worker thread after a failed connect without waiting for it;
            # give it a moment while the loop still runs, or it reports into a closed loop.
            await asyncio.sleep(0.05)
            raise translate(exc) from exc
        store = cls(conn, clock, FileBoots(path.parent / f"{path.name}.boots"))
        try:
            await store._run(_configure)
            await store._run(_migrate)
        except BaseException:
            await conn.close()
            raise
        return store

    async def hold_boot(self, boot: str) -> None:
        await self._boots.hold(boot)

    async def _alive(self, run: Exec, boots: set[str]) -> set[str]:
        return await self._boots.alive(boots)

    async def close(self) -> None:
        self._boots.release()
        async with self._lock:
            with contextlib.suppress(sqlite3.Error, ValueError):
                await self._conn.close()

    async def user_version(self) -> int:
        return await self._run(_user_version)

    # Plumbing ------------------------------------------------------------------------------

    async def _run(self, op: Callable[[aiosqlite.Connection], Awaitable[T]]) -> T:
        """Run one operation alone on the connection; retry busy answers; translate errors."""
        deadline = time.monotonic() + RETRY_DEADLINE_SECONDS
        delay = 0.01
        while True:
            async with self._lock:
                try:
                    return await op(self._conn)
                except sqlite3.Error as exc:
                    if not _is_busy(exc) or time.monotonic() > deadline:
                        raise translate(exc) from exc
                except ValueError as exc:  # aiosqlite's answer once the connection is closed
                    raise StoreError(f"the database is not open: {exc}") from exc
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.5)

    async def _rows(self, sql: str, params: Sequence[Any] = ()) -> Rows:
        async def op(conn: aiosqlite.Connection) -> Rows:
            async with conn.execute(sql, params) as cursor:
                return [tuple(row) for row in await cursor.fetchall()]

        return await self._run(op)

    async def _write(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One statement in autocommit; returns the number of rows changed."""

        async def op(conn: aiosqlite.Connection) -> int:
            async with conn.execute(sql, params) as cursor:
                return cursor.rowcount

        return await self._run(op)

    async def _atomic(self, lock: str, work: Callable[[Exec], Awaitable[T]]) -> T:
        """BEGIN IMMEDIATE already serialises every writer of the file, whatever the lock."""

        async def op(conn: aiosqlite.Connection) -> T:
            async def run(sql: str, params: Sequence[Any]) -> Rows:
                async with conn.execute(sql, params) as cursor:
                    return [tuple(row) for row in await cursor.fetchall()]

            async with _transaction(conn):
                return await work(run)

        return await self._run(op)


@contextlib.asynccontextmanager
async def _transaction(conn: aiosqlite.Connection) -> AsyncIterator[None]:
    """A write transaction that takes the write lock up front, so it never deadlocks on an
    upgrade from a read lock (which SQLite answers with an immediate "database is locked")."""
    try:
        await conn.execute("BEGIN IMMEDIATE")
        yield
        await conn.execute("COMMIT")
    except BaseException:
        # Runs on cancellation too, even one that hit while BEGIN or COMMIT was still queued:
        # the connection's thread executes requests in order, so this ROLLBACK always comes
        # after the statements it undoes (and is a harmless error when nothing is open).
        with contextlib.suppress(sqlite3.Error):
            await conn.execute("ROLLBACK")
        raise


async def _configure(conn: aiosqlite.Connection) -> None:
    await conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
    await conn.execute("PRAGMA foreign_keys = ON")
    async with conn.execute("PRAGMA journal_mode = WAL") as cursor:
        await cursor.fetchall()
    await conn.execute("PRAGMA synchronous = NORMAL")


async def _user_version(conn: aiosqlite.Connection) -> int:
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def _migrate(conn: aiosqlite.Connection) -> None:
    steps = migrations()
    if await _user_version(conn) == len(steps):
        return
    async with _transaction(conn):
        # Read again under the write lock: another process may have migrated meanwhile.
        version = await _user_version(conn)
        if version > len(steps):
            raise StoreError(
                f"the database is at schema version {version}, newer than this Backtrack "
                f"({len(steps)}); upgrade Backtrack or use another database file")
        for number, script in enumerate(steps[version:], start=version + 1):
            for statement in split_statements(script):
                await conn.execute(statement)
            await conn.execute(f"PRAGMA user_version = {number}")
