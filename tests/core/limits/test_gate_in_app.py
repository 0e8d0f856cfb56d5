"""The gate through the real App (assistant, SQLite store, local engine): the words people get."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

from bots.bootstrap import build_app
from core.config import Settings
from core.conversation.turn import Attachment, ConversationKey, Problem, Reply, Turn, Video


def settings(tmp_path: Path, **extra: Any) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "data", **extra)  # type: ignore[call-arg]


def attach(path: Path) -> Attachment:
    async def fetch(dest: Path) -> None:
        await asyncio.to_thread(shutil.copyfile, path, dest)

    return Attachment(name=path.name, size=path.stat().st_size, mime="video/mp4", fetch=fetch)


async def turn(app: Any, user: str, text: str, *files: Attachment) -> list[Reply]:
    t = Turn(ConversationKey("telegram", user), text=text, attachments=files)
    return await asyncio.wait_for(_collect(app, t), 60)


async def _collect(app: Any, t: Turn) -> list[Reply]:
    return [reply async for reply in app.assistant.handle(t)]


def problems(replies: list[Reply]) -> list[str]:
    return [r.text for r in replies if isinstance(r, Problem)]


async def test_rate_limit_in_words_and_admins_exempt(tmp_path: Path) -> None:
    app = await build_app(settings(tmp_path, turns_per_minute=2, admins=frozenset({7})))
    try:
        # "new" goes through the gate ("help" is answered before it: it costs nothing).
        for _ in range(2):
            assert not problems(await turn(app, "1", "new"))
        [words] = problems(await turn(app, "1", "new"))
        assert words.startswith("You're sending messages quickly; try again in ")
        assert not problems(await turn(app, "1", "help"))
        assert not problems(await turn(app, "2", "new"))  # someone else
        for _ in range(5):
            assert not problems(await turn(app, "7", "new"))  # an admin
    finally:
        await app.aclose()


async def test_daily_quota_in_words_survives_a_restart(tmp_path: Path, clip: Path) -> None:
    config = settings(tmp_path, renders_per_day=1, turns_per_minute=0)
    app = await build_app(config)
    try:
        first = await turn(app, "1", "add calm music", attach(clip))
        assert any(isinstance(r, Video) for r in first), first
    finally:
        await app.aclose()
    app = await build_app(config)  # the count lives in the store, not in memory
    try:
        [words] = problems(await turn(app, "1", "fade it out at the end"))
        assert "You've made 1 video in the last 24 hours (the limit is 1)" in words
        assert "you can render again in 24 h." in words
    finally:
        await app.aclose()
