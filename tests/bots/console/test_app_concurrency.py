"""The real app (LocalEngine, SQLite, ffmpeg) under concurrent conversations."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bots.bootstrap import build_app
from bots.console_lines import attachment_for
from core.config import Settings
from core.conversation.turn import ConversationKey, Message, Reply, Status, Turn, Video
from tests.media import measure


async def test_two_chats_share_one_renderer_and_a_busy_chat_says_so(
        tmp_path: Path, clip: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path / "data",  # type: ignore[call-arg]
                        max_concurrent_renders=1)
    app = await build_app(settings)
    alice, bob = ConversationKey("telegram", "1"), ConversationKey("discord", "5", "9")
    try:
        for key in (alice, bob):
            async for _ in app.assistant.handle(Turn(key, "", (attachment_for(clip),))):
                pass

        async def run(key: ConversationKey) -> list[Reply]:
            turn = Turn(key, "add calm music and make it vertical")
            return [reply async for reply in app.assistant.handle(turn)]

        first, second = asyncio.create_task(run(alice)), asyncio.create_task(run(bob))
        async with asyncio.timeout(60):
            while not await app.store.renders_in_state("running"):
                await asyncio.sleep(0.02)
        busy = [r async for r in app.assistant.handle(Turn(alice, "fade out"))]
        assert len(busy) == 1 and isinstance(busy[0], Message)
        assert busy[0].text.startswith("Still working on your last request")

        results = await asyncio.wait_for(asyncio.gather(first, second), 120)
        statuses = [r.text for replies in results for r in replies if isinstance(r, Status)]
        assert any("next in line" in text for text in statuses), statuses
        for replies in results:
            (video,) = [r for r in replies if isinstance(r, Video)]
            assert video.path is not None
            facts = measure(video.path)
            assert facts.height is not None and facts.width is not None
            assert facts.height > facts.width and facts.audio_streams == 1
        done = await app.store.renders_in_state("done")
        assert len(done) == 2
    finally:
        await app.aclose()
