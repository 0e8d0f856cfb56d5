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
from core.ports import (
    Conversation,
    MediaRecord,
    RenderRecord,
    RenderState,
    TurnRecord,
    TurnState,
)
from core.preferences import Preferences
from storage.liveness import PgBoots
from storage.shared import Exec, Rows, SharedLimits
from storage.sqlite import DISK_FULL_WORDS, HISTORY_LIMIT

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


def _lost(exc: psycopg.Error) -> bool:
    """A broken or refused connection (worth another try), not a bad statement."""
    return isinstance(exc, psycopg.OperationalError | PoolTimeout) and not isinstance(
        exc, pg_errors.DiskFull | pg_errors.QueryCanceled)


async def connect(url: str) -> Conn:
    """One connection, for migrations and checks; an unreachable server is a StoreError."""
    try:
        return await psycopg.AsyncConnection.connect(
            url, autocommit=True, connect_timeout=int(CONNECT_TIMEOUT_SECONDS))
    except psycopg.Error as exc:
        raise StoreError(f"cannot reach the database: {_one_line(exc)}") from exc


class PostgresStore(SharedLimits):
    """Everything `core` stores, in one PostgreSQL database shared by every process."""

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
                if not _lost(exc) or time.monotonic() > deadline:
                    raise translate(exc) from exc
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)

    async def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        async def op(conn: Conn) -> list[tuple[Any, ...]]:
            cursor = await conn.execute(sql, params)
            return await cursor.fetchall()

        return await self.run(op)

    async def _write(self, sql: str, params: Sequence[Any] = ()) -> int:
        async def op(conn: Conn) -> int:
            cursor = await conn.execute(sql, params)
            return cursor.rowcount

        return await self.run(op)

    async def _atomic(self, lock: str, work: Callable[[Exec], Awaitable[T]]) -> T:
        """A transaction under an advisory lock named by `lock` (held until it ends)."""

        async def op(conn: Conn) -> T:
            async def run(sql: str, params: Sequence[Any]) -> Rows:
                cursor = await conn.execute(sql.replace("?", "%s").encode(), params)
                return await cursor.fetchall() if cursor.description else []

            async with conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (lock,))
                return await work(run)

        return await self.run(op)

    # Conversations -------------------------------------------------------------------------

    async def get_conversation(self, key: str) -> Conversation | None:
        rows = await self._rows(
            "SELECT key, engine, session_id, language, created_at, updated_at "
            "FROM conversations WHERE key = %s", (key,))
        return Conversation(*rows[0]) if rows else None

    async def save_conversation(self, conversation: Conversation) -> None:
        """Insert or replace by key; a zero `created_at` keeps the stored one (or now)."""
        now = self._clock()
        c = conversation
        await self._write(
            "INSERT INTO conversations (key, engine, session_id, language, created_at, updated_at)"
            " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (key) DO UPDATE SET"
            " engine = excluded.engine, session_id = excluded.session_id,"
            " language = excluded.language, updated_at = excluded.updated_at,"
            " created_at = CASE WHEN %s > 0 THEN excluded.created_at"
            " ELSE conversations.created_at END",
            (c.key, c.engine, c.session_id, c.language, c.created_at or now,
             c.updated_at or now, c.created_at))

    # Drafts --------------------------------------------------------------------------------

    async def push_draft(self, session_id: str, draft_json: str) -> None:
        now = self._clock()

        async def op(conn: Conn) -> None:
            async with conn.transaction():
                await conn.execute(
                    "INSERT INTO drafts (session_id, draft_json, created_at) VALUES (%s, %s, %s)",
                    (session_id, draft_json, now))
                await conn.execute(
                    "DELETE FROM drafts WHERE session_id = %s AND id NOT IN"
                    " (SELECT id FROM drafts WHERE session_id = %s ORDER BY id DESC LIMIT %s)",
                    (session_id, session_id, HISTORY_LIMIT))

        await self.run(op)

    async def current_draft(self, session_id: str) -> str | None:
        rows = await self._rows(
            "SELECT draft_json FROM drafts WHERE session_id = %s ORDER BY id DESC LIMIT 1",
            (session_id,))
        return str(rows[0][0]) if rows else None

    async def pop_draft(self, session_id: str) -> str | None:
        async def op(conn: Conn) -> str | None:
            async with conn.transaction():
                cursor = await conn.execute(
                    "SELECT id, draft_json FROM drafts WHERE session_id = %s"
                    " ORDER BY id DESC LIMIT 2 FOR UPDATE", (session_id,))
                rows = await cursor.fetchall()
                if len(rows) < 2:
                    return None
                await conn.execute("DELETE FROM drafts WHERE id = %s", (rows[0][0],))
                return str(rows[1][1])

        return await self.run(op)

    # Media ---------------------------------------------------------------------------------

    async def add_media(self, record: MediaRecord) -> None:
        r = record
        await self._write(
            "INSERT INTO media (id, session_id, kind, name, path, size, duration, width, height,"
            " created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (id) DO UPDATE SET session_id = excluded.session_id,"
            " kind = excluded.kind, name = excluded.name, path = excluded.path,"
            " size = excluded.size, duration = excluded.duration, width = excluded.width,"
            " height = excluded.height, created_at = excluded.created_at",
            (r.id, r.session_id, r.kind, r.name, r.path, r.size, r.duration, r.width, r.height,
             r.created_at or self._clock()))

    async def get_media(self, media_id: str) -> MediaRecord | None:
        rows = await self._rows(f"{_SELECT_MEDIA} WHERE id = %s", (media_id,))
        return MediaRecord(*rows[0]) if rows else None

    async def list_media(self, session_id: str, kind: str | None = None) -> list[MediaRecord]:
        """Newest first; only one kind when `kind` is given."""
        where, params = ("session_id = %s", (session_id,)) if kind is None else (
            "session_id = %s AND kind = %s", (session_id, kind))
        rows = await self._rows(
            f"{_SELECT_MEDIA} WHERE {where} ORDER BY created_at DESC, seq DESC", params)
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
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (id) DO UPDATE SET conversation = excluded.conversation,"
            " person = excluded.person, session_id = excluded.session_id,"
            " engine = excluded.engine, state = excluded.state, progress = excluded.progress,"
            " remote_id = excluded.remote_id, output_path = excluded.output_path,"
            " output_url = excluded.output_url, error = excluded.error,"
            " updated_at = excluded.updated_at,"
            " created_at = CASE WHEN %s > 0 THEN excluded.created_at ELSE renders.created_at END",
            (r.id, r.conversation, r.person, r.session_id, r.engine, r.state, r.progress,
             r.remote_id, r.output_path, r.output_url, r.error, r.created_at or now,
             r.updated_at or now, r.created_at))

    async def get_render(self, render_id: str) -> RenderRecord | None:
        rows = await self._rows(f"{_SELECT_RENDERS} WHERE id = %s", (render_id,))
        return RenderRecord(*rows[0]) if rows else None

    async def renders_in_state(self, *states: RenderState) -> list[RenderRecord]:
        """Oldest first."""
        if not states:
            return []
        rows = await self._rows(
            f"{_SELECT_RENDERS} WHERE state = ANY(%s) ORDER BY created_at, seq", (list(states),))
        return [RenderRecord(*row) for row in rows]

    async def count_renders(self, person: str, since: float) -> int:
        rows = await self._rows(
            "SELECT count(*) FROM renders WHERE person = %s AND created_at >= %s",
            (person, since))
        return int(rows[0][0])

    # Values and updates --------------------------------------------------------------------

    async def get_value(self, name: str) -> str | None:
        rows = await self._rows("SELECT value FROM named_values WHERE name = %s", (name,))
        return str(rows[0][0]) if rows else None

    async def set_value(self, name: str, value: str) -> None:
        await self._write(
            "INSERT INTO named_values (name, value) VALUES (%s, %s)"
            " ON CONFLICT (name) DO UPDATE SET value = excluded.value", (name, value))

    async def mark_update(self, platform: str, update_id: str) -> bool:
        changed = await self._write(
            "INSERT INTO updates (platform, update_id, seen_at) VALUES (%s, %s, %s)"
            " ON CONFLICT DO NOTHING", (platform, update_id, self._clock()))
        return changed == 1

    async def forget_updates(self, before: float) -> int:
        """Drop update ids seen before a UNIX time (platforms stop re-delivering long before)."""
        return await self._write("DELETE FROM updates WHERE seen_at < %s", (before,))

    # The turn journal -----------------------------------------------------------------------

    async def start_turn(self, record: TurnRecord) -> None:
        now = self._clock()
        await self._write(
            "INSERT INTO turns (id, conversation, person, boot, what, state, started_at,"
            " updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (id) DO UPDATE SET conversation = excluded.conversation,"
            " person = excluded.person, boot = excluded.boot, what = excluded.what,"
            " state = excluded.state, started_at = excluded.started_at,"
            " updated_at = excluded.updated_at",
            (record.id, record.conversation, record.person, record.boot, record.what,
             record.state, record.started_at or now, now))

    async def finish_turn(self, turn_id: str, state: TurnState) -> None:
        await self._write("UPDATE turns SET state = %s, updated_at = %s WHERE id = %s",
                          (state, self._clock(), turn_id))

    async def turns_in_state(self, state: TurnState) -> list[TurnRecord]:
        rows = await self._rows(
            "SELECT id, conversation, person, boot, what, state, started_at, updated_at"
            " FROM turns WHERE state = %s ORDER BY started_at, id", (state,))
        return [TurnRecord(*row) for row in rows]

    async def forget_turns(self, before: float) -> int:
        return await self._write(
            "DELETE FROM turns WHERE state != 'running' AND started_at < %s", (before,))

    # Settings per person ---------------------------------------------------------------------

    async def get_preferences(self, person: str) -> Preferences:
        rows = await self._rows(
            "SELECT mood, level, fade_out, delivery, language FROM preferences"
            " WHERE person = %s", (person,))
        if not rows:
            return Preferences()
        mood, level, fade_out, delivery, language = rows[0]
        return Preferences(mood=mood, level=level, fade_out=bool(fade_out), delivery=delivery,
                           language=language)

    async def save_preferences(self, person: str, preferences: Preferences) -> None:
        p = preferences
        await self._write(
            "INSERT INTO preferences (person, mood, level, fade_out, delivery, language,"
            " updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (person) DO UPDATE SET"
            " mood = excluded.mood, level = excluded.level, fade_out = excluded.fade_out,"
            " delivery = excluded.delivery, language = excluded.language,"
            " updated_at = excluded.updated_at",
            (person, p.mood, p.level, p.fade_out, p.delivery, p.language, self._clock()))


_SELECT_MEDIA = (
    "SELECT id, session_id, kind, name, path, size, duration, width, height, created_at"
    " FROM media"
)
_SELECT_RENDERS = (
    "SELECT id, conversation, person, session_id, engine, state, progress, remote_id,"
    " output_path, output_url, error, created_at, updated_at FROM renders"
)


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
