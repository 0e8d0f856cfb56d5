"""The hostile corpus goes through the real App: the assistant, the local engine, SQLite."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bots.bootstrap import App, build_app
from core.config import Settings
from core.conversation.turn import (
    Attachment,
    ConversationKey,
    Message,
    Problem,
    Reply,
    Status,
    Turn,
    Video,
)
from tests.hostile import corpus

AUDIO_LIMIT_SECONDS = 15.0


@dataclass
class Said:
    """What one turn answered."""

    replies: list[Reply]

    @property
    def words(self) -> str:
        parts: list[str] = []
        for r in self.replies:
            if isinstance(r, Message | Problem | Status):
                parts.append(r.text)
            elif isinstance(r, Video):
                parts.append(r.caption)
        return "\n".join(parts)

    @property
    def problems(self) -> list[str]:
        return [r.text for r in self.replies if isinstance(r, Problem)]

    @property
    def videos(self) -> list[Video]:
        return [r for r in self.replies if isinstance(r, Video)]

    def no_traceback(self) -> None:
        text = self.words
        for leak in ("Traceback", "Error:", "ffmpeg", "errno", "/tmp/", "Exception"):
            assert leak not in text, text


def settings_for(tmp_path: Path, **extra: Any) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "data",  # type: ignore[call-arg]
                    max_audio_seconds=AUDIO_LIMIT_SECONDS, turns_per_minute=0,
                    renders_per_day=0, **extra)


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    built = await build_app(settings_for(tmp_path))
    yield built
    await built.aclose()


def attach(path: Path, name: str | None = None, mime: str | None = None) -> Attachment:
    async def fetch(dest: Path) -> None:
        await asyncio.to_thread(shutil.copyfile, path, dest)

    return Attachment(name=name if name is not None else path.name,
                      size=path.stat().st_size, mime=mime, fetch=fetch)


Talk = Callable[..., Any]


@pytest.fixture
def talk(app: App) -> Talk:
    """`await talk(chat, text, files=[attach(...)])` -> Said, with a deadline."""

    async def go(chat: str, text: str = "", files: Sequence[Attachment] = (),
                 timeout: float = 90) -> Said:
        turn = Turn(ConversationKey("telegram", chat), text=text, attachments=tuple(files),
                    upload_limit=50 * 1024 * 1024)

        async def collect() -> list[Reply]:
            return [reply async for reply in app.assistant.handle(turn)]

        return Said(await asyncio.wait_for(collect(), timeout))

    return go


# The corpus, made once per session ----------------------------------------------------------


@pytest.fixture(scope="session")
def hostile(tmp_path_factory: pytest.TempPathFactory, clip: Path) -> Callable[[str], Path]:
    """`hostile("vfr")` -> the file, generated on first use."""
    folder = tmp_path_factory.mktemp("hostile")
    makers: dict[str, Callable[[], Path]] = {
        "zero": lambda: corpus.zero_bytes(folder),
        "random": lambda: corpus.random_bytes(folder),
        "truncated": lambda: corpus.truncated(folder, clip),
        "truncated_faststart": lambda: corpus.truncated_faststart(folder),
        "mp3": lambda: corpus.mp3(folder),
        "mp3_named_mp4": lambda: corpus.mp3_named_mp4(folder),
        "no_audio": lambda: corpus.no_audio(folder),
        "portrait": lambda: corpus.portrait_phone(folder, clip),
        "vfr": lambda: corpus.variable_frame_rate(folder),
        "hevc_mov": lambda: corpus.hevc_mov(folder),
        "vp9_webm": lambda: corpus.vp9_webm(folder),
        "two_audio_mkv": lambda: corpus.two_audio_tracks(folder),
        "camcorder_mts": lambda: corpus.camcorder_mts(folder),
        "dvd_mpg": lambda: corpus.dvd_mpg(folder),
        "old_phone_3gp": lambda: corpus.old_phone_3gp(folder),
        "ten_hours": lambda: corpus.ten_hours(folder),
        "png_20000": lambda: corpus.huge_png(folder, 20000),
        "mov_16000": lambda: corpus.huge_frame_video(folder, corpus.huge_png(folder, 16000)),
        "long_audio": lambda: corpus.long_audio(folder, AUDIO_LIMIT_SECONDS + 5),
    }
    made: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in made:
            made[name] = makers[name]()
        return made[name]

    return get
