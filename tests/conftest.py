"""Fixtures every test folder can use."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.media import make_audio, make_video
from tests.postgres import Postgres

if TYPE_CHECKING:
    from tests.fakes.s3 import FakeS3


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """One embedded PostgreSQL for the whole session (started on first use, about a second).

    Its folder is not under pytest's tmp folder: pytest keeps that private (0700) to root,
    and the server runs as its own user."""
    folder = Path(tempfile.mkdtemp(prefix="backtrack-pg-"))
    try:
        server = Postgres(folder / "pgdata")
        try:
            yield server
        finally:
            server.stop(immediate=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def clip(media_dir: Path) -> Path:
    """4 s 320x240 test pattern with a 440 Hz tone as its own sound."""
    return make_video(media_dir / "clip.mp4", seconds=4, freq=440)


@pytest.fixture(scope="session")
def silent_clip(media_dir: Path) -> Path:
    """3 s video with no audio stream."""
    return make_video(media_dir / "silent.mp4", seconds=3, audio=False)


@pytest.fixture(scope="session")
def song(media_dir: Path) -> Path:
    """10 s 880 Hz tone as an MP3 (the user's music)."""
    return make_audio(media_dir / "song.mp3", seconds=10, freq=880)


@pytest.fixture(scope="session")
def mood_previews(media_dir: Path) -> Path:
    """A music folder with every mood's preview made once (the `moods` answer); a chat test
    copies it into its data folder so the previews are made once per session, not per bot."""
    import asyncio

    from core.music.moods import NAMES
    from core.music.previews import preview

    folder = media_dir / "music"

    async def make_all() -> None:
        for name in NAMES:
            await preview(name, folder)

    asyncio.run(make_all())
    return folder


def with_previews(data_dir: Path, previews: Path) -> None:
    """Put the session's previews where an app with `data_dir` looks for them."""
    shutil.copytree(previews, data_dir / "music", dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("*.wav"))


@pytest.fixture(autouse=True)
def _no_stray_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never read the operator's tokens or `.env`."""
    for name in ("TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN", "NEMO_TOKEN", "BACKTRACK_ENGINE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def fake_s3() -> Iterator[FakeS3]:
    """moto's S3 server on 127.0.0.1 for the whole session; each test makes its own bucket."""
    from tests.fakes.s3 import moto_server  # moto loads only for tests that use it

    with moto_server() as s3:
        yield s3
