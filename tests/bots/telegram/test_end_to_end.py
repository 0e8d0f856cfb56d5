"""The whole way: real PTB, the fake Bot API, the real App (assistant, SQLite store, gate) and
the local ffmpeg engine. What comes back is measured, not trusted."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bots.bootstrap import App, build_app
from bots.telegram_replies import MB, TOO_BIG_TO_FETCH
from tests.bots.telegram.conftest import running, tg_settings
from tests.fakes.telegram_api import FakeTelegram, Sent
from tests.media import make_video, measure, tone_level_db

ANN, BEN = 42, 43
INSTRUCTION = "add background music and fade it out at the end"


@pytest.fixture
async def real_app(tmp_path: Path, tg: FakeTelegram) -> AsyncIterator[App]:
    built = await build_app(tg_settings(tmp_path, tg, engine="local"))
    yield built
    await built.aclose()


def send(tg: FakeTelegram, user_id: int, data: bytes, caption: str | None = None,
         kind: str = "video") -> None:
    user = tg.user(user_id)
    stored = tg.add_file(data, suffix=".mp3" if kind == "audio" else ".mp4")
    media = {"video": tg.video(stored), "audio": tg.audio(stored),
             "document": tg.document(stored, "holiday.mp4", "video/mp4")}[kind]
    tg.push(message=tg.message(tg.private(user), user, caption=caption, **{kind: media}))


def saved(sent: Sent, tmp_path: Path) -> Path:
    assert sent.upload is not None
    out = tmp_path / f"got-{sent.chat_id}-{sent.message_id}.mp4"
    out.write_bytes(sent.upload)
    return out


async def test_clip_with_caption_comes_back_with_the_music(
        tg: FakeTelegram, real_app: App, clip: Path, song: Path, tmp_path: Path) -> None:
    async with running(real_app, edit_interval=0.2):
        send(tg, ANN, song.read_bytes(), kind="audio")
        await tg.wait_for(lambda: tg.texts(ANN), timeout=30)
        send(tg, ANN, clip.read_bytes(), caption=INSTRUCTION)
        await tg.wait_for(lambda: tg.sent(ANN, "video"), timeout=60)
    (video,) = tg.sent(ANN, "video")
    out = saved(video, tmp_path)
    facts = measure(out)
    assert abs(facts.duration - 4.0) < 0.3 and facts.audio_streams == 1
    assert facts.width == 320 and facts.height == 240
    assert tone_level_db(out, 1.0, 2.5, 880) > -35  # the song (880 Hz) is under the clip
    # The music fades out at the end; the clip's own sound (440 Hz) stays.
    assert tone_level_db(out, 3.7, 4.0, 880) < tone_level_db(out, 1.0, 2.5, 880) - 6
    assert tone_level_db(out, 3.7, 4.0, 440) > -30
    assert video.params["supports_streaming"] == "true" and int(video.params["duration"]) == 4
    buttons = [b["text"] for row in video.params["reply_markup"]["inline_keyboard"] for b in row]
    assert "Undo" in buttons
    assert not any("Sorry" in t for t in tg.texts(ANN))


async def test_button_under_the_video_runs_the_turn(
        tg: FakeTelegram, real_app: App, clip: Path, song: Path, tmp_path: Path) -> None:
    async with running(real_app, edit_interval=0.2):
        send(tg, ANN, song.read_bytes(), kind="audio")
        await tg.wait_for(lambda: tg.texts(ANN), timeout=30)
        send(tg, ANN, clip.read_bytes(), caption="add background music")
        first = await tg.wait_for(lambda: tg.sent(ANN, "video"), timeout=60)
        quieter = next(b["callback_data"]
                       for row in first[0].params["reply_markup"]["inline_keyboard"]
                       for b in row if b["text"] == "Quieter music")
        tg.push(callback_query=tg.callback(tg.user(ANN), first[0], quieter))
        await tg.wait_for(lambda: len(tg.sent(ANN, "video")) == 2, timeout=60)
    before, after = (saved(v, tmp_path) for v in tg.sent(ANN, "video"))
    assert tone_level_db(after, 1, 3, 880) < tone_level_db(before, 1, 3, 880) - 2


async def test_oversized_file_gets_the_clear_answer(tg: FakeTelegram, real_app: App) -> None:
    user = tg.user(ANN)
    big = tg.add_file(size=30 * MB)
    async with running(real_app):
        tg.push(message=tg.message(tg.private(user), user, caption=INSTRUCTION,
                                   video=tg.video(big)))
        await tg.wait_for(lambda: tg.texts(ANN), timeout=10)
    assert tg.texts(ANN) == [TOO_BIG_TO_FETCH] and tg.downloads == []


async def test_two_chats_at_once_both_get_their_video(
        tg: FakeTelegram, real_app: App, song: Path, tmp_path: Path,
        media_dir: Path) -> None:
    clips = {ANN: make_video(media_dir / "ann.mp4", seconds=3, freq=440),
             BEN: make_video(media_dir / "ben.mp4", seconds=2, freq=440)}
    async with running(real_app, edit_interval=0.2):
        for user_id, path in clips.items():
            send(tg, user_id, path.read_bytes(), caption="add calm music", kind="document")
        await asyncio.gather(*(tg.wait_for(lambda u=u: tg.sent(u, "video"), timeout=90)
                               for u in clips))
    for user_id, seconds in ((ANN, 3.0), (BEN, 2.0)):
        (video,) = tg.sent(user_id, "video")
        facts = measure(saved(video, tmp_path))
        assert abs(facts.duration - seconds) < 0.3 and facts.audio_streams == 1


async def test_clip_then_text_right_away_is_handled_in_order(
        tg: FakeTelegram, real_app: App, clip: Path, tmp_path: Path) -> None:
    """The instruction typed while the clip is still being fetched waits for it (no "still
    working" answer) and gives one finished video."""
    user = tg.user(ANN)
    async with running(real_app, edit_interval=0.2):
        send(tg, ANN, clip.read_bytes())
        tg.push(message=tg.message(tg.private(user), user, "add calm music"))
        await tg.wait_for(lambda: tg.sent(ANN, "video"), timeout=60)
    assert not any("Still working" in t for t in tg.texts(ANN))
    facts = measure(saved(tg.sent(ANN, "video")[0], tmp_path))
    assert abs(facts.duration - 4.0) < 0.3 and facts.audio_streams == 1
