"""Which processes (boot ids) are alive, told by locks the operating system or the database
drops the moment a process dies, so a conversation whose bot was killed is free at once.

- SQLite (one machine): each process holds an exclusive `flock` on `<database>.boots/<boot>`.
- PostgreSQL (any machine): each process holds a session advisory lock on its boot on a
  connection of its own; `pg_locks` shows who holds one. (If that connection drops, the
  process is taken for dead until it locks again on its next claim; its leases still lapse
  only when it stops renewing them.)
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from storage.shared import Exec

if TYPE_CHECKING:  # psycopg is the `postgres` extra: the SQLite default must import without it
    import psycopg

LOCK_CLASS = 0x6274  # "bt": the first half of every Backtrack boot lock's key


class FileBoots:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._held: dict[str, int] = {}
        # Two turns starting together both hold the boot: without this they would open the
        # file twice, and flock on the second descriptor waits for the first one forever.
        self._holding = asyncio.Lock()

    async def hold(self, boot: str) -> None:
        async with self._holding:
            if boot not in self._held:
                self._held[boot] = await asyncio.to_thread(self._lock, boot)

    def _lock(self, boot: str) -> int:
        self.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.folder / boot, os.O_CREAT | os.O_RDWR, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        return fd

    async def alive(self, boots: set[str]) -> set[str]:
        return await asyncio.to_thread(self._alive, boots)

    def _alive(self, boots: set[str]) -> set[str]:
        alive = set()
        for boot in boots:
            if boot in self._held:
                alive.add(boot)
                continue
            try:
                fd = os.open(self.folder / boot, os.O_RDWR)
            except FileNotFoundError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                alive.add(boot)
            else:  # its process is gone: tidy up after it
                with contextlib.suppress(OSError):
                    (self.folder / boot).unlink()
            finally:
                os.close(fd)
        return alive

    def release(self) -> None:
        for boot, fd in self._held.items():
            with contextlib.suppress(OSError):
                (self.folder / boot).unlink()
            os.close(fd)
        self._held.clear()


class PgBoots:
    def __init__(self, url: str) -> None:
        self.url = url
        self._conn: psycopg.AsyncConnection[Any] | None = None
        self._held: set[str] = set()
        # As for files: a second connection's advisory lock would wait for the first's forever.
        self._holding = asyncio.Lock()

    async def hold(self, boot: str) -> None:
        async with self._holding:
            await self._hold(boot)

    async def _hold(self, boot: str) -> None:
        if boot in self._held and self._conn is not None and not self._conn.closed:
            return
        if self._conn is None or self._conn.closed:
            import psycopg

            self._conn = await psycopg.AsyncConnection.connect(self.url, autocommit=True)
            self._held.clear()
        await self._conn.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", (LOCK_CLASS, boot))
        self._held.add(boot)

    async def alive(self, run: Exec, boots: set[str]) -> set[str]:
        rows = await run(
            "SELECT b FROM unnest(?::text[]) AS b WHERE EXISTS (SELECT 1 FROM pg_locks"
            " WHERE locktype = 'advisory' AND granted AND objsubid = 2 AND classid = ?"
            " AND objid::bigint = (hashtext(b)::bigint & 4294967295))",
            (sorted(boots), LOCK_CLASS))
        return {str(row[0]) for row in rows} | (boots & self._held)

    async def release(self) -> None:
        if self._conn is not None:
            await self._conn.close()
        self._held.clear()
