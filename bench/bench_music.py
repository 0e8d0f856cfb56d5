"""Built-in music: compose + render time per mood (target: 60 s of any mood in at most 1.5 s on
one core), and the cached lookup that every later render of the same (mood, seed, length) takes.

    python bench/bench_music.py                  # --seconds 60 --seed 1

CPU time is the process's own (the SoundFont renderer and numpy run in it, on one core); wall
time is what a person waits, and includes waiting for the CPU on a loaded machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.music import cache  # noqa: E402
from core.music.compose import compose  # noqa: E402
from core.music.moods import NAMES  # noqa: E402
from core.music.render import finish, synthesise  # noqa: E402


def per_mood(seconds: float, seed: int) -> None:
    print(f"compose + render {seconds:g} s (seed {seed}), load {os.getloadavg()[0]:.1f}:")
    print("| mood | compose CPU s | SoundFont CPU s | finish CPU s | total CPU s | wall s "
          "| cached lookup |")
    print("|---|---|---|---|---|---|---|")
    folder = Path(tempfile.mkdtemp(prefix="bench-music-"))
    length_ms = round(seconds * 1000)
    for name in NAMES:
        c0, w0 = time.process_time(), time.perf_counter()
        piece = compose(name, seed, seconds)
        c1 = time.process_time()
        audio = synthesise(piece)
        c2 = time.process_time()
        finish(audio, piece)  # length, ring-out, loudness and limiter
        c3, w3 = time.process_time(), time.perf_counter()
        asyncio.run(cache.ensure(name, seed, length_ms, folder))  # written once
        h0 = time.perf_counter()
        asyncio.run(cache.ensure(name, seed, length_ms, folder))  # then found
        hit = time.perf_counter() - h0
        print(f"| {name} | {c1 - c0:.3f} | {c2 - c1:.3f} | {c3 - c2:.3f} | {c3 - c0:.3f} "
              f"| {w3 - w0:.2f} | {hit * 1000:.1f} ms |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    per_mood(args.seconds, args.seed)


if __name__ == "__main__":
    main()
