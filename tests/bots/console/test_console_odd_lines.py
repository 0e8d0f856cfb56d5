"""`backtrack chat` fed lines the OS cannot look up as paths: each is a message, answered in
words, never a traceback (a 256-byte line used to end the chat with "File name too long")."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_long_and_odd_lines_are_messages(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BACKTRACK_", "NEMO_"))}
    env["PYTHONPATH"] = str(ROOT)
    lines = ["add music " + "x" * 300, "y" * 256, "~" + "n" * 300 + "/a.mp4 add music",
             "/tmp/" + "deep/" * 900 + "a.mp4", "help"]
    done = subprocess.run(
        [sys.executable, "-m", "bots.cli", "chat", "--data-dir", str(tmp_path / "data")],
        input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=60,
        cwd=tmp_path, env=env, check=False)
    assert "Traceback" not in done.stderr and "Error" not in done.stderr, done.stderr
    assert done.returncode in (0, 1)
    # Every line got an answer and the chat went on to the last one ("help" lists what it does).
    assert "music" in done.stdout.lower() and done.stdout.count("\n") >= len(lines)
