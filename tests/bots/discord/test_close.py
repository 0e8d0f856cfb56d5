"""close() cancels and awaits the turns still running (discord.py's handler tasks)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from core.config import Settings
from core.conversation.turn import Reply, Status, Turn
from tests.bots.discord.conftest import BotFactory, FakeAssistant, FakeGate
from tests.fakes.discord_api import FakeDiscord

DM, ALICE = 777, 11


async def test_close_cancels_and_awaits_a_running_turn(
        make_bot: BotFactory, fake: FakeDiscord, settings: Settings,
        assistant: FakeAssistant, gate: FakeGate) -> None:
    started, cancelled = asyncio.Event(), asyncio.Event()

    async def forever(turn: Turn) -> AsyncIterator[Reply]:
        yield Status("Rendering…", 0)
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    assistant.script = forever
    bot = await make_bot(settings, assistant, gate)
    bot._connection.parse_message_create(fake.message(user_id=ALICE, channel_id=DM,
                                                      content="music"))
    await asyncio.wait_for(started.wait(), 10)
    before = {t for t in asyncio.all_tasks() if not t.done()}
    await asyncio.wait_for(bot.close(), 10)
    assert cancelled.is_set()
    turn_tasks = {t for t in before if "on_message" in t.get_name()}  # discord.py names it
    assert turn_tasks and all(t.done() for t in turn_tasks)
    await asyncio.wait_for(bot.idle(), 1)  # nothing tracked is left
