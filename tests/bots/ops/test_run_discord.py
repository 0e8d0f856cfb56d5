"""`serve` with Discord against the fake REST API: a refused token is a ConfigError in words,
and nothing is left open."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest

from bots.run import Stopper, serve
from core.config import load_settings
from core.errors import ConfigError
from tests.fakes.discord_api import FakeDiscord


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    monkeypatch.setattr(discord.http.Route, "BASE", server.api_url)
    yield server
    await server.stop()


async def test_refused_discord_token_stops_start_up_with_words(
        fake: FakeDiscord, env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env.setenv("DISCORD_BOT_TOKEN", "not-the-right-token")
    env.setenv("BACKTRACK_LINK_PUBLIC_URL", "http://127.0.0.1:9")
    env.setenv("BACKTRACK_LINK_PORT", "0")
    with pytest.raises(ConfigError, match="Discord refused DISCORD_BOT_TOKEN"):
        await serve(load_settings(), grace=0, stopper=Stopper())
    assert any("/users/@me" in path for path in fake.requests)
    with sqlite3.connect(tmp_path / "data" / "backtrack.sqlite3") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
