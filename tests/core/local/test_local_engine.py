"""LocalEngine over a real SQLite store in a temporary folder, rendering real tiny clips."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.config import Settings
from core.draft import AUDIO, VIDEO
from core.engine import Edited, ExportOptions, MediaFile, Progress, Rendered, Said, SessionRef
from core.errors import (
    BadMedia,
    DiskFull,
    EngineError,
    NothingToEdit,
    NotUnderstood,
    UnsupportedFile,
)
from core.local.engine import CLIP_AS_SENT, LocalEngine
from core.local.render_queue import RenderQueue
from core.local.runner import FfmpegRunner
from storage.sqlite import SqliteStore
from tests.media import level_db, make_video, measure, tone_level_db


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    store = await SqliteStore.open(tmp_path / "db.sqlite3")
    yield store
    await store.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", max_concurrent_renders=1)


@pytest.fixture
def engine(settings: Settings, store: SqliteStore) -> LocalEngine:
    return LocalEngine(settings, store, FfmpegRunner(timeout=60))


def upload(settings: Settings, source: Path, media_id: str, kind: str) -> MediaFile:
    """Put a file where the intake would: inside the data folder."""
    folder = settings.data_dir / "media"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{media_id}{source.suffix}"
    shutil.copy(source, path)
    return MediaFile(media_id, path, source.name, kind, path.stat().st_size)  # type: ignore[arg-type]


async def session_with(engine: LocalEngine, settings: Settings, clip: Path,
                       song: Path | None = None) -> SessionRef:
    ref = SessionRef("console:local", await engine.new_session("console:local", "en"))
    await engine.add_media(ref, upload(settings, clip, "v1", "video"))
    if song is not None:
        await engine.add_media(ref, upload(settings, song, "a1", "audio"))
    return ref


async def collect(events: AsyncIterator[object]) -> list[object]:
    return [event async for event in events]


async def test_media_goes_into_the_draft(engine: LocalEngine, settings: Settings,
                                         clip: Path, song: Path) -> None:
    ref = SessionRef("c", await engine.new_session("c", "en"))
    assert (await engine.draft(ref)).summary() == "Timeline is empty."
    line = await engine.add_media(ref, upload(settings, clip, "v1", "video"))
    assert "clip.mp4" in line and "320x240" in line
    assert (await engine.draft(ref)).summary().startswith("Timeline (1 track): 1. Video: clip.mp4")
    line = await engine.add_media(ref, upload(settings, song, "a1", "audio"))
    assert "song.mp3" in line
    record = await engine.store.get_media("v1")
    assert record is not None and record.path == "media/v1.mp4"


async def test_a_song_before_any_clip_does_not_promise_a_video(
        engine: LocalEngine, settings: Settings, clip: Path, song: Path) -> None:
    ref = SessionRef("c", await engine.new_session("c", "en"))
    line = await engine.add_media(ref, upload(settings, song, "a1", "audio"))
    assert line.startswith("Got the music song.mp3") and "under your video" not in line
    await engine.add_media(ref, upload(settings, clip, "v1", "video"))
    line = await engine.add_media(ref, upload(settings, song, "a2", "audio"))
    assert 'Say "add it at 30%"' in line


async def test_edit_then_export_renders_measured_music(engine: LocalEngine, settings: Settings,
                                                       clip: Path, song: Path) -> None:
    ref = await session_with(engine, settings, clip, song)
    events = await collect(engine.edit(ref, "add background music at 30% and fade it out"))
    edited = events[-1]
    assert isinstance(edited, Edited) and edited.changed
    assert any(isinstance(e, Said) for e in events)
    assert "song.mp3" in (await engine.draft(ref)).summary()

    events = await collect(engine.export(ref, ExportOptions(render_id="r1")))
    assert isinstance(events[0], Progress) and events[0].text == "Rendering…"
    done = events[-1]
    assert isinstance(done, Rendered) and done.path == settings.data_dir / "renders" / "r1.mp4"
    assert done.size == done.path.stat().st_size
    assert (done.width, done.height) == (320, 240) and abs((done.duration or 0) - 4) < 0.1
    m = measure(done.path)
    assert (m.video_codec, m.audio_codec) == ("h264", "aac") and abs(m.duration - 4) < 0.08
    expected = tone_level_db(song, 0.2, 0.9, 880) - 10.46  # 30%, before the fade starts
    assert abs(tone_level_db(done.path, 0.2, 0.9, 880) - expected) < 1.0
    assert tone_level_db(done.path, 3.5, 4.0, 880) < expected - 6
    assert [p.name for p in (settings.data_dir / "renders").iterdir()] == ["r1.mp4"]


async def test_undo_steps_back(engine: LocalEngine, settings: Settings, clip: Path,
                               song: Path) -> None:
    ref = await session_with(engine, settings, clip, song)
    before = await engine.draft(ref)
    await collect(engine.edit(ref, "add background music at 30%"))
    changes = await engine.undo(ref)
    assert changes and await engine.draft(ref) == before


async def test_undo_never_goes_past_the_newest_clip(engine: LocalEngine, settings: Settings,
                                                     clip: Path, song: Path) -> None:
    ref = await session_with(engine, settings, clip)
    as_sent = await engine.draft(ref)
    await collect(engine.edit(ref, "add background music at 30%"))
    await collect(engine.edit(ref, "fade out the music"))
    assert await engine.undo(ref)
    assert await engine.undo(ref)
    assert await engine.draft(ref) == as_sent
    for _ in range(3):  # the clip stays, however often undo is asked
        with pytest.raises(NothingToEdit) as caught:
            await engine.undo(ref)
        assert caught.value.user_message == CLIP_AS_SENT
        assert await engine.draft(ref) == as_sent
    # Edits and undo still work from there.
    await collect(engine.edit(ref, "add background music at 30%"))
    assert await engine.undo(ref)
    assert await engine.draft(ref) == as_sent


async def test_undo_does_not_bring_back_an_older_clip(engine: LocalEngine, settings: Settings,
                                                      clip: Path) -> None:
    ref = await session_with(engine, settings, clip)
    await collect(engine.edit(ref, "add background music at 30%"))
    await engine.add_media(ref, upload(settings, clip, "v2", "video"))
    second = await engine.draft(ref)
    with pytest.raises(NothingToEdit, match="your clip is as you sent it"):
        await engine.undo(ref)
    assert await engine.draft(ref) == second
    seg = second.first_segment(VIDEO)
    assert seg is not None and seg.meta["media_id"] == "v2"
    assert second.first_segment(AUDIO) is None, "a new clip starts a clean timeline"


async def test_undo_without_a_clip_or_an_edit(engine: LocalEngine,
                                                          settings: Settings, song: Path) -> None:
    ref = SessionRef("c", await engine.new_session("c", "en"))
    await engine.add_media(ref, upload(settings, song, "a1", "audio"))
    with pytest.raises(NothingToEdit, match="nothing to undo"):
        await engine.undo(ref)


async def test_nothing_to_undo(engine: LocalEngine) -> None:
    ref = SessionRef("c", await engine.new_session("c", "en"))
    with pytest.raises(NothingToEdit):
        await engine.undo(ref)


async def test_text_it_does_not_understand(engine: LocalEngine, settings: Settings,
                                           clip: Path) -> None:
    ref = await session_with(engine, settings, clip)
    with pytest.raises(NotUnderstood):
        await collect(engine.edit(ref, "qwzx blorp"))


async def test_export_without_a_video(engine: LocalEngine) -> None:
    ref = SessionRef("c", await engine.new_session("c", "en"))
    with pytest.raises(NothingToEdit, match="video first"):
        await collect(engine.export(ref, ExportOptions()))


async def test_wrong_media(engine: LocalEngine, settings: Settings, song: Path,
                           clip: Path) -> None:
    ref = SessionRef("c", await engine.new_session("c", "en"))
    with pytest.raises(BadMedia, match=r"^song\.mp3 has no video stream"):  # not "x1.mp3"
        await engine.add_media(ref, upload(settings, song, "x1", "video"))
    with pytest.raises(UnsupportedFile) as photo:
        await engine.add_media(ref, upload(settings, clip, "x2", "image"))
    assert photo.value.user_message == ("Photos can't be the clip with the local engine — "
                                        "send a video (mp4, mov, webm, mkv, avi).")
    assert getattr(engine, "accepts_images", True) is False
    assert LocalEngine.accepts_images is False  # a class attribute: readable before a session
    assert await engine.store.get_media("x1") is None  # refused files are not recorded
    assert await engine.store.get_media("x2") is None
    assert (await engine.draft(ref)).summary() == "Timeline is empty."


async def test_renders_wait_in_line(settings: Settings, store: SqliteStore, clip: Path,
                                    song: Path) -> None:
    queue = RenderQueue(1)
    engine = LocalEngine(settings, store, FfmpegRunner(timeout=60), queue)
    ref = await session_with(engine, settings, clip, song)
    await collect(engine.edit(ref, "add background music at 30%"))
    holder = queue.join()  # another conversation's render holds the only slot
    waiter = queue.join()  # and a third one waits before ours
    export = engine.export(ref, ExportOptions(render_id="r2"))
    first = await anext(export)
    assert first == Progress("Waiting for a free renderer: 2nd in line")
    await holder.release()
    assert await asyncio.wait_for(anext(export), 5) == Progress(
        "Waiting for a free renderer: next in line")
    pending = asyncio.ensure_future(anext(export))
    await asyncio.sleep(0.05)
    assert not pending.done()
    await waiter.release()
    assert await asyncio.wait_for(pending, 5) == Progress("Rendering…", 0.0)
    rest = await collect(export)
    assert isinstance(rest[-1], Rendered)
    assert (queue.running, queue.waiting) == (0, 0)


async def test_cancelled_export_frees_the_slot_and_leaves_no_file(
    settings: Settings, store: SqliteStore, clip: Path, song: Path
) -> None:
    queue = RenderQueue(1)
    engine = LocalEngine(settings, store, FfmpegRunner(timeout=60), queue)
    ref = await session_with(engine, settings, clip, song)
    await collect(engine.edit(ref, "add background music at 30%"))
    export = engine.export(ref, ExportOptions(render_id="r3"))
    assert await anext(export) == Progress("Rendering…", 0.0)
    await export.aclose()  # type: ignore[attr-defined]
    assert (queue.running, queue.waiting) == (0, 0)
    renders = settings.data_dir / "renders"
    assert not renders.exists() or list(renders.iterdir()) == []


async def test_no_remote_renders_and_free_credits(engine: LocalEngine) -> None:
    ref = SessionRef("c", await engine.new_session("c", "en"))
    with pytest.raises(EngineError):
        await collect(engine.resume_export(ref, "x"))
    assert "free" in await engine.credits(ref)
    await engine.aclose()


async def test_built_in_mood_when_no_song_was_sent(engine: LocalEngine, settings: Settings,
                                                   silent_clip: Path) -> None:
    ref = await session_with(engine, settings, silent_clip)
    await collect(engine.edit(ref, "add lofi background music at 50%"))
    seg = (await engine.draft(ref)).first_segment(1)
    assert seg is not None and seg.meta.get("mood")
    events = await collect(engine.export(ref, ExportOptions(render_id="m1")))
    assert events[:2] == [Progress("Preparing the lofi music…"), Progress("Rendering…", 0.0)]
    done = events[-1]
    assert isinstance(done, Rendered) and done.path is not None
    m = measure(done.path)
    assert m.audio_codec == "aac" and abs(m.duration - 3) < 0.08
    assert level_db(done.path, 0.5, 2.5) > -40  # the mood is audible
    cached = list((settings.data_dir / "music").iterdir())
    assert [p.suffix for p in cached] == [".wav"]  # composed once for the clip, cached
    assert "-3000ms-" in cached[0].name  # for the 3 s clip, not a loop cut to length
    again = await collect(engine.export(ref, ExportOptions(render_id="m2")))
    assert again[0] == Progress("Rendering…", 0.0)  # nothing to prepare the second time
    assert not any(isinstance(e, Progress) and "Preparing" in e.text for e in again)
    assert list((settings.data_dir / "music").iterdir()) == cached


async def test_full_data_folder_is_said_in_words(store: SqliteStore, tmp_path: Path,
                                                 clip: Path, song: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", data_max_bytes=2_000_000)
    engine = LocalEngine(settings, store, FfmpegRunner(timeout=60))
    ref = await session_with(engine, settings, clip, song)
    await collect(engine.edit(ref, "add background music at 30%"))
    (settings.data_dir / "media" / "big.bin").write_bytes(b"\0" * 1_900_000)
    with pytest.raises(DiskFull):
        await collect(engine.export(ref, ExportOptions(render_id="full")))
    assert not (settings.data_dir / "renders" / "full.mp4").exists()


@pytest.mark.parametrize("instructions", [
    ["add background music at 100% starting at 1s, vertical 9:16"],
    ["trim the video to the first 2 seconds", "add background music at 100%"],
])
async def test_a_clip_sent_later_starts_a_clean_timeline(
    engine: LocalEngine, settings: Settings, media_dir: Path, song: Path,
    instructions: list[str],
) -> None:
    """Issue 10: the new clip does not inherit the old clip's music, shape or trim."""
    short = make_video(media_dir / "three.mp4", seconds=3, freq=440)
    longer = make_video(media_dir / "eight.mp4", seconds=8, width=160, height=120, freq=440)
    ref = await session_with(engine, settings, short, song)
    for text in instructions:
        await collect(engine.edit(ref, text))
    await engine.add_media(ref, upload(settings, longer, "v2", "video"))
    done = (await collect(engine.export(ref, ExportOptions(render_id="longer"))))[-1]
    assert isinstance(done, Rendered) and done.path is not None
    m = measure(done.path)
    assert abs(m.duration - 8) < 0.1 and (m.width, m.height) == (160, 120)
    assert tone_level_db(done.path, 1.0, 7.5, 880) < -60  # no music
    assert tone_level_db(done.path, 1.0, 7.5, 440) > -30  # the clip's own sound
    # The uploaded song is still there for the new clip.
    await collect(engine.edit(ref, "add music"))
    seg = (await engine.draft(ref)).first_segment(AUDIO)
    assert seg is not None and seg.meta["media_id"] == "a1"


async def test_the_clips_own_sound_is_remembered_on_arrival_not_probed_per_edit(
        engine: LocalEngine, settings: Settings, clip: Path, silent_clip: Path) -> None:
    silent = await session_with(engine, settings, silent_clip)
    seg = (await engine.draft(silent)).first_segment(VIDEO)
    assert seg is not None and seg.meta["has_audio"] is False

    ref = await session_with(engine, settings, clip)
    seg = (await engine.draft(ref)).first_segment(VIDEO)
    assert seg is not None and seg.meta["has_audio"] is True
    # With the file gone a probe could not tell: the draft still knows the clip has sound,
    # so new music goes under it quietly.
    (settings.data_dir / "media" / "v1.mp4").unlink()
    await collect(engine.edit(ref, "add calm music"))
    music = (await engine.draft(ref)).first_segment(AUDIO)
    assert music is not None and music.meta["volume"] == pytest.approx(0.4)


async def test_a_draft_from_before_has_audio_is_probed(engine: LocalEngine, settings: Settings,
                                                       clip: Path) -> None:
    ref = await session_with(engine, settings, clip)
    draft = await engine.draft(ref)
    track = draft.track_dict(VIDEO)
    assert track is not None
    del track["sg"][0]["m"]["has_audio"]
    await engine.store.push_draft(ref.session_id, draft.to_json())
    await collect(engine.edit(ref, "add calm music"))
    music = (await engine.draft(ref)).first_segment(AUDIO)
    assert music is not None and music.meta["volume"] == pytest.approx(0.4)
