"""NemoVideo client benchmark against the fake server running in a separate process.

1. Upload a 500 MB file (sparse, named .mp4): peak RSS of this (the bot's) process must stay
   under 100 MB, because the multipart body is streamed from disk.
2. Chat turns with the fake answering at once: wall time and this process's CPU time per
   turn (a turn = state read, SSE chat call, state read); target < 20 ms of client overhead.

    .venv/bin/python bench/bench_nemo.py [--turns 200] [--mb 500]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.config import Settings  # noqa: E402
from core.engine import Edited, MediaFile, SessionRef  # noqa: E402
from core.nemo import NemoEngine  # noqa: E402
from tests.fakes.memory_store import MemoryStore  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def start_server() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-m", "tests.fakes.nemo_server"], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline().split()
    if len(line) != 2 or line[0] != "URL":
        proc.kill()
        raise SystemExit(f"the fake server did not start: {line}")
    return proc, line[1]


async def run(url: str, turns: int, megabytes: int, folder: Path) -> None:
    settings = Settings(_env_file=None, nemo_api_url=url, data_dir=folder)  # type: ignore[call-arg]
    engine = NemoEngine(settings, MemoryStore())
    big = folder / "holiday.mp4"
    with big.open("wb") as handle:
        handle.truncate(megabytes * 1024 * 1024)
    sid = await engine.new_session("bench:1", "en")
    session = SessionRef("bench:1", sid)
    before = peak_rss_mb()
    start = time.perf_counter()
    line = await engine.add_media(session, MediaFile("m", big, big.name, "video",
                                                     big.stat().st_size))
    took = time.perf_counter() - start
    print(f"upload {megabytes} MB: {took:.1f} s ({megabytes / took:.0f} MB/s); "
          f"peak RSS before {before:.1f} MB, after {peak_rss_mb():.1f} MB -> {line}")

    async def turn() -> None:
        async for event in engine.edit(session, "make it pop"):
            if isinstance(event, Edited):
                return
        raise SystemExit("a turn ended without Edited")

    for _ in range(10):  # warm up connections and code paths
        await turn()
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(turns):
        await turn()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"chat turns: {turns}; wall {wall / turns * 1000:.2f} ms/turn (incl. the fake's "
          f"3 answers); client CPU {cpu / turns * 1000:.2f} ms/turn")
    await engine.aclose()
    print(f"peak RSS of the client process: {peak_rss_mb():.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--mb", type=int, default=500)
    args = parser.parse_args()
    proc, url = start_server()
    try:
        with tempfile.TemporaryDirectory() as folder:
            asyncio.run(run(url, args.turns, args.mb, Path(folder)))
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()
