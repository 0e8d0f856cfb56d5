"""Links in messages are fetched like attachments; real files are probed for real."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from core.config import Settings
from core.conversation.assistant import Assistant
from core.conversation.turn import ConversationKey, Message, Problem, Turn, Video
from tests.core.assistant.conftest import KEY, attach, collect
from tests.fakes.fake_engine import FakeEngine
from tests.fakes.memory_store import MemoryStore
from tests.fakes.serve import serve_app


@pytest.fixture
async def media_server(clip: Path) -> AsyncIterator[str]:
    """Serves the generated clip at /v/beach.mp4 and a web page at /page on 127.0.0.1."""
    async def video(request: web.Request) -> web.StreamResponse:
        return web.FileResponse(clip, headers={"Content-Type": "video/mp4"})

    async def page(request: web.Request) -> web.Response:
        return web.Response(text="<html>hi</html>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/v/beach.mp4", video)
    app.router.add_get("/r/{name}", video)
    app.router.add_get("/page", page)
    async with serve_app(app) as url:
        yield url


async def test_a_link_in_the_message_is_fetched_probed_and_edited(
        settings: Settings, store: MemoryStore, engine: FakeEngine, media_server: str) -> None:
    open_settings = settings.model_copy(update={"allow_private_urls": True})
    bot = Assistant(open_settings, store, engine)  # the real probe
    replies = await collect(bot, Turn(KEY, f"{media_server}/v/beach.mp4 add calm music"))
    assert ("add_media", "s1", "video", "beach.mp4") in engine.calls
    assert ("edit", "s1", "add calm music") in engine.calls
    assert any(isinstance(r, Video) for r in replies)
    (record,) = store.media.values()
    assert (record.width, record.height) == (320, 240) and record.duration == pytest.approx(4, 0.1)
    assert (settings.data_dir / record.path).stat().st_size == record.size
    await bot.aclose()


async def test_links_are_refused_to_private_addresses_by_default(
        assistant: Assistant, engine: FakeEngine, media_server: str) -> None:
    replies = await collect(assistant, Turn(KEY, f"{media_server}/v/beach.mp4"))
    (problem,) = [r for r in replies if isinstance(r, Problem)]
    assert "private or local address" in problem.text
    assert engine.count("add_media") == 0


async def test_a_link_to_a_web_page_gets_words(
        settings: Settings, store: MemoryStore, engine: FakeEngine, media_server: str) -> None:
    bot = Assistant(settings.model_copy(update={"allow_private_urls": True}), store, engine)
    replies = await collect(bot, Turn(KEY, f"look {media_server}/page"))
    assert next(r.text for r in replies if isinstance(r, Problem)).startswith(
        "That link leads to a web page")
    await bot.aclose()


async def test_real_probe_refuses_random_bytes_and_keeps_nothing(
        settings: Settings, store: MemoryStore, engine: FakeEngine, tmp_path: Path) -> None:
    junk = tmp_path / "holiday.mp4"
    junk.write_bytes(b"\x00\x01garbage" * 1000)
    bot = Assistant(settings, store, engine)
    replies = await collect(bot, Turn(KEY, "", (attach(junk),)))
    (problem,) = [r for r in replies if isinstance(r, Problem)]
    assert "doesn't look like a video or audio file" in problem.text
    assert not list((settings.data_dir / "media").rglob("*.mp4"))
    assert store.media == {}
    await bot.aclose()


async def test_real_audio_file_becomes_the_music(settings: Settings, store: MemoryStore,
                                                 engine: FakeEngine, clip: Path,
                                                 song: Path) -> None:
    bot = Assistant(settings, store, engine)
    await collect(bot, Turn(KEY, "", (attach(clip),)))
    replies = await collect(bot, Turn(KEY, "", (attach(song),)))
    assert ("add_media", "s1", "audio", "song.mp3") in engine.calls
    assert Message("Added audio song.mp3.") in replies
    replies = await collect(bot, Turn(KEY, "add it at 30%"))
    assert any(isinstance(r, Video) for r in replies)
    await bot.aclose()


async def test_a_remote_result_that_fits_is_fetched_and_sent_as_a_file(
        settings: Settings, store: MemoryStore, tmp_path: Path, clip: Path,
        media_server: str) -> None:
    engine = FakeEngine(tmp_path, remote=True)
    engine.remote_base = f"{media_server}/r"
    engine.render_size = clip.stat().st_size
    bot = Assistant(settings.model_copy(update={"allow_private_urls": True}), store, engine)
    await collect(bot, Turn(KEY, "", (attach(clip),)))
    replies = await collect(bot, Turn(KEY, "add music", upload_limit=10 * 1024 * 1024))
    (video,) = [r for r in replies if isinstance(r, Video)]
    assert video.path is not None and video.path.is_relative_to(settings.data_dir / "renders")
    assert video.path.read_bytes() == clip.read_bytes() and video.size == clip.stat().st_size
    assert video.url is not None and video.url.startswith(media_server)
    await bot.aclose()


async def test_a_linked_file_makes_room_under_the_data_cap_or_is_refused_with_words(
        settings: Settings, store: MemoryStore, engine: FakeEngine, media_server: str,
        clip: Path) -> None:
    import os

    size = clip.stat().st_size
    roomy = settings.model_copy(update={"allow_private_urls": True,
                                        "data_max_bytes": size + 20_000})
    old = roomy.data_dir / "renders" / "old.mp4"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"\0" * 30_000)
    os.utime(old, (1_000_000, 1_000_000))
    bot = Assistant(roomy, store, engine)
    replies = await collect(bot, Turn(KEY, f"{media_server}/v/beach.mp4"))
    assert not [r for r in replies if isinstance(r, Problem)]
    assert not old.exists(), "an old render made way for the linked clip"
    (record,) = store.media.values()
    assert (roomy.data_dir / record.path).stat().st_size == size
    await bot.aclose()

    tiny = roomy.model_copy(update={"data_max_bytes": size // 2})
    old.write_bytes(b"\0" * 1_000)
    os.utime(old, (1_000_000, 1_000_000))
    bot = Assistant(tiny, MemoryStore(), engine)
    calls = engine.count("add_media")
    replies = await collect(bot, Turn(ConversationKey("telegram", "200"),
                                      f"{media_server}/v/beach.mp4"))
    (problem,) = [r.text for r in replies if isinstance(r, Problem)]
    assert problem.startswith("My storage is full right now")
    assert engine.count("add_media") == calls
    assert old.exists(), "a file that can never fit deletes nothing"
    kept = {roomy.data_dir / record.path}
    assert [p for p in (tiny.data_dir / "media").rglob("*") if p.is_file()] == list(kept)
    await bot.aclose()
