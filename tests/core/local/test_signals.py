"""`backtrack render` and `backtrack chat` killed in the middle of a re-encode, with real
processes and real signals: no ffmpeg runs on (read from /proc), nothing is left behind (no
`.part` file, no `.render-*` folder; for `render` in the user's own output folder)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.media import ffmpeg

ROOT = Path(__file__).resolve().parents[3]
SLOW = "vertical 9:16 in 1080p"  # a tiny clip blown up to 1080x1920: seconds of x264 work


@pytest.fixture(scope="module")
def long_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("signals") / "clip.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25:duration=20",
           "-f", "lavfi", "-i", "sine=duration=20", "-c:v", "libx264", "-preset", "ultrafast",
           "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path))
    return path


def running(marker: str) -> dict[int, str]:
    """Live (not zombie) processes whose command line mentions `marker`: pid -> command."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue  # gone meanwhile
        if marker in command and state not in ("Z", "X"):
            found[int(entry.name)] = command
    return found


def ffmpegs(marker: str) -> dict[int, str]:
    return {pid: cmd for pid, cmd in running(marker).items() if "ffmpeg" in cmd.split()[0]}


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.startswith(".")
                  or p.name.endswith(".part"))


def env() -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("BACKTRACK_", "NEMO_"))}
    clean["PYTHONPATH"] = str(ROOT)
    return clean


def kill_mid_encode(argv: list[str], folder: Path, marker: str, signum: int,
                    stdin: str | None = None) -> int:
    """Start the command, wait until ffmpeg writes its partial file in `folder`, send `signum`
    to the Backtrack process alone (not its group), return its exit code."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bots.cli", *argv], cwd=folder.parent, env=env(),
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True)
    assert process.stdin is not None
    try:
        if stdin is not None:
            process.stdin.write(stdin.encode())
            process.stdin.flush()  # stays open: the chat waits for more lines
        wait_for(lambda: any(p.name.endswith(".part") for p in folder.rglob("*"))
                 or process.poll() is not None, 120, "ffmpeg never started")
        assert process.poll() is None, "it finished before the signal"
        assert ffmpegs(marker), "no ffmpeg at work"
        os.kill(process.pid, signum)
        code = process.wait(60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdin.close()
        assert process.stderr is not None
        said = process.stderr.read().decode(errors="replace")
        process.stderr.close()
    assert "Traceback" not in said, said
    return code


EXPECTED = {signal.SIGKILL: -signal.SIGKILL, signal.SIGTERM: 143, signal.SIGINT: 130}


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT],
                         ids=["kill-9", "term", "int"])
def test_render_killed_mid_encode(tmp_path: Path, long_clip: Path, signum: int) -> None:
    out = tmp_path / "user folder"
    out.mkdir()
    code = kill_mid_encode(["render", str(long_clip), "-o", f"{out}/", SLOW], out,
                           str(out), signum)
    assert code == EXPECTED[signum]
    wait_for(lambda: not ffmpegs(str(out)), 15, f"ffmpeg still running: {ffmpegs(str(out))}")
    wait_for(lambda: not running(str(out)), 15, f"still running: {running(str(out))}")
    assert list(out.iterdir()) == [], "the user's folder keeps nothing"


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "term"])
def test_chat_killed_mid_encode(tmp_path: Path, long_clip: Path, signum: int) -> None:
    data = tmp_path / "data"
    code = kill_mid_encode(["chat", "--data-dir", str(data)], data, str(data), signum,
                           stdin=f"{long_clip} {SLOW}\n")
    assert code == EXPECTED[signum]
    wait_for(lambda: not ffmpegs(str(data)), 15, f"ffmpeg still running: {ffmpegs(str(data))}")
    wait_for(lambda: not running(str(data)), 15, f"still running: {running(str(data))}")
    assert leftovers(data / "renders") == []
    assert [p for p in (data / "renders").iterdir() if p.suffix == ".mp4"] == []


HOLDING = """
import asyncio, sys
from pathlib import Path
from core.local.runner import held

async def main() -> None:
    folder = Path(sys.argv[1])
    async with held((folder,)):
        (folder / "picture.mp4").write_bytes(b"x" * 1000)
        print("holding", flush=True)
        await asyncio.sleep(60)

asyncio.run(main())
"""


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "term"])
def test_work_of_our_own_is_cleaned_when_killed(tmp_path: Path, signum: int) -> None:
    """The smart cut joins its parts in Backtrack's own process (no ffmpeg runs then): killed
    during it, its `.render-*` folder still goes (`core.local.runner.held`)."""
    work = tmp_path / ".render-join"
    work.mkdir()
    process = subprocess.Popen([sys.executable, "-c", HOLDING, str(work)], env=env(),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True)
    assert process.stdout is not None and process.stderr is not None
    try:
        assert process.stdout.readline().strip() == b"holding", process.stderr.read()
        assert (work / "picture.mp4").exists()
        os.kill(process.pid, signum)
        process.wait(30)
        wait_for(lambda: not work.exists(), 15, "the work folder was left behind")
        wait_for(lambda: not running(str(work)), 15, f"still running: {running(str(work))}")
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        process.stdout.close()
        process.stderr.close()


def test_work_of_our_own_stays_while_it_runs_and_after(tmp_path: Path) -> None:
    """Leaving `held` normally removes nothing: the render uses the file next."""
    import asyncio

    from core.local.runner import held

    work = tmp_path / ".render-kept"
    work.mkdir()

    async def go() -> None:
        async with held((work,)):
            (work / "picture.mp4").write_bytes(b"x")
        await asyncio.sleep(0.3)

    asyncio.run(go())
    assert (work / "picture.mp4").exists()
    assert not running(str(work))
