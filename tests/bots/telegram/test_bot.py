"""The adapter through real python-telegram-bot and real HTTP, against the fake Bot API."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram.request import HTTPXRequest

from bots import telegram_bot
from bots.telegram_replies import MB, TOO_BIG_TO_FETCH
from core.conversation.turn import (
    QUICK_ACTIONS,
    ConversationKey,
    Message,
    Notice,
    Photo,
    Problem,
    Reply,
    Status,
    Turn,
    Video,
)
from core.errors import UserError
from core.timeline.model import Clip, Timeline
from core.timeline.picture import draw
from tests.bots.telegram.conftest import FakeApp, running, settle, tg_settings
from tests.fakes.telegram_api import FakeTelegram

ANN, BEN = 42, 43


def say(tg: FakeTelegram, user_id: int, text: str | None = None, **kw: object) -> int:
    user = tg.user(user_id)
    return tg.push(message=tg.message(tg.private(user), user, text, **kw))  # type: ignore[arg-type]


async def test_start_sets_the_menu_registers_the_notifier_and_recovers(
        tg: FakeTelegram, app: FakeApp) -> None:
    async with running(app):
        assert [c["command"] for c in tg.commands] == [
            "start", "help", "new", "status", "settings", "moods", "credits", "export", "undo",
            "cancel"]
        assert app.assistant.recovered == 1 and "telegram" in app.assistant.notifiers
        await app.assistant.notifiers["telegram"](
            Notice(ConversationKey("telegram", str(ANN)), [Message("Your render was interrupted")]))
        assert tg.texts(ANN) == ["Your render was interrupted"]
        tg.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
        await app.assistant.notifiers["telegram"](  # does not raise
            Notice(ConversationKey("telegram", str(BEN)), [Message("Your render was interrupted")]))


async def test_text_becomes_a_turn(tg: FakeTelegram, app: FakeApp) -> None:
    async with running(app):
        update_id = say(tg, ANN, "add music")
        await tg.wait_for(lambda: tg.texts(ANN))
    assert tg.texts(ANN) == ["you said: add music"]
    (turn,) = app.assistant.turns
    assert turn.key == ConversationKey("telegram", str(ANN))
    assert turn.update_id == str(update_id) and turn.upload_limit == 50 * MB
    assert turn.language == "en" and turn.attachments == ()


async def test_video_with_caption_is_fetched_after_the_checks(
        tg: FakeTelegram, app: FakeApp, clip: Path, tmp_path: Path) -> None:
    async def fetch_it(turn: Turn) -> AsyncIterator[Reply]:
        (att,) = turn.attachments
        dest = tmp_path / "got.mp4"
        await att.fetch(dest)
        yield Message(f"{turn.text} | {att.name} {att.mime} {att.size} {dest.stat().st_size}")

    app.assistant.script = fetch_it
    stored = tg.add_file(clip.read_bytes())
    async with running(app):
        say(tg, ANN, caption="add background music", video=tg.video(stored))
        await tg.wait_for(lambda: tg.texts(ANN))
    size = clip.stat().st_size
    assert tg.texts(ANN) == [f"add background music | clip.mp4 video/mp4 {size} {size}"]
    assert (tmp_path / "got.mp4").read_bytes() == clip.read_bytes()


async def test_file_over_20_mb_gets_the_clear_answer_and_no_download(
        tg: FakeTelegram, app: FakeApp) -> None:
    big = tg.add_file(size=25 * MB)
    async with running(app):
        say(tg, ANN, caption="add music", video=tg.video(big))
        await tg.wait_for(lambda: tg.texts(ANN))
    assert tg.texts(ANN) == [TOO_BIG_TO_FETCH]
    assert app.assistant.turns == [] and tg.called("getFile") == [] and tg.downloads == []


async def test_get_file_refusal_becomes_the_same_words(tg: FakeTelegram, app: FakeApp,
                                                       tmp_path: Path) -> None:
    """Telegram announced a small size, getFile says "file is too big": no traceback."""
    async def fetch_it(turn: Turn) -> AsyncIterator[Reply]:
        try:
            await turn.attachments[0].fetch(tmp_path / "x.mp4")
        except UserError as exc:
            yield Problem(exc.user_message)

    app.assistant.script = fetch_it
    big = tg.add_file(size=25 * MB)
    announced = tg.video(big) | {"file_size": 1000}
    async with running(app):
        say(tg, ANN, video=announced)
        await tg.wait_for(lambda: tg.texts(ANN))
    assert tg.texts(ANN) == [TOO_BIG_TO_FETCH]
    assert tg.called("getFile")[0].status == 400 and tg.downloads == []


def statuses(count: int, every: float, then: Reply) -> AsyncIterator[Reply]:
    async def script(turn: Turn) -> AsyncIterator[Reply]:
        for i in range(count):
            yield Status("Rendering…", 100 * i / count)
            await asyncio.sleep(every)
        yield then

    return script  # type: ignore[return-value]


async def test_status_is_one_message_edited_no_faster_than_the_throttle(
        tg: FakeTelegram, app: FakeApp) -> None:
    app.assistant.script = statuses(20, 0.05, Message("done"))
    async with running(app, edit_interval=0.4):
        say(tg, ANN, "go")
        await tg.wait_for(lambda: "done" in tg.texts(ANN))
        await tg.wait_for(lambda: all(s.deleted for s in tg.sent(ANN) if s.text != "done"))
    status, done = tg.sent(ANN)
    assert done.text == "done"
    times = [status.at] + [at for at, _ in status.edits]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert 1 <= len(status.edits) <= 4, status.edits
    assert min(gaps) >= 0.3, gaps  # 0.4 s at the bot; the server's clock adds some jitter
    assert status.deleted  # the result stays, the progress line goes


async def test_not_modified_is_ignored(tg: FakeTelegram, app: FakeApp) -> None:
    tg.fail_next("editMessageText", 400, "Bad Request: message is not modified: specified new "
                 "message content and reply markup are exactly the same")
    app.assistant.script = statuses(4, 0.15, Message("done"))
    async with running(app, edit_interval=0.1):
        say(tg, ANN, "go")
        await tg.wait_for(lambda: "done" in tg.texts(ANN))
    assert next(c.status for c in tg.called("editMessageText")) == 400
    assert not any("Sorry" in t for t in tg.texts(ANN))


async def test_flood_control_on_edits_skips_and_waits(tg: FakeTelegram, app: FakeApp) -> None:
    tg.fail_next("editMessageText", 429, retry_after=1)
    app.assistant.script = statuses(16, 0.1, Message("done"))
    async with running(app, edit_interval=0.1):
        say(tg, ANN, "go")
        await tg.wait_for(lambda: "done" in tg.texts(ANN))
    edits = tg.called("editMessageText")
    assert edits[0].status == 429 and len(edits) >= 2
    assert edits[1].at - edits[0].at >= 0.9  # retry_after honoured before the next edit
    assert not any("Sorry" in t for t in tg.texts(ANN))


async def test_flood_control_on_a_result_waits_and_sends_once(
        tg: FakeTelegram, app: FakeApp) -> None:
    tg.fail_next("sendMessage", 429, retry_after=1)
    async with running(app):
        say(tg, ANN, "hello")
        await tg.wait_for(lambda: tg.texts(ANN), timeout=5)
    first, second = tg.called("sendMessage")
    assert first.status == 429 and second.status == 200 and second.at - first.at >= 0.9
    assert tg.texts(ANN) == ["you said: hello"]


async def test_a_burst_is_spaced_under_the_flood_limit(tg: FakeTelegram, app: FakeApp,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """90 chats told something at once: the rate limiter (aiolimiter: a burst of 30, then 30
    a second) spreads the sends over 2 s. Measured where PTB hands each request to HTTP, below
    the limiter: the fake's arrival times also carry its own throughput (about 50 a second on a
    busy machine), which would hide whether the limiter works."""
    issued: list[float] = []
    send = HTTPXRequest.do_request

    async def recorded(self: HTTPXRequest, url: str, *args: Any, **kwargs: Any) -> Any:
        if url.endswith("/sendMessage"):
            issued.append(time.monotonic())
        return await send(self, url, *args, **kwargs)

    monkeypatch.setattr(HTTPXRequest, "do_request", recorded)
    chats = range(1000, 1090)
    async with running(app):
        await asyncio.gather(*(app.assistant.notifiers["telegram"](
            Notice(ConversationKey("telegram", str(chat)), [Message("ready")]))
            for chat in chats))
    assert len(tg.called("sendMessage")) == 90
    assert all(tg.texts(chat) == ["ready"] for chat in chats)
    times = sorted(t - issued[0] for t in issued)
    assert len(times) == 90
    assert times[-1] >= 1.9, times  # without the limiter: all 90 within a few milliseconds
    # Never more than the burst plus a second's rate in any second.
    assert max(sum(1 for t in times if s <= t < s + 1.0) for s in times) <= 61, times


async def test_deleted_status_message_gets_a_new_one(tg: FakeTelegram, app: FakeApp) -> None:
    async def script(turn: Turn) -> AsyncIterator[Reply]:
        yield Status("Reading your clip…")
        await tg.wait_for(lambda: tg.sent(ANN))
        tg.sent(ANN)[0].deleted = True  # the person deleted it
        await asyncio.sleep(0.15)
        yield Status("Rendering…")
        yield Message("done")

    app.assistant.script = script
    async with running(app, edit_interval=0.1):
        say(tg, ANN, "go")
        await tg.wait_for(lambda: "done" in tg.texts(ANN))
    assert [s.text for s in tg.sent(ANN)] == ["Reading your clip…", "Rendering…", "done"]


async def test_video_is_sent_streamable_with_buttons(tg: FakeTelegram, app: FakeApp,
                                                     clip: Path) -> None:
    async def script(turn: Turn) -> AsyncIterator[Reply]:
        yield Video(clip, None, clip.stat().st_size, 4.0, "Here you go", 320, 240,
                    QUICK_ACTIONS)

    app.assistant.script = script
    async with running(app):
        say(tg, ANN, "export")
        await tg.wait_for(lambda: tg.sent(ANN, "video"))
    (sent,) = tg.sent(ANN, "video")
    assert sent.upload == clip.read_bytes()
    p = sent.params
    assert (p["duration"], p["width"], p["height"], p["supports_streaming"], p["caption"]) == \
        ("4", "320", "240", "true", "Here you go")
    buttons = [b["text"] for row in p["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == list(QUICK_ACTIONS)
    actions = tg.called("sendChatAction")
    assert actions and actions[0].params["action"] == "upload_video"


async def test_video_of_unknown_size_is_measured_and_sent(tg: FakeTelegram, app: FakeApp,
                                                          clip: Path) -> None:
    async def script(turn: Turn) -> AsyncIterator[Reply]:
        yield Video(clip, None, None, None)

    app.assistant.script = script
    async with running(app):
        say(tg, ANN, "export")
        await tg.wait_for(lambda: tg.sent(ANN, "video"))
    assert tg.sent(ANN, "video")[0].upload == clip.read_bytes()


async def test_video_over_the_upload_limit_is_a_link(tg: FakeTelegram, app: FakeApp,
                                                     clip: Path) -> None:
    async def script(turn: Turn) -> AsyncIterator[Reply]:
        yield Video(clip, "https://dl.test/r/1/x.mp4", 60 * MB, 4.0, "Done")

    app.assistant.script = script
    async with running(app):
        say(tg, ANN, "export")
        await tg.wait_for(lambda: tg.texts(ANN))
    assert tg.texts(ANN) == ["Done\n\nYour video (60.0 MB) is ready: https://dl.test/r/1/x.mp4"]
    assert tg.called("sendVideo") == []


async def test_upload_refused_with_413_falls_back_to_the_link(
        tg: FakeTelegram, app: FakeApp, clip: Path) -> None:
    tg.upload_limit = 1000  # the server's real limit is lower than the size we were told
    async def script(turn: Turn) -> AsyncIterator[Reply]:
        yield Video(clip, "https://dl.test/v.mp4", 1500, 4.0, "Done")

    app.assistant.script = script
    async with running(app):
        say(tg, ANN, "export")
        await tg.wait_for(lambda: tg.texts(ANN))
    assert tg.called("sendVideo")[0].status == 413
    assert tg.texts(ANN) == ["Done\n\nYour video (1 KB) is ready: https://dl.test/v.mp4"]


async def test_upload_refused_with_413_and_no_link_says_what_to_do(
        tg: FakeTelegram, app: FakeApp, clip: Path) -> None:
    tg.upload_limit = 1000

    async def script(turn: Turn) -> AsyncIterator[Reply]:
        yield Video(clip, None, 1500, 4.0, "Done")

    app.assistant.script = script
    async with running(app):
        say(tg, ANN, "export")
        await tg.wait_for(lambda: tg.texts(ANN))
    (text,) = tg.texts(ANN)
    assert "too big to send here" in text and "export 720p" in text and "Sorry" not in text


async def test_button_press_sends_its_label_as_a_turn(tg: FakeTelegram, app: FakeApp) -> None:
    async def script(turn: Turn) -> AsyncIterator[Reply]:
        yield Message(f"you said: {turn.text}", buttons=QUICK_ACTIONS)

    app.assistant.script = script
    ann = tg.user(ANN)
    async with running(app):
        say(tg, ANN, "hi")
        await tg.wait_for(lambda: tg.texts(ANN))
        first = tg.sent(ANN)[0]
        data = first.reply_markup["inline_keyboard"][0][0]["callback_data"]  # type: ignore[index]
        tg.push(callback_query=tg.callback(ann, first, data))
        await tg.wait_for(lambda: len(tg.texts(ANN)) == 2)
    assert tg.texts(ANN)[1] == "you said: Fade out"
    assert [t.text for t in app.assistant.turns] == ["hi", "Fade out"]
    assert len(tg.called("answerCallbackQuery")) == 1


async def test_old_button_press_still_counts(tg: FakeTelegram, app: FakeApp) -> None:
    tg.fail_next("answerCallbackQuery", 400, "Bad Request: query is too old and response "
                 "timeout expired or query ID is invalid")
    ann = tg.user(ANN)
    async with running(app):
        say(tg, ANN, "hi")
        await tg.wait_for(lambda: tg.texts(ANN))
        tg.push(callback_query=tg.callback(ann, tg.sent(ANN)[0], "say:Undo"))
        await tg.wait_for(lambda: len(tg.texts(ANN)) == 2)
    assert tg.texts(ANN)[1] == "you said: Undo"


async def test_group_only_mentions_commands_and_replies(tg: FakeTelegram, app: FakeApp) -> None:
    chat, ann = tg.group(-100), tg.user(ANN)
    async with running(app):
        tg.push(message=tg.message(chat, ann, "add music"))
        tg.push(message=tg.message(chat, ann, "/status@other_bot"))
        tg.push(message=tg.message(chat, ann, f"@{tg.username} add music"))
        await tg.wait_for(lambda: tg.texts(-100))
        bot_message = tg.bot_message(tg.sent(-100)[0], ann)
        tg.push(message=tg.message(chat, ann, "quieter", reply_to=bot_message))
        await tg.wait_for(lambda: len(tg.texts(-100)) == 2)
        await settle()
    assert [t.text for t in app.assistant.turns] == ["add music", "quieter"]
    assert {t.key for t in app.assistant.turns} == {ConversationKey("telegram", "-100", str(ANN))}
    assert tg.sent(-100)[0].params["reply_parameters"]["message_id"] == 3  # answers the person


async def test_two_chats_at_once(tg: FakeTelegram, app: FakeApp) -> None:
    """A long turn in one chat does not delay another chat."""
    release = asyncio.Event()

    async def script(turn: Turn) -> AsyncIterator[Reply]:
        if turn.key.chat == str(ANN):
            await release.wait()
        yield Message(f"done {turn.key.chat}")

    app.assistant.script = script
    async with running(app):
        say(tg, ANN, "slow")
        say(tg, BEN, "fast")
        await tg.wait_for(lambda: tg.texts(BEN))
        assert tg.texts(ANN) == []
        release.set()
        await tg.wait_for(lambda: tg.texts(ANN))


async def test_one_chat_in_order_but_cancel_does_not_wait(tg: FakeTelegram,
                                                          app: FakeApp) -> None:
    release = asyncio.Event()

    async def script(turn: Turn) -> AsyncIterator[Reply]:
        if turn.text == "first":
            await release.wait()
        yield Message(turn.text)

    app.assistant.script = script
    async with running(app):
        say(tg, ANN, "first")
        await tg.wait_for(lambda: app.assistant.turns)
        say(tg, ANN, "second")
        say(tg, ANN, "/cancel")
        await tg.wait_for(lambda: tg.texts(ANN))
        assert tg.texts(ANN) == ["/cancel"]  # went through while "first" runs
        release.set()
        await tg.wait_for(lambda: len(tg.texts(ANN)) == 3)
    assert tg.texts(ANN) == ["/cancel", "first", "second"]


async def test_error_handler_apologises_and_logs(tg: FakeTelegram, app: FakeApp,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    async def script(turn: Turn) -> AsyncIterator[Reply]:
        raise RuntimeError("boom")
        yield Message("never")

    app.assistant.script = script
    async with running(app):
        say(tg, ANN, "go")
        await tg.wait_for(lambda: tg.texts(ANN))
    (text,) = tg.texts(ANN)
    assert text.startswith("Sorry, something went wrong on our side (ref ")
    assert "boom" not in text and "Traceback" not in text
    ref = text.split("ref ")[1].split(")")[0]
    failed = [r for r in caplog.records if ref in r.getMessage()]
    assert failed and failed[0].exc_info is not None


async def test_not_allowed_is_ignored(tg: FakeTelegram, app: FakeApp) -> None:
    app.gate.denied_users.add(BEN)
    async with running(app):
        say(tg, BEN, "hello")
        say(tg, ANN, "hello")
        await tg.wait_for(lambda: tg.texts(ANN))
        await settle()
    assert tg.texts(BEN) == [] and len(app.assistant.turns) == 1


async def test_token_never_reaches_the_log(tg: FakeTelegram, app: FakeApp,
                                           caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with running(app):
        say(tg, ANN, "hello")
        await tg.wait_for(lambda: tg.texts(ANN))
    secret = tg.token.split(":")[1]
    assert caplog.records and "127.0.0.1" in caplog.text  # PTB did log its URLs
    assert secret not in caplog.text
    assert not any(secret in r.getMessage() for r in caplog.records)


async def test_wrong_token_is_a_config_error(tg: FakeTelegram, tmp_path: Path) -> None:
    settings = tg_settings(tmp_path, tg).model_copy(
        update={"telegram_bot_token": type(tg_settings(tmp_path, tg).telegram_bot_token)(
            "999:wrongwrongwrongwrongwrongwrongwrong")})
    with pytest.raises(telegram_bot.ConfigError, match="refused TELEGRAM_BOT_TOKEN"):
        await telegram_bot.start(FakeApp(settings))


def test_command_without_token_exits_2(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert telegram_bot.run(None) == 2  # type: ignore[arg-type]
    assert "TELEGRAM_BOT_TOKEN is not set" in capsys.readouterr().err


def test_command_with_bad_setting_exits_2(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BACKTRACK_MAX_RENDERS", "many")
    assert telegram_bot.run(None) == 2  # type: ignore[arg-type]
    err = capsys.readouterr().err
    assert "BACKTRACK_MAX_RENDERS" in err and "Traceback" not in err


def test_token_in_a_message_or_traceback_is_cut(caplog: pytest.LogCaptureFixture) -> None:
    token = "5550001:AAsecretsecretsecretsecret_abcdefgh"
    telegram_bot.hide_token_in_logs(token)
    try:
        raise RuntimeError(f"POST http://127.0.0.1/bot{token}/getMe failed")
    except RuntimeError:
        logging.getLogger("somewhere").exception("calling %s", f"/bot{token}/getMe")
    assert "secretsecret" not in caplog.text and "calling /bot" in caplog.text
    assert "RuntimeError" in caplog.text


async def test_the_timeline_picture_goes_out_as_a_photo_and_a_bad_one_is_skipped(
        tg: FakeTelegram, app: FakeApp, tmp_path: Path) -> None:
    png = tmp_path / "timeline.png"
    png.write_bytes(draw(Timeline(clips=(Clip("m1", "clip.mp4", 4000),))))
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not a picture")

    async def script(turn: Turn) -> AsyncIterator[Reply]:
        yield Message("Timeline (1 track)")
        yield Photo(png, "The timeline")
        yield Photo(bad)
        yield Message("after")

    app.assistant.script = script
    async with running(app):
        say(tg, ANN, "/status")
        await tg.wait_for(lambda: "after" in tg.texts(ANN))
    kinds = [(s.kind, s.text) for s in tg.sent(ANN)]
    assert kinds == [("text", "Timeline (1 track)"), ("photo", None), ("text", "after")]
    photo = tg.sent(ANN)[1]
    assert photo.upload == png.read_bytes() and photo.params["caption"] == "The timeline"
    assert [c.status for c in tg.called("sendPhoto")] == [200, 400]  # the fake reads images
