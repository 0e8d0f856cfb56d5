"""The fake Bot API, a scriptable assistant, and a bot running real PTB against them."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bots import telegram_bot
from core.config import Settings
from core.conversation.turn import Message, Notifier, Reply, Turn
from tests.fakes.telegram_api import FakeTelegram

Script = Callable[[Turn], AsyncIterator[Reply]]


async def echo(turn: Turn) -> AsyncIterator[Reply]:
    yield Message(f"you said: {turn.text}")


@dataclass
class FakeAssistant:
    """Records turns; `script` decides the replies of each."""

    script: Script = echo
    turns: list[Turn] = field(default_factory=list)
    notifiers: dict[str, Notifier] = field(default_factory=dict)
    recovered: int = 0

    async def handle(self, turn: Turn) -> AsyncIterator[Reply]:
        self.turns.append(turn)
        async for reply in self.script(turn):
            yield reply

    def add_notifier(self, platform: str, notifier: Notifier) -> None:
        self.notifiers[platform] = notifier

    async def recover(self) -> None:
        self.recovered += 1


@dataclass
class FakeGate:
    denied_users: set[int] = field(default_factory=set)

    def allowed(self, platform: str, chat: str | int, user: str | int,
                guild: str | int | None = None) -> bool:
        return int(user) not in self.denied_users


@dataclass
class FakeApp:
    settings: Settings
    assistant: Any = field(default_factory=FakeAssistant)
    gate: FakeGate = field(default_factory=FakeGate)


def tg_settings(tmp_path: Path, tg: FakeTelegram, **extra: Any) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=tmp_path / "data", telegram_bot_token=tg.token,
        telegram_api_url=tg.api_url, telegram_file_url=tg.file_url, **extra)


@contextlib.asynccontextmanager
async def running(app: Any, **options: Any) -> AsyncIterator[telegram_bot.Running]:
    """The real bot, long polling the fake, inside this test's loop."""
    options.setdefault("poll_timeout", 1)
    handle = await telegram_bot.start(app, **options)
    try:
        yield handle
    finally:
        await telegram_bot.stop(handle, grace=1)


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    fake = await FakeTelegram().start()
    yield fake
    await fake.stop()


@pytest.fixture
def app(tmp_path: Path, tg: FakeTelegram) -> FakeApp:
    return FakeApp(tg_settings(tmp_path, tg))


async def settle(seconds: float = 0.2) -> None:
    """Let the bot poll and answer (used only to show that nothing else happens)."""
    await asyncio.sleep(seconds)
