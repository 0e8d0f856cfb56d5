"""The assistant over the real NemoEngine and a fake NemoVideo server on 127.0.0.1:
a turn gives a finished video, and a remote render survives a restart of the bot."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from core.config import Settings
from core.conversation.assistant import Assistant
from core.conversation.turn import Message, Notice, Problem, Turn, Video
from core.nemo import NemoEngine, Timing
from tests.core.assistant.conftest import KEY, attach, collect, wait_until
from tests.fakes.memory_store import MemoryStore
from tests.fakes.nemo_server import (
    FakeNemo,
    RenderPlan,
    fake_fixture,  # noqa: F401  (provides `fake`)
)
from tests.media import ffmpeg, make_audio

RELAXED = Timing(still_working_every=0.15, heartbeat_timeout=20, turn_limit=30, read_timeout=30)


async def no_wait(seconds: float) -> None:
    await asyncio.sleep(0)


async def slow_polls(seconds: float) -> None:
    """NemoVideo's render polls (every 15 s) never come back: a long render."""
    if seconds >= 15:
        await asyncio.Event().wait()
    await asyncio.sleep(0)




@pytest.fixture
def nemo_settings(fake: FakeNemo, tmp_path: Path) -> Settings:
    return Settings(_env_file=None, nemo_api_url=fake.url,  # type: ignore[attr-defined,call-arg]
                    nemo_web_url="https://web.nemo.test", data_dir=tmp_path / "data",
                    engine="nemo")


async def test_one_message_gives_one_finished_video(nemo_settings: Settings, fake: FakeNemo,
                                                    clip: Path) -> None:
    store = MemoryStore()
    engine = NemoEngine(nemo_settings, store, timing=RELAXED, sleep=no_wait)
    bot = Assistant(nemo_settings, store, engine)
    fake.output_bytes = clip.read_bytes()
    replies = await collect(bot, Turn(KEY, "add calm music", (attach(clip),),
                                      upload_limit=50 * 1024 * 1024), timeout=30)
    assert not [r for r in replies if isinstance(r, Problem)], replies
    (video,) = [r for r in replies if isinstance(r, Video)]
    assert video.path is not None and video.path.read_bytes() == clip.read_bytes()
    assert video.url is not None and video.url.startswith(fake.url)  # type: ignore[attr-defined]
    (render,) = store.renders.values()
    assert render.state == "done" and render.remote_id and render.engine == "nemo"
    credits = await collect(bot, Turn(KEY, "余额"))
    assert isinstance(credits[0], Message) and credits[0].text
    await bot.aclose()
    await engine.aclose()


async def test_a_remote_render_is_resumed_after_a_restart(nemo_settings: Settings,
                                                          fake: FakeNemo, clip: Path) -> None:
    store = MemoryStore()
    first_engine = NemoEngine(nemo_settings, store, timing=RELAXED, sleep=slow_polls)
    first = Assistant(nemo_settings, store, first_engine)
    await collect(first, Turn(KEY, "", (attach(clip),)), timeout=30)
    fake.render = RenderPlan(polls=2)
    turn = asyncio.create_task(collect(first, Turn(KEY, "add calm music"), timeout=60))
    await wait_until(lambda: any(r.remote_id for r in store.renders.values()), timeout=30)
    await first.aclose()  # the bot stops while NemoVideo renders
    assert any("restarting" in getattr(r, "text", "") for r in await turn)
    await first_engine.aclose()
    (render,) = store.renders.values()
    assert render.state == "running" and render.remote_id

    engine = NemoEngine(nemo_settings, store, timing=RELAXED, sleep=no_wait)
    again = Assistant(nemo_settings, store, engine)
    notices: list[Notice] = []

    async def inbox(notice: Notice) -> None:
        notices.append(notice)

    again.add_notifier("telegram", inbox)
    await again.recover()
    await wait_until(lambda: bool(notices), timeout=30)
    (notice,) = notices
    assert notice.key == KEY
    assert notice.replies[0] == Message("Your render finished after a restart.")
    video = notice.replies[1]
    assert isinstance(video, Video) and video.url is not None
    assert video.url.endswith(f"{render.remote_id}.mp4")
    assert store.renders[render.id].state == "done"
    assert fake.count("POST", "/api/render/proxy/lambda") == 1
    await again.aclose()
    await engine.aclose()


async def test_a_photo_is_uploaded_to_nemovideo(nemo_settings: Settings, fake: FakeNemo,
                                                tmp_path: Path) -> None:
    photo = tmp_path / "beach.png"
    ffmpeg("-f", "lavfi", "-i", "color=blue:s=64x48", "-frames:v", "1", str(photo))
    store = MemoryStore()
    engine = NemoEngine(nemo_settings, store, timing=RELAXED, sleep=no_wait)
    bot = Assistant(nemo_settings, store, engine)
    try:
        replies = await collect(bot, Turn(KEY, "", (attach(photo, mime="image/png"),)),
                                timeout=30)
    finally:
        await bot.aclose()
        await engine.aclose()
    assert not [r for r in replies if isinstance(r, Problem)], replies
    assert fake.uploads == [("beach.png", photo.stat().st_size)]
    (record,) = store.media.values()
    assert record.kind == "image"


async def test_a_voice_note_gets_words_from_nemovideo(nemo_settings: Settings, fake: FakeNemo,
                                                      tmp_path: Path) -> None:
    """NemoVideo takes no OGG: the user is told, nothing is uploaded or kept."""
    voice = make_audio(tmp_path / "voice.ogg", seconds=3, freq=660, codec="libopus")
    store = MemoryStore()
    engine = NemoEngine(nemo_settings, store, timing=RELAXED, sleep=no_wait)
    bot = Assistant(nemo_settings, store, engine)
    try:
        replies = await collect(bot, Turn(KEY, "", (attach(voice, mime="audio/ogg"),)),
                                timeout=30)
    finally:
        await bot.aclose()
        await engine.aclose()
    (problem,) = [r.text for r in replies if isinstance(r, Problem)]
    assert "NemoVideo can't use" in problem and "voice.ogg" in problem, problem
    assert fake.uploads == [] and store.media == {}
    assert not [p for p in (nemo_settings.data_dir / "media").rglob("*") if p.is_file()]
