"""/moods through real PTB, the fake Bot API and the real App: the list, then one audio
message per mood whose sound is measured (about 10 s of music each)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bots.bootstrap import App, build_app
from core.music.moods import MOODS, NAMES
from tests.bots.telegram.conftest import running, tg_settings
from tests.conftest import with_previews
from tests.fakes.telegram_api import FakeTelegram
from tests.media import audio_samples, level_db

ANN = 42


@pytest.fixture
async def real_app(tmp_path: Path, tg: FakeTelegram, mood_previews: Path) -> AsyncIterator[App]:
    settings = tg_settings(tmp_path, tg, engine="local")
    with_previews(settings.data_dir, mood_previews)
    built = await build_app(settings)
    yield built
    await built.aclose()


@pytest.mark.parametrize(("command", "language"), [("/moods", "en"), ("/moods", "zh"),
                                                  ("风格", "en")])
async def test_moods_sends_the_list_then_a_ten_second_audio_message_per_mood(
        tg: FakeTelegram, real_app: App, tmp_path: Path, command: str, language: str) -> None:
    async with running(real_app):
        user = tg.user(ANN, language_code=language)  # a Chinese app, or Chinese words
        tg.push(message=tg.message(tg.private(user), user, command))
        await tg.wait_for(lambda: len(tg.sent(ANN, "audio")) == len(NAMES), timeout=60)
    (listing,) = tg.texts(ANN)
    if command == "风格":
        language = "zh"
    sent = tg.sent(ANN, "audio")
    for name, audio in zip(NAMES, sent, strict=True):
        m = MOODS[name]
        assert name in listing and m.zh in listing
        title, caption = audio.params["title"], audio.params["caption"]
        assert name in title and m.zh in title
        assert caption == (m.zh_blurb if language == "zh" else m.blurb)
        assert int(audio.params["duration"]) == 10
        assert audio.upload is not None
        got = tmp_path / f"{name}.mp3"
        got.write_bytes(audio.upload)
        samples, rate = audio_samples(got)
        assert samples.size / rate == pytest.approx(10.0, abs=0.1)  # measured, not the param
        assert level_db(got, 1.0, 6.0) > -30
    assert ("试听" in listing) == (language == "zh")
