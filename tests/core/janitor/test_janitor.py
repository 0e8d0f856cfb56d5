"""The janitor on a real folder with files of known sizes and ages."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from core.errors import DiskFull
from core.janitor import ensure_space, folder_bytes, make_room, sweep

HOUR = 3600.0
NOW = time.time()


def put(data_dir: Path, rel: str, size: int, age_hours: float) -> Path:
    path = data_dir / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\0" * size)
    stamp = NOW - age_hours * HOUR
    os.utime(path, (stamp, stamp))
    return path


@pytest.fixture
def data(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    put(d, "backtrack.sqlite3", 1000, 500)
    put(d, "backtrack.sqlite3-wal", 100, 500)
    put(d, "music/lofi.m4a", 2000, 500)
    put(d, "media/s1/old.mp4", 3000, 100)
    put(d, "media/s1/mid.mp4", 4000, 10)
    put(d, "renders/old.mp4", 5000, 80)
    put(d, "renders/new.mp4", 6000, 1)
    return d


def names(d: Path) -> set[str]:
    return {str(p.relative_to(d)) for p in d.rglob("*") if p.is_file()}


async def test_age_limit_only(data: Path) -> None:
    freed = await sweep(data, max_bytes=10**9, max_age_seconds=72 * HOUR, clock=lambda: NOW)
    assert freed == 3000 + 5000
    assert names(data) == {"backtrack.sqlite3", "backtrack.sqlite3-wal", "music/lofi.m4a",
                           "media/s1/mid.mp4", "renders/new.mp4"}


async def test_size_cap_oldest_first(data: Path) -> None:
    total = folder_bytes(data)
    assert total == 21100
    # Nothing is too old; to get to 15 000 bytes the two oldest (3000 + 5000) must go.
    freed = await sweep(data, max_bytes=15_000, max_age_seconds=1000 * HOUR, clock=lambda: NOW)
    assert freed == 8000
    assert folder_bytes(data) == 13100
    assert names(data) >= {"media/s1/mid.mp4", "renders/new.mp4", "music/lofi.m4a",
                           "backtrack.sqlite3"}
    assert not (data / "media/s1/old.mp4").exists()


async def test_never_database_music_or_kept(data: Path) -> None:
    keep = [data / "renders" / "old.mp4"]
    freed = await sweep(data, max_bytes=0, max_age_seconds=0, keep=keep, clock=lambda: NOW)
    assert freed == 3000 + 4000 + 6000
    assert names(data) == {"backtrack.sqlite3", "backtrack.sqlite3-wal", "music/lofi.m4a",
                           "renders/old.mp4"}
    # The emptied session folder goes at the next sweep, once it is past the grace period.
    session = data / "media" / "s1"
    assert session.is_dir()
    os.utime(session, (NOW - HOUR, NOW - HOUR))
    assert await sweep(data, max_bytes=0, max_age_seconds=0, keep=keep, clock=lambda: NOW) == 0
    assert not session.exists()
    assert (data / "media").is_dir() and (data / "renders").is_dir()


async def test_fresh_empty_folders_are_left_for_their_writer(tmp_path: Path) -> None:
    fresh = tmp_path / "media" / "new-session"
    fresh.mkdir(parents=True)
    work = tmp_path / "renders" / ".render-abc"
    work.mkdir(parents=True)
    await sweep(tmp_path, max_bytes=0, max_age_seconds=0)
    assert fresh.is_dir() and work.is_dir()


async def test_crash_leftovers_go_before_the_age_limit(tmp_path: Path) -> None:
    part = put(tmp_path, "media/s/abc.mp4.part", 100, 2)
    work = put(tmp_path, "renders/.render-x/out.mp4", 200, 2)
    recent_part = put(tmp_path, "media/s/def.mp4.part", 300, 0.5)  # may still be downloading
    done = put(tmp_path, "media/s/ok.mp4", 400, 2)
    freed = await sweep(tmp_path, max_bytes=10**9, max_age_seconds=72 * HOUR, clock=lambda: NOW)
    assert freed == 300
    assert not part.exists() and not work.exists()
    assert recent_part.exists() and done.exists()


async def test_grace_period_protects_files_being_written(tmp_path: Path) -> None:
    fresh = put(tmp_path, "renders/writing.tmp.mp4", 500, 0)
    # The clock is pinned: NOW was read at import, and the suite may run for minutes after.
    assert await sweep(tmp_path, max_bytes=0, max_age_seconds=0, clock=lambda: NOW) == 0
    assert fresh.exists()
    assert await sweep(tmp_path, max_bytes=0, max_age_seconds=0, grace_seconds=0,
                       clock=lambda: NOW) == 500


async def test_symlinks_are_removed_not_followed(tmp_path: Path) -> None:
    outside = put(tmp_path, "outside.bin", 700, 100)
    data = tmp_path / "data"
    (data / "renders").mkdir(parents=True)
    link = data / "renders" / "link.mp4"
    link.symlink_to(outside)
    stamp = NOW - 100 * HOUR
    os.utime(link, (stamp, stamp), follow_symlinks=False)
    await sweep(data, max_bytes=0, max_age_seconds=HOUR, clock=lambda: NOW)
    assert not link.is_symlink() and outside.exists()


async def test_missing_folders_are_fine(tmp_path: Path) -> None:
    assert await sweep(tmp_path / "nothing", 0, 0) == 0


def test_ensure_space_folder_cap(data: Path) -> None:
    ensure_space(data, need_bytes=1000, max_bytes=22_100)
    with pytest.raises(DiskFull) as info:
        ensure_space(data, need_bytes=1001, max_bytes=22_100)
    assert "storage is full" in info.value.user_message
    ensure_space(data.parent / "not-yet", need_bytes=10, max_bytes=10)


def test_ensure_space_real_disk(data: Path) -> None:
    free = shutil.disk_usage(data).free
    with pytest.raises(DiskFull) as info:
        ensure_space(data, need_bytes=free + 1, max_bytes=10**18)
    assert "disk is full" in info.value.user_message
    with pytest.raises(DiskFull):  # the reserve for the database counts too
        ensure_space(data, need_bytes=0, max_bytes=10**18, reserve_bytes=free + 10**9)


async def test_make_room_sweeps_then_checks(data: Path) -> None:
    # 21 100 used; 5000 more must fit under 20 000: the oldest upload and render go.
    await make_room(data, need_bytes=5000, max_bytes=20_000, max_age_seconds=1000 * HOUR)
    assert folder_bytes(data) + 5000 <= 20_000
    assert (data / "renders/new.mp4").exists()
    with pytest.raises(DiskFull):
        await make_room(data, need_bytes=50_000, max_bytes=20_000,
                        max_age_seconds=1000 * HOUR)
    assert (data / "renders/new.mp4").exists()  # hopeless requests delete nothing
