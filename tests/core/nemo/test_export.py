"""Uploads streamed from disk, and exports with polling, retries, fallback and resume."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.engine import (
    EngineEvent,
    ExportOptions,
    MediaFile,
    Progress,
    RemoteRender,
    Rendered,
    SessionRef,
)
from core.errors import NothingToEdit, RenderFailed, RenderTimeout, TooLarge, UnsupportedFile
from core.nemo import NemoEngine
from tests.core.nemo.conftest import TestClock, assert_words, collect, start
from tests.fakes.memory_store import MemoryStore
from tests.fakes.nemo_server import FakeNemo, RenderPlan


async def upload(engine: NemoEngine, session: SessionRef, path: Path, kind: str = "video",
                 size: int | None = None) -> str:
    return await engine.add_media(session, MediaFile(
        "m", path, path.name, kind, size if size is not None else path.stat().st_size))  # type: ignore[arg-type]


async def test_upload_is_multipart_files_and_complete(engine: NemoEngine, store: MemoryStore,
                                                      fake: FakeNemo, clip: Path,
                                                      song: Path) -> None:
    session = await start(engine, store)
    line = await upload(engine, session, clip)
    assert line == "Added “clip.mp4” (4 s, 320x240) to your NemoVideo project."
    await upload(engine, session, song, "audio")
    assert fake.uploads == [("clip.mp4", clip.stat().st_size), ("song.mp3", song.stat().st_size)]
    draft = await engine.draft(session)
    assert [t.kind for t in draft.tracks] == [0, 1]


async def test_upload_of_an_odd_name_and_chunk_sizes(engine: NemoEngine, store: MemoryStore,
                                                     fake: FakeNemo, tmp_path: Path) -> None:
    session = await start(engine, store)
    odd = tmp_path / 'my "holiday" 视频.mp4'
    odd.write_bytes(bytes(range(256)) * 9000)  # not a multiple of the chunk size
    await upload(engine, session, odd)
    assert fake.uploads == [("my %22holiday%22 视频.mp4", odd.stat().st_size)]


async def test_files_are_refused_before_any_upload(engine: NemoEngine, store: MemoryStore,
                                                   fake: FakeNemo, tmp_path: Path) -> None:
    session = await start(engine, store)
    doc = tmp_path / "notes.pdf"
    doc.write_bytes(b"%PDF")
    with pytest.raises(UnsupportedFile) as unsupported:
        await upload(engine, session, doc)
    big = tmp_path / "big.mp4"
    with big.open("wb") as handle:  # sparse: no disk used
        handle.truncate(500 * 1024 * 1024 + 1)
    with pytest.raises(TooLarge) as large:
        await upload(engine, session, big)
    assert fake.count("POST", "/api/upload-video") == 0
    assert "mp4, mov" in unsupported.value.user_message
    for error in (unsupported.value, large.value):
        assert_words(error.user_message)


async def test_upload_to_a_lost_session_starts_a_new_one(engine: NemoEngine, store: MemoryStore,
                                                         fake: FakeNemo, clip: Path) -> None:
    session = await start(engine, store)
    fake.forget_sessions()
    line = await upload(engine, session, clip)
    assert line.startswith("Your NemoVideo session had expired")
    assert store.conversations[session.conversation].session_id in fake.sessions


def rendered(events: list[EngineEvent]) -> Rendered:
    assert isinstance(events[-1], Rendered)
    assert sum(isinstance(e, Rendered) for e in events) == 1
    return events[-1]


@pytest.mark.parametrize("shape", ["data", "top"])
async def test_export_polls_and_delivers_url_and_file(engine: NemoEngine, store: MemoryStore,
                                                      fake: FakeNemo, clip: Path,
                                                      clock: TestClock, shape: str) -> None:
    session = await start(engine, store, clip)
    fake.render = RenderPlan(polls=3, shape=shape)  # type: ignore[arg-type]
    fake.output_bytes = clip.read_bytes()
    events = await collect(engine.export(session, ExportOptions()))
    assert isinstance(events[0], RemoteRender) and events[0].remote_id.startswith("render_")
    assert [e.percent for e in events if isinstance(e, Progress)][:3] == [25.0, 50.0, 75.0]
    result = rendered(events)
    assert result.url == f"{fake.url}/cdn/{events[0].remote_id}.mp4"  # type: ignore[attr-defined]
    assert result.path is not None and result.path.read_bytes() == clip.read_bytes()
    assert result.path.parent == engine._settings.data_dir / "renders"
    assert result.size == clip.stat().st_size and result.duration == 4.0
    assert (result.width, result.height) == (1920, 1080)
    assert set(clock.sleeps) == {15}
    assert list(fake.renders) == [events[0].remote_id]


async def test_duplicate_id_is_retried_once_with_a_new_id(engine: NemoEngine, store: MemoryStore,
                                                          fake: FakeNemo, clip: Path) -> None:
    session = await start(engine, store, clip)
    fake.render = RenderPlan(duplicate_first=True)
    events = await collect(engine.export(session, ExportOptions()))
    assert rendered(events).url is not None
    assert fake.count("POST", "/api/render/proxy/lambda") == 2


async def test_failed_render_is_retried_once_with_a_new_id(engine: NemoEngine, store: MemoryStore,
                                                           fake: FakeNemo, clip: Path) -> None:
    session = await start(engine, store, clip)
    fake.render = RenderPlan(fail_first=True)
    events = await collect(engine.export(session, ExportOptions()))
    ids = [e.remote_id for e in events if isinstance(e, RemoteRender)]
    assert len(ids) == 2 and ids[0] != ids[1]
    assert rendered(events).url is not None


async def test_two_failed_renders_are_reported(engine: NemoEngine, store: MemoryStore,
                                               fake: FakeNemo, clip: Path) -> None:
    session = await start(engine, store, clip)
    fake.render = RenderPlan(fail_all=True)
    with pytest.raises(RenderFailed):
        await collect(engine.export(session, ExportOptions()))
    assert len(fake.renders) == 2


async def test_broken_output_url_uses_the_download_fallback(
        engine: NemoEngine, store: MemoryStore, fake: FakeNemo, clip: Path) -> None:
    session = await start(engine, store, clip)
    fake.render = RenderPlan(broken_output_url=True)
    result = rendered(await collect(engine.export(session, ExportOptions())))
    assert result.path is not None and result.size == len(fake.output_bytes)
    assert fake.count("GET", "/api/render/proxy/render_") == 1


async def test_a_render_too_big_for_the_limit_is_a_url_only(
        engine: NemoEngine, store: MemoryStore, fake: FakeNemo, clip: Path) -> None:
    session = await start(engine, store, clip)
    result = rendered(await collect(engine.export(session, ExportOptions(max_bytes=100))))
    assert result.path is None and result.url is not None
    assert list((engine._settings.data_dir / "renders").iterdir()) == []


async def test_a_render_that_never_ends_is_cancelled_after_ten_minutes(
        engine: NemoEngine, store: MemoryStore, fake: FakeNemo, clip: Path,
        clock: TestClock) -> None:
    session = await start(engine, store, clip)
    fake.render = RenderPlan(never_finish=True)
    with pytest.raises(RenderTimeout) as caught:
        await collect(engine.export(session, ExportOptions()))
    assert 590 <= sum(clock.sleeps) <= 615
    assert [r.cancelled for r in fake.renders.values()] == [True]
    assert "10 minutes" in str(caught.value)


async def test_export_of_a_lost_session_says_the_timeline_was_reset(
        engine: NemoEngine, store: MemoryStore, fake: FakeNemo, clip: Path) -> None:
    session = await start(engine, store, clip)
    fake.forget_sessions()
    with pytest.raises(NothingToEdit) as caught:
        await collect(engine.export(session, ExportOptions()))
    assert caught.value.user_message.startswith("Your NemoVideo session had expired")
    assert store.conversations[session.conversation].session_id in fake.sessions


async def test_nothing_to_export_without_a_clip(engine: NemoEngine, store: MemoryStore,
                                                fake: FakeNemo) -> None:
    session = await start(engine, store)
    with pytest.raises(NothingToEdit):
        await collect(engine.export(session, ExportOptions()))
    assert fake.count("POST", "/api/render/proxy/lambda") == 0


async def test_resume_after_a_restart(engine: NemoEngine, store: MemoryStore, fake: FakeNemo,
                                      clip: Path, settings: object, clock: TestClock) -> None:
    session = await start(engine, store, clip)
    fake.render = RenderPlan(polls=5)
    events = engine.export(session, ExportOptions())
    first = await anext(events)
    assert isinstance(first, RemoteRender)
    await events.aclose()  # the bot stops here
    await engine.aclose()
    again = NemoEngine(settings, store, sleep=clock.sleep, clock=clock)  # type: ignore[arg-type]
    result = rendered(await collect(again.resume_export(session, first.remote_id)))
    await again.aclose()
    assert result.url is not None and result.url.endswith(f"{first.remote_id}.mp4")
    assert fake.count("POST", "/api/render/proxy/lambda") == 1
