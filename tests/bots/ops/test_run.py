"""`backtrack run` as a real process: it serves, stops on SIGTERM, leaves the store intact."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bots import run as run_cmd
from bots.cli import main
from core.config import Settings

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[bytes], deadline: float) -> None:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"backtrack run exited early: {proc.stderr.read()!r}")  # type: ignore[union-attr]
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError("the link server never listened")


def backtrack_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("BACKTRACK_", "TELEGRAM_", "DISCORD_", "NEMO_"))}
    env.update({"BACKTRACK_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(ROOT)}, **extra)
    return env


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_link_server_only_serves_and_stops_cleanly(tmp_path: Path, signum: int) -> None:
    port = free_port()
    env = backtrack_env(tmp_path, BACKTRACK_LINK_PUBLIC_URL=f"http://127.0.0.1:{port}",
                        BACKTRACK_LINK_PORT=str(port),
                        BACKTRACK_LINK_SECRET="a-test-link-secret-value")
    proc = subprocess.Popen([sys.executable, "-m", "bots.cli", "run"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for_port(port, proc, time.monotonic() + 30)
        resp = httpx.get(f"http://127.0.0.1:{port}/r/nope/1999999999/badsig/clip.mp4")
        assert resp.status_code == 403 and "This link is not valid" in resp.text
        assert httpx.get(f"http://127.0.0.1:{port}/etc/passwd").status_code == 404
        started = time.monotonic()
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=15)
        assert proc.returncode == 0, err.decode()
        assert time.monotonic() - started < 5
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    log = err.decode()
    assert "backtrack running" in log and "ways=links" in log and "backtrack stopped" in log
    assert "a-test-link-secret-value" not in log
    assert "Traceback" not in log
    db = tmp_path / "data" / "backtrack.sqlite3"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert not (tmp_path / "data" / "backtrack.sqlite3-wal").exists() or \
        (tmp_path / "data" / "backtrack.sqlite3-wal").stat().st_size == 0


def test_nothing_configured_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    env: pytest.MonkeyPatch) -> None:
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "Nothing to run" in err and "backtrack chat" in err and "README" in err
    assert not (tmp_path / "data").exists()


def test_bad_setting_exits_2(env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    env.setenv("BACKTRACK_LINK_PORT", "99999")
    assert main(["run"]) == 2
    assert "BACKTRACK_LINK_PORT" in capsys.readouterr().err


def test_port_taken_exits_1_with_words(env: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env.setenv("BACKTRACK_LINK_PUBLIC_URL", f"http://127.0.0.1:{port}")
        env.setenv("BACKTRACK_LINK_PORT", str(port))
        assert main(["run"]) == 1
    assert "backtrack doctor" in capsys.readouterr().err


@pytest.mark.parametrize(("env_vars", "ways"), [
    ({}, []),
    ({"BACKTRACK_LINK_PUBLIC_URL": "https://x.example.org"}, ["links"]),
    ({"TELEGRAM_BOT_TOKEN": "1:x", "DISCORD_BOT_TOKEN": "y"}, ["telegram", "discord"]),
    ({"TELEGRAM_BOT_TOKEN": "1:x", "BACKTRACK_LINK_PUBLIC_URL": "https://x.example.org"},
     ["links", "telegram"]),
])
def test_planned_ways(env: pytest.MonkeyPatch, env_vars: dict[str, str],
                      ways: list[str]) -> None:
    settings = Settings(_env_file=None, **env_vars)  # type: ignore[call-arg]
    assert run_cmd.planned(settings) == ways


def test_unusable_store_exits_1_with_words(env: pytest.MonkeyPatch, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    env.setenv("BACKTRACK_LINK_PUBLIC_URL", "http://127.0.0.1:9")
    env.setenv("BACKTRACK_LINK_PORT", "0")
    env.setenv("BACKTRACK_DATABASE", str(tmp_path))  # a folder, not a database file
    assert main(["run"]) == 1
    err = capsys.readouterr().err
    assert "Could not start" in err and "backtrack doctor" in err and "Traceback" not in err


def test_unreachable_telegram_exits_2_with_words(env: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    token = "123456789:AAFakeTokenForTests_abcdefghijklmnopq"
    env.setenv("TELEGRAM_BOT_TOKEN", token)
    env.setenv("TELEGRAM_API_URL", f"http://127.0.0.1:{free_port()}/bot")
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "Could not reach Telegram" in err and "TELEGRAM_API_URL" in err
    assert token not in err and "Traceback" not in err
