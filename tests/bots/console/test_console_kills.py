"""`backtrack chat` killed (SIGKILL, no goodbyes) in the middle of a download and of an upload
to NemoVideo, then started again: the store is intact and the chat is told, once."""

from __future__ import annotations

import http.server
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.conversation.journal import interrupted_words
from tests.fakes.nemo_server import FakeNemo, ServedFake

ROOT = Path(__file__).resolve().parents[3]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BACKTRACK_", "NEMO_"))}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def chat(tmp_path: Path, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bots.cli", "chat", "--data-dir", str(tmp_path / "data")],
        input=stdin, capture_output=True, text=True, timeout=60, cwd=tmp_path, env=env,
        check=False)


def kill_when(tmp_path: Path, env: dict[str, str], line: str, started: threading.Event) -> str:
    """Start the chat, send one line, SIGKILL it (and its children) once `started` is set."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bots.cli", "chat", "--data-dir", str(tmp_path / "data")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        cwd=tmp_path, env=env, start_new_session=True)
    assert process.stdin is not None and process.stdout is not None
    try:
        process.stdin.write(line + "\n")
        process.stdin.flush()
        assert started.wait(30), "the work never started"
        time.sleep(0.3)  # well inside it
        assert process.poll() is None, "the chat ended before it was killed"
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
        out = process.stdout.read()
        for stream in (process.stdout, process.stderr, process.stdin):
            stream.close()  # type: ignore[union-attr]
    return out


def integrity(tmp_path: Path) -> str:
    raw = sqlite3.connect(tmp_path / "data" / "backtrack.sqlite3")
    try:
        return str(raw.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        raw.close()


class Trickle(http.server.BaseHTTPRequestHandler):
    """A video that arrives a kilobyte at a time, for ever (until the client goes)."""

    started = threading.Event()

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "video/mp4")
        self.send_header("Content-Length", str(50 * 1024 * 1024))
        self.end_headers()
        try:
            while True:
                self.wfile.write(b"\0" * 1024)
                self.wfile.flush()
                Trickle.started.set()
                time.sleep(0.02)
        except OSError:
            return

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def trickle() -> Iterator[str]:
    Trickle.started = threading.Event()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_killed_mid_download_then_restarted_tells_the_chat(tmp_path: Path, trickle: str) -> None:
    env = _env(BACKTRACK_ALLOW_PRIVATE_URLS="true")
    before = kill_when(tmp_path, env, f"{trickle}/clips/Holiday.mp4", Trickle.started)
    assert "Downloading" in before, before
    parts = list((tmp_path / "data").rglob("*.part"))
    assert len(parts) == 1, parts  # the download in progress (its bytes may be unflushed)
    two_hours_ago = time.time() - 7200  # the leftover has lain there a while
    os.utime(parts[0], (two_hours_ago, two_hours_ago))

    again = chat(tmp_path, env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.splitlines() == [interrupted_words("downloading Holiday.mp4")]
    assert not list((tmp_path / "data").rglob("*.part")), "the janitor removed the leftover"
    assert integrity(tmp_path) == "ok"
    third = chat(tmp_path, env, stdin="status\n")  # told once; the chat works
    assert third.returncode == 0, third.stdout + third.stderr
    assert third.stdout.splitlines()[0].startswith("Timeline is empty"), third.stdout


@pytest.fixture
def nemo() -> Iterator[tuple[FakeNemo, str]]:
    fake = FakeNemo()
    served = ServedFake(fake).start()
    try:
        yield fake, served.url
    finally:
        served.stop()


def test_killed_mid_upload_to_nemovideo_then_restarted_tells_the_chat(
        tmp_path: Path, clip: Path, nemo: tuple[FakeNemo, str]) -> None:
    fake, url = nemo
    fake.upload_delay = 60.0
    env = _env(BACKTRACK_ENGINE="nemo", NEMO_API_URL=url, NEMO_WEB_URL="https://web.nemo.test")
    kill_when(tmp_path, env, str(clip), fake.upload_started)
    assert fake.uploads == []
    fake.upload_delay = 0.0

    again = chat(tmp_path, env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.splitlines() == [interrupted_words("receiving clip.mp4")]
    assert integrity(tmp_path) == "ok"
    third = chat(tmp_path, env)
    assert third.returncode == 0 and third.stdout == "", third.stdout + third.stderr
    assert fake.problems == []
