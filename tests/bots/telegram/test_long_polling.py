"""The fake Bot API's getUpdates keeps the Bot API's promise under the ways a long poll can end
(bench_scale lost one message in 487 and the fake was a suspect): every update is handed out,
in update_id order, until an offset above it confirms it; a long poll the client gave up on
(still waiting at the server) takes nothing away from the next one; and the real bot, long
polling while chats send messages in bursts and while their turns are slow, gets every update.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import ClientSession, ClientTimeout

from core.conversation.turn import Message, Reply, Turn
from tests.bots.telegram.conftest import FakeApp, FakeAssistant, running, tg_settings
from tests.fakes.telegram_api import FakeTelegram


def say(tg: FakeTelegram, chat: int, text: str) -> int:
    user = tg.user(chat)
    return tg.push(message=tg.message(tg.private(user), user, text))


async def poll(session: ClientSession, tg: FakeTelegram, offset: int, timeout: float
               ) -> list[int]:
    async with session.post(f"{tg.api_url}{tg.token}/getUpdates",
                            json={"offset": offset, "timeout": timeout}) as response:
        body: dict[str, Any] = await response.json()
    return [u["update_id"] for u in body["result"]]


async def test_updates_are_handed_out_until_confirmed_even_past_an_abandoned_poll(
        tg: FakeTelegram) -> None:
    async with ClientSession() as session:
        first = [say(tg, 1, "a"), say(tg, 2, "b")]
        assert await poll(session, tg, 0, 0) == first
        assert await poll(session, tg, 0, 0) == first  # not confirmed yet: handed out again
        offset = first[-1] + 1
        # A long poll the client abandons (its timeout, a restart): the server still waits.
        with contextlib.suppress(TimeoutError):
            async with ClientSession(timeout=ClientTimeout(total=0.2)) as impatient:
                await poll(impatient, tg, offset, 5)
        later = [say(tg, 1, "c"), say(tg, 3, "d")]
        assert await poll(session, tg, offset, 5) == later
        last = [say(tg, 2, "e")]
        assert await poll(session, tg, later[-1] + 1, 5) == last
        assert await poll(session, tg, last[-1] + 1, 0) == []
        # A long poll that is waiting when an update comes returns it at once.
        waiting = asyncio.create_task(poll(session, tg, last[-1] + 1, 5))
        await asyncio.sleep(0.1)
        pushed = say(tg, 4, "f")
        assert await asyncio.wait_for(waiting, 2) == [pushed]


async def test_the_bot_gets_every_update_of_bursty_chats_with_slow_turns(
        tg: FakeTelegram, tmp_path: Any) -> None:
    rng = random.Random(7)

    async def slow(turn: Turn) -> AsyncIterator[Reply]:
        await asyncio.sleep(rng.random() * 0.3)
        yield Message(f"done {turn.update_id}")
        await asyncio.sleep(rng.random() * 0.3)  # words still to come after the answer

    app = FakeApp(tg_settings(tmp_path, tg), FakeAssistant(slow))
    sent: list[int] = []

    async def chat(number: int) -> None:
        for i in range(8):
            sent.append(say(tg, number, f"message {i}"))
            await asyncio.sleep(rng.choice((0.0, 0.01, 0.3)))

    async with running(app, poll_timeout=1, patience=0.1):
        await asyncio.gather(*(chat(100 + n) for n in range(25)))
        await tg.wait_for(lambda: len(app.assistant.turns) >= len(sent), timeout=60)
    handled = [int(t.update_id) for t in app.assistant.turns]
    assert sorted(handled) == sorted(sent)  # each once, none lost
