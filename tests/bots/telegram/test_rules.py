"""Pure rules of the Telegram adapter, as tables: messages in, replies out."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from telegram import Message
from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

from bots.retry import Backoff
from bots.telegram_calls import patiently, retry_seconds
from bots.telegram_inbound import (
    ChatOrder,
    FileOffer,
    addressed,
    clean_text,
    conversation_key,
    is_urgent,
    language_of,
    offered_files,
    webhook_secret,
)
from bots.telegram_replies import (
    MB,
    button_data,
    fits,
    keyboard,
    label_of,
    link_text,
    split_text,
    status_line,
)
from bots.telegram_server import make_bot
from core.conversation.turn import QUICK_ACTIONS, ConversationKey, Status, Video
from tests.fakes.telegram_api import BOT_ID, FakeTelegram, StoredFile

BOT = "backtrack_test_bot"
FAKE = FakeTelegram()
ANN = FAKE.user(42)
FILE = StoredFile("FID", "UID", None, 1234, "videos/x.mp4")


def msg(data: dict[str, Any]) -> Message:
    return Message.de_json(data, None)


def private(text: str | None = None, **kw: Any) -> Message:
    return msg(FAKE.message(FAKE.private(ANN), ANN, text, **kw))


def group(text: str | None = None, **kw: Any) -> Message:
    return msg(FAKE.message(FAKE.group(-100), ANN, text, **kw))


@pytest.mark.parametrize(("message", "expected"), [
    (private(video=FAKE.video(FILE)), FileOffer("FID", "clip.mp4", 1234, "video/mp4")),
    (private(video=FAKE.video(FILE, name=None)), FileOffer("FID", "video.mp4", 1234, "video/mp4")),
    # Telegram sends an animation with a `document` too: the animation wins.
    (private(animation=FAKE.animation(FILE),
             document=FAKE.document(FILE, "a.gif.mp4", "video/mp4")),
     FileOffer("FID", "animation.gif.mp4", 1234, "video/mp4")),
    (private(video_note=FAKE.video_note(FILE)),
     FileOffer("FID", "video_note.mp4", 1234, "video/mp4")),
    (private(audio=FAKE.audio(FILE)), FileOffer("FID", "song.mp3", 1234, "audio/mpeg")),
    (private(voice=FAKE.voice(FILE)), FileOffer("FID", "voice.ogg", 1234, "audio/ogg")),
    (private(document=FAKE.document(FILE, "holiday.MOV", "video/quicktime")),
     FileOffer("FID", "holiday.MOV", 1234, "video/quicktime")),
    (private(document=FAKE.document(FILE, "track.wav", "audio/wav")),
     FileOffer("FID", "track.wav", 1234, "audio/wav")),
])
def test_offered_files(message: Message, expected: FileOffer) -> None:
    assert offered_files(message) == [expected]


def test_text_offers_no_file() -> None:
    assert offered_files(private("hello")) == []


def bot_said() -> dict[str, Any]:
    return {"message_id": 9, "date": 0, "chat": FAKE.group(-100),
            "from": FAKE.bot_user(), "text": "Your video is ready"}


@pytest.mark.parametrize(("message", "for_us"), [
    (private("add music"), True),
    (group("add music"), False),
    (group(f"@{BOT} add music"), True),
    (group(f"hey @{BOT.upper()}, add music"), True),
    (group("@someone_else add music"), False),
    (group("/status"), True),
    (group(f"/status@{BOT}"), True),
    (group("/status@other_bot"), False),
    (group("quieter please", reply_to=bot_said()), True),
    (group("quieter please", reply_to=FAKE.message(FAKE.group(-100), ANN, "hi")), False),
    (group(caption=f"@{BOT} fade out", video=FAKE.video(FILE)), True),
    (group(video=FAKE.video(FILE)), False),
])
def test_addressed(message: Message, for_us: bool) -> None:
    assert addressed(message, BOT, BOT_ID) is for_us


@pytest.mark.parametrize(("text", "clean"), [
    (f"@{BOT} add music", "add music"),
    (f"add music @{BOT.upper()} please", "add music please"),
    ("  fade   out ", "fade out"),
    ("", ""),
])
def test_clean_text(text: str, clean: str) -> None:
    assert clean_text(text, BOT) == clean


def test_conversation_key_per_person_in_groups() -> None:
    assert conversation_key(private("x").chat, private("x").from_user) == \
        ConversationKey("telegram", "42")
    assert conversation_key(group("x").chat, group("x").from_user) == \
        ConversationKey("telegram", "-100", "42")


@pytest.mark.parametrize(("code", "lang"), [("en", "en"), ("zh-hans", "zh"), (None, "en")])
def test_language(code: str | None, lang: str) -> None:
    user = private("x").from_user
    assert user is not None
    assert language_of(user.__class__(1, "A", False, language_code=code)) == lang


@pytest.mark.parametrize(("text", "urgent"), [
    ("/cancel", True), ("cancel", True), ("/status@backtrack_test_bot", True),
    ("add music", False), ("/export", False),
])
def test_urgent(text: str, urgent: bool) -> None:
    assert is_urgent(text) is urgent


def test_webhook_secret_is_stable_and_not_the_token() -> None:
    token = "123:ABCDEF"
    assert webhook_secret(token) == webhook_secret(token)
    assert "ABCDEF" not in webhook_secret(token) and webhook_secret(token).isalnum()


@pytest.mark.parametrize(("status", "line"), [
    (Status("Rendering…"), "Rendering…"),
    (Status("Rendering…", 41.6), "Rendering… ▰▰▰▱▱▱▱▱ 42%"),
    (Status("Rendering…", 52, 12.4), "Rendering… ▰▰▰▰▱▱▱▱ 52% · about 0:12 left"),
])
def test_status_line(status: Status, line: str) -> None:
    assert status_line(status) == line


def test_split_text() -> None:
    assert split_text("short") == ["short"]
    assert split_text("") == ["…"]
    long = "\n".join(["x" * 100] * 100)
    parts = split_text(long)
    assert all(len(p) <= 4096 for p in parts) and "\n".join(parts) == long


def test_buttons_round_trip() -> None:
    markup = keyboard(QUICK_ACTIONS)
    assert markup is not None
    labels = [label_of(b.callback_data) for row in markup.inline_keyboard for b in row]  # type: ignore[arg-type]
    assert labels == list(QUICK_ACTIONS)
    assert keyboard(()) is None
    assert len(button_data("x" * 100).encode()) <= 64
    assert label_of("something else") is None and label_of(None) is None


def video(size: int | None, path: bool = True, url: str | None = None) -> Video:
    return Video(Path("r.mp4") if path else None, url, size, 4.0, caption="Done")


@pytest.mark.parametrize(("v", "limit", "ok"), [
    (video(10 * MB), 50 * MB, True),
    (video(51 * MB), 50 * MB, False),
    (video(None), 50 * MB, False),
    (video(10 * MB, path=False, url="https://x"), 50 * MB, False),
    (video(3000 * MB), None, True),
])
def test_fits(v: Video, limit: int | None, ok: bool) -> None:
    assert fits(v, limit) is ok


def test_link_text() -> None:
    assert link_text(video(60 * MB, url="https://dl.test/v")) == \
        "Done\n\nYour video (60.0 MB) is ready: https://dl.test/v"
    assert link_text(video(60 * MB)) == \
        'Done\n\nThe video (60.0 MB) is too big to send here; try "export 720p" for a smaller file.'



@pytest.mark.parametrize("value", [3, dt.timedelta(seconds=3)])
def test_retry_seconds(value: Any) -> None:
    assert retry_seconds(RetryAfter(value)) == 3


async def test_patiently_leaves_flood_control_to_the_rate_limiter() -> None:
    """A 429 that reaches `patiently` was retried by AIORateLimiter already: no second wait."""
    calls, waits = [], []

    async def call() -> str:
        calls.append(1)
        raise RetryAfter(2)

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    with pytest.raises(RetryAfter):
        await patiently(call, Backoff(sleep=sleep))
    assert calls == [1] and waits == []


def test_the_bot_has_the_rate_limiter() -> None:
    bot = make_bot("123:abc", api=None, files=None, local_mode=False)
    assert isinstance(bot.rate_limiter, AIORateLimiter)


async def test_chat_order_keeps_order_and_gives_up_waiting() -> None:
    order = ChatOrder(patience=0.2)
    seen: list[str] = []

    async def turn(name: str, hold: float, wait: bool = True) -> None:
        async with order.turn("k", wait=wait):
            seen.append(name)
            await asyncio.sleep(hold)

    first = asyncio.create_task(turn("first", 0.1))
    await asyncio.sleep(0)
    second = asyncio.create_task(turn("second", 0))
    await asyncio.gather(first, second)
    assert seen == ["first", "second"]

    seen.clear()
    slow = asyncio.create_task(turn("slow", 1.0))
    await asyncio.sleep(0)
    await asyncio.wait_for(turn("impatient", 0), 0.5)  # went through after 0.2 s
    await turn("urgent", 0, wait=False)
    assert seen == ["slow", "impatient", "urgent"]
    await slow
    assert order._locks == {}
