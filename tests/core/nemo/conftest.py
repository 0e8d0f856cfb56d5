"""The fake NemoVideo server on 127.0.0.1 and an engine that talks to it over real HTTP."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.config import Settings
from core.engine import EngineEvent, SessionRef
from core.nemo import NemoEngine, Timing
from tests.fakes.memory_store import MemoryStore
from tests.fakes.nemo_server import (
    FakeNemo,
    fake_fixture,  # noqa: F401  (provides `fake`)
)

# Stream limits a test can reach in well under a second; every `sleep` is virtual (recorded).
FAST = Timing(still_working_every=0.15, heartbeat_timeout=0.6, turn_limit=1.0, read_timeout=3)


# Limits no test reaches even on a busy machine (for tests that are not about limits).
RELAXED = Timing(still_working_every=0.15, heartbeat_timeout=20, turn_limit=30, read_timeout=30)


class TestClock:
    """Real monotonic time plus every sleep the engine asks for, which returns at once."""

    __test__ = False

    def __init__(self) -> None:
        self.offset = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return time.monotonic() + self.offset

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.offset += seconds
        await asyncio.sleep(0)




@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def clock() -> TestClock:
    return TestClock()


def make_settings(fake: FakeNemo, data_dir: Path, **extra: object) -> Settings:
    return Settings(_env_file=None, nemo_api_url=fake.url,  # type: ignore[attr-defined,call-arg]
                    nemo_web_url="https://web.nemo.test", data_dir=data_dir, **extra)


@pytest.fixture
def settings(fake: FakeNemo, tmp_path: Path) -> Settings:
    return make_settings(fake, tmp_path)


@pytest.fixture
async def engine(settings: Settings, store: MemoryStore,
                 clock: TestClock) -> AsyncIterator[NemoEngine]:
    nemo = NemoEngine(settings, store, timing=RELAXED, sleep=clock.sleep, clock=clock)
    yield nemo
    await nemo.aclose()


@pytest.fixture
async def hurried(settings: Settings, store: MemoryStore,
                  clock: TestClock) -> AsyncIterator[NemoEngine]:
    """For the tests of the stream limits: they are reached in about a second."""
    nemo = NemoEngine(settings, store, timing=FAST, sleep=clock.sleep, clock=clock)
    yield nemo
    await nemo.aclose()


async def start(engine: NemoEngine, store: MemoryStore, clip: Path | None = None,
                key: str = "console:local") -> SessionRef:
    """A session saved on a conversation, with a clip uploaded when given."""
    from core.engine import MediaFile
    from core.ports import Conversation

    sid = await engine.new_session(key, "en")
    await store.save_conversation(Conversation(key, "nemo", sid))
    session = SessionRef(key, sid)
    if clip is not None:
        await engine.add_media(session, MediaFile("m1", clip, clip.name, "video",
                                                  clip.stat().st_size))
    return session


async def collect(events: AsyncIterator[EngineEvent]) -> list[EngineEvent]:
    return [event async for event in events]


_CODE = re.compile(r"\b(1001|1002|2001|4001|4002|code)\b", re.IGNORECASE)


def assert_words(text: str) -> None:
    """What a user may see: words, never JSON, tracebacks or bare codes."""
    assert text.strip(), "empty text for the user"
    assert "{" not in text and "}" not in text, text
    assert "Traceback" not in text and "Error(" not in text, text
    assert not _CODE.search(text), text
