"""Settings the whole way: real PTB, the fake Bot API, the real App (assistant, SQLite store)
and the local engine. A button press changes what is stored; the next video follows it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bots.bootstrap import App, build_app
from core.preferences import Preferences
from tests.bots.telegram.conftest import running, tg_settings
from tests.fakes.telegram_api import FakeTelegram, Sent

ANN = 42


@pytest.fixture
async def real_app(tmp_path: Path, tg: FakeTelegram) -> AsyncIterator[App]:
    built = await build_app(tg_settings(tmp_path, tg, engine="local"))
    yield built
    await built.aclose()


def press(tg: FakeTelegram, card: Sent, text: str) -> None:
    data = next(b["callback_data"] for row in card.reply_markup["inline_keyboard"]  # type: ignore[index]
                for b in row if b["text"] == text)
    tg.push(callback_query=tg.callback(tg.user(ANN), card, data))


async def test_buttons_change_the_stored_settings_and_the_next_video(
        tg: FakeTelegram, real_app: App, clip: Path) -> None:
    user = tg.user(ANN, language_code="zh-hans")
    async with running(real_app, edit_interval=0.2):
        tg.push(message=tg.message(tg.private(user), user, "/settings"))
        (card,) = await tg.wait_for(lambda: tg.sent(ANN, "text"), timeout=30)
        assert card.text is not None and card.text.startswith("你的设置")  # the app's language
        press(tg, card, "文件（原样不压缩）")
        await tg.wait_for(lambda: len(tg.sent(ANN, "text")) == 2, timeout=30)
        press(tg, tg.sent(ANN, "text")[1], "English")
        await tg.wait_for(lambda: len(tg.sent(ANN, "text")) == 3, timeout=30)
        assert (tg.sent(ANN, "text")[2].text or "").startswith("Saved: Reply language: English.")
        stored = tg.add_file(clip.read_bytes(), suffix=".mp4")
        tg.push(message=tg.message(tg.private(user), user, caption="add calm music",
                                   video=tg.video(stored)))
        (document,) = await tg.wait_for(lambda: tg.sent(ANN, "document"), timeout=60)
    assert await real_app.store.get_preferences(f"telegram:{ANN}") == Preferences(
        delivery="file", language="en")
    assert tg.sent(ANN, "video") == [] and document.upload is not None
    assert document.upload[4:8] == b"ftyp"  # the MP4 itself, as a document
    assert tg.thumbnails and max(tg.thumbnails[-1][:2]) <= 320
    assert any("Done:" in (t or "") for t in tg.texts(ANN))  # replies in English now
