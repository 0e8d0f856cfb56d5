"""A whole conversation through the Assistant with the NemoVideo engine and the SQLite store:
upload, "add background music and fade it out at the end", export, delivered link; and a
render that was being polled when the bot stopped, finished after a restart."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.config import Settings
from core.conversation.assistant import Assistant
from core.conversation.turn import (
    Attachment,
    ConversationKey,
    Message,
    Notice,
    Photo,
    Problem,
    Reply,
    Status,
    Turn,
    Video,
)
from core.engine import ExportOptions, RemoteRender, SessionRef
from core.nemo import NemoEngine
from core.nemo.client import TOKEN_KEY
from core.ports import Conversation, RenderRecord
from storage.sqlite import SqliteStore
from tests.core.nemo.conftest import RELAXED, TestClock, assert_words
from tests.fakes.nemo_server import FakeNemo, RenderPlan

KEY = ConversationKey("telegram", "100")
LIMIT = 50 * 1024 * 1024


@pytest.fixture
async def sqlite(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    store = await SqliteStore.open(tmp_path / "backtrack.sqlite3")
    yield store
    await store.close()


def attach(path: Path) -> Attachment:
    async def fetch(dest: Path) -> None:
        await asyncio.to_thread(shutil.copyfile, path, dest)
    return Attachment(name=path.name, size=path.stat().st_size, mime="video/mp4", fetch=fetch)


async def say(assistant: Assistant, text: str = "", *files: Path) -> list[Reply]:
    turn = Turn(KEY, text=text, attachments=tuple(attach(f) for f in files), upload_limit=LIMIT)

    async def run() -> list[Reply]:
        return [reply async for reply in assistant.handle(turn)]
    return await asyncio.wait_for(run(), 30)


def words_only(replies: list[Reply], token: str) -> None:
    for reply in replies:
        text = reply.caption if isinstance(reply, Video | Photo) else reply.text
        assert token not in text
        if isinstance(reply, Message | Problem | Status):
            assert_words(text)


async def test_upload_edit_export_delivered(fake: FakeNemo, settings: Settings,
                                            sqlite: SqliteStore, clip: Path,
                                            clock: TestClock) -> None:
    fake.output_bytes = clip.read_bytes()
    fake.render = RenderPlan(polls=2, shape="top")
    engine = NemoEngine(settings, sqlite, timing=RELAXED, sleep=clock.sleep, clock=clock)
    assistant = Assistant(settings, sqlite, engine)
    try:
        uploaded = await say(assistant, "", clip)
        edited = await say(assistant, "add background music and fade it out at the end")
        credits = await say(assistant, "credits")
        status = await say(assistant, "status")
    finally:
        await assistant.aclose()
        await engine.aclose()
    token = await sqlite.get_value(TOKEN_KEY)
    assert token
    assert fake.uploads == [("clip.mp4", clip.stat().st_size)]
    assert fake.chat_messages == ["add background music and fade it out at the end"]
    messages = [r.text for r in edited if isinstance(r, Message)]
    assert "I added background music (Lo-fi) at 35% and faded it out over the last 2 seconds." \
        in messages
    assert "Say “export” and I'll render the video for you." in messages
    assert any(m.startswith("Done: added BGM: Lo-fi") for m in messages)
    videos = [r for r in edited if isinstance(r, Video)]
    assert len(videos) == 1
    video = videos[0]
    assert video.path is not None and video.path.read_bytes() == clip.read_bytes()
    remote = next(iter(fake.renders))
    conversation = await sqlite.get_conversation(str(KEY))
    assert conversation is not None and conversation.engine == "nemo"
    assert video.url == f"{fake.url}/cdn/{remote}.mp4"  # type: ignore[attr-defined]
    assert any("NemoVideo credits: 100 available" in r.text for r in credits
               if isinstance(r, Message))
    assert any("Timeline (2 tracks)" in r.text for r in status if isinstance(r, Message))
    assert not any(isinstance(r, Problem) for r in uploaded + edited + credits + status)
    words_only(uploaded + edited + credits + status, token)


async def test_a_render_polled_at_shutdown_is_finished_after_a_restart(
        fake: FakeNemo, settings: Settings, sqlite: SqliteStore, clip: Path,
        clock: TestClock) -> None:
    from core.engine import MediaFile

    first = NemoEngine(settings, sqlite, timing=RELAXED, sleep=clock.sleep, clock=clock)
    sid = await first.new_session(str(KEY), "en")
    await sqlite.save_conversation(Conversation(str(KEY), "nemo", sid))
    session = SessionRef(str(KEY), sid)
    await first.add_media(session, MediaFile("m1", clip, clip.name, "video",
                                             clip.stat().st_size))
    fake.render = RenderPlan(polls=3)
    events = first.export(session, ExportOptions())
    started = await anext(events)
    assert isinstance(started, RemoteRender)
    await sqlite.save_render(RenderRecord("r1", str(KEY), KEY.person, sid, "nemo", "running",
                                          remote_id=started.remote_id))
    await events.aclose()
    await first.aclose()  # the bot stops while the render is still being polled

    engine = NemoEngine(settings, sqlite, timing=RELAXED, sleep=clock.sleep, clock=clock)
    assistant = Assistant(settings, sqlite, engine)
    notices: list[Notice] = []
    delivered = asyncio.Event()

    async def notifier(notice: Notice) -> None:
        notices.append(notice)
        delivered.set()

    try:
        assistant.add_notifier("telegram", notifier)
        await assistant.recover()
        await asyncio.wait_for(delivered.wait(), 10)
    finally:
        await assistant.aclose()
        await engine.aclose()
    replies = notices[0].replies
    assert isinstance(replies[0], Message) and "finished after a restart" in replies[0].text
    assert isinstance(replies[1], Video)
    assert replies[1].url == f"{fake.url}/cdn/{started.remote_id}.mp4"  # type: ignore[attr-defined]
    record = await sqlite.get_render("r1")
    assert record is not None and record.state == "done"
    assert fake.count("POST", "/api/render/proxy/lambda") == 1


async def test_the_setting_picks_this_engine(fake: FakeNemo, tmp_path: Path) -> None:
    from bots.bootstrap import build_app
    from tests.core.nemo.conftest import make_settings

    app = await build_app(make_settings(fake, tmp_path, engine="nemo"))
    try:
        assert isinstance(app.engine, NemoEngine) and app.engine.name == "nemo"
        assert "100 available" in await app.engine.credits(None)
    finally:
        await app.aclose()
