"""The real discord.py against the fake Discord REST API, with a scriptable assistant."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import discord
import pytest

from bots.discord_bot import BacktrackBot
from core.config import Settings
from core.conversation.turn import Notice, Notifier, Problem, Reply, Status, Turn, Video
from core.errors import TooLarge
from tests.fakes.discord_api import FakeDiscord

Script = Callable[[Turn], AsyncIterator[Reply]]


class FakeAssistant:
    """Records turns; fetches attachments (after a size check, as the real one does) and
    answers with a status line and the first file back as the "render"."""

    def __init__(self, work_dir: Path, max_bytes: int) -> None:
        self.work_dir = work_dir
        self.max_bytes = max_bytes
        self.turns: list[Turn] = []
        self.fetched: list[Path] = []
        self.notifiers: dict[str, Notifier] = {}
        self.recovered = asyncio.Event()
        self.recoveries = 0
        self.script: Script | None = None
        self.render_delay = 0.0

    def handle(self, turn: Turn) -> AsyncIterator[Reply]:
        self.turns.append(turn)
        return (self.script or self.default)(turn)

    async def default(self, turn: Turn) -> AsyncIterator[Reply]:
        for attachment in turn.attachments:
            if attachment.size is not None and attachment.size > self.max_bytes:
                yield Problem(str(TooLarge(f"{attachment.name} is over the size limit.")))
                return
        paths = []
        for i, attachment in enumerate(turn.attachments):
            path = self.work_dir / f"{len(self.turns)}-{i}-{attachment.name}"
            await attachment.fetch(path)
            self.fetched.append(path)
            paths.append(path)
        yield Status("Rendering…", 0)
        yield Status("Rendering…", 50)
        await asyncio.sleep(self.render_delay)
        if not paths:
            yield Problem(f"heard {turn.text!r}")
            return
        size = paths[0].stat().st_size
        yield Video(path=paths[0], url=None, size=size, duration=None, caption="Done.",
                    buttons=("Fade out", "Undo"))

    def add_notifier(self, platform: str, notifier: Notifier) -> None:
        self.notifiers[platform] = notifier

    async def recover(self) -> None:
        self.recoveries += 1
        self.recovered.set()

    async def notify(self, notice: Notice) -> None:
        await self.notifiers["discord"](notice)


class FakeGate:
    def __init__(self) -> None:
        self.denied_users: set[int] = set()

    def allowed(self, platform: str, chat: str | int, user: str | int,
                guild: str | int | None = None) -> bool:
        return int(user) not in self.denied_users


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    # Route.BASE is discord.py's public class attribute for the API root.
    monkeypatch.setattr(discord.http.Route, "BASE", server.api_url)
    yield server
    await server.stop()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", discord_bot_token="fake-bot-token",
                    max_file_bytes=5 * 1024 * 1024)


@pytest.fixture
def assistant(tmp_path: Path, settings: Settings) -> FakeAssistant:
    work = tmp_path / "work"
    work.mkdir()
    return FakeAssistant(work, settings.max_file_bytes)


@pytest.fixture
def gate() -> FakeGate:
    return FakeGate()


BotFactory = Callable[..., Any]


@pytest.fixture
async def make_bot(fake: FakeDiscord) -> AsyncIterator[BotFactory]:
    """Builds a bot with the given parts and logs it in against the fake (no gateway)."""
    bots: list[BacktrackBot] = []

    async def build(settings: Settings, assistant: Any, gate: Any, **kwargs: Any) -> BacktrackBot:
        kwargs.setdefault("progress_interval", 0.0)
        bot = BacktrackBot(settings, assistant, gate, **kwargs)
        bots.append(bot)
        await bot.login(fake.token)
        return bot

    yield build
    for bot in bots:
        await bot.close()


@pytest.fixture
async def bot(make_bot: BotFactory, settings: Settings, assistant: FakeAssistant,
              gate: FakeGate) -> BacktrackBot:
    built: BacktrackBot = await make_bot(settings, assistant, gate)
    return built
