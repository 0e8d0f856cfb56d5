"""`backtrack run` killed (SIGKILL) in the middle of a render, then started again: the store is
intact, the chat is told, and the second process still stops cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.conversation.recovery import INTERRUPTED
from tests.fakes.telegram_api import TOKEN, FakeTelegram
from tests.media import make_video

ROOT = Path(__file__).resolve().parents[3]
CHAT = 777


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = await FakeTelegram().start()
    yield server
    await server.stop()


def run_env(tmp_path: Path, fake: FakeTelegram) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("BACKTRACK_", "TELEGRAM_", "DISCORD_", "NEMO_"))}
    env.update(PYTHONPATH=str(ROOT), BACKTRACK_DATA_DIR=str(tmp_path / "data"),
               TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=fake.api_url,
               TELEGRAM_FILE_URL=fake.file_url)
    return env


async def start(tmp_path: Path, fake: FakeTelegram) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bots.cli", "run", cwd=tmp_path, env=run_env(tmp_path, fake),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)


def renders(tmp_path: Path) -> list[tuple[str, str]]:
    db = tmp_path / "data" / "backtrack.sqlite3"
    if not db.exists():
        return []
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        try:
            return [(r[0], r[1]) for r in conn.execute("SELECT id, state FROM renders")]
        except sqlite3.OperationalError:  # the schema is being created
            return []


async def until(condition: object, timeout: float, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():  # type: ignore[operator]
        assert loop.time() < deadline, what
        await asyncio.sleep(0.05)


async def test_killed_mid_render_then_restarted(fake: FakeTelegram, tmp_path: Path) -> None:
    clip = make_video(tmp_path / "long.mp4", seconds=40, width=640, height=360)
    stored = fake.add_file(clip.read_bytes())
    first = await start(tmp_path, fake)
    second: asyncio.subprocess.Process | None = None
    try:
        user = fake.user(CHAT)
        fake.push(message=fake.message(fake.private(user), user,
                                       caption="add lofi music, vertical 9:16",
                                       video=fake.video(stored, duration=40, width=640,
                                                        height=360)))
        await until(lambda: ("running" in [s for _, s in renders(tmp_path)]), 90,
                    "the render never started")
        first.kill()
        await first.wait()
        [(render_id, state)] = renders(tmp_path)
        assert state == "running"  # what a dead process leaves behind
        assert not fake.sent(CHAT, "video")

        second = await start(tmp_path, fake)
        await until(lambda: any(INTERRUPTED in t for t in fake.texts(CHAT)), 60,
                    "the chat was never told")
        await until(lambda: dict(renders(tmp_path)).get(render_id) == "interrupted", 10,
                    "the render was not recorded as interrupted")
        assert sum(INTERRUPTED in t for t in fake.texts(CHAT)) == 1
        second.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(second.communicate(), 20)
        assert second.returncode == 0, err.decode()[-2000:]
        assert TOKEN not in err.decode()
    finally:
        for proc in (first, second):
            if proc is not None and proc.returncode is None:
                proc.kill()
                await proc.wait()
    # Intact after the clean stop, and the clip was not rendered a second time.
    assert renders(tmp_path) == [(render_id, "interrupted")]
