"""Drive the real `backtrack` command as a person would: a process, lines on stdin, files out.

Nothing here imports the assistant: the chat and the render command run as subprocesses of
`python -m bots.cli`, in a temporary working folder with their own data folder, and what they
print and deliver is all the tests look at.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 120

LEAKS = [
    (re.compile(r"Traceback|File \"/|\bException\b|Error:"), "a traceback or a raw error"),
    (re.compile(r"[{\[]\s*\""), "JSON"),
    (re.compile(r"\bmedia[_ ]id\b|\brender[_ ]id\b|\bsession[_ ]id\b|\bdraft\b|\bNone\b"),
     "an internal name"),
    (re.compile(r"\b[0-9a-f]{16,}\b(?!\.mp4)"), "an internal id"),
]


def bare_env(tmp: Path) -> dict[str, str]:
    """The environment of someone who just installed Backtrack: no tokens, no settings."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("BACKTRACK_", "TELEGRAM_", "DISCORD_", "NEMO_"))}
    env["PYTHONPATH"] = str(REPO)
    env["HOME"] = str(tmp)
    # No BACKTRACK_TURNS_PER_MINUTE=0 here: the console operator is never rate limited, so
    # scripted sessions send a line as soon as the last turn ends with the default limits.
    return env


@dataclass
class Session:
    """The printed lines of one chat run, and the videos it delivered, in order."""

    out: str
    code: int
    videos: list[Path] = field(default_factory=list)

    def problems(self) -> list[str]:
        return [x for x in self.out.splitlines() if x.startswith("Problem:")]

    def answer(self, words: str) -> str:
        """The printed line holding `words`; it must be an answer, not a "Problem:" line."""
        (line,) = [x for x in self.out.splitlines() if words in x]
        assert not line.startswith("Problem:"), line
        return line


def check_words(text: str, data_dir: Path) -> None:
    """No traceback, JSON, internal names or data-folder paths outside the video lines."""
    for line in text.splitlines():
        if line.startswith(("Video: ", "视频：")):
            continue
        for pattern, what in LEAKS:
            assert not pattern.search(line), f"{what} shown to the user: {line!r}"
        assert str(data_dir) not in line, f"a data-folder path shown to the user: {line!r}"


def chat(tmp: Path, lines: list[str]) -> Session:
    """Run `backtrack chat` with these lines on stdin (not a terminal) until it exits."""
    data = tmp / "data"
    done = subprocess.run(
        [sys.executable, "-m", "bots.cli", "chat", "--data-dir", str(data)],
        input="\n".join(lines) + "\n", capture_output=True, text=True, cwd=tmp,
        env=bare_env(tmp), timeout=TIMEOUT, check=False)
    out = done.stdout + done.stderr
    check_words(out, data)
    videos = [Path(m.group(1)) for m in re.finditer(
        r"^(?:Video: |视频：)(.+?) \(", done.stdout, re.M)]
    return Session(out, done.returncode, videos)


def render(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `backtrack render ...` once."""
    return subprocess.run([sys.executable, "-m", "bots.cli", "render", *args],
                          capture_output=True, text=True, cwd=tmp, env=bare_env(tmp),
                          timeout=TIMEOUT, check=False)
