"""Names the user sees are the user's own file names, made harmless; never our stored names."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import Settings
from core.conversation.assistant import Assistant
from core.conversation.fetch import check_upload
from core.conversation.intake import display_name
from core.conversation.turn import Problem, Status, Turn
from core.engine import MediaFile
from core.errors import BadMedia
from core.local.probe import MediaInfo
from tests.core.assistant.conftest import KEY, attach, collect, fake_probe
from tests.fakes.fake_engine import FakeEngine
from tests.fakes.memory_store import MemoryStore


@pytest.mark.parametrize(("raw", "kind", "shown"), [
    ("clip.mp4", "video", "clip.mp4"),
    ("../../etc/passwd.mp4", "video", "passwd.mp4"),
    ("C:\\Users\\me\\clip.mov", "video", "clip.mov"),
    ("line one\nline two.mp4", "video", "line oneline two.mp4"),
    ("\u202egnp.mp4", "video", "gnp.mp4"),
    ("", "audio", "download.mp3"),
    ("...", "video", "download.mp4"),
    ("a" * 300 + ".mp4", "video", "a" * 80),
])
def test_display_name(raw: str, kind: str, shown: str) -> None:
    assert display_name(raw, kind) == shown


async def test_the_probe_is_given_the_users_name(settings: Settings, store: MemoryStore,
                                                 engine: FakeEngine, clip_file: Path) -> None:
    names: list[str | None] = []

    async def probe(path: Path, name: str | None = None) -> MediaInfo:
        names.append(name)
        return await fake_probe(path, name)

    bot = Assistant(settings, store, engine, probe=probe)
    try:
        await collect(bot, Turn(KEY, "", (attach(clip_file, name="../My Clip.mp4"),)))
    finally:
        await bot.aclose()
    assert names == ["My Clip.mp4"]


async def test_words_naming_the_stored_copy_name_the_users_file(
        settings: Settings, store: MemoryStore, engine: FakeEngine, clip_file: Path) -> None:
    async def probe(path: Path, name: str | None = None) -> MediaInfo:
        raise BadMedia(f"{path.name} doesn't look like a video.")  # a probe that ignores name

    bot = Assistant(settings, store, engine, probe=probe)
    try:
        replies = await collect(bot, Turn(KEY, "", (attach(clip_file, name="Holiday.mp4"),)))
    finally:
        await bot.aclose()
    assert [r.text for r in replies if isinstance(r, Problem)] == [
        "Holiday.mp4 doesn't look like a video."]


async def test_receiving_status_shows_a_harmless_name(assistant: Assistant,
                                                      clip_file: Path) -> None:
    replies = await collect(assistant, Turn(KEY, "", (
        attach(clip_file, name="../../x\n\u202eclip.mp4"),)))
    statuses = [r.text for r in replies if isinstance(r, Status)]
    assert statuses[0] == "Receiving xclip.mp4…", statuses
    assert all("\n" not in s and "../" not in s and "\u202e" not in s for s in statuses)


@pytest.mark.parametrize(("name", "mime"), [
    ("voice.ogg", None), ("voice.oga", None), ("voice.opus", None), ("audio", "audio/ogg"),
    ("audio", "audio/opus"), ("file_12", "audio/ogg; codecs=opus")])
def test_voice_notes_are_audio(name: str, mime: str | None) -> None:
    assert check_upload(name, 1000, mime, 10_000) == "audio"


async def test_engine_words_naming_the_stored_copy_name_the_users_file(
        settings: Settings, store: MemoryStore, engine: FakeEngine, clip_file: Path) -> None:
    """The local engine probes again and `require_video` names `info.path`: our random name."""
    async def add_media(session: object, media: MediaFile) -> str:
        raise BadMedia(f"{media.path.name} has no video stream; please send a video.")

    engine.add_media = add_media  # type: ignore[method-assign,assignment]
    bot = Assistant(settings, store, engine, probe=fake_probe)
    try:
        replies = await collect(bot, Turn(KEY, "", (attach(clip_file, name="Holiday.mp4"),)))
    finally:
        await bot.aclose()
    assert [r.text for r in replies if isinstance(r, Problem)] == [
        "Holiday.mp4 has no video stream; please send a video."]
    assert store.media == {}
