"""Settings the whole way: real PTB, the fake Bot API, the real App (assistant, SQLite store)
and the local engine. A button press changes what is stored; the next video follows it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bots.bootstrap import App, build_app
from bots.telegram_replies import CHOSEN
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


def ticked(card: Sent) -> list[str]:
    """The labels of the chosen options on a card's keyboard."""
    assert card.reply_markup is not None
    return [b["text"] for row in card.reply_markup["inline_keyboard"] for b in row
            if b["text"].startswith(CHOSEN)]


async def test_buttons_change_the_stored_settings_and_the_next_video(
        tg: FakeTelegram, real_app: App, clip: Path) -> None:
    user = tg.user(ANN, language_code="zh-hans")
    async with running(real_app, edit_interval=0.2):
        tg.push(message=tg.message(tg.private(user), user, "/settings"))
        (card,) = await tg.wait_for(lambda: tg.sent(ANN, "text"), timeout=30)
        assert card.text is not None and card.text.startswith("你的设置")  # the app's language
        assert CHOSEN + "视频（可在线播放）" in ticked(card)
        press(tg, card, "文件（原样不压缩）")
        # The same message changes: its text and its keyboard (the tick moved), no new card.
        await tg.wait_for(lambda: len(card.edits) == 1, timeout=30)
        assert (card.text or "").startswith("已保存") and len(tg.sent(ANN, "text")) == 1
        assert CHOSEN + "文件（原样不压缩）" in ticked(card)
        assert CHOSEN + "视频（可在线播放）" not in ticked(card)
        assert card.markups == [card.reply_markup]
        press(tg, card, "English")
        await tg.wait_for(lambda: len(card.edits) == 2, timeout=30)
        assert (card.text or "").startswith("Saved: Reply language: English.")
        press(tg, card, CHOSEN + "English")  # the same choice again: nothing to change
        await tg.wait_for(lambda: len(tg.called("editMessageText")) == 3, timeout=30)
        assert tg.called("editMessageText")[-1].status == 400  # "message is not modified"
        assert len(card.edits) == 2 and len(tg.sent(ANN, "text")) == 1
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


async def test_a_card_that_is_gone_is_sent_anew(tg: FakeTelegram, real_app: App) -> None:
    user = tg.user(ANN)
    async with running(real_app, edit_interval=0.2):
        tg.push(message=tg.message(tg.private(user), user, "/settings"))
        (card,) = await tg.wait_for(lambda: tg.sent(ANN, "text"), timeout=30)
        card.deleted = True  # the person deleted the card; its button is pressed from a cache
        press(tg, card, "calm")
        (again,) = await tg.wait_for(
            lambda: [s for s in tg.sent(ANN, "text") if not s.deleted], timeout=30)
    assert (again.text or "").startswith("Saved: Default mood: calm.")
    assert again.reply_markup is not None and CHOSEN + "calm" in ticked(again)
