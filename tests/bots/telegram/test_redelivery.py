"""An update Telegram delivers again after a restart (same update_id) is handled once: the
adapter passes the update_id on, the real assistant and store remember it."""

from __future__ import annotations

from pathlib import Path

from bots.bootstrap import build_app
from tests.bots.telegram.conftest import running, settle, tg_settings
from tests.fakes.telegram_api import FakeTelegram

ANN = 42


def say(tg: FakeTelegram, text: str) -> int:
    user = tg.user(ANN)
    return tg.push(message=tg.message(tg.private(user), user, text))


async def test_an_update_delivered_again_after_a_restart_is_handled_once(
        tg: FakeTelegram, tmp_path: Path) -> None:
    settings = tg_settings(tmp_path, tg)
    app = await build_app(settings)
    try:
        async with running(app):
            update_id = say(tg, "help")
            await tg.wait_for(lambda: tg.texts(ANN))
            await settle()
    finally:
        await app.aclose()
    answer = tg.texts(ANN)
    assert answer
    served_before = len(tg.served)

    app = await build_app(settings)  # the restart: same data folder, same store
    try:
        async with running(app):
            tg.redeliver(update_id)
            say(tg, "help")  # a new message, handled after the old one in this chat
            await tg.wait_for(lambda: len(tg.texts(ANN)) >= 2 * len(answer))
            await settle()
    finally:
        await app.aclose()
    assert tg.texts(ANN) == answer * 2  # the first answer and the new one; none for the replay
    assert update_id in tg.served[served_before:]  # it did reach the restarted bot
