"""What a line typed into `backtrack chat` asks for: a message, an upload (a path typed as is,
spaces and apostrophes allowed, quotes optional, with an optional instruction after it), a
missing file, or a console command (/demo, /quit); and a local file as an attachment."""

from __future__ import annotations

import asyncio
import mimetypes
import shlex
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from bots.paths import is_file as file_exists
from bots.paths import typed_path
from core.conversation.turn import Attachment

MEDIA_SUFFIXES = frozenset({".mp4", ".mov", ".avi", ".webm", ".mkv", ".jpg", ".jpeg", ".png",
                            ".gif", ".webp", ".mp3", ".wav", ".m4a", ".aac"})
QUIT_WORDS = frozenset({"/quit", "/exit", "/q"})


@dataclass(frozen=True)
class Line:
    """What one typed line asks for."""

    kind: Literal["message", "upload", "missing", "demo", "quit", "empty"]
    text: str = ""
    path: Path | None = None


def parse_line(line: str, is_file: Callable[[Path], bool] = file_exists) -> Line:
    """Decide whether a line is a message, an upload (with an optional instruction), or a
    console command. Pure apart from `is_file` (which answers False, never raises, for a
    line the OS cannot look up: too long, NUL bytes)."""
    line = line.strip()
    if not line:
        return Line("empty")
    first = line.split(maxsplit=1)[0].lower()
    if first in QUIT_WORDS:
        return Line("quit")
    if first == "/demo":
        return Line("demo", line[len(first):].strip())
    explicit = first == "/upload"
    rest = line[len(first):].strip() if explicit else line
    if _is_link(rest):
        return Line("message", line)  # a link: the assistant downloads it
    whole = _whole_path(rest, is_file)
    if whole is not None:
        return Line("upload", whole[1], whole[0])
    try:
        words = shlex.split(rest)
    except ValueError:  # an unbalanced quote: not a path, just words
        words = []
    if words:
        path = typed_path(words[0])
        text = " ".join(words[1:])
        if is_file(path):
            return Line("upload", text, path)
        if explicit or path.suffix.lower() in MEDIA_SUFFIXES:
            return Line("missing", text, path)
    elif explicit:
        return Line("message", "upload")  # the assistant explains how to send a file
    return Line("message", line)


def _is_link(text: str) -> bool:
    """A line starting with a link is a message (the assistant downloads it), never a path."""
    first = text.split(maxsplit=1)[0] if text.strip() else ""
    return "://" in first


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1].strip()
    return text


def _whole_path(rest: str, is_file: Callable[[Path], bool]) -> tuple[Path, str] | None:
    """A path typed as is, spaces and apostrophes included (no shell quoting needed): the
    whole rest of the line, or its longest start ending in a media suffix followed by the
    instruction ("long 60s.mp4 add calm music")."""
    path = typed_path(_unquote(rest))
    if rest and is_file(path):
        return path, ""
    spaces = [i for i, char in enumerate(rest) if char.isspace()]
    for cut in reversed(spaces):
        head = _unquote(rest[:cut])
        if Path(head).suffix.lower() not in MEDIA_SUFFIXES:
            continue
        path = typed_path(head)
        if is_file(path):
            return path, rest[cut:].strip()
    return None


def attachment_for(path: Path) -> Attachment:
    """A local file as an attachment: the copy into the data folder is its "fetch"."""
    async def fetch(dest: Path) -> None:
        await asyncio.to_thread(shutil.copyfile, path, dest)

    mime, _ = mimetypes.guess_type(path.name)
    return Attachment(name=path.name, size=path.stat().st_size, mime=mime, fetch=fetch)
