"""The timeline picture of a session, made from its draft and its clip on disk.

`status` sends it after the summary; a render served behind a link keeps one beside the video
for its player page. Thumbnails come from the session's clip (the upload we keep), so both
engines get them; without a readable clip the picture is drawn without thumbnails. A picture
is a nicety: any failure is logged and the answer goes on without it.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from core.config import Settings
from core.conversation.turn import Photo
from core.draft import Draft
from core.engine import SessionRef
from core.local.picture import geometry
from core.local.plan import DEFAULT_MAX_SHORT_SIDE
from core.ports import MediaRecord, MediaStore
from core.timeline.convert import timeline_of
from core.timeline.model import Timeline

if TYPE_CHECKING:  # PyAV and Pillow load when a picture is first drawn, not at start-up
    from core.timeline.picture import Thumbnail

log = logging.getLogger(__name__)

THUMBNAILS = 5
THUMB_BOX = (320, 240)
PICTURE_SUFFIX = ".timeline.png"
"""A render's picture is `renders/{render_id}.timeline.png`, beside `{render_id}.mp4`."""


def picture_path(data_dir: Path, render_id: str) -> Path:
    return data_dir / "renders" / f"{render_id}{PICTURE_SUFFIX}"


def thumbnail_times(timeline: Timeline, count: int = THUMBNAILS) -> list[int]:
    """Output times (ms) spread over the timeline, one in the middle of each of `count` parts."""
    length = timeline.length or 0
    if length <= 0:
        return []
    count = max(1, min(count, length // 1000 or 1))
    return [round(length * (i + 0.5) / count) for i in range(count)]


def output_size(timeline: Timeline, clip: MediaRecord | None) -> tuple[int, int] | None:
    """The output's size as the local renderer would make it, when the clip's size is known."""
    if clip is None or not clip.width or not clip.height:
        return None
    picture = timeline.picture
    width, height, *_ = geometry(clip.width, clip.height, picture.aspect, picture.fill or "blur",
                                 picture.resolution, DEFAULT_MAX_SHORT_SIDE,
                                 bool(picture.upscale))
    return width, height


class Snapshots:
    """Draws the timeline pictures of sessions into the data folder."""

    def __init__(self, settings: Settings, store: MediaStore) -> None:
        self.settings = settings
        self.store = store

    async def photo(self, session: SessionRef, draft: Draft) -> Photo | None:
        """The picture for `status`, as a fresh PNG file in the renders folder (None for an
        empty timeline)."""
        if not draft.is_exportable:
            return None
        dest = self.settings.data_dir / "renders" / f"status-{secrets.token_hex(6)}.png"
        if not await self.write(session.session_id, timeline_of(draft), dest):
            return None
        return Photo(dest, "The timeline")

    async def write(self, session_id: str, timeline: Timeline, dest: Path,
                    size: tuple[int, int] | None = None) -> bool:
        """Draw the session's timeline into `dest`; False (logged) when that failed."""
        try:
            clip = await self._clip(session_id, timeline)
            png = await asyncio.to_thread(self._draw, timeline, clip, size)
            await asyncio.to_thread(_write, dest, png)
        except Exception as exc:  # the picture is a nicety: the text answer stands alone
            log.warning("no timeline picture (%s)", type(exc).__name__)
            return False
        return True

    async def _clip(self, session_id: str, timeline: Timeline) -> MediaRecord | None:
        videos = await self.store.list_media(session_id, "video")
        wanted = timeline.clip.media_id if timeline.clip is not None else None
        for record in videos:
            if record.id == wanted:
                return record
        return videos[-1] if videos else None

    def _draw(self, timeline: Timeline, clip: MediaRecord | None,
              size: tuple[int, int] | None) -> bytes:
        from core.local.frames import frames_at
        from core.timeline.picture import draw

        thumbs: list[Thumbnail] = []
        if clip is not None:
            times = thumbnail_times(timeline)
            try:  # output times to the clip's own, through the trim and the cuts
                frames = frames_at(self.settings.data_dir / clip.path,
                                   [timeline.clip_time(at) / 1000 for at in times], THUMB_BOX)
                thumbs = list(zip(times, frames, strict=False))
            except Exception as exc:  # an unreadable clip: draw without thumbnails
                log.warning("no thumbnails for the timeline picture (%s)", type(exc).__name__)
        return draw(timeline, thumbs, size or output_size(timeline, clip),
                    self.settings.font_file)


def _write(dest: Path, data: bytes) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    part.write_bytes(data)
    part.replace(dest)
