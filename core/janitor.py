"""Keeps the data folder under its size cap: old uploads and renders go, oldest first.

Only `media/` and `renders/` are ever deleted from; the database and the `music/` cache are
counted towards the cap but never touched. Files younger than a grace period are left alone
because they may still be being written or sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import stat
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

from core.errors import DiskFull

log = logging.getLogger(__name__)

MB = 1024 * 1024
SWEPT_FOLDERS = ("media", "renders")
GRACE_SECONDS = 60.0
LEFTOVER_SECONDS = 3600.0
"""Partial downloads (`.part`) and files in hidden work folders (`.render-*`) untouched this
long are leftovers of a crash, removed whatever the age limit."""
PARTIAL_SUFFIX = ".part"
"""What every writer (downloads, renders, generated moods) ends a file's name with until it is
complete, so a crash leaves a name the janitor knows to remove."""
RESERVE_BYTES = 64 * MB
"""Free disk space always left over, so the database never meets a full disk."""


@dataclass(frozen=True)
class _File:
    path: Path
    size: int
    mtime: float


def _walk(root: Path) -> Iterator[_File]:
    """Regular files and symlinks under root, without following links."""
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            try:
                info = path.lstat()
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode):
                size = info.st_size if stat.S_ISREG(info.st_mode) else 0
                yield _File(path, size, info.st_mtime)


def folder_bytes(data_dir: Path) -> int:
    """Bytes of every file under the data folder (symlinks not followed)."""
    return sum(f.size for f in _walk(data_dir))


def _sweep_sync(data_dir: Path, max_bytes: int, max_age_seconds: float,
                keep: Collection[Path], now: float, grace_seconds: float) -> int:
    kept = {Path(os.path.abspath(p)) for p in keep}
    candidates = sorted(
        (f for folder in SWEPT_FOLDERS for f in _walk(data_dir / folder)
         if Path(os.path.abspath(f.path)) not in kept and now - f.mtime >= grace_seconds),
        key=lambda f: f.mtime,
    )
    total = folder_bytes(data_dir)
    freed = 0
    for f in candidates:
        expired = now - f.mtime > max_age_seconds or (
            _is_leftover(f.path, data_dir) and now - f.mtime > LEFTOVER_SECONDS)
        if not expired and total <= max_bytes:
            continue
        try:
            f.path.unlink()
        except FileNotFoundError:
            pass  # someone else removed it; it no longer counts either way
        except OSError as exc:
            log.warning("janitor could not delete a file", extra={"path": str(f.path),
                                                                   "error": str(exc)})
            continue
        total -= f.size
        freed += f.size
    _remove_empty_folders(data_dir, now, grace_seconds)
    return freed


def _is_leftover(path: Path, data_dir: Path) -> bool:
    if path.name.endswith(PARTIAL_SUFFIX):
        return True
    return any(part.startswith(".") for part in path.relative_to(data_dir).parts[:-1])


def _remove_empty_folders(data_dir: Path, now: float, grace_seconds: float) -> None:
    """Remove empty folders untouched for the grace period (a fresh one is about to be used;
    one emptied just now goes at the next sweep)."""
    for top in SWEPT_FOLDERS:
        root = data_dir / top
        for folder, _dirs, _names in os.walk(root, topdown=False):
            path = Path(folder)
            with contextlib.suppress(OSError):  # not empty, or already gone
                if path != root and now - path.stat().st_mtime >= grace_seconds:
                    path.rmdir()


async def sweep(data_dir: Path, max_bytes: int, max_age_seconds: float,
                keep: Collection[Path] = (), *, grace_seconds: float = GRACE_SECONDS,
                clock: Callable[[], float] = time.time) -> int:
    """Delete uploads and renders older than max age, then oldest first until the folder is
    within max_bytes, never touching `keep`; returns the bytes freed."""
    freed = await asyncio.to_thread(_sweep_sync, data_dir, max_bytes, max_age_seconds,
                                    tuple(keep), clock(), grace_seconds)
    if freed:
        log.info("janitor freed space", extra={"bytes": freed})
    return freed


def _free_disk(path: Path) -> int:
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return shutil.disk_usage(probe).free


def _mb(n: int) -> str:
    return f"{n / MB:,.0f} MB" if n < 10 * 1024 * MB else f"{n / (1024 * MB):,.0f} GB"


def ensure_space(data_dir: Path, need_bytes: int, max_bytes: int,
                 *, reserve_bytes: int = RESERVE_BYTES) -> None:
    """Raise DiskFull with words when `need_bytes` more would pass the folder cap or leave
    the disk with less than `reserve_bytes` free. Walks the folder: call it from a thread
    (or use `make_room`) when the folder is large."""
    used = folder_bytes(data_dir) if data_dir.exists() else 0
    if used + need_bytes > max_bytes:
        raise DiskFull(
            f"My storage is full right now (the limit is {_mb(max_bytes)}), so I can't take "
            "that. Please try again later, or send a smaller file.")
    if _free_disk(data_dir) - need_bytes < reserve_bytes:
        raise DiskFull(
            "The server's disk is full right now, so I can't take that. "
            "Please try again later.")


async def make_room(data_dir: Path, need_bytes: int, max_bytes: int, max_age_seconds: float,
                    keep: Collection[Path] = ()) -> None:
    """Sweep so that `need_bytes` more fit under the cap, then check; raises DiskFull."""
    if need_bytes > max_bytes:  # cannot fit even in an empty folder: delete nothing
        await asyncio.to_thread(ensure_space, data_dir, need_bytes, max_bytes)
    await sweep(data_dir, max(max_bytes - need_bytes, 0), max_age_seconds, keep)
    await asyncio.to_thread(ensure_space, data_dir, need_bytes, max_bytes)


def stored_path(path: Path, root: Path) -> str:
    """How a file is stored: relative to the data folder when inside it, else absolute.
    Resolves links (file system calls): from a coroutine, run it in a thread."""
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(root.resolve()))
    except ValueError:
        return str(resolved)
