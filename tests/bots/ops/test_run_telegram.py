"""`serve` with Telegram (the fake Bot API) and the link server on one loop: a turn is
answered, and a shutdown mid-render records it as interrupted and tells the chat."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bots.run import Stopper, serve
from core.config import Settings, load_settings
from tests.fakes.telegram_api import TOKEN, FakeTelegram
from tests.media import make_video

CHAT = 501


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = await FakeTelegram().start()
    yield server
    await server.stop()


def settings_for(fake: FakeTelegram, tmp_path: Path, env: pytest.MonkeyPatch) -> Settings:
    env.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    env.setenv("TELEGRAM_API_URL", fake.api_url)
    env.setenv("TELEGRAM_FILE_URL", fake.file_url)
    env.setenv("BACKTRACK_LINK_PUBLIC_URL", "http://127.0.0.1:9")
    env.setenv("BACKTRACK_LINK_PORT", "0")
    return load_settings()


@pytest.fixture
async def stopper() -> AsyncIterator[Stopper]:
    """Stops a `serve` left running by a failed assertion, before the fake goes away."""
    stop = Stopper()
    yield stop
    stop.stop.set()
    stop.hurry.set()
    for task in asyncio.all_tasks():
        if task.get_name() == "serve":
            await asyncio.wait({task}, timeout=20)


def render_states(tmp_path: Path) -> list[str]:
    db = tmp_path / "data" / "backtrack.sqlite3"
    if not db.exists():
        return []
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        try:
            return [row[0] for row in conn.execute("SELECT state FROM renders")]
        except sqlite3.OperationalError:  # the schema is being created
            return []


async def test_turn_answered_then_clean_stop(fake: FakeTelegram, tmp_path: Path,
                                             env: pytest.MonkeyPatch, stopper: Stopper) -> None:
    running = asyncio.create_task(serve(settings_for(fake, tmp_path, env), grace=5,
                                        stopper=stopper), name="serve")
    user = fake.user(CHAT)
    fake.push(message=fake.message(fake.private(user), user, "help"))
    await fake.wait_for(lambda: fake.texts(CHAT), timeout=30)
    assert "music" in fake.texts(CHAT)[0].lower()
    stopper.stop.set()
    assert await asyncio.wait_for(running, 20) == 0
    assert render_states(tmp_path) == []


async def test_stop_mid_render_records_interrupted_and_tells_the_chat(
        fake: FakeTelegram, tmp_path: Path, env: pytest.MonkeyPatch, stopper: Stopper) -> None:
    clip = make_video(tmp_path / "long.mp4", seconds=40, width=640, height=360)
    stored = fake.add_file(clip.read_bytes())
    running = asyncio.create_task(serve(settings_for(fake, tmp_path, env), grace=0,
                                        stopper=stopper), name="serve")
    user = fake.user(CHAT)
    fake.push(message=fake.message(fake.private(user), user, caption="add lofi music, 9:16",
                                   video=fake.video(stored, duration=40, width=640, height=360)))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while "running" not in render_states(tmp_path):
        assert loop.time() < deadline, fake.texts(CHAT)
        assert not running.done()
        await asyncio.sleep(0.05)
    stopper.stop.set()
    assert await asyncio.wait_for(running, 30) == 0
    assert render_states(tmp_path) == ["interrupted"]
    everything = " ".join(fake.texts(CHAT)) + " ".join(
        e[1] for s in fake.sent(CHAT) for e in s.edits)
    assert "restarting" in everything


async def test_stop_mid_render_lets_it_finish_within_the_grace(
        fake: FakeTelegram, tmp_path: Path, env: pytest.MonkeyPatch, stopper: Stopper) -> None:
    clip = make_video(tmp_path / "clip.mp4", seconds=6)
    stored = fake.add_file(clip.read_bytes())
    running = asyncio.create_task(serve(settings_for(fake, tmp_path, env), grace=60,
                                        stopper=stopper), name="serve")
    user = fake.user(CHAT)
    fake.push(message=fake.message(fake.private(user), user, caption="add calm music",
                                   video=fake.video(stored, duration=6)))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while "running" not in render_states(tmp_path):
        assert loop.time() < deadline, fake.texts(CHAT)
        await asyncio.sleep(0.02)
    stopper.stop.set()
    assert await asyncio.wait_for(running, 60) == 0
    assert render_states(tmp_path) == ["done"]
    assert fake.sent(CHAT, "video"), [s.kind for s in fake.sent(CHAT)]
