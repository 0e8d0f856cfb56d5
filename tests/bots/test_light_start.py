"""`backtrack render` and `backtrack chat` on the default setup (local engine, SQLite, no
tokens) never import the packages of the other ways in or of the optional extras: each costs
start-up time on every render (bench/README.md, bench_reencode.py) or is not installed on a
plain `pip install -e .`. The commands run for real in a fresh interpreter; what it imported
is read from sys.modules at the end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import av

ROOT = Path(__file__).resolve().parents[2]

# Top-level packages that must not be loaded by these two commands.
NOT_LOADED = ("telegram", "discord", "psycopg", "psycopg_pool", "procrastinate",
              "aiobotocore", "botocore", "playwright", "numpy", "PIL", "httpx", "rich")

RUN = (
    "import json, sys\n"
    "import bots.cli\n"
    "code = bots.cli.main(json.loads(sys.argv[1]))\n"
    "names = sorted({m.split('.')[0] for m in sys.modules})\n"
    "print(json.dumps({'code': code, 'modules': names}))\n"
)


def _run(argv: list[str], cwd: Path) -> tuple[int, set[str]]:
    # The default setup: no BACKTRACK_* settings, no tokens, no .env (cwd is an empty folder).
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("BACKTRACK_", "TELEGRAM_", "DISCORD_", "NEMO_"))}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run([sys.executable, "-c", RUN, json.dumps(argv)], cwd=cwd, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["code"], set(result["modules"])


def test_render_loads_none_of_the_other_ways_in(clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.mp4"
    code, modules = _run(["render", str(clip), "-q", "-o", str(out), "make it 9:16"], tmp_path)
    assert code == 0
    with av.open(str(out)) as done:  # it did render: a vertical picture
        video = done.streams.video[0]
        assert video.height > video.width
    assert sorted(modules & set(NOT_LOADED)) == []
    assert "av" in modules  # the check sees what was imported (the probe uses PyAV)


def test_chat_loads_none_of_the_other_ways_in(clip: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    code, modules = _run(["chat", "--data-dir", str(data), str(clip), "what can you do?"],
                         tmp_path)
    assert code == 0
    assert any(data.rglob("*.sqlite3"))  # a real session ran, with its store
    assert sorted(modules & set(NOT_LOADED)) == []
    assert "aiosqlite" in modules
