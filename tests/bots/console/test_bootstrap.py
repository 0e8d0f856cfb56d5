"""build_app wires a real SQLite store, the engine, signed links, and recovery at start."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from bots.bootstrap import build_app
from core.config import Settings
from core.conversation.recovery import INTERRUPTED
from core.conversation.turn import ConversationKey, Message, Notice
from core.errors import ConfigError
from core.ports import RenderRecord
from storage.sqlite import SqliteStore
from tests.core.assistant.conftest import wait_until
from tests.fakes.fake_engine import FakeEngine


def make_settings(tmp_path: Path, **extra: object) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "data", **extra)  # type: ignore[call-arg]


async def test_defaults_local_engine_no_links(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    app = await build_app(settings)
    try:
        assert settings.data_dir.is_dir() and settings.database_path.exists()
        assert isinstance(app.store, SqliteStore)
        assert app.engine.name == "local" and app.signer is None
    finally:
        await app.aclose()


async def test_link_secret_is_made_once_and_kept(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, link_public_url="https://dl.example.test")
    engine = FakeEngine(tmp_path)
    app = await build_app(settings, engine=engine)
    secret = await app.store.get_value("link_secret")
    assert secret and len(secret) >= 32 and app.signer is not None
    url = app.signer.url_for("r1", "backtrack.mp4")
    assert url.startswith("https://dl.example.test/") and secret not in url
    await app.aclose()
    assert engine.closed

    again = await build_app(settings, engine=FakeEngine(tmp_path))
    assert await again.store.get_value("link_secret") == secret
    assert again.signer is not None and again.signer.verify(
        "r1", *_expires_and_signature(again.signer.url_for("r1", "backtrack.mp4")))
    await again.aclose()


def _expires_and_signature(url: str) -> tuple[int, str]:
    """From ".../r/<id>/<expires>/<signature>/<name>"."""
    expires, signature = url.split("/r/", 1)[1].split("/")[1:3]
    return int(expires), signature


async def test_start_reports_renders_a_dead_process_left_running(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    settings.data_dir.mkdir(parents=True)
    store = await SqliteStore.open(settings.database_path)
    await store.save_render(RenderRecord(
        id="r1", conversation="telegram:100", person="telegram:100", session_id="s1",
        engine="fake", state="running", progress=30.0, created_at=1.0, updated_at=1.0))
    await store.close()

    app = await build_app(settings, engine=FakeEngine(tmp_path), recover=True)
    notices: list[Notice] = []

    async def inbox(notice: Notice) -> None:
        notices.append(notice)

    app.assistant.add_notifier("telegram", inbox)
    await wait_until(lambda: bool(notices))
    assert notices == [Notice(ConversationKey("telegram", "100"), [Message(INTERRUPTED)])]
    for _ in range(200):  # the record changes once the notice was handed over
        record = await app.store.get_render("r1")
        if record is not None and record.state == "interrupted":
            break
        await asyncio.sleep(0.01)
    assert record is not None and record.state == "interrupted"
    await app.aclose()


async def test_update_ids_older_than_a_week_are_forgotten_at_start(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    settings.data_dir.mkdir(parents=True)
    eight_days_ago = time.time() - 8 * 24 * 3600
    old = await SqliteStore.open(settings.database_path, clock=lambda: eight_days_ago)
    assert await old.mark_update("telegram", "1")
    await old.close()
    recent = await SqliteStore.open(settings.database_path)
    assert await recent.mark_update("telegram", "2")
    await recent.close()
    app = await build_app(settings, engine=FakeEngine(tmp_path))
    try:
        assert await app.store.mark_update("telegram", "1")  # forgotten: new again
        assert not await app.store.mark_update("telegram", "2")  # kept
    finally:
        await app.aclose()


async def test_a_failed_start_closes_the_engine_and_the_store(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, link_public_url="https://dl.example.test",
                             link_secret="too-short")
    engine = FakeEngine(tmp_path)
    with pytest.raises(ConfigError, match="BACKTRACK_LINK_SECRET"):
        await build_app(settings, engine=engine)
    assert engine.closed
    store = await SqliteStore.open(settings.database_path)  # not left locked or half-open
    try:
        assert await store.get_value("link_secret") is None
    finally:
        await store.close()
