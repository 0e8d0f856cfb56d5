"""Faults survived: the fake Bot API hangs up, answers 5xx and stalls; the bot tries again with
backoff, and puts it in words when Telegram never takes the video."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

from bots.adapter import upload_failed_text
from bots.retry import Backoff, retrying
from bots.telegram_calls import on_the_way as judge
from core.conversation.turn import Message, Reply, Status, Turn, Video
from core.errors import EngineError
from tests.bots.telegram.conftest import FakeApp, running
from tests.fakes.sleep import Waits
from tests.fakes.telegram_api import FakeTelegram

ANN = 42
NO_LINK = "Sorry, I couldn't send the video (Telegram didn't answer); say 'export' to try again."


def say(tg: FakeTelegram, text: str | None = None, **kw: object) -> int:
    user = tg.user(ANN)
    return tg.push(message=tg.message(tg.private(user), user, text, **kw))  # type: ignore[arg-type]


def video_of(clip: Path, url: str | None = None) -> AsyncIterator[Reply]:
    async def script(turn: Turn) -> AsyncIterator[Reply]:
        yield Video(clip, url, clip.stat().st_size, 4.0, "Done")
    return script  # type: ignore[return-value]


# Pure: the policy and the judge ------------------------------------------------------------


@pytest.mark.parametrize(("backoff", "pauses"), [
    (Backoff(tries=1), []),
    (Backoff(tries=4, first=0.5, factor=2, cap=8), [0.5, 1.0, 2.0]),
    (Backoff(tries=6, first=1, factor=3, cap=5), [1, 3, 5, 5, 5]),
])
def test_backoff_pauses_grow_and_are_capped(backoff: Backoff, pauses: list[float]) -> None:
    assert backoff.pauses() == pauses


@pytest.mark.parametrize(("error", "wait"), [
    (NetworkError("httpx.RemoteProtocolError: Server disconnected"), 0.7),
    (NetworkError("Internal Server Error"), 0.7),
    (TimedOut(), 0.7),
    (RetryAfter(3), None),  # flood control: the rate limiter waits it out, not this loop
    (BadRequest("message text is empty"), None),
    (NetworkError("Request Entity Too Large"), None),
    (ValueError("a bug"), None),
])
def test_judge(error: Exception, wait: float | None) -> None:
    assert judge(error, 0.7) == wait


async def test_retrying_gives_up_after_the_tries_and_at_the_deadline() -> None:
    waits, calls = Waits(), []

    async def down() -> None:
        calls.append(1)
        raise TimedOut()

    with pytest.raises(EngineError) as caught:
        await retrying(down, Backoff(tries=3, sleep=waits), judge, "test")
    assert len(calls) == 3 and waits.seen == [0.5, 1.0]
    assert isinstance(caught.value.__cause__, TimedOut)

    calls.clear()
    now = iter([0.0, 0.0, 5.0])  # the second pause would end past the deadline
    late = Backoff(tries=9, first=2, deadline=6, sleep=Waits(), clock=lambda: next(now))
    with pytest.raises(EngineError):
        await retrying(down, late, judge, "test")
    assert len(calls) == 2

    async def refused() -> None:
        raise BadRequest("chat not found")

    with pytest.raises(BadRequest):  # not worth another try: as it is, at once
        await retrying(refused, Backoff(sleep=waits), judge, "test")


# Through real PTB and the fake -----------------------------------------------------------------


async def test_video_upload_survives_5xx_and_a_dropped_connection(
        tg: FakeTelegram, app: FakeApp, clip: Path) -> None:
    waits = Waits()
    app.assistant.script = video_of(clip)
    tg.fail_next("sendVideo", 502)
    tg.drop_next("sendVideo")
    async with running(app, backoff=Backoff(sleep=waits)):
        say(tg, "export")
        await tg.wait_for(lambda: tg.sent(ANN, "video"))
    (sent,) = tg.sent(ANN, "video")
    assert sent.upload == clip.read_bytes()
    assert [c.status for c in tg.called("sendVideo")] == [502, 499, 200]
    assert waits.seen == [0.5, 1.0] and tg.texts(ANN) == []


async def test_upload_never_taken_is_said_in_words(tg: FakeTelegram, app: FakeApp,
                                                   clip: Path) -> None:
    app.assistant.script = video_of(clip)
    tg.drop_next("sendVideo", times=2)
    tg.fail_next("sendVideo", 500, times=2)
    async with running(app, backoff=Backoff(sleep=Waits())):
        say(tg, "export")
        await tg.wait_for(lambda: tg.texts(ANN))
    assert tg.texts(ANN) == [NO_LINK] and tg.sent(ANN, "video") == []
    assert len(tg.called("sendVideo")) == 4


async def test_upload_stalled_past_the_timeout_gives_the_link(tg: FakeTelegram, app: FakeApp,
                                                              clip: Path) -> None:
    video = Video(clip, "https://dl.test/r/1/x.mp4", clip.stat().st_size, 4.0)
    app.assistant.script = video_of(clip, video.url)
    tg.stall_next("sendVideo", 3.0, times=2)
    started = asyncio.get_running_loop().time()
    async with running(app, backoff=Backoff(tries=2, sleep=Waits()), upload_timeout=0.3):
        say(tg, "export")
        await tg.wait_for(lambda: tg.texts(ANN))
        took = asyncio.get_running_loop().time() - started
    assert tg.texts(ANN) == [upload_failed_text(video, "Telegram")]
    assert "https://dl.test/r/1/x.mp4" in tg.texts(ANN)[0]
    assert took < 5.0  # two tries cut at 0.3 s; waiting out the two 3 s stalls takes 6 s


async def test_messages_and_edits_survive_faults(tg: FakeTelegram, app: FakeApp) -> None:
    async def script(turn: Turn) -> AsyncIterator[Reply]:
        yield Status("Rendering…", 10)
        await asyncio.sleep(0.05)
        yield Status("Rendering…", 60)
        yield Message("all done")

    app.assistant.script = script
    tg.drop_next("sendMessage")
    tg.fail_next("sendMessage", 503)
    tg.fail_next("editMessageText", 500)
    async with running(app, backoff=Backoff(sleep=Waits()), edit_interval=0):
        say(tg, "export")
        await tg.wait_for(lambda: tg.texts(ANN)[-1:] == ["all done"])
    status, done = tg.sent(ANN, "text")
    assert [text for _, text in status.edits] == ["Rendering… ▰▰▰▰▱▱▱▱ 60%"]
    assert done.text == "all done" and len(tg.texts(ANN)) == 2  # each sent once


async def test_edits_that_never_go_through_do_not_fail_the_turn(tg: FakeTelegram,
                                                                app: FakeApp) -> None:
    async def script(turn: Turn) -> AsyncIterator[Reply]:
        yield Status("Rendering…", 10)
        yield Status("Rendering…", 60)
        yield Message("all done")

    app.assistant.script = script
    tg.drop_next("editMessageText", times=8)
    async with running(app, backoff=Backoff(tries=2, sleep=Waits()), edit_interval=0):
        say(tg, "export")
        await tg.wait_for(lambda: tg.texts(ANN)[-1:] == ["all done"])
    assert tg.sent(ANN, "text")[0].edits == []


async def test_file_fetch_survives_a_5xx_and_a_dropped_download(
        tg: FakeTelegram, app: FakeApp, clip: Path, tmp_path: Path) -> None:
    async def fetch_it(turn: Turn) -> AsyncIterator[Reply]:
        await turn.attachments[0].fetch(tmp_path / "got.mp4")
        yield Message("fetched")

    app.assistant.script = fetch_it
    stored = tg.add_file(clip.read_bytes())
    tg.fail_next("getFile", 503)
    tg.drop_next("download")
    async with running(app, backoff=Backoff(sleep=Waits())):
        say(tg, caption="add music", video=tg.video(stored))
        await tg.wait_for(lambda: tg.texts(ANN))
    assert tg.texts(ANN) == ["fetched"]
    assert (tmp_path / "got.mp4").read_bytes() == clip.read_bytes()
    assert [c.status for c in tg.called("getFile")] == [503, 200, 200]


async def test_polling_goes_on_after_get_updates_fails(tg: FakeTelegram, app: FakeApp) -> None:
    """PTB's updater retries getUpdates itself (1 s, then 1.5 s...): prove it, do not rebuild it."""
    async with running(app):
        tg.drop_next("getUpdates", times=2)
        tg.fail_next("getUpdates", 502)
        await tg.wait_for(lambda: len([c for c in tg.called("getUpdates")
                                       if c.status in (499, 502)]) == 3, timeout=10)
        say(tg, "hello")
        await tg.wait_for(lambda: tg.texts(ANN), timeout=10)
    assert tg.texts(ANN) == ["you said: hello"]


async def test_a_button_press_counts_when_its_answer_is_dropped(tg: FakeTelegram,
                                                               app: FakeApp) -> None:
    tg.drop_next("answerCallbackQuery")
    ann = tg.user(ANN)
    async with running(app):
        say(tg, "hi")
        await tg.wait_for(lambda: tg.texts(ANN))
        tg.push(callback_query=tg.callback(ann, tg.sent(ANN)[0], "say:Undo"))
        await tg.wait_for(lambda: len(tg.texts(ANN)) == 2)
    assert tg.texts(ANN)[1] == "you said: Undo"
    assert [c.status for c in tg.called("answerCallbackQuery")] == [499]
