"""A Bot API server that lacks the comfort methods (setMyCommands, deleteWebhook,
answerCallbackQuery, sendChatAction) still runs the bot; the address may be written without
`/bot`, and files then come from the same server."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bots.telegram_replies import button_data
from core.conversation.turn import Message, Reply, Turn, Video
from tests.bots.telegram.conftest import FakeApp, FakeAssistant, running, tg_settings
from tests.fakes.telegram_api import FakeTelegram
from tests.media import make_video

ANN = 601


async def test_bot_runs_without_optional_methods(tg: FakeTelegram, tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    clip = make_video(tmp_path / "clip.mp4", seconds=1)
    got: list[int] = []

    async def script(turn: Turn) -> AsyncIterator[Reply]:
        if turn.attachments:
            dest = tmp_path / "fetched.mp4"
            await turn.attachments[0].fetch(dest)
            got.append(dest.stat().st_size)
            yield Video(clip, None, clip.stat().st_size, 1.0, buttons=("Fade out",))
        else:
            yield Message(f"you said: {turn.text}")

    for method in ("setMyCommands", "deleteWebhook", "answerCallbackQuery", "sendChatAction"):
        tg.fail_next(method, 404, "Not Found", times=5)
    # The address as an operator writes it: no /bot, no file URL.
    settings = tg_settings(tmp_path, tg).model_copy(update={
        "telegram_api_url": f"http://127.0.0.1:{tg.port}/", "telegram_file_url": None})
    app = FakeApp(settings, FakeAssistant(script))
    stored = tg.add_file(clip.read_bytes())
    user = tg.user(ANN)
    with caplog.at_level(logging.WARNING, "backtrack.telegram"):
        async with running(app):
            tg.push(message=tg.message(tg.private(user), user, caption="add music",
                                       video=tg.video(stored, duration=1)))
            video = await tg.wait_for(lambda: tg.sent(ANN, "video"))
            tg.push(callback_query=tg.callback(user, video[0], button_data("Fade out")))
            await tg.wait_for(lambda: "you said: Fade out" in tg.texts(ANN))
    assert got == [len(clip.read_bytes())]  # fetched from the fake's own /file route
    assert video[0].upload == clip.read_bytes()
    assert tg.downloads
    assert tg.called("setMyCommands")[0].status == 404
    assert tg.called("deleteWebhook")[0].status == 404
    assert tg.called("answerCallbackQuery")[0].status == 404
    assert [c.status for c in tg.called("sendChatAction")][:1] == [404]
    assert "setMyCommands failed" in caplog.text and "deleteWebhook" in caplog.text
