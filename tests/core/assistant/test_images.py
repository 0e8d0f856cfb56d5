"""Pictures: the local engine can't use one as the clip (refused in words before fetching);
an engine that declares `accepts_images` (NemoVideo) gets them, size-checked from headers."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import Settings
from core.conversation.assistant import Assistant
from core.conversation.intake import PHOTOS_REFUSED, engine_accepts_images
from core.conversation.turn import Message, Problem, Turn
from tests.core.assistant.conftest import KEY, attach, collect, fake_probe
from tests.fakes.fake_engine import FakeEngine
from tests.fakes.memory_store import MemoryStore
from tests.media import ffmpeg


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "beach.png"
    ffmpeg("-f", "lavfi", "-i", "color=blue:s=64x48", "-frames:v", "1", str(path))
    return path


def problems(replies: list[object]) -> list[str]:
    return [r.text for r in replies if isinstance(r, Problem)]


async def test_a_photo_is_refused_in_words_before_fetching(assistant: Assistant, engine: FakeEngine,
                                                           photo: Path) -> None:
    fetched: list[Path] = []
    replies = await collect(assistant, Turn(KEY, "", (attach(photo, mime="image/png",
                                                             fetched=fetched),)))
    assert problems(replies) == [PHOTOS_REFUSED]
    assert fetched == [] and engine.count("add_media") == 0


class Probe:
    """A probe that must not be called (pictures are read from their headers)."""

    calls = 0

    async def __call__(self, path: Path, name: str | None = None) -> object:
        Probe.calls += 1
        return await fake_probe(path, name)


@pytest.mark.parametrize(("max_pixels", "refused"), [(10_000, False), (1000, True)])
async def test_an_engine_that_takes_pictures_gets_them(
        settings: Settings, store: MemoryStore, engine: FakeEngine, photo: Path,
        max_pixels: int, refused: bool) -> None:
    engine.accepts_images = True  # type: ignore[attr-defined]
    probe = Probe()
    bot = Assistant(settings.model_copy(update={"max_pixels": max_pixels}), store, engine,
                    probe=probe)  # type: ignore[arg-type]
    try:
        replies = await collect(bot, Turn(KEY, "", (attach(photo, mime="image/png"),)))
    finally:
        await bot.aclose()
    assert Probe.calls == 0
    if refused:
        assert problems(replies) == ["beach.png is 64x48; that is more pixels than I take "
                                     "(1,000 at most). Please send a smaller copy."]
        assert store.media == {}
    else:
        assert problems(replies) == [], replies
        (record,) = store.media.values()
        assert (record.kind, record.width, record.height) == ("image", 64, 48)
        assert any(isinstance(r, Message) for r in replies)


async def test_a_broken_picture_gets_words(settings: Settings, store: MemoryStore,
                                           engine: FakeEngine, tmp_path: Path) -> None:
    engine.accepts_images = True  # type: ignore[attr-defined]
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"\x89PNG not really" * 10)
    bot = Assistant(settings, store, engine, probe=fake_probe)
    try:
        replies = await collect(bot, Turn(KEY, "", (attach(junk, name="Cat.png"),)))
    finally:
        await bot.aclose()
    assert problems(replies) == ["Cat.png isn't a picture I can read (it may be damaged)."]


class Named:
    def __init__(self, name: str, **attrs: bool) -> None:
        self.name = name
        self.__dict__.update(attrs)


@pytest.mark.parametrize(("engine", "takes"), [
    (Named("local"), False), (Named("nemo"), False), (Named("x", accepts_images=True), True),
    (Named("nemo", accepts_images=False), False)])
def test_engine_accepts_images(engine: object, takes: bool) -> None:
    assert engine_accepts_images(engine) is takes


def test_the_real_engines_declare_whether_they_take_photos() -> None:
    from core.local.engine import LocalEngine
    from core.nemo.engine import NemoEngine

    assert engine_accepts_images(NemoEngine) and not engine_accepts_images(LocalEngine)
