"""`backtrack telegram` as a process, the way an outside tester runs it: TELEGRAM_API_URL is the
fake's bare address (no /bot, no file URL), the data folder is fresh, and the inputs are the
ones the other tests do not send: a .mov document, an animation without sound, a square video
note, an .m4a document then a caption-less video then a sentence, a link to a local server,
and /status, /undo, /export. What comes back is measured."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from tests.fakes.serve import serve_app
from tests.fakes.telegram_api import TOKEN, FakeTelegram, Sent
from tests.media import level_db, make_audio, make_video, measure, tone_level_db

ROOT = Path(__file__).resolve().parents[3]
MOV, GIF, NOTE, SONG, LINK = 811, 812, 813, 814, 815


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = await FakeTelegram().start()
    yield server
    await server.stop()


@pytest.fixture
async def clip_server(tmp_path: Path) -> AsyncIterator[str]:
    """A plain web server with one clip, for the link message."""
    clip = make_video(tmp_path / "linked.mp4", seconds=2)
    app = web.Application()
    async def serve_clip(_: web.Request) -> web.FileResponse:
        return web.FileResponse(clip)

    async def page(_: web.Request) -> web.Response:
        return web.Response(text="<html>a web page</html>", content_type="text/html")

    app.router.add_get("/clips/linked.mp4", serve_clip)
    app.router.add_route("*", "/page/{rest:.*}", page)
    async with serve_app(app) as url:
        yield f"{url}/clips/linked.mp4"


async def launch(tmp_path: Path, api_url: str, token: str = TOKEN
                 ) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("BACKTRACK_", "TELEGRAM_", "DISCORD_", "NEMO_"))}
    env.update(PYTHONPATH=str(ROOT), BACKTRACK_DATA_DIR=str(tmp_path / "data"),
               TELEGRAM_BOT_TOKEN=token, TELEGRAM_API_URL=api_url,
               BACKTRACK_ALLOW_PRIVATE_URLS="true", BACKTRACK_TURNS_PER_MINUTE="0")
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bots.cli", "telegram", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)


@pytest.fixture
async def bot(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    proc = await launch(tmp_path, f"http://127.0.0.1:{fake.port}")
    yield proc
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.communicate(), 30)


def videos_of(fake: FakeTelegram, chat: int) -> list[Sent]:
    return [s for s in fake.sent(chat) if s.kind == "video" and s.upload]


def saved(sent: Sent, tmp_path: Path) -> Path:
    assert sent.upload is not None
    out = tmp_path / f"got-{sent.chat_id}-{sent.message_id}.mp4"
    out.write_bytes(sent.upload)
    return out


async def until(fake: FakeTelegram, chat: int, test: Callable[[], Any], what: str) -> None:
    try:
        await fake.wait_for(test, timeout=60)
    except (AssertionError, TimeoutError):
        raise AssertionError(f"{what}: chat {chat} saw {fake.texts(chat)}") from None


async def test_outside_session(fake: FakeTelegram, bot: asyncio.subprocess.Process,
                               clip_server: str, tmp_path: Path) -> None:
    def say(chat: int, text: str | None = None, **media: Any) -> None:
        user = fake.user(chat)
        fake.push(message=fake.message(fake.private(user), user, text, **media))

    def say_with(chat: int, caption: str | None, **media: Any) -> None:
        user = fake.user(chat)
        fake.push(message=fake.message(fake.private(user), user, caption=caption, **media))

    mov = fake.add_file(make_video(tmp_path / "IMG_0001.mov", seconds=2).read_bytes(),
                        suffix=".mov")
    gif = fake.add_file(make_video(tmp_path / "loop.mp4", seconds=2, audio=False).read_bytes())
    note = fake.add_file(make_video(tmp_path / "note.mp4", seconds=2, width=240,
                                    height=240).read_bytes())
    song = fake.add_file(make_audio(tmp_path / "song.m4a", seconds=6).read_bytes(),
                         suffix=".m4a")
    clip = fake.add_file(make_video(tmp_path / "clip.mp4", seconds=3).read_bytes())

    say_with(MOV, "add background music",
             document=fake.document(mov, "IMG_0001.MOV", "video/quicktime"))
    say_with(GIF, "add calm music", animation=fake.animation(gif, duration=2))
    say_with(NOTE, "add upbeat music", video_note=fake.video_note(note, duration=2))
    say(LINK, f"add background music to {clip_server}")
    say_with(SONG, None, document=fake.document(song, "song.m4a", "audio/mp4"))
    await until(fake, SONG, lambda: fake.texts(SONG), "the song got no answer")
    say_with(SONG, None, video=fake.video(clip, duration=3, name=None))
    await until(fake, SONG, lambda: len(fake.texts(SONG)) >= 2 or videos_of(fake, SONG),
                "the caption-less video got no answer")
    before = len(videos_of(fake, SONG))
    say(SONG, "can you make the music a bit quieter and fade it out?")
    await until(fake, SONG, lambda: len(videos_of(fake, SONG)) > before, "no quieter video")

    for chat in (MOV, GIF, NOTE, LINK):
        await until(fake, chat, lambda c=chat: videos_of(fake, c), "no video")  # type: ignore[misc]

    # The .mov document: 2 s, its own 440 Hz sound kept, music added.
    out = saved(videos_of(fake, MOV)[0], tmp_path)
    facts = measure(out)
    assert abs(facts.duration - 2.0) < 0.3 and (facts.width, facts.height) == (320, 240)
    assert facts.video_codec == "h264" and facts.audio_streams == 1
    assert tone_level_db(out, 0.3, 1.5, 440) > -35
    # The silent animation now has sound: the music.
    out = saved(videos_of(fake, GIF)[0], tmp_path)
    facts = measure(out)
    assert facts.audio_streams == 1 and abs(facts.duration - 2.0) < 0.3
    assert level_db(out, 0.3, 1.5) > -45
    # The video note stays square.
    out = saved(videos_of(fake, NOTE)[0], tmp_path)
    facts = measure(out)
    assert facts.width == facts.height == 240 and facts.audio_streams == 1
    # The linked clip came through the link.
    facts = measure(saved(videos_of(fake, LINK)[0], tmp_path))
    assert abs(facts.duration - 2.0) < 0.3 and facts.audio_streams == 1
    # The song (880 Hz) is under the clip, fading at the end.
    songs = [saved(v, tmp_path) for v in videos_of(fake, SONG)]
    last = songs[-1]
    assert abs(measure(last).duration - 3.0) < 0.3
    middle = tone_level_db(last, 0.5, 1.8, 880)
    assert middle > -45
    assert tone_level_db(last, 2.75, 3.0, 880) < middle - 6
    assert tone_level_db(last, 0.5, 1.8, 440) > -35  # the clip's own sound stays
    # Files came from the fake's /file route, found from the bare TELEGRAM_API_URL alone.
    assert len(fake.downloads) >= 5

    # /status, /undo, /export.
    seen = len(fake.texts(SONG))
    say(SONG, "/status")
    await until(fake, SONG, lambda: len(fake.texts(SONG)) > seen, "/status got no answer")
    status = " ".join(fake.texts(SONG)[seen:]).lower()
    assert "song" in status or "music" in status, status
    # Then the timeline picture, as a photo (the turn ends with it).
    await until(fake, SONG, lambda: [s for s in fake.sent(SONG) if s.kind == "photo"],
                "/status sent no picture")
    (photo,) = [s for s in fake.sent(SONG) if s.kind == "photo"]
    assert photo.upload is not None and photo.upload.startswith(b"\x89PNG")
    assert len(photo.upload) < 300 * 1024
    seen = len(fake.texts(SONG))
    say(SONG, "/undo")
    await until(fake, SONG, lambda: len(fake.texts(SONG)) > seen, "/undo got no answer")
    videos = len(videos_of(fake, SONG))
    say(SONG, "/export")
    await until(fake, SONG, lambda: len(videos_of(fake, SONG)) > videos, "/export sent no video")
    exported = saved(videos_of(fake, SONG)[-1], tmp_path)
    assert abs(measure(exported).duration - 3.0) < 0.3
    # The undo took the music away again: the export is the clip with its own sound only.
    assert tone_level_db(exported, 0.5, 1.8, 880) < middle - 30
    assert tone_level_db(exported, 0.5, 1.8, 440) > -35

    everything = " ".join(t for c in (MOV, GIF, NOTE, SONG, LINK) for t in fake.texts(c))
    assert "Sorry" not in everything and "Traceback" not in everything
    bot.send_signal(signal.SIGTERM)
    _, err = await asyncio.wait_for(bot.communicate(), 30)
    assert bot.returncode == 0, err.decode()[-2000:]
    assert "Traceback" not in err.decode() and TOKEN.split(":")[1] not in err.decode()


async def test_server_without_the_menu_methods(fake: FakeTelegram, tmp_path: Path) -> None:
    """setMyCommands and deleteWebhook answer errors: a warning each, and the bot answers."""
    fake.fail_next("setMyCommands", 400, "Bad Request: method is not supported")
    fake.fail_next("deleteWebhook", 404, "Not Found")
    proc = await launch(tmp_path, f"http://127.0.0.1:{fake.port}/")
    try:
        user = fake.user(MOV)
        fake.push(message=fake.message(fake.private(user), user, "/help"))
        await until(fake, MOV, lambda: fake.texts(MOV), "/help got no answer")
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        _, err_bytes = await asyncio.wait_for(proc.communicate(), 30)
    err = err_bytes.decode()
    assert proc.returncode == 0, err
    assert "setMyCommands failed" in err and "refused deleteWebhook" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(("where", "token", "words"), [
    ("fake", "999:wrongwrongwrongwrongwrongwrongwrong", "refused TELEGRAM_BOT_TOKEN"),
    ("closed", TOKEN, "Could not reach Telegram at http://127.0.0.1:9/bot (NetworkError)"),
    ("web", TOKEN, "or is not a Bot API server"),
    ("page", TOKEN, "does not answer like the Bot API (Invalid server response)"),
])
async def test_get_me_failing_stops_start_up_with_one_line(
        fake: FakeTelegram, clip_server: str, tmp_path: Path, where: str, token: str,
        words: str) -> None:
    url = {"fake": f"http://127.0.0.1:{fake.port}", "closed": "http://127.0.0.1:9",
           "web": clip_server.rsplit("/clips", 1)[0],
           "page": clip_server.rsplit("/clips", 1)[0] + "/page/{token}"}[where]
    proc = await launch(tmp_path, url, token)
    _, err_bytes = await asyncio.wait_for(proc.communicate(), 30)
    err = err_bytes.decode()
    assert proc.returncode == 2, err
    assert words in err
    assert "Traceback" not in err and TOKEN.split(":")[1] not in err
