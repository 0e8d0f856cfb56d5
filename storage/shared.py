"""`core.ports.LimitStore` once for both stores: a sliding-window rate limit and the turn
leases, written in the SQL SQLite and PostgreSQL share (`?` marks; PostgreSQL's store turns
them into `%s`). Each store supplies `_atomic`: one transaction, serialised per lock name."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
Rows = list[tuple[Any, ...]]
Exec = Callable[[str, Sequence[Any]], Awaitable[Rows]]
"""Runs one statement inside the transaction; the rows it returns (none for most writes)."""


class SharedLimits:
    """Mixed into `SqliteStore` and `PostgresStore`."""

    async def _atomic(self, lock: str, work: Callable[[Exec], Awaitable[T]]) -> T:
        """Run `work` in one transaction that no other `_atomic` with the same lock name (in
        any process) interleaves with."""
        raise NotImplementedError

    async def _alive(self, run: Exec, boots: set[str]) -> set[str]:
        """Which of these processes still run (`storage.liveness`)."""
        raise NotImplementedError

    async def hit_rate(self, key: str, limit: int, window: float, now: float) -> float:
        async def work(run: Exec) -> float:
            # Every key's expired events go too, so people who went quiet leave no rows.
            await run("DELETE FROM rate_events WHERE expires_at <= ?", (now,))
            rows = await run("SELECT count(*), min(at) FROM rate_events WHERE key = ?"
                             " AND at > ?", (key, now - window))
            count, oldest = rows[0]
            if int(count) >= limit:
                return float(oldest) + window - now
            await run("INSERT INTO rate_events (key, at, expires_at) VALUES (?, ?, ?)",
                      (key, now, now + window))
            return 0.0

        return await self._atomic(f"rate:{key}", work)

    async def claim_turn(self, conversation: str, turn_id: str, boot: str, label: str,
                         now: float, ttl: float) -> str | None:
        async def work(run: Exec) -> str | None:
            rows = await run("SELECT turn_id, label, expires_at, boot FROM turn_leases"
                             " WHERE conversation = ?", (conversation,))
            if (rows and rows[0][0] != turn_id and float(rows[0][2]) > now
                    and await self._alive(run, {str(rows[0][3])})):
                return str(rows[0][1])
            await run(
                "INSERT INTO turn_leases (conversation, turn_id, boot, label, expires_at, cancel)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (conversation) DO UPDATE SET"
                " turn_id = excluded.turn_id, boot = excluded.boot, label = excluded.label,"
                " expires_at = excluded.expires_at, cancel = excluded.cancel",
                (conversation, turn_id, boot, label, now + ttl, False))
            return None

        return await self._atomic(f"turn:{conversation}", work)

    async def renew_turn(self, conversation: str, turn_id: str, label: str, now: float,
                         ttl: float) -> bool | None:
        async def work(run: Exec) -> bool | None:
            rows = await run("UPDATE turn_leases SET expires_at = ?, label = ?"
                             " WHERE conversation = ? AND turn_id = ? RETURNING cancel",
                             (now + ttl, label, conversation, turn_id))
            return bool(rows[0][0]) if rows else None

        return await self._atomic(f"turn:{conversation}", work)

    async def release_turn(self, conversation: str, turn_id: str) -> None:
        async def work(run: Exec) -> None:
            await run("DELETE FROM turn_leases WHERE conversation = ? AND turn_id = ?",
                      (conversation, turn_id))

        await self._atomic(f"turn:{conversation}", work)

    async def request_cancel(self, conversation: str, now: float) -> str | None:
        async def work(run: Exec) -> str | None:
            rows = await run("UPDATE turn_leases SET cancel = ? WHERE conversation = ?"
                             " AND expires_at > ? RETURNING label, boot",
                             (True, conversation, now))
            if not rows or not await self._alive(run, {str(rows[0][1])}):
                return None
            return str(rows[0][0])

        return await self._atomic(f"turn:{conversation}", work)

    async def live_boots(self, now: float) -> set[str]:
        async def work(run: Exec) -> set[str]:
            rows = await run("SELECT DISTINCT boot FROM turn_leases WHERE expires_at > ?",
                             (now,))
            return await self._alive(run, {str(row[0]) for row in rows})

        return await self._atomic("leases", work)
