"""Intake: attachments and links become checked, probed media files of a session.

`attachment()` and `link()` fetch and check; the assistant then hands the file to the engine
and calls `keep()` (records it) or `discard()` (deletes it) depending on the engine's answer.

Type and size are checked before any byte is fetched, and again after (probe, limits). Files
land in `<data_dir>/media/<session_id>/<random><ext>`: the user's file name never reaches a path.
"""

from __future__ import annotations

import asyncio
import contextlib
import mimetypes
import secrets
import time
from collections.abc import Awaitable, Iterator
from pathlib import Path
from typing import Protocol

from core.config import Settings
from core.conversation.fetch import ACCEPTED_EXTENSIONS, Downloaded, check_upload, extension_of
from core.conversation.fetch import display_name as safe_name
from core.conversation.turn import Attachment
from core.engine import MediaFile, MediaKind
from core.errors import BadMedia, StorageUnavailable, TooLarge, UnsupportedFile
from core.janitor import make_room
from core.kept import keep_shared, local_max_age_seconds, shared
from core.local.probe import MediaInfo
from core.media_limits import check_media, check_pixels, human_size
from core.parser.phrases import say_clock
from core.ports import FileStore, MediaRecord, MediaStore


class ProbeFn(Protocol):
    """`core.local.probe.probe`: `name` is the user's name for the file, used in its words."""

    def __call__(self, path: Path, name: str | None = None) -> Awaitable[MediaInfo]: ...


_DEFAULT_SUFFIX: dict[str, str] = {"video": ".mp4", "audio": ".mp3", "image": ".png"}


PHOTOS_REFUSED = ("Photos can't be the clip with the local engine — send a video "
                  "(mp4, mov, webm, mkv, avi).")


def engine_accepts_images(engine: object) -> bool:
    """`Engine.accepts_images` when the engine declares it; absent means False."""
    return bool(getattr(engine, "accepts_images", False))


def picture_size(path: Path, name: str) -> tuple[int, int]:
    """Width and height of a picture from its headers (nothing is decoded)."""
    import av  # only pictures need it here; videos go through the probe

    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            width, height = stream.codec_context.width, stream.codec_context.height
    except (av.FFmpegError, IndexError, ValueError, OSError, UnicodeDecodeError):
        width = height = 0
    if width <= 0 or height <= 0:
        raise BadMedia(f"{name} isn't a picture I can read (it may be damaged).")
    return width, height


@contextlib.contextmanager
def users_name(path: Path, name: str) -> Iterator[None]:
    """BadMedia words that name our stored copy (a random name) name the user's file."""
    try:
        yield
    except BadMedia as exc:
        if path.name not in exc.user_message:
            raise
        raise BadMedia(exc.user_message.replace(path.name, name)) from exc


class LinkFetcher(Protocol):
    """What intake needs from `core.conversation.fetch.Fetcher`."""

    async def download(self, url: str, dest_dir: Path) -> Downloaded: ...


def display_name(name: str, kind: str = "video") -> str:
    """The name to show and store: `fetch.display_name` (last path part, no control or
    bidi characters, at most 80 characters), with a stand-in extension from the kind."""
    ext = extension_of(name)
    if ext not in ACCEPTED_EXTENSIONS:
        ext = _DEFAULT_SUFFIX.get(kind, ".bin").lstrip(".")
    return safe_name(name, ext)


def suffix_for(name: str, mime: str | None, kind: str) -> str:
    """A safe extension for the stored copy: the accepted one in the name, else from the type."""
    suffix = Path(name).suffix.lower()
    if suffix.lstrip(".") in ACCEPTED_EXTENSIONS:
        return suffix
    guessed = mimetypes.guess_extension(mime or "") or ""
    if guessed.lstrip(".") in ACCEPTED_EXTENSIONS:
        return guessed
    return _DEFAULT_SUFFIX.get(kind, ".bin")


def check_probed(info: MediaInfo, kind: str, name: str, settings: Settings) -> MediaKind:
    """`core.media_limits.check_media`: the same check for every way in."""
    return check_media(info, kind, name, settings)


class Intake:
    """Fetches, checks, probes and records the media a user sends."""

    def __init__(self, settings: Settings, store: MediaStore, probe: ProbeFn,
                 fetcher: LinkFetcher, *, accepts_images: bool = False,
                 files: FileStore | None = None) -> None:
        self.settings = settings
        self.files = files
        """With object storage, a checked file goes to the bucket before the engine sees it."""
        self.accepts_images = accepts_images
        self.store = store
        self.probe = probe
        self.fetcher = fetcher

    def _folder(self, session_id: str) -> Path:
        # Session ids come from engines; keep only safe characters in the folder name.
        safe = "".join(c for c in session_id if c.isalnum() or c in "-_") or "session"
        return self.settings.data_dir / "media" / safe

    async def attachment(self, session_id: str, attachment: Attachment) -> MediaFile:
        """A file sent in the chat."""
        kind = check_upload(attachment.name, attachment.size, attachment.mime,
                            self.settings.max_file_bytes)
        name = display_name(attachment.name, kind)
        self._check_kind(kind)
        if attachment.size:
            # Old files make way (never this conversation's own); DiskFull when that's not enough.
            await self._make_room(session_id, attachment.size)
        folder = self._folder(session_id)
        await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
        path = folder / (secrets.token_hex(8) + suffix_for(attachment.name, attachment.mime, kind))
        try:
            await attachment.fetch(path)
            size = (await asyncio.to_thread(path.stat)).st_size
            if size > self.settings.max_file_bytes:
                raise TooLarge(f"{name} is {human_size(size)}; the largest file I take is "
                               f"{human_size(self.settings.max_file_bytes)}.")
            return await self._admit(session_id, path, name, kind, size)
        except BaseException:
            await asyncio.to_thread(path.unlink, missing_ok=True)
            raise

    async def link(self, session_id: str, url: str) -> MediaFile:
        """A link to a media file in the message text."""
        folder = self._folder(session_id)
        await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
        got = await self.fetcher.download(url, folder)  # saved under a random name already
        try:
            kind = check_upload(got.path.name, got.size, got.mime, self.settings.max_file_bytes)
            self._check_kind(kind)
            # A link's size is only known once it is here, and then it already counts towards
            # the folder: room is made for nothing more, unless it can never fit (make_room
            # then refuses without deleting anything).
            too_big = got.size > self.settings.data_max_bytes
            await self._make_room(session_id, got.size if too_big else 0, got.path)
            return await self._admit(session_id, got.path, display_name(got.name, kind), kind,
                                     got.size)
        except BaseException:
            await asyncio.to_thread(got.path.unlink, missing_ok=True)
            raise

    async def _make_room(self, session_id: str, need_bytes: int, *keep: Path) -> None:
        """Sweep old files (never this conversation's own, nor `keep`); DiskFull with words."""
        own = [self.settings.data_dir / m.path for m in await self.store.list_media(session_id)]
        await make_room(self.settings.data_dir, need_bytes, self.settings.data_max_bytes,
                        local_max_age_seconds(self.settings), keep=[*own, *keep])

    def _check_kind(self, kind: str) -> None:
        if kind == "image" and not self.accepts_images:
            raise UnsupportedFile(PHOTOS_REFUSED)

    async def _admit(self, session_id: str, path: Path, name: str, kind: str,
                     size: int) -> MediaFile:
        """A checked file, in object storage when there is one (whole or not at all)."""
        media = await self._checked(path, name, kind, size)
        await keep_shared(self.files, self._key(path), path)
        return media

    def _key(self, path: Path) -> str:
        return path.relative_to(self.settings.data_dir).as_posix()

    async def _checked(self, path: Path, name: str, kind: str, size: int) -> MediaFile:
        if size == 0:
            raise BadMedia(f"{name} is empty.")
        if kind == "image":  # a picture has no length: the video probe would refuse it
            width, height = await asyncio.to_thread(picture_size, path, name)
            check_pixels(width, height, name, self.settings)
            return MediaFile(media_id=secrets.token_hex(8), path=path, name=name, kind="image",
                             size=size, width=width, height=height)
        with users_name(path, name):
            info = await self.probe(path, name)
        final = check_probed(info, kind, name, self.settings)
        return MediaFile(media_id=secrets.token_hex(8), path=path, name=name, kind=final,
                         size=size, duration=info.duration or None, width=info.width,
                         height=info.height)

    async def keep(self, session_id: str, media: MediaFile) -> None:
        """Record a file the engine accepted (so "has a clip" means the engine has it)."""
        await self.store.add_media(MediaRecord(
            id=media.media_id, session_id=session_id, kind=media.kind, name=media.name,
            path=self._key(media.path), size=media.size,
            duration=media.duration, width=media.width, height=media.height,
            created_at=time.time(),
        ))

    async def discard(self, media: MediaFile) -> None:
        """Delete a file the engine refused (and its object, with object storage)."""
        await asyncio.to_thread(media.path.unlink, missing_ok=True)
        if shared(self.files):
            assert self.files is not None
            # Called while another error is on its way to the user: that one is the answer
            # (the storage logged its own failure; the bucket's expiry rule clears leftovers).
            with contextlib.suppress(StorageUnavailable):
                await self.files.delete(self._key(media.path))


def songs_sent(records: list[MediaRecord], language: str) -> str | None:
    """The songs of a session in the order sent, for the status ("use the second song" counts
    in this order); `records` newest first, as the store lists them. None without songs."""
    songs = [r for r in reversed(records) if r.kind == "audio"]
    if not songs:
        return None
    items = ", ".join(f"{i}. {r.name}" + (f" ({say_clock(r.duration * 1000)})" if r.duration
                                          else "") for i, r in enumerate(songs, 1))
    return ("已收到的歌曲：" if language.startswith("zh") else "Songs sent: ") + items
