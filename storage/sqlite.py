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
from core.ports import (
    Conversation,
    MediaRecord,
    RenderRecord,
    RenderState,
    TurnRecord,
    TurnState,
)
from core.preferences import Preferences
from storage.liveness import FileBoots
from storage.shared import Exec, Rows, SharedLimits

T = TypeVar("T")

BUSY_TIMEOUT_SECONDS = 10.0
RETRY_DEADLINE_SECONDS = 60.0
HISTORY_LIMIT = 100
"""Draft versions kept per session; older ones can no longer be undone to."""

DISK_FULL_WORDS = (
    "The bot's storage is full right now, so I couldn't save that. Please try again later."
)

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


class SqliteStore(SharedLimits):
    """Everything `core` stores, in one SQLite file."""

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

    async def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        async def op(conn: aiosqlite.Connection) -> list[sqlite3.Row]:
            async with conn.execute(sql, params) as cursor:
                return list(await cursor.fetchall())

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

    # Conversations -------------------------------------------------------------------------

    async def get_conversation(self, key: str) -> Conversation | None:
        rows = await self._rows(
            "SELECT key, engine, session_id, language, created_at, updated_at "
            "FROM conversations WHERE key = ?", (key,))
        return Conversation(*rows[0]) if rows else None

    async def save_conversation(self, conversation: Conversation) -> None:
        """Insert or replace by key; a zero `created_at` keeps the stored one (or now)."""
        now = self._clock()
        c = conversation
        await self._write(
            "INSERT INTO conversations (key, engine, session_id, language, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET"
            " engine = excluded.engine, session_id = excluded.session_id,"
            " language = excluded.language, updated_at = excluded.updated_at,"
            " created_at = CASE WHEN ? > 0 THEN excluded.created_at"
            " ELSE conversations.created_at END",
            (c.key, c.engine, c.session_id, c.language, c.created_at or now,
             c.updated_at or now, c.created_at))

    # Drafts --------------------------------------------------------------------------------

    async def push_draft(self, session_id: str, draft_json: str) -> None:
        now = self._clock()

        async def op(conn: aiosqlite.Connection) -> None:
            async with _transaction(conn):
                await conn.execute(
                    "INSERT INTO drafts (session_id, draft_json, created_at) VALUES (?, ?, ?)",
                    (session_id, draft_json, now))
                await conn.execute(
                    "DELETE FROM drafts WHERE session_id = ? AND id NOT IN"
                    " (SELECT id FROM drafts WHERE session_id = ? ORDER BY id DESC LIMIT ?)",
                    (session_id, session_id, HISTORY_LIMIT))

        await self._run(op)

    async def current_draft(self, session_id: str) -> str | None:
        rows = await self._rows(
            "SELECT draft_json FROM drafts WHERE session_id = ? ORDER BY id DESC LIMIT 1",
            (session_id,))
        return str(rows[0][0]) if rows else None

    async def pop_draft(self, session_id: str) -> str | None:
        async def op(conn: aiosqlite.Connection) -> str | None:
            async with _transaction(conn):
                async with conn.execute(
                    "SELECT id, draft_json FROM drafts WHERE session_id = ?"
                    " ORDER BY id DESC LIMIT 2", (session_id,)) as cursor:
                    rows = list(await cursor.fetchall())
                if len(rows) < 2:
                    return None
                await conn.execute("DELETE FROM drafts WHERE id = ?", (rows[0][0],))
                return str(rows[1][1])

        return await self._run(op)

    # Media ---------------------------------------------------------------------------------

    async def add_media(self, record: MediaRecord) -> None:
        r = record
        await self._write(
            "INSERT OR REPLACE INTO media (id, session_id, kind, name, path, size, duration,"
            " width, height, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (r.id, r.session_id, r.kind, r.name, r.path, r.size, r.duration, r.width, r.height,
             r.created_at or self._clock()))

    async def get_media(self, media_id: str) -> MediaRecord | None:
        rows = await self._rows(f"{_SELECT_MEDIA} WHERE id = ?", (media_id,))
        return MediaRecord(*rows[0]) if rows else None

    async def list_media(self, session_id: str, kind: str | None = None) -> list[MediaRecord]:
        """Newest first; only one kind when `kind` is given."""
        where, params = ("session_id = ?", (session_id,)) if kind is None else (
            "session_id = ? AND kind = ?", (session_id, kind))
        rows = await self._rows(
            f"{_SELECT_MEDIA} WHERE {where} ORDER BY created_at DESC, rowid DESC", params)
        return [MediaRecord(*row) for row in rows]

    # Renders -------------------------------------------------------------------------------

    async def save_render(self, record: RenderRecord) -> None:
        """Insert or replace by id; a zero `created_at` keeps the stored one (or now), a zero
        `updated_at` becomes now."""
        now = self._clock()
        r = record
        await self._write(
            "INSERT INTO renders (id, conversation, person, session_id, engine, state, progress,"
            " remote_id, output_path, output_url, error, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET conversation = excluded.conversation,"
            " person = excluded.person, session_id = excluded.session_id,"
            " engine = excluded.engine, state = excluded.state, progress = excluded.progress,"
            " remote_id = excluded.remote_id, output_path = excluded.output_path,"
            " output_url = excluded.output_url, error = excluded.error,"
            " updated_at = excluded.updated_at,"
            " created_at = CASE WHEN ? > 0 THEN excluded.created_at ELSE renders.created_at END",
            (r.id, r.conversation, r.person, r.session_id, r.engine, r.state, r.progress,
             r.remote_id, r.output_path, r.output_url, r.error, r.created_at or now,
             r.updated_at or now, r.created_at))

    async def get_render(self, render_id: str) -> RenderRecord | None:
        rows = await self._rows(
            _SELECT_RENDERS + " WHERE id = ?", (render_id,))
        return _render(rows[0]) if rows else None

    async def renders_in_state(self, *states: RenderState) -> list[RenderRecord]:
        """Oldest first."""
        if not states:
            return []
        marks = ", ".join("?" for _ in states)
        rows = await self._rows(
            f"{_SELECT_RENDERS} WHERE state IN ({marks})"
            " ORDER BY created_at, rowid", states)
        return [_render(row) for row in rows]

    async def count_renders(self, person: str, since: float) -> int:
        rows = await self._rows(
            "SELECT count(*) FROM renders WHERE person = ? AND created_at >= ?", (person, since))
        return int(rows[0][0])

    # Values and updates --------------------------------------------------------------------

    async def get_value(self, name: str) -> str | None:
        rows = await self._rows("SELECT value FROM named_values WHERE name = ?", (name,))
        return str(rows[0][0]) if rows else None

    async def set_value(self, name: str, value: str) -> None:
        await self._write(
            "INSERT INTO named_values (name, value) VALUES (?, ?)"
            " ON CONFLICT (name) DO UPDATE SET value = excluded.value", (name, value))

    async def mark_update(self, platform: str, update_id: str) -> bool:
        changed = await self._write(
            "INSERT OR IGNORE INTO updates (platform, update_id, seen_at) VALUES (?, ?, ?)",
            (platform, update_id, self._clock()))
        return changed == 1

    async def forget_updates(self, before: float) -> int:
        """Drop update ids seen before a UNIX time (platforms stop re-delivering long before)."""
        return await self._write("DELETE FROM updates WHERE seen_at < ?", (before,))

    # The turn journal -----------------------------------------------------------------------

    async def start_turn(self, record: TurnRecord) -> None:
        now = self._clock()
        await self._write(
            "INSERT OR REPLACE INTO turns (id, conversation, person, boot, what, state,"
            " started_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (record.id, record.conversation, record.person, record.boot, record.what,
             record.state, record.started_at or now, now))

    async def finish_turn(self, turn_id: str, state: TurnState) -> None:
        await self._write("UPDATE turns SET state = ?, updated_at = ? WHERE id = ?",
                          (state, self._clock(), turn_id))

    async def turns_in_state(self, state: TurnState) -> list[TurnRecord]:
        rows = await self._rows(
            "SELECT id, conversation, person, boot, what, state, started_at, updated_at"
            " FROM turns WHERE state = ? ORDER BY started_at, id", (state,))
        return [TurnRecord(*row) for row in rows]

    async def forget_turns(self, before: float) -> int:
        return await self._write(
            "DELETE FROM turns WHERE state != 'running' AND started_at < ?", (before,))

    # Settings per person ---------------------------------------------------------------------

    async def get_preferences(self, person: str) -> Preferences:
        rows = await self._rows(
            "SELECT mood, level, fade_out, delivery, language FROM preferences WHERE person = ?",
            (person,))
        if not rows:
            return Preferences()
        mood, level, fade_out, delivery, language = rows[0]
        return Preferences(mood=mood, level=level, fade_out=bool(fade_out), delivery=delivery,
                           language=language)

    async def save_preferences(self, person: str, preferences: Preferences) -> None:
        p = preferences
        await self._write(
            "INSERT OR REPLACE INTO preferences (person, mood, level, fade_out, delivery,"
            " language, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (person, p.mood, p.level, int(p.fade_out), p.delivery, p.language, self._clock()))


_SELECT_MEDIA = (
    "SELECT id, session_id, kind, name, path, size, duration, width, height, created_at"
    " FROM media"
)
_SELECT_RENDERS = (
    "SELECT id, conversation, person, session_id, engine, state, progress, remote_id,"
    " output_path, output_url, error, created_at, updated_at FROM renders"
)


def _render(row: sqlite3.Row) -> RenderRecord:
    return RenderRecord(*row)


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
