"""Delivery: a finished render handed to the chat as a file, our signed link, the engine's
URL, or (when none fits) the size a smaller copy must have. Delivery never calls the engine:
the assistant renders (core/conversation/renders.py) and passes the result and the timeline.

`handoff()` is pure: a file when it fits the chat's upload limit, else a signed link from our
own link server, else the engine's URL (NemoVideo), else a re-encode that fits the limit.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Literal, Protocol

from core.config import Settings
from core.conversation.fetch import Downloaded
from core.conversation.object_page import publish_page, put_beside
from core.conversation.snapshot import Snapshots, picture_path
from core.conversation.turn import QUICK_ACTIONS, Turn, Video
from core.engine import Rendered
from core.errors import EngineError, TooLarge, UserError
from core.janitor import stored_path
from core.kept import local_copy
from core.media_limits import human_duration as human_duration
from core.media_limits import human_size as human_size
from core.ports import FileStore
from core.timeline.model import Timeline

log = logging.getLogger("backtrack.assistant")  # the turn's story, wherever its code lives

Handoff = Literal["file", "link", "url", "shrink"]
"""How a render reaches the person."""

SHRINK_MARGIN = 0.95
"""Aim a re-encode a little under the limit: containers and bitrate control overshoot."""

DOWNLOAD_NAME = "backtrack.mp4"

StatusFn = Callable[[str, float | None], None]


class Signer(Protocol):
    """What delivery needs from `core.links.LinkSigner`."""

    def url_for(self, render_id: str, filename: str) -> str: ...


class ResultFetcher(Protocol):
    """What delivery needs from `core.conversation.fetch.Fetcher`: a remote result brought here."""

    async def download(self, url: str, dest_dir: Path) -> Downloaded: ...


def handoff(rendered: Rendered, upload_limit: int | None, can_sign: bool) -> Handoff:
    """How to hand a render to the user."""
    if rendered.path is not None:
        if upload_limit is None or (rendered.size or 0) <= upload_limit:
            return "file"
        if can_sign:
            return "link"
        if rendered.url:
            return "url"
        return "shrink"
    if rendered.url:
        return "url"
    return "shrink"


def shrink_target(upload_limit: int) -> int:
    """The size to re-encode to when no link can be given."""
    return int(upload_limit * SHRINK_MARGIN)


LOW_MUSIC = 0.2
"""At or below this music level the quick action offers "Louder music" instead of quieter."""


def quick_actions(timeline: Timeline | None, width: int | None = None,
                  height: int | None = None) -> tuple[str, ...]:
    """The buttons under a delivered video, for what the timeline can still use.

    The default set (`QUICK_ACTIONS`) without what is already done or cannot be done (no
    "Fade out" without music); no "Fade out" when the
    music fades out, no "Vertical 9:16" when the output is 9:16 (by the draft or by its
    shape), "Louder music" when the music is at or below 20%, "Add calm music" when there is
    none yet. Every label is an instruction the parser understands; "Undo" is always there.
    """
    if timeline is None:
        return QUICK_ACTIONS
    music = timeline.song
    vertical = timeline.picture.aspect == "9:16" or (
        bool(width and height) and abs((width or 0) / (height or 1) - 9 / 16) < 0.02)
    buttons: list[str] = []
    for label in QUICK_ACTIONS:
        if label == "Fade out":
            if music is not None and music.fade_out <= 0:  # nothing to fade: no button
                buttons.append(label)
        elif label == "Quieter music":
            volume = music.level if music is not None else None
            if music is None:
                buttons.append("Add calm music")
            elif volume is not None and volume <= LOW_MUSIC + 1e-9:
                buttons.append("Louder music")
            else:
                buttons.append(label)
        elif label == "Vertical 9:16":
            if not vertical:
                buttons.append(label)
        else:
            buttons.append(label)
    return tuple(buttons)


def video_reply(rendered: Rendered, how: Handoff, url: str | None = None,
                upload_limit: int | None = None,
                buttons: tuple[str, ...] = QUICK_ACTIONS, as_file: bool = False) -> Video:
    """The Video reply for a delivery plan (`url` is the signed link for "link")."""
    facts = f"{human_size(rendered.size)}, {human_duration(rendered.duration)}"
    if how == "file":
        path, link, caption = rendered.path, rendered.url, f"Here is your video ({facts})."
    else:
        limit = f"; this chat takes files up to {human_size(upload_limit)}" if upload_limit else ""
        path, link = None, url if how == "link" else rendered.url
        caption = f"Your video is ready ({facts}{limit}). Download it here: {link}"
    return Video(path=path, url=link, size=rendered.size, duration=rendered.duration,
                 caption=caption, width=rendered.width, height=rendered.height,
                 buttons=buttons, as_file=as_file)


class Delivery:
    """Hands finished renders to the chat: a file, our signed link, the engine's URL, or a
    smaller copy when nothing else fits (the assistant renders that copy)."""

    def __init__(self, settings: Settings, signer: Signer | None,
                 fetcher: ResultFetcher, files: FileStore | None = None,
                 snapshots: Snapshots | None = None) -> None:
        self.snapshots = snapshots
        """Draws the timeline picture that our link server's player page shows."""
        self.settings = settings
        self.signer = signer
        self.fetcher = fetcher
        self.files = files if files is not None and files.shared else None
        """Object storage: its presigned URLs are the links (the engine put the result)."""
        self.can_link = signer is not None or self.files is not None

    def smaller_copy(self, turn: Turn, rendered: Rendered) -> int | None:
        """The byte size a re-render must fit when this render cannot be handed over as it
        is, else None."""
        if handoff(rendered, turn.upload_limit, self.can_link) != "shrink":
            return None
        if turn.upload_limit is None:
            raise EngineError("the render has neither a file nor a URL")
        return shrink_target(turn.upload_limit)

    async def hand_over(self, turn: Turn, rendered: Rendered, render_id: str,
                        timeline: Timeline | None, status: StatusFn,
                        shrunk: bool = False, session_id: str | None = None) -> Video:
        """The Video reply for a finished render (`shrunk`: the smaller copy; TooLarge when
        even it does not fit)."""
        limit = turn.upload_limit
        how = handoff(rendered, limit, self.can_link)
        if shrunk:
            if rendered.path is None or (rendered.size or 0) > (limit or 0):
                raise TooLarge("Even a smaller copy is too big for this chat. Try a shorter "
                               "clip, or \"export 720p\".")
            how = "file"
        if how == "url" and rendered.url and rendered.path is None and (
                limit is None or (rendered.size or limit + 1) <= limit):
            rendered = await self._fetch_result(rendered, status)
            how = handoff(rendered, limit, self.can_link)
        if how == "link":
            await self._picture(rendered, render_id, timeline, session_id)
            url = await self._link(rendered, render_id)
        else:
            url = None
        if how == "file":
            rendered = await self._here(rendered)
        buttons = quick_actions(timeline, rendered.width, rendered.height)
        status("Finished.", 100.0)
        return video_reply(rendered, how, url, limit, buttons,
                           as_file=turn.preferences.delivery == "file")

    async def _here(self, rendered: Rendered) -> Rendered:
        """A result rendered on another machine (a render worker) is sent from object
        storage: its local copy is brought here first."""
        if self.files is None or rendered.path is None or await asyncio.to_thread(
                rendered.path.is_file):
            return rendered
        key = await asyncio.to_thread(stored_path, rendered.path, self.settings.data_dir)
        if await local_copy(self.files, self.settings.data_dir, key) is None:
            raise EngineError("the finished video is neither here nor in the file storage")
        return rendered

    async def _picture(self, rendered: Rendered, render_id: str, timeline: Timeline | None,
                       session_id: str | None) -> None:
        """Draw the timeline picture the player page shows, beside the render."""
        if timeline is None or session_id is None or self.snapshots is None:
            return
        size = (rendered.width, rendered.height) if rendered.width and rendered.height \
            else None
        await self.snapshots.write(session_id, timeline,
                                   picture_path(self.settings.data_dir, render_id), size)

    async def _link(self, rendered: Rendered, render_id: str) -> str | None:
        """Our own signed link to the link server's page (with object storage, the poster and
        the timeline picture are put in the bucket for it first), else, with object storage
        and no link server, the presigned URL of a player page put in the bucket. Only local
        results become links (a remote result is fetched only when it fits the chat), and the
        local engine puts its results in object storage itself."""
        if self.files is not None and rendered.path is not None:
            data_dir = self.settings.data_dir
            key = await asyncio.to_thread(stored_path, rendered.path, data_dir)
            picture, work_dir = picture_path(data_dir, render_id), data_dir / "renders"
            if self.signer is None:
                return await publish_page(self.files, key, DOWNLOAD_NAME, rendered, picture,
                                          work_dir)
            await put_beside(self.files, key, DOWNLOAD_NAME, rendered, picture, work_dir)
        return self.signer.url_for(render_id, DOWNLOAD_NAME) if self.signer else None

    async def _fetch_result(self, rendered: Rendered, status: StatusFn) -> Rendered:
        """A remote result small enough for the chat, downloaded so it arrives as a file;
        when that fails the link still works, so the link is sent."""
        assert rendered.url is not None
        status("Fetching the finished video…", None)
        try:
            got = await self.fetcher.download(rendered.url, self.settings.data_dir / "renders")
        except UserError as exc:
            log.warning("remote result not downloaded (%s); sending the link", type(exc).__name__)
            return rendered
        return dataclasses.replace(rendered, path=got.path, size=got.size)
