"""Real `backtrack run`, `backtrack chat` and `backtrack worker` processes on one store (the data
folder's SQLite file, or a PostgreSQL database), talking to the fake Telegram Bot API in the
test's own event loop. Logs go to files (an unread pipe can block a process) and are shown when
something does not happen in time."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

import psycopg

from tests.fakes.telegram_api import TOKEN, FakeTelegram

ROOT = Path(__file__).resolve().parents[2]
QUERY = "SELECT id, state, conversation FROM renders ORDER BY created_at"


class Site:
    """One store shared by every process started here; `url` None means SQLite."""

    def __init__(self, tmp_path: Path, fake: FakeTelegram, url: str | None) -> None:
        self.tmp_path, self.fake, self.url = tmp_path, fake, url
        self.processes: list[asyncio.subprocess.Process] = []
        self._logs = 0

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("BACKTRACK_", "TELEGRAM_", "DISCORD_", "NEMO_"))}
        env.update(PYTHONPATH=str(ROOT), BACKTRACK_DATA_DIR=str(self.tmp_path / "data"),
                   TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=self.fake.api_url,
                   TELEGRAM_FILE_URL=self.fake.file_url)
        if self.url is not None:
            env["BACKTRACK_DATABASE_URL"] = self.url
        return env

    async def start(self, *argv: str, stdin: bool = False) -> asyncio.subprocess.Process:
        self._logs += 1
        log = self.tmp_path / f"{self._logs:02d}-{argv[0]}.log"
        with log.open("w") as sink:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bots.cli", *argv, cwd=self.tmp_path, env=self.env(),
                stdin=asyncio.subprocess.PIPE if stdin else asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE if stdin else asyncio.subprocess.DEVNULL,
                stderr=sink, start_new_session=True)
        self.processes.append(process)
        return process

    async def bot(self) -> asyncio.subprocess.Process:
        return await self.start("run")

    async def worker(self, concurrency: int = 1) -> asyncio.subprocess.Process:
        return await self.start("worker", "--concurrency", str(concurrency))

    async def chat(self, lines: str = "", *, end: bool = True) -> asyncio.subprocess.Process:
        """`backtrack chat` given these lines, then (when `end`) the end of its input."""
        process = await self.start("chat", stdin=True)
        await self.say(process, lines, end=end)
        return process

    @staticmethod
    async def say(process: asyncio.subprocess.Process, lines: str, *, end: bool = True) -> None:
        assert process.stdin is not None
        process.stdin.write(lines.encode())
        await process.stdin.drain()
        if end:
            process.stdin.close()

    def logs(self) -> str:
        return "".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}\n"
                       for p in sorted(self.tmp_path.glob("*.log")))

    def renders(self) -> list[tuple[str, str, str]]:
        """(id, state, conversation) of every render in the store, oldest first."""
        if self.url is not None:
            with psycopg.connect(self.url, autocommit=True) as conn:
                ready = conn.execute(b"SELECT to_regclass('renders')").fetchone()
                if not ready or ready[0] is None:
                    return []
                rows = conn.execute(QUERY.encode()).fetchall()
                return [(str(r[0]), str(r[1]), str(r[2])) for r in rows]
        db = self.tmp_path / "data" / "backtrack.sqlite3"
        if not db.exists():
            return []
        with contextlib.closing(sqlite3.connect(db)) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            try:
                return [(str(r[0]), str(r[1]), str(r[2])) for r in conn.execute(QUERY)]
            except sqlite3.OperationalError:  # the schema is being created
                return []

    async def until(self, condition: Callable[[], object], timeout: float, what: str) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not condition():
            if loop.time() > deadline:
                raise AssertionError(f"{what}\nrenders: {self.renders()}\n{self.logs()}")
            await asyncio.sleep(0.05)

    async def finish(self, process: asyncio.subprocess.Process, timeout: float,
                     what: str) -> str:
        """Its output once it ends by itself within `timeout`."""
        try:
            out, _ = await asyncio.wait_for(process.communicate(), timeout)
        except TimeoutError:
            raise AssertionError(f"{what} did not end in {timeout:g} s (hung?)\n"
                                 f"renders: {self.renders()}\n{self.logs()}") from None
        return (out or b"").decode(errors="replace")

    async def stop(self, process: asyncio.subprocess.Process, *, hurry: bool = False) -> int:
        """SIGTERM, as an operator stops it (`hurry`: twice, which skips the renders' grace
        period); its exit code."""
        if process.returncode is None:
            os.killpg(process.pid, signal.SIGTERM)
            if hurry:
                await asyncio.sleep(0.5)
                os.killpg(process.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 20)
            except TimeoutError:
                os.killpg(process.pid, signal.SIGKILL)
                await process.wait()
                raise AssertionError(f"it did not stop on SIGTERM\n{self.logs()}") from None
        return process.returncode  # type: ignore[return-value]

    async def close(self) -> None:
        for process in self.processes:
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                await process.wait()
