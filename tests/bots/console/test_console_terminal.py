"""`backtrack chat` on a terminal (a pseudo-terminal): the status line is rewritten in place,
and typing "cancel" while a render runs stops it."""

from __future__ import annotations

import os
import pty
import select
import sys
import time
from pathlib import Path

from tests.media import make_video

ROOT = Path(__file__).resolve().parents[3]
CLEAR = "\r\x1b[2K"


class Terminal:
    def __init__(self, tmp_path: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BACKTRACK_", "NEMO_"))}
        env["PYTHONPATH"] = str(ROOT)
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: become `backtrack chat`
            os.chdir(tmp_path)
            os.execve(sys.executable, [sys.executable, "-m", "bots.cli", "chat", "--data-dir",
                                       str(tmp_path / "data")], env)
        self.output = ""

    def type(self, line: str) -> None:
        os.write(self.fd, (line + "\n").encode())

    def wait_for(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            assert time.monotonic() < deadline, f"no {text!r} in {self.output!r}"
            ready, _, _ = select.select([self.fd], [], [], 0.1)
            if ready:
                try:
                    self.output += os.read(self.fd, 65536).decode(errors="replace")
                except OSError:
                    break

    def close(self) -> int:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                os.close(self.fd)
                return os.waitstatus_to_exitcode(status)
            self.wait_for("", 0.1)
            time.sleep(0.05)
        os.kill(self.pid, 9)
        raise AssertionError("the chat did not exit")


def test_terminal_status_in_place_and_cancel(tmp_path: Path) -> None:
    term = Terminal(tmp_path)
    term.wait_for("/quit leaves.")
    term.type("/demo")
    term.wait_for("Got your video demo.mp4")
    assert CLEAR + "[ .. ] Making a sample clip…" + CLEAR in term.output
    long_clip = make_video(tmp_path / "long.mp4", seconds=20, width=640, height=480)
    term.type(f"{long_clip} add calm music and make it vertical")
    term.wait_for("Rendering… ▱")  # the bar, rewritten in place
    term.type("fade out")
    term.wait_for("send 'cancel' to stop it.")
    term.type("cancel")
    term.wait_for("Cancelled.")
    term.type("status")
    term.wait_for("Timeline (2 tracks)")
    term.type("/quit")
    assert term.close() == 0
    assert f"Video: {tmp_path}" not in term.output, "cancelled before any video"
