"""The assistant over in-memory fakes: MemoryStore, FakeEngine and a probe that reads names."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from core.config import Settings
from core.conversation.assistant import Assistant
from core.conversation.turn import Attachment, ConversationKey, Reply, Turn
from core.local.probe import MediaInfo
from tests.fakes.fake_engine import FakeEngine
from tests.fakes.memory_store import MemoryStore

KEY = ConversationKey("telegram", "100")


async def fake_probe(path: Path, name: str | None = None) -> MediaInfo:
    """Audio for audio suffixes, a 4 s 320x240 video with sound otherwise."""
    audio = path.suffix in (".mp3", ".wav", ".m4a", ".aac", ".ogg", ".oga", ".opus")
    return MediaInfo(path=path, format_name="fake", duration=4.0, has_video=not audio,
                     has_audio=True, video_codec=None if audio else "h264", audio_codec="aac",
                     width=None if audio else 320, height=None if audio else 240, rotation=0,
                     fps=None if audio else 25.0, audio_streams=1,
                     size=path.stat().st_size)


def attach(path: Path, name: str | None = None, size: int | None = None,
           mime: str | None = None, fetched: list[Path] | None = None) -> Attachment:
    """An attachment whose fetch copies a local file (and notes where it went)."""
    async def fetch(dest: Path) -> None:
        if fetched is not None:
            fetched.append(dest)
        await asyncio.to_thread(shutil.copyfile, path, dest)

    return Attachment(name=name or path.name, size=path.stat().st_size if size is None else size,
                      mime=mime, fetch=fetch)


async def collect(assistant: Assistant, turn: Turn, timeout: float = 10) -> list[Reply]:
    async def run() -> list[Reply]:
        return [reply async for reply in assistant.handle(turn)]
    return await asyncio.wait_for(run(), timeout)


async def wait_until(condition: Callable[[], bool], timeout: float = 5) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.005)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "data")  # type: ignore[call-arg]


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def engine(tmp_path: Path) -> FakeEngine:
    renders = tmp_path / "renders"
    renders.mkdir()
    return FakeEngine(renders)


@pytest.fixture
def clip_file(tmp_path: Path) -> Path:
    path = tmp_path / "My Holiday Clip.mp4"
    path.write_bytes(b"not really a video, the fake probe does not care")
    return path


@pytest.fixture
def song_file(tmp_path: Path) -> Path:
    path = tmp_path / "song.mp3"
    path.write_bytes(b"la la la")
    return path


@pytest.fixture
async def assistant(settings: Settings, store: MemoryStore,
                    engine: FakeEngine) -> AsyncIterator[Assistant]:
    bot = Assistant(settings, store, engine, probe=fake_probe)
    yield bot
    await bot.aclose()
