"""A message or interaction Discord delivers again (same id, e.g. after a restart) is handled
once: the adapter makes the turn's update_id from the message or interaction id, and the real
assistant and store remember it."""

from __future__ import annotations

import asyncio

from bots.bootstrap import build_app
from core.config import Settings
from tests.bots.discord.conftest import BotFactory, FakeAssistant, FakeGate
from tests.fakes.discord_api import FakeDiscord

GUILD, CHANNEL, ALICE, DM = 900, 901, 11, 777


async def test_a_message_delivered_again_after_a_restart_is_handled_once(
        make_bot: BotFactory, fake: FakeDiscord, settings: Settings) -> None:
    payload = fake.message(user_id=ALICE, channel_id=DM, content="help")

    async def run(*messages: tuple[dict, bool]) -> None:
        """A fresh start on the same data folder; each message and whether it gets an answer."""
        app = await build_app(settings)
        try:
            bot = await make_bot(settings, app.assistant, app.gate)
            for message, answered in messages:
                before = len(fake.channel_messages(DM))
                bot._connection.parse_message_create(message)
                if answered:
                    await fake.wait_for(lambda n=before: len(fake.channel_messages(DM)) > n)
                await asyncio.sleep(0.3)  # time for the dispatch, and for an unwanted answer
                await bot.idle()
            await bot.close()
        finally:
            await app.aclose()

    await run((payload, True))
    first = len(fake.channel_messages(DM))
    fresh = fake.message(user_id=ALICE, channel_id=DM, content="help")
    await run((payload, False), (fresh, True))
    assert len(fake.channel_messages(DM)) == 2 * first  # none for the replay
    assert {m.reference for m in fake.channel_messages(DM)} == {int(payload["id"]),
                                                               int(fresh["id"])}

async def test_update_ids_come_from_the_interaction_and_the_message(
        make_bot: BotFactory, fake: FakeDiscord, settings: Settings,
        assistant: FakeAssistant, gate: FakeGate) -> None:
    bot = await make_bot(settings, assistant, gate)
    slash = fake.slash("status", user_id=ALICE, channel_id=CHANNEL, guild_id=GUILD)
    message = fake.message(user_id=ALICE, channel_id=DM, content="status")
    bot._connection.parse_interaction_create(slash)
    bot._connection.parse_message_create(message)
    await fake.wait_for(lambda: len(assistant.turns) == 2)
    assert sorted(t.update_id or "" for t in assistant.turns) == sorted(
        [f"i{slash['id']}", f"m{message['id']}"])
    await asyncio.sleep(0.1)
    await bot.idle()
