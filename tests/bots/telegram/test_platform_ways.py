"""Telegram's ways, through real python-telegram-bot against the fake Bot API: the menus and
descriptions in English and Chinese, a still from the middle on every video, files sent as
documents, and settings as inline buttons that send their words."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardMarkup
from telegram.error import BadRequest

from bots.telegram_profile import COMMANDS, DESCRIPTIONS
from bots.telegram_replies import TITLE_DATA, button_data
from core.conversation.turn import Menu, Message, Option, Reply, Turn, Video
from tests.bots.telegram.conftest import FakeApp, running
from tests.fakes.telegram_api import FakeTelegram, jpeg_size
from tests.media import FFMPEG, ffmpeg

ANN = 42


@pytest.fixture(scope="session")
def three_colours(media_dir: Path) -> Path:
    """3 s at 640x480: red, then green, then blue, one second each."""
    path = media_dir / "colours.mp4"
    inputs: list[str] = []
    for colour in ("red", "lime", "blue"):
        inputs += ["-f", "lavfi", "-i", f"color=c={colour}:s=640x480:r=25:d=1"]
    ffmpeg(*inputs, "-filter_complex", "[0][1][2]concat=n=3:v=1:a=0", "-c:v", "libx264",
           "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path))
    return path


def centre_pixel(jpeg: bytes) -> tuple[int, int, int]:
    width, height = jpeg_size(jpeg) or (0, 0)
    raw = subprocess.run([FFMPEG, "-loglevel", "error", "-i", "pipe:0", "-f", "rawvideo",
                          "-pix_fmt", "rgb24", "pipe:1"], input=jpeg, capture_output=True,
                         check=True).stdout
    at = ((height // 2) * width + width // 2) * 3
    r, g, b = raw[at:at + 3]
    return r, g, b


def say(tg: FakeTelegram, text: str) -> None:
    user = tg.user(ANN)
    tg.push(message=tg.message(tg.private(user), user, text))


async def test_menus_and_descriptions_in_english_and_chinese(
        tg: FakeTelegram, app: FakeApp) -> None:
    async with running(app):
        pass
    assert set(tg.menus) == {"", "zh"}
    for language in ("", "zh"):
        assert [c["command"] for c in tg.menus[language]] == [c for c, _ in COMMANDS[""]]
        assert "settings" in [c["command"] for c in tg.menus[language]]
    assert tg.menus["zh"][0]["description"] == "我能做什么"
    assert tg.descriptions == {lang: d for lang, (d, _) in DESCRIPTIONS.items()}
    assert tg.short_descriptions == {lang: s for lang, (_, s) in DESCRIPTIONS.items()}


async def test_every_video_carries_a_still_from_its_middle(
        tg: FakeTelegram, app: FakeApp, three_colours: Path) -> None:
    async def deliver(turn: Turn) -> AsyncIterator[Reply]:
        yield Video(three_colours, None, three_colours.stat().st_size, 3.0,
                    width=640, height=480, as_file=turn.text == "as a file")

    app.assistant.script = deliver
    async with running(app):
        say(tg, "as a video")
        await tg.wait_for(lambda: tg.sent(ANN, "video"))
        say(tg, "as a file")
        await tg.wait_for(lambda: tg.sent(ANN, "document"))
    (video,), (document,) = tg.sent(ANN, "video"), tg.sent(ANN, "document")
    assert video.params["supports_streaming"] in (True, "True", "true")
    # The document is the file as it is, marked so Telegram does not turn it into a video.
    assert document.upload == three_colours.read_bytes()
    assert document.params["disable_content_type_detection"] in (True, "True", "true")
    assert len(tg.thumbnails) == 2
    for width, height, size in tg.thumbnails:
        assert (width, height) == (320, 240) and size < 200_000


async def test_the_still_is_the_middle_frame(tmp_path: Path, three_colours: Path) -> None:
    from core.local.thumbnail import thumbnail

    copy = tmp_path / "v.mp4"
    copy.write_bytes(three_colours.read_bytes())
    still = await thumbnail(copy, 3.0)
    assert still is not None and jpeg_size(still) == (320, 240)
    r, g, b = centre_pixel(still)
    assert g > 180 and r < 70 and b < 70, (r, g, b)  # green: the middle second
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.mp4"]  # nothing left behind


async def test_settings_are_buttons_that_send_their_words(
        tg: FakeTelegram, app: FakeApp) -> None:
    menu = Menu("Default mood", (Option("automatic", "set default mood auto", chosen=True),
                                 Option("calm", "set default mood calm")))

    async def settings(turn: Turn) -> AsyncIterator[Reply]:
        yield Message(f"you said: {turn.text}", menus=(menu,))

    app.assistant.script = settings
    user = tg.user(ANN)
    async with running(app):
        say(tg, "settings")
        (card,) = await tg.wait_for(lambda: tg.sent(ANN, "text"))
        rows = card.reply_markup["inline_keyboard"]
        assert [[b["text"] for b in row] for row in rows] == [
            ["— Default mood —"], ["✓ automatic", "calm"]]
        assert rows[0][0]["callback_data"] == TITLE_DATA
        tg.push(callback_query=tg.callback(user, card, TITLE_DATA))  # a title does nothing
        tg.push(callback_query=tg.callback(user, card, button_data("set default mood calm")))
        await tg.wait_for(lambda: card.edits)  # the card answers in place
    assert [t.text for t in app.assistant.turns] == ["settings", "set default mood calm"]
    assert card.text == "you said: set default mood calm" and len(tg.sent(ANN, "text")) == 1


async def test_the_fake_refuses_what_telegram_refuses(tg: FakeTelegram, tmp_path: Path,
                                                      three_colours: Path) -> None:
    big = tmp_path / "big.jpg"
    ffmpeg("-f", "lavfi", "-i", "color=c=red:s=640x480:d=1", "-frames:v", "1", str(big))
    bot = Bot(tg.token, base_url=tg.api_url)
    async with bot:
        with pytest.raises(BadRequest, match=r"(?i)description is too long"):
            await bot.set_my_description("x" * 513)
        with pytest.raises(BadRequest, match=r"(?i)short description is too long"):
            await bot.set_my_short_description("x" * 121)
        with pytest.raises(BadRequest, match=r"(?i)invalid language code"):
            await bot.set_my_description("hi", language_code="chinese")
        with pytest.raises(BadRequest, match=r"(?i)thumbnail dimensions are too big"):
            await bot.send_video(ANN, three_colours.read_bytes(), thumbnail=big.read_bytes())
        with pytest.raises(BadRequest, match=r"(?i)thumbnail must be in JPEG"):
            await bot.send_video(ANN, three_colours.read_bytes(), thumbnail=b"GIF89a....")
        assert tg.sent(ANN) == []
        # Edits in place: text only on text messages, an inline keyboard or none, data <= 64 B.
        card = await bot.send_message(ANN, "card")
        clip = await bot.send_video(ANN, three_colours.read_bytes())
        with pytest.raises(BadRequest, match=r"(?i)no text in the message to edit"):
            await bot.edit_message_text("new", ANN, clip.message_id)
        with pytest.raises(BadRequest, match=r"(?i)inline keyboard expected"):
            await bot.edit_message_text("new", ANN, card.message_id,
                                        reply_markup=ReplyKeyboardMarkup([["a"]]))
        with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
            await bot.edit_message_text("new", ANN, card.message_id, reply_markup=(
                InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])))
        with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
            await bot.edit_message_text(" ", ANN, card.message_id)
    (kept,) = tg.sent(ANN, "text")
    assert kept.text == "card" and kept.edits == []


def test_a_long_menu_wraps_within_telegrams_row_limit() -> None:
    from bots.telegram_replies import keyboard

    many = Menu("Default mood", tuple(Option(f"m{i}", f"set default mood m{i}", chosen=i == 6)
                                      for i in range(10)))
    markup = keyboard((), (many,))
    assert markup is not None
    rows = [[b.text for b in row] for row in markup.inline_keyboard]
    assert rows == [["— Default mood —"], ["m0", "m1", "m2", "m3", "m4"],
                    ["m5", "✓ m6", "m7", "m8", "m9"]]
