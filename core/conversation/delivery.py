"""Delivery rules for a finished render, the render (with its stored record) itself, and
`Delivery`, which renders and hands the result to the chat by those rules.

`plan()` is pure: a file when it fits the chat's upload limit, else a signed link from our own
link server, else the engine's URL (NemoVideo), else a re-encode that fits the limit.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import secrets
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Literal, Protocol

from core.config import Settings
from core.conversation.fetch import Downloaded
from core.conversation.turn import QUICK_ACTIONS, Message, Reply, Turn, Video
from core.draft import AUDIO, Draft
from core.engine import (
    Engine,
    ExportOptions,
    Progress,
    RemoteRender,
    Rendered,
    Said,
    SessionRef,
)
from core.errors import EngineError, TooLarge, UserError
from core.kept import local_copy
from core.media_limits import human_duration as human_duration
from core.media_limits import human_size as human_size
from core.ports import FileStore, RenderRecord, RenderState, RenderStore

log = logging.getLogger("backtrack.assistant")  # the turn's story, wherever its code lives

Plan = Literal["file", "link", "url", "shrink"]

SHRINK_MARGIN = 0.95
"""Aim a re-encode a little under the limit: containers and bitrate control overshoot."""

DOWNLOAD_NAME = "backtrack.mp4"

NOT_TOLD = "stopped by a shutdown; the chat is told at the next start"
"""The error of a render stopped by `aclose`: the next `recover()` tells its chat."""
TOLD = "stopped by a restart"


class Signer(Protocol):
    """What delivery needs from `core.links.LinkSigner`."""

    def url_for(self, render_id: str, filename: str) -> str: ...


class ResultFetcher(Protocol):
    """What delivery needs from `core.conversation.fetch.Fetcher`: a remote result brought here."""

    async def download(self, url: str, dest_dir: Path) -> Downloaded: ...


def plan(rendered: Rendered, upload_limit: int | None, can_sign: bool) -> Plan:
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


def quick_actions(draft: Draft | None, width: int | None = None,
                  height: int | None = None) -> tuple[str, ...]:
    """The buttons under a delivered video, for what the draft can still use.

    The default set (`QUICK_ACTIONS`) without what is already done: no "Fade out" when the
    music fades out, no "Vertical 9:16" when the output is 9:16 (by the draft or by its
    shape), "Louder music" when the music is at or below 20%, "Add calm music" when there is
    none yet. Every label is an instruction the parser understands; "Undo" is always there.
    """
    if draft is None:
        return QUICK_ACTIONS
    music = draft.first_segment(AUDIO)
    vertical = draft.meta.get("aspect") == "9:16" or (
        bool(width and height) and abs((width or 0) / (height or 1) - 9 / 16) < 0.02)
    buttons: list[str] = []
    for label in QUICK_ACTIONS:
        if label == "Fade out":
            if music is None or not _fades_out(music.meta):
                buttons.append(label)
        elif label == "Quieter music":
            volume = music.volume if music is not None else None
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


def _fades_out(meta: Mapping[str, object]) -> bool:
    try:
        return float(meta.get("fade_out") or 0) > 0  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def video_reply(rendered: Rendered, how: Plan, url: str | None = None,
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


class RenderLog:
    """One render's record in the store: queued -> running -> done/failed/cancelled.

    Progress writes are throttled (every `min_seconds` or `min_step` percent) so a fast
    ffmpeg progress stream does not become a database write per line.
    """

    def __init__(self, store: RenderStore, record: RenderRecord, *,
                 clock: Callable[[], float] = time.time, min_seconds: float = 2.0,
                 min_step: float = 5.0) -> None:
        self.store = store
        self.record = record
        self._clock = clock
        self._min_seconds = min_seconds
        self._min_step = min_step
        self._saved_at = 0.0
        self._saved_percent = -100.0

    async def save(self, **changes: object) -> None:
        now = self._clock()
        self.record = dataclasses.replace(self.record, updated_at=now, **changes)  # type: ignore[arg-type]
        await self.store.save_render(self.record)
        self._saved_at = now
        self._saved_percent = self.record.progress

    async def progress(self, percent: float | None) -> None:
        if self.record.state == "queued":
            await self.save(state="running", progress=percent or 0.0)
            return
        if percent is None:
            return
        now = self._clock()
        if (percent - self._saved_percent >= self._min_step
                or now - self._saved_at >= self._min_seconds):
            await self.save(progress=percent)
        else:
            self.record = dataclasses.replace(self.record, progress=percent)

    async def finish(self, state: RenderState, **changes: object) -> None:
        await self.save(state=state, **changes)


def stored_path(path: Path, root: Path) -> str:
    """How a file is stored: relative to the data folder when inside it, else absolute.
    Resolves links (file system calls): from a coroutine, run it in a thread."""
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(root.resolve()))
    except ValueError:
        return str(resolved)


def relative_to(path: Path | None, root: Path) -> str | None:
    """`stored_path`, or None without a file (a render that stayed remote)."""
    return None if path is None else stored_path(path, root)


StatusFn = Callable[[str, float | None], None]
EmitFn = Callable[[Reply | None], None]


class Renderer:
    """Runs one export with its render record; knows which renders run in this process."""

    def __init__(self, settings: Settings, store: RenderStore, engine: Engine) -> None:
        self.settings = settings
        self.store = store
        self.engine = engine
        self.live: set[str] = set()
        self.last: dict[str, RenderLog] = {}
        """Each conversation's running or cancelled render (a turn that timed out fixes the
        state of a cancelled one); a finished or failed render leaves, so does `forget`."""
        self.closing = False
        """Set at shutdown: a cancelled render is then "interrupted", not "cancelled"."""

    async def render(self, turn: Turn, session: SessionRef, options: ExportOptions,
                     status: StatusFn, emit: EmitFn) -> tuple[Rendered, str]:
        """The finished render and its id; the record follows every step."""
        render_id = secrets.token_hex(8)
        now = time.time()
        job = RenderLog(self.store, RenderRecord(
            id=render_id, conversation=str(turn.key), person=turn.key.person,
            session_id=session.session_id, engine=self.engine.name, state="queued",
            created_at=now, updated_at=now))
        await job.save()
        self.live.add(render_id)
        self.last[str(turn.key)] = job
        status("Rendering…", None)
        rendered: Rendered | None = None
        try:
            events = self.engine.export(session, dataclasses.replace(options, render_id=render_id))
            async for event in events:
                if isinstance(event, Progress):
                    status(event.text, event.percent)
                    await job.progress(event.percent)
                elif isinstance(event, RemoteRender):
                    await job.save(state="running", remote_id=event.remote_id)
                elif isinstance(event, Said):
                    emit(Message(event.text))
                elif isinstance(event, Rendered):
                    rendered = event
            if rendered is None:
                raise EngineError("the export ended without a file")
        except asyncio.CancelledError:
            if not self.closing:
                await job.finish("cancelled")
            elif job.record.remote_id is None:
                await job.finish("interrupted", error=NOT_TOLD)
            # A remote render stays "running": the next start resumes it.
            raise
        except UserError as exc:
            await job.finish("failed", error=exc.user_message)
            raise
        except Exception as exc:
            await job.finish("failed", error=f"{type(exc).__name__}: {str(exc)[:200]}")
            raise
        finally:
            self.live.discard(render_id)
            if job.record.state != "cancelled" and self.last.get(str(turn.key)) is job:
                del self.last[str(turn.key)]  # only a cancelled render may still be timed out
        output_path = await asyncio.to_thread(relative_to, rendered.path, self.settings.data_dir)
        await job.finish("done", progress=100.0, output_path=output_path,
                         output_url=rendered.url)
        return rendered, render_id

    def forget(self, conversation: str) -> None:
        """The conversation's turn is over: its render, if any, needs no more fixing."""
        self.last.pop(conversation, None)

    async def timed_out(self, conversation: str) -> None:
        """A turn ran past its deadline: its render failed, it was not cancelled by anyone."""
        job = self.last.pop(conversation, None)
        if job is not None and job.record.state == "cancelled":
            await job.finish("failed", error="the turn ran past its deadline")


class Delivery:
    """Renders a session and hands the result to the chat: a file, our signed link, the
    engine's URL, or a smaller copy when nothing else fits."""

    def __init__(self, settings: Settings, renderer: Renderer, signer: Signer | None,
                 fetcher: ResultFetcher, files: FileStore | None = None) -> None:
        self.settings = settings
        self.renderer = renderer
        self.engine = renderer.engine
        self.signer = signer
        self.fetcher = fetcher
        self.files = files if files is not None and files.shared else None
        """Object storage: its presigned URLs are the links (the engine put the result)."""
        self.can_link = signer is not None or self.files is not None

    async def deliver(self, turn: Turn, session: SessionRef, options: ExportOptions,
                      status: StatusFn, emit: EmitFn) -> None:
        """Render, then emit the Video reply (TooLarge when even a smaller copy won't fit)."""
        rendered, render_id = await self.renderer.render(turn, session, options, status, emit)
        how = plan(rendered, turn.upload_limit, self.can_link)
        limit = turn.upload_limit
        if how == "shrink":
            if limit is None:
                raise EngineError("the render has neither a file nor a URL")
            status("Too big for this chat; making a smaller copy…", None)
            smaller = dataclasses.replace(options, max_bytes=shrink_target(limit))
            rendered, render_id = await self.renderer.render(turn, session, smaller, status, emit)
            if rendered.path is None or (rendered.size or 0) > limit:
                raise TooLarge("Even a smaller copy is too big for this chat. Try a shorter "
                               "clip, or \"export 720p\".")
            how = "file"
        if how == "url" and rendered.url and rendered.path is None and (
                limit is None or (rendered.size or limit + 1) <= limit):
            rendered = await self._fetch_result(rendered, status)
            how = plan(rendered, limit, self.can_link)
        url = await self._link(rendered, render_id) if how == "link" else None
        if how == "file":
            rendered = await self._here(rendered)
        buttons = quick_actions(await self._draft_or_none(session), rendered.width,
                                rendered.height)
        status("Finished.", 100.0)
        emit(video_reply(rendered, how, url, limit, buttons,
                         as_file=turn.preferences.delivery == "file"))

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

    async def _link(self, rendered: Rendered, render_id: str) -> str | None:
        """A presigned URL of the result in object storage, else our own signed link. Only
        local results become links (a remote result is fetched only when it fits the chat),
        and the local engine puts its results in object storage itself."""
        if self.files is not None and rendered.path is not None:
            key = await asyncio.to_thread(stored_path, rendered.path, self.settings.data_dir)
            return await self.files.link(key, DOWNLOAD_NAME)
        return self.signer.url_for(render_id, DOWNLOAD_NAME) if self.signer else None

    async def _draft_or_none(self, session: SessionRef) -> Draft | None:
        """The draft for the quick actions; without it they are the default set."""
        try:
            return await self.engine.draft(session)
        except Exception as exc:  # buttons are a nicety: never fail a delivered render
            log.warning("no draft for the quick actions (%s)", type(exc).__name__)
            return None

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
