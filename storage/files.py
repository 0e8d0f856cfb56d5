"""Where files are kept: the data folder (the default, one machine) or object storage.

`open_files(settings)` picks by `BACKTRACK_STORAGE_URL`. Keys are paths relative to the data
folder, so in the default the "stored" file and the working copy are the same file and
every call is a no-op or a local copy.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

from core.config import Settings
from core.ports import FileStore


class DataFolderFiles:
    """`core.ports.FileStore` on the data folder: today's behaviour, nothing shared."""

    shared = False
    link_seconds = 0

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir

    def _path(self, key: str) -> Path:
        if not key or key.startswith("/") or ".." in key.split("/"):
            raise ValueError("storage keys are relative paths made by Backtrack")
        return self.data_dir / key

    async def put(self, key: str, path: Path) -> None:
        await asyncio.to_thread(_copy, path, self._path(key))

    async def get(self, key: str, path: Path) -> bool:
        source = self._path(key)
        if not await asyncio.to_thread(source.is_file):
            return False
        await asyncio.to_thread(_copy, source, path)
        return True

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)

    async def put_data(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(_write, self._path(key), data)

    async def link(self, key: str, filename: str, content_type: str = "video/mp4",
                   inline: bool = False, seconds: int | None = None) -> str | None:
        return None  # the link server signs links to the data folder

    async def size(self, key: str) -> int | None:
        return await asyncio.to_thread(_size, self._path(key))

    async def check(self, *, write: bool = False) -> str:
        return f"files in the data folder {self.data_dir}"

    async def close(self) -> None:
        """Nothing to release."""


def _copy(source: Path, dest: Path) -> None:
    """Copy through a `.part` name (whole or nothing); nothing to do for the same file."""
    if os.path.abspath(source) == os.path.abspath(dest):
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".part")
    try:
        shutil.copyfile(source, partial)
        os.replace(partial, dest)
    finally:
        partial.unlink(missing_ok=True)


def _size(path: Path) -> int | None:
    return path.stat().st_size if path.is_file() else None


def _write(dest: Path, data: bytes) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".part")
    try:
        partial.write_bytes(data)
        os.replace(partial, dest)
    finally:
        partial.unlink(missing_ok=True)


def open_files(settings: Settings) -> FileStore:
    """The file store the settings name (object storage is imported only when chosen)."""
    if settings.storage_url:
        from storage.s3 import S3Files

        return S3Files.from_settings(settings)
    return DataFolderFiles(settings.data_dir)
