"""`backtrack doctor` against a tmp data folder and a stub NemoVideo API on 127.0.0.1."""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from bots import doctor
from bots.cli import main
from tests.fakes.serve import serve_app

TG_TOKEN = "123456789:AAH-abcdefghijklmnopqrstuvwxyz012345"
NEMO_TOKEN = "nmv_usr_doctor_secret_value"


def levels(checks: list[doctor.Check], name: str) -> list[str]:
    return [c.level for c in checks if c.name == name]


def detail(checks: list[doctor.Check], name: str) -> str:
    return " | ".join(c.detail for c in checks if c.name == name)


@pytest.fixture
async def nemo_api() -> AsyncIterator[str]:
    """A 20-line NemoVideo stand-in: credits for the good token, 1001 for any other."""

    async def credits(request: web.Request) -> web.Response:
        auth = request.headers.get("Authorization", "")
        if auth == f"Bearer {NEMO_TOKEN}":
            return web.json_response({"code": 0, "data": {"available": 80, "frozen": 0,
                                                          "total": 100}})
        if auth == "Bearer nmv_usr_broke_account_000":
            return web.json_response({"code": 0, "data": {"available": 0}})
        return web.json_response({"code": 1001, "message": "token invalid"}, status=401)

    app = web.Application()
    app.router.add_get("/api/credits/balance/simple", credits)
    async with serve_app(app) as url:
        yield url


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_a_fresh_local_setup_passes(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    checks = await doctor.diagnose()
    # No way in configured; fonts depend on what this machine has installed (checked below).
    assert [c.level for c in checks if c.level != "OK" and c.name != "fonts"] == ["WARN"]
    assert levels(checks, "ffmpeg") == ["OK"]
    assert "libx264" in detail(checks, "ffmpeg") and "sidechaincompress" in detail(checks, "ffmpeg")
    assert levels(checks, "data") == ["OK"]
    assert re.search(r"opens \(schema version [1-9]\d*, migrations applied\)",
                     detail(checks, "store"))
    db = tmp_path / "data" / "backtrack.sqlite3"
    assert sqlite3.connect(db).execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert "TELEGRAM_BOT_TOKEN not set" in detail(checks, "telegram")
    assert "backtrack chat" in detail(checks, "ways in")
    assert levels(checks, "nemo") == []


async def test_fonts(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env.setenv("BACKTRACK_FONT_FILE", str(tmp_path / "missing.ttf"))
    checks = await doctor.diagnose()
    assert levels(checks, "fonts") == ["FAIL"] and "missing.ttf" in detail(checks, "fonts")
    font = tmp_path / "Mine.ttf"
    font.write_bytes(b"font")
    env.setenv("BACKTRACK_FONT_FILE", str(font))
    checks = await doctor.diagnose()
    assert levels(checks, "fonts") == ["OK"] and "Mine.ttf" in detail(checks, "fonts")


async def test_bad_setting_is_named(env: pytest.MonkeyPatch) -> None:
    env.setenv("BACKTRACK_MAX_RENDERS", "lots")
    [check] = await doctor.diagnose()
    assert check.level == "FAIL" and "BACKTRACK_MAX_RENDERS" in check.detail


async def test_tokens_are_never_printed(env: pytest.MonkeyPatch, nemo_api: str) -> None:
    env.setenv("TELEGRAM_BOT_TOKEN", TG_TOKEN)
    env.setenv("DISCORD_BOT_TOKEN", "discord-token-value-xyz")
    env.setenv("BACKTRACK_ENGINE", "nemo")
    env.setenv("NEMO_API_URL", nemo_api)
    env.setenv("NEMO_TOKEN", NEMO_TOKEN)
    checks = await doctor.diagnose()
    text = "\n".join(c.line() for c in checks)
    for secret in (TG_TOKEN, "discord-token-value-xyz", NEMO_TOKEN, "123456789"):
        assert secret not in text
    assert "TELEGRAM_BOT_TOKEN set" in text and "DISCORD_BOT_TOKEN set" in text
    assert levels(checks, "nemo") == ["OK", "OK"]
    assert "80 credits" in detail(checks, "nemo")
    assert "WARN" not in levels(checks, "telegram")


@pytest.mark.parametrize(("token", "level", "words"), [
    (None, "OK", "answers"),
    ("nmv_usr_expired_token_1234", "FAIL", "NEMO_TOKEN was refused"),
    ("nmv_usr_broke_account_000", "WARN", "no credits left"),
])
async def test_nemo_answers(env: pytest.MonkeyPatch, nemo_api: str, token: str | None,
                            level: str, words: str) -> None:
    env.setenv("BACKTRACK_ENGINE", "nemo")
    env.setenv("NEMO_API_URL", nemo_api)
    if token:
        env.setenv("NEMO_TOKEN", token)
    checks = await doctor.diagnose()
    nemo = [c for c in checks if c.name == "nemo"][-1]
    assert nemo.level == level and words in nemo.detail
    assert not token or token not in nemo.detail


async def test_nemo_down_fails_quickly(env: pytest.MonkeyPatch) -> None:
    env.setenv("BACKTRACK_ENGINE", "nemo")
    env.setenv("NEMO_API_URL", f"http://127.0.0.1:{closed_port()}")
    checks = await doctor.diagnose(http_timeout=1)
    assert levels(checks, "nemo")[-1] == "FAIL"
    assert "does not answer" in detail(checks, "nemo")


@pytest.mark.parametrize(("public", "level", "words"), [
    ("https://files.example.org", "OK", "BACKTRACK_LINK_SECRET not set"),
    ("http://127.0.0.1:9", "OK", "serving on"),
    ("http://files.example.org", "WARN", "plain http"),
    ("files.example.org", "FAIL", "must look like"),
    ("ftp://files.example.org", "FAIL", "must look like"),
])
async def test_link_settings(env: pytest.MonkeyPatch, public: str, level: str,
                             words: str) -> None:
    env.setenv("BACKTRACK_LINK_PUBLIC_URL", public)
    env.setenv("BACKTRACK_LINK_PORT", str(closed_port()))
    checks = await doctor.diagnose()
    assert level in levels(checks, "links") and words in detail(checks, "links")


async def test_link_port_in_use(env: pytest.MonkeyPatch) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        env.setenv("BACKTRACK_LINK_PUBLIC_URL", "https://files.example.org")
        env.setenv("BACKTRACK_LINK_PORT", str(busy.getsockname()[1]))
        checks = await doctor.diagnose()
    assert levels(checks, "links") == ["FAIL"] and "in use" in detail(checks, "links")


async def test_unwritable_data_folder(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    env.setenv("BACKTRACK_DATA_DIR", str(blocker / "data"))
    checks = await doctor.diagnose()
    assert levels(checks, "data") == ["FAIL"] and "not writable" in detail(checks, "data")
    assert levels(checks, "store") == ["FAIL"]


def test_exit_codes_through_the_cli(env: pytest.MonkeyPatch, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    font = tmp_path / "font.ttf"  # the fonts check must not depend on this machine's fonts
    font.write_bytes(b"font")
    env.setenv("BACKTRACK_FONT_FILE", str(font))
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("OK    config")
    assert "Ready, with 1 warning(s)." in out
    env.setenv("BACKTRACK_ENGINE", "nemo")
    env.setenv("NEMO_API_URL", f"http://127.0.0.1:{closed_port()}")
    assert doctor.run(argparse.Namespace(timeout=1.0)) == 1
    assert "problem(s) to fix" in capsys.readouterr().out


async def test_a_cancelled_check_kills_its_process(tmp_path: Path) -> None:
    """Ctrl-C during a check must not leave the child running (only the deadline did)."""
    pid_file = tmp_path / "pid"
    script = ("import os, sys, time; open(sys.argv[1], 'w').write(str(os.getpid())); "
              "time.sleep(60)")
    task = asyncio.create_task(doctor._output(sys.executable, "-c", script, str(pid_file)))
    for _ in range(500):
        if pid_file.exists() and pid_file.read_text():
            break
        await asyncio.sleep(0.01)
    pid = int(pid_file.read_text())
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    with pytest.raises(ProcessLookupError):  # killed and reaped
        os.kill(pid, 0)


async def test_self_hosted_bot_api(env: pytest.MonkeyPatch) -> None:
    env.setenv("TELEGRAM_BOT_TOKEN", TG_TOKEN)
    env.setenv("TELEGRAM_API_URL", "http://127.0.0.1:8081")
    env.setenv("TELEGRAM_WEBHOOK_URL", "http://bot.internal/hook")
    checks = await doctor.diagnose()
    shown = detail(checks, "telegram")
    assert "Bot API at http://127.0.0.1:8081/bot (files at http://127.0.0.1:8081/file/bot)" in shown
    assert TG_TOKEN not in shown and "FAIL" in levels(checks, "telegram")  # cloud rules: https
    env.setenv("TELEGRAM_LOCAL_MODE", "true")
    checks = await doctor.diagnose()
    assert "FAIL" not in levels(checks, "telegram")  # a local server in local mode takes http
