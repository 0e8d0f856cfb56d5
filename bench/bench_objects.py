"""Object storage: time and memory of putting and getting render-sized files through
storage.s3.S3Files, against moto's S3 server on 127.0.0.1 (started here).

    python bench/bench_objects.py            # --sizes 5,50,200 (MB) --runs 3

Reports per size: put and get wall time (median), MB/s, and the growth of this process's peak
resident memory during the largest put and get (uploads go in 16 MiB parts, downloads in 1 MiB
chunks: the growth should stay near one part, whatever the file size). moto keeps objects in
memory, so it runs as its own process (`python -m moto.server`) and is not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.config import Settings
from storage.s3 import S3Files
from tests.fakes.s3 import FakeS3


@contextmanager
def moto_process() -> Iterator[FakeS3]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p",
                               str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield FakeS3(f"http://127.0.0.1:{port}")
    finally:
        server.terminate()
        server.wait(10)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="5,50,200")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with moto_process() as s3, tempfile.TemporaryDirectory() as tmp:
        bucket = s3.new_bucket()
        files = S3Files.from_settings(Settings(_env_file=None, **s3.settings(bucket)))
        print(f"{'MB':>5} {'put s':>7} {'put MB/s':>9} {'get s':>7} {'get MB/s':>9}"
              f" {'peak +MB':>8}")
        try:
            for size in sizes:
                source = Path(tmp) / f"{size}.mp4"
                with source.open("wb") as out:
                    for _ in range(size):
                        out.write(os.urandom(1024 * 1024))
                before = peak_mb()
                puts, gets = [], []
                for run in range(args.runs):
                    start = time.perf_counter()
                    await files.put(f"renders/{size}-{run}.mp4", source)
                    puts.append(time.perf_counter() - start)
                    start = time.perf_counter()
                    await files.get(f"renders/{size}-{run}.mp4", Path(tmp) / "back.mp4")
                    gets.append(time.perf_counter() - start)
                    await files.delete(f"renders/{size}-{run}.mp4")
                put, get = statistics.median(puts), statistics.median(gets)
                print(f"{size:>5} {put:>7.2f} {size / put:>9.1f} {get:>7.2f} {size / get:>9.1f}"
                      f" {peak_mb() - before:>+8.0f}")
                source.unlink()
            print(f"peak resident memory of this process: {peak_mb():.0f} MB")
        finally:
            await files.close()


if __name__ == "__main__":
    asyncio.run(main())
