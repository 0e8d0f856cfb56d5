"""Composed pieces on disk, one WAV per (mood, seed, length), written atomically.

The composer and renderer are pure, so a file name says everything about its content; bump
VERSION when a change to either would change the audio, so old files are not reused.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import uuid
from pathlib import Path

from core.janitor import PARTIAL_SUFFIX
from core.music.compose import Grid, compose, fit, grid_of
from core.music.moods import mood

VERSION = 3
DEFAULT_SECONDS = 30.0
"""Length of a piece whose length is not known yet (music chosen before any clip)."""
PREVIEW_SECONDS = 10.0
KEEP_PIECES = 48
"""Pieces kept in the cache folder (about 5.8 MB per minute each); older ones are deleted when
a new one is written, except files touched in the last minute (a render may be reading them).
The janitor never sweeps `music/` (core/janitor.py), so this is its only bound."""
IN_USE_SECONDS = 60.0


def filename(mood_name: str, seed: int, length_ms: int) -> str:
    mood(mood_name)  # unknown moods raise ValueError here, before any file name exists
    return f"{mood_name}-s{seed}-{length_ms}ms-v{VERSION}.wav"


def write(mood_name: str, seed: int, seconds: float, target: Path) -> None:
    """Compose, render and write one piece to `target` (through a temporary name)."""
    from core.music.render import render, wav_bytes  # numpy and the synth: only to write

    data = wav_bytes(render(compose(mood_name, seed, seconds)))
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.parent / f".{target.stem}.{uuid.uuid4().hex}{PARTIAL_SUFFIX}"
    try:
        temp.write_bytes(data)
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)


def is_ready(cache_dir: Path, mood_name: str, seed: int, length_ms: int) -> bool:
    target = cache_dir / filename(mood_name, seed, length_ms)
    return target.is_file() and target.stat().st_size > 0


async def ensure(mood_name: str, seed: int, length_ms: int, cache_dir: Path) -> Path:
    """The piece's file in `cache_dir`, composed and rendered (in a thread) on first use; two
    concurrent calls at worst both render it, and a reader never sees half a file."""
    target = cache_dir / filename(mood_name, seed, length_ms)
    if await asyncio.to_thread(is_ready, cache_dir, mood_name, seed, length_ms):
        await asyncio.to_thread(os.utime, target)  # in use: the last one pruning would take
        return target
    await asyncio.to_thread(write, mood_name, seed, length_ms / 1000, target)
    await asyncio.to_thread(prune, cache_dir)
    return target


def prune(cache_dir: Path, keep: int = KEEP_PIECES) -> None:
    """Delete the least recently used pieces beyond `keep` (never one used in the last minute)."""
    pieces = []
    for path in cache_dir.glob("*.wav"):
        with contextlib.suppress(OSError):
            pieces.append((path.stat().st_mtime, path))
    pieces.sort(reverse=True)
    recent = time.time() - IN_USE_SECONDS
    for mtime, path in pieces[keep:]:
        if mtime < recent:
            with contextlib.suppress(OSError):
                path.unlink()


def grid(mood_name: str, seed: int, length_ms: int) -> Grid:
    """The beat grid of the piece (nothing is composed or rendered)."""
    return grid_of(mood_name, seed, length_ms / 1000)


__all__ = ["DEFAULT_SECONDS", "PREVIEW_SECONDS", "Grid", "ensure", "filename", "fit", "grid",
           "is_ready", "prune", "write"]
