"""Every query of `core.ports.Store` once for both stores, in the SQL SQLite and PostgreSQL share
(`?` marks, upserts by `ON CONFLICT`), so the two backends cannot drift. Each store supplies
the plumbing: `_rows` (one statement, its rows), `_write` (one statement, rows changed),
`_atomic` (from `SharedLimits`: one transaction), `_clock`, and `_SEQ`, the column that orders
rows inserted in the same second (SQLite's `rowid`, PostgreSQL's identity column `seq`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from core.ports import (
    Conversation,
    MediaRecord,
    RenderRecord,
    RenderState,
    TurnRecord,
    TurnState,
)
from core.preferences import Preferences
from storage.shared import Exec, Rows, SharedLimits

HISTORY_LIMIT = 100
"""Draft versions kept per session; older ones can no longer be undone to."""

DISK_FULL_WORDS = (
    "The bot's storage is full right now, so I couldn't save that. Please try again later."
)

_SELECT_MEDIA = (
    "SELECT id, session_id, kind, name, path, size, duration, width, height, created_at"
    " FROM media"
)
_SELECT_RENDERS = (
    "SELECT id, conversation, person, session_id, engine, state, progress, remote_id,"
    " output_path, output_url, error, created_at, updated_at FROM renders"
)
_SELECT_TURNS = (
    "SELECT id, conversation, person, boot, what, state, started_at, updated_at FROM turns"
)


class SharedQueries(SharedLimits):
    """Mixed into `SqliteStore` and `PostgresStore`."""

    _SEQ: str
    _clock: Callable[[], float]

    async def _rows(self, sql: str, params: Sequence[Any] = ()) -> Rows:
        raise NotImplementedError

    async def _write(self, sql: str, params: Sequence[Any] = ()) -> int:
        raise NotImplementedError

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

        async def work(run: Exec) -> None:
            await run("INSERT INTO drafts (session_id, draft_json, created_at) VALUES (?, ?, ?)",
                      (session_id, draft_json, now))
            await run("DELETE FROM drafts WHERE session_id = ? AND id NOT IN"
                      " (SELECT id FROM drafts WHERE session_id = ? ORDER BY id DESC LIMIT ?)",
                      (session_id, session_id, HISTORY_LIMIT))

        await self._atomic(f"drafts:{session_id}", work)

    async def current_draft(self, session_id: str) -> str | None:
        rows = await self._rows(
            "SELECT draft_json FROM drafts WHERE session_id = ? ORDER BY id DESC LIMIT 1",
            (session_id,))
        return str(rows[0][0]) if rows else None

    async def pop_draft(self, session_id: str) -> str | None:
        async def work(run: Exec) -> str | None:
            rows = await run("SELECT id, draft_json FROM drafts WHERE session_id = ?"
                             " ORDER BY id DESC LIMIT 2", (session_id,))
            if len(rows) < 2:
                return None
            await run("DELETE FROM drafts WHERE id = ?", (rows[0][0],))
            return str(rows[1][1])

        return await self._atomic(f"drafts:{session_id}", work)

    # Media ---------------------------------------------------------------------------------

    async def add_media(self, record: MediaRecord) -> None:
        r = record
        await self._write(
            "INSERT INTO media (id, session_id, kind, name, path, size, duration, width, height,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET session_id = excluded.session_id,"
            " kind = excluded.kind, name = excluded.name, path = excluded.path,"
            " size = excluded.size, duration = excluded.duration, width = excluded.width,"
            " height = excluded.height, created_at = excluded.created_at",
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
            f"{_SELECT_MEDIA} WHERE {where} ORDER BY created_at DESC, {self._SEQ} DESC", params)
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
        rows = await self._rows(f"{_SELECT_RENDERS} WHERE id = ?", (render_id,))
        return RenderRecord(*rows[0]) if rows else None

    async def renders_in_state(self, *states: RenderState) -> list[RenderRecord]:
        """Oldest first."""
        if not states:
            return []
        marks = ", ".join("?" for _ in states)
        rows = await self._rows(
            f"{_SELECT_RENDERS} WHERE state IN ({marks}) ORDER BY created_at, {self._SEQ}",
            states)
        return [RenderRecord(*row) for row in rows]

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
            "INSERT INTO updates (platform, update_id, seen_at) VALUES (?, ?, ?)"
            " ON CONFLICT DO NOTHING", (platform, update_id, self._clock()))
        return changed == 1

    async def forget_updates(self, before: float) -> int:
        """Drop update ids seen before a UNIX time (platforms stop re-delivering long before)."""
        return await self._write("DELETE FROM updates WHERE seen_at < ?", (before,))

    # The turn journal -----------------------------------------------------------------------

    async def start_turn(self, record: TurnRecord) -> None:
        now = self._clock()
        await self._write(
            "INSERT INTO turns (id, conversation, person, boot, what, state, started_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET conversation = excluded.conversation,"
            " person = excluded.person, boot = excluded.boot, what = excluded.what,"
            " state = excluded.state, started_at = excluded.started_at,"
            " updated_at = excluded.updated_at",
            (record.id, record.conversation, record.person, record.boot, record.what,
             record.state, record.started_at or now, now))

    async def finish_turn(self, turn_id: str, state: TurnState) -> None:
        await self._write("UPDATE turns SET state = ?, updated_at = ? WHERE id = ?",
                          (state, self._clock(), turn_id))

    async def turns_in_state(self, state: TurnState) -> list[TurnRecord]:
        rows = await self._rows(f"{_SELECT_TURNS} WHERE state = ? ORDER BY started_at, id",
                                (state,))
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
            "INSERT INTO preferences (person, mood, level, fade_out, delivery, language,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (person) DO UPDATE SET"
            " mood = excluded.mood, level = excluded.level, fade_out = excluded.fade_out,"
            " delivery = excluded.delivery, language = excluded.language,"
            " updated_at = excluded.updated_at",
            (person, p.mood, p.level, p.fade_out, p.delivery, p.language, self._clock()))
