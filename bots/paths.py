"""Paths typed by a person: checks that answer with words, never with an OSError.

`Path.is_file` raises on a name longer than the file system allows (ENAMETOOLONG, any line of
256 bytes or more typed into the chat) and on other odd input; a line that is not a file is
simply not a file.
"""

from __future__ import annotations

from pathlib import Path


def is_file(path: Path) -> bool:
    """Whether `path` names a regular file; False for anything the OS refuses to look up."""
    try:
        return path.is_file()
    except (OSError, ValueError):  # too long, NUL bytes, a loop, no permission on a parent
        return False


def is_dir(path: Path) -> bool:
    """Whether `path` names a folder; False for anything the OS refuses to look up."""
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False


def typed_path(text: str) -> Path:
    """A path as typed, "~" expanded when it names a home folder; "~nobody" stays as typed
    (`expanduser` raises RuntimeError for a user that does not exist)."""
    path = Path(text)
    try:
        return path.expanduser()
    except (RuntimeError, ValueError, OSError):
        return path
