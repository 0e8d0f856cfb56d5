"""/moods through real discord.py, the fake Discord and the real App: the list, then one
attachment per mood whose sound is measured (about 10 s of music each)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bots.bootstrap import App, build_app
from bots.discord_bot import BacktrackBot
from core.config import Settings
from core.music.moods import MOODS, NAMES
from core.music.previews import preview_name
from tests.bots.discord.conftest import BotFactory
from tests.conftest import with_previews
from tests.fakes.discord_api import FakeDiscord
from tests.media import audio_samples, level_db

GUILD, CHANNEL, ALICE = 900, 901, 11


@pytest.fixture
async def live(tmp_path: Path, mood_previews: Path,
               make_bot: BotFactory) -> AsyncIterator[BacktrackBot]:
    settings = Settings(data_dir=tmp_path / "data", discord_bot_token="fake-bot-token",
                        engine="local", link_public_url="http://127.0.0.1:9/dl", link_port=0)
    with_previews(settings.data_dir, mood_previews)
    app: App = await build_app(settings)
    bot: BacktrackBot = await make_bot(app.settings, app.assistant, app.gate)
    yield bot
    await app.aclose()


async def test_slash_moods_lists_them_then_attaches_a_ten_second_preview_of_each(
        live: BacktrackBot, fake: FakeDiscord, tmp_path: Path) -> None:
    payload = fake.slash("moods", user_id=ALICE, channel_id=CHANNEL, guild_id=GUILD)
    live._connection.parse_interaction_create(payload)  # what the gateway would do
    interaction = fake.interaction(payload)
    await fake.wait_for(lambda: len([m for m in interaction.followups if m.files]) == len(NAMES)
                        or None, timeout=60)
    texts = [t for t in [*(interaction.original.history if interaction.original else []),
                         *(m.content for m in interaction.followups)] if t]
    assert texts[0].startswith("Built-in moods") and all(n in texts[0] for n in NAMES)
    uploads = [m for m in interaction.followups if m.files]
    for name, message in zip(NAMES, uploads, strict=True):
        (filename, data), = message.files
        assert filename == preview_name(name)
        assert name in (message.content or "") and MOODS[name].zh in (message.content or "")
        got = tmp_path / filename
        got.write_bytes(data)
        samples, rate = audio_samples(got)
        assert samples.size / rate == pytest.approx(10.0, abs=0.1)
        assert level_db(got, 1.0, 6.0) > -30
