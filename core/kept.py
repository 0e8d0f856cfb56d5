"""Working copies of kept files. ffmpeg and the chat platforms read files in the data folder;
with object storage (`FileStore.shared`) that folder is scratch space, so a file another
machine took in, or that the janitor swept, is brought back from the bucket first."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from core.config import Settings
from core.ports import FileStore

log = logging.getLogger(__name__)

SCRATCH_MAX_AGE_SECONDS = 3600.0
"""With object storage, local copies older than this are swept (the bucket keeps the files)."""


def local_max_age_seconds(settings: Settings) -> float:
    """How long the janitor keeps files in the data folder: the configured age, or an hour
    when the data folder is only scratch space in front of object storage."""
    age = settings.file_max_age_hours * 3600
    return min(age, SCRATCH_MAX_AGE_SECONDS) if settings.storage_url else age


def shared(files: FileStore | None) -> bool:
    return files is not None and files.shared


async def local_copy(files: FileStore | None, data_dir: Path, key: str) -> Path | None:
    """The file kept under `key` (a path relative to the data folder, or an absolute path
    from before object storage) as a local file; None when it is nowhere."""
    path = Path(key) if Path(key).is_absolute() else data_dir / key
    if await asyncio.to_thread(path.is_file):
        return path
    if files is None or not files.shared or path == Path(key):
        return None
    return path if await files.get(key, path) else None


async def keep_shared(files: FileStore | None, key: str, path: Path) -> None:
    """Put a new local file in object storage (nothing to do for the data folder). On failure
    the local file goes too, so nothing is left half-kept; StorageUnavailable says so."""
    if not shared(files):
        return
    assert files is not None
    try:
        await files.put(key, path)
    except BaseException:
        await asyncio.to_thread(path.unlink, missing_ok=True)
        raise
