"""`backtrack music MOOD --seconds N [--seed S] -o out.wav`: one built-in piece, no video."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("mood", help="a mood name or word: lofi, upbeat, calm, cinematic, "
                        "acoustic, electronic, jazz, epic, sad (or chill, happy, 史诗 …)")
    parser.add_argument("--seconds", type=float, default=30.0, help="length (default 30)")
    parser.add_argument("--seed", type=int, default=0, help="variation number (default 0)")
    parser.add_argument("-o", "--output", type=Path, required=True, help="the WAV file to write")


def run(args: argparse.Namespace) -> int:
    from core.music import cache, moods

    name = moods.find(args.mood)
    if name is None:
        print(f"backtrack music: no mood called {args.mood!r}; there are "
              f"{', '.join(moods.NAMES)}.", file=sys.stderr)
        return 2
    if not 0.5 <= args.seconds <= 1800:
        print("backtrack music: --seconds must be between 0.5 and 1800.", file=sys.stderr)
        return 2
    out: Path = args.output
    try:
        cache.write(name, args.seed, args.seconds, out)
    except OSError as exc:
        print(f"backtrack music: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    grid = cache.grid(name, args.seed, round(args.seconds * 1000))
    print(f"{out}: {name}, seed {args.seed}, {args.seconds:g} s, {60 / grid.beat:.0f} bpm, "
          f"final chord at {grid.ending:.2f} s")
    return 0
