"""Webhook mode and a self-hosted Bot API server in local mode."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bots import telegram_bot
from bots.telegram_inbound import webhook_secret
from bots.telegram_replies import MB
from core.conversation.turn import Message, Reply, Turn, Video
from tests.bots.telegram.conftest import FakeApp, running, tg_settings
from tests.fakes.telegram_api import FakeTelegram

ANN = 42
ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_webhook_mode_registers_the_hook_and_answers_its_updates(
        tg: FakeTelegram, tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"
    app = FakeApp(tg_settings(tmp_path, tg, telegram_webhook_url=url,
                              telegram_webhook_listen="127.0.0.1", telegram_webhook_port=port))
    async with running(app):
        assert tg.webhook == url and tg.webhook_secret == webhook_secret(tg.token)
        assert tg.called("getUpdates") == []
        ann = tg.user(ANN)
        tg.push(message=tg.message(tg.private(ann), ann, "hello"))
        await tg.wait_for(lambda: tg.texts(ANN))
        tg.webhook_secret = "forged"  # an update without the right secret is refused
        tg.push(message=tg.message(tg.private(ann), ann, "forged"))
        await tg.wait_for(lambda: len(tg.webhook_statuses) == 2)
    assert tg.texts(ANN) == ["you said: hello"]
    assert tg.webhook_statuses[0] == 200 and tg.webhook_statuses[1] == 403


async def test_local_mode_lifts_the_limits_and_passes_paths(
        tmp_path: Path, clip: Path) -> None:
    files = tmp_path / "bot-api-files"
    files.mkdir()
    tg = await FakeTelegram(files_dir=files).start()
    try:
        app = FakeApp(tg_settings(tmp_path, tg, telegram_local_mode=True))

        async def script(turn: Turn) -> AsyncIterator[Reply]:
            dest = tmp_path / "got.mp4"
            await turn.attachments[0].fetch(dest)
            yield Message(f"limit {turn.upload_limit // MB} MB, got {dest.stat().st_size}")
            yield Video(clip, None, 60 * MB, 4.0, "Done", 320, 240)  # over 50 MB: still a file

        app.assistant.script = script
        stored = tg.add_file(clip.read_bytes(), size=25 * MB)  # announced over 20 MB
        async with running(app):
            ann = tg.user(ANN)
            tg.push(message=tg.message(tg.private(ann), ann, video=tg.video(stored)))
            await tg.wait_for(lambda: tg.sent(ANN, "video"))
        assert tg.texts(ANN) == [f"limit 2000 MB, got {clip.stat().st_size}"]
        (video,) = tg.sent(ANN, "video")
        assert video.params["video"] == clip.absolute().as_uri() and video.upload == \
            clip.read_bytes()
        assert tg.downloads == []  # copied from the server's disk, not over HTTP
    finally:
        await tg.stop()


async def test_backtrack_telegram_command_runs_until_sigterm(
        tg: FakeTelegram, tmp_path: Path) -> None:
    """The real command in a child process: start, answer, stop cleanly; no token in its log."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TELEGRAM_BOT_TOKEN": tg.token,
           "TELEGRAM_API_URL": tg.api_url, "TELEGRAM_FILE_URL": tg.file_url,
           "BACKTRACK_DATA_DIR": str(tmp_path / "data"), "BACKTRACK_LOG_LEVEL": "DEBUG"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bots.cli", "telegram", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        await tg.wait_for(lambda: tg.called("deleteWebhook"), timeout=60)  # polling next
        ann = tg.user(ANN)
        tg.push(message=tg.message(tg.private(ann), ann, "/help"))
        await tg.wait_for(lambda: tg.texts(ANN), timeout=30)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()[-2000:]
    assert "Send me the video" in tg.texts(ANN)[0]
    assert len(tg.commands) == 10
    log = err.decode()
    assert "telegram bot @backtrack_test_bot running" in log
    assert tg.token.split(":")[1] not in log


async def test_refused_set_webhook_stops_start_up_with_words(
        tg: FakeTelegram, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/telegram/hook"
    app = FakeApp(tg_settings(tmp_path, tg, telegram_webhook_url=url,
                              telegram_webhook_listen="127.0.0.1",
                              telegram_webhook_port=free_port()))
    tg.fail_next("setWebhook", 400, "Bad Request: bad webhook: HTTPS url must be provided")
    with pytest.raises(telegram_bot.ConfigError) as caught:
        await telegram_bot.start(app)
    words = str(caught.value)
    assert "TELEGRAM_WEBHOOK_URL" in words and "https url must be provided" in words.lower()
    assert "\n" not in words and tg.token not in words
    assert tg.called("setWebhook") and tg.webhook is None


async def test_backtrack_telegram_command_exits_2_when_set_webhook_fails(
        tg: FakeTelegram, tmp_path: Path) -> None:
    """The real command: one line naming the setting, exit 2, no traceback, no token."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TELEGRAM_BOT_TOKEN": tg.token,
           "TELEGRAM_API_URL": tg.api_url, "TELEGRAM_FILE_URL": tg.file_url,
           "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{free_port()}/hook",
           "TELEGRAM_WEBHOOK_PORT": str(free_port()),
           "BACKTRACK_DATA_DIR": str(tmp_path / "data"), "BACKTRACK_LOG_LEVEL": "WARNING"}
    tg.fail_next("setWebhook", 400, "Bad Request: bad webhook: HTTPS url must be provided")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bots.cli", "telegram", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    text = err.decode()
    assert proc.returncode == 2, text[-2000:]
    last = text.strip().splitlines()[-1]
    assert "TELEGRAM_WEBHOOK_URL" in last and "https url must be provided" in last.lower()
    assert "Traceback" not in text and tg.token.split(":")[1] not in text
    assert "level=ERROR" not in text, text  # said once, in words, not also by PTB
