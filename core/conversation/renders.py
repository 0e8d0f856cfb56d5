"""Render bookkeeping: one export of the engine run with its stored record (`Renderer`), and
that record's life (`RenderLog`: queued -> running -> done/failed/cancelled). The assistant
asks the `Renderer` for a render, then hands the result to delivery."""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
import time
from collections.abc import Callable
from pathlib import Path

from core.config import Settings
from core.conversation.turn import Reply, Turn
from core.engine import Engine, ExportOptions, Progress, RemoteRender, Rendered, Said, SessionRef
from core.errors import EngineError, UserError
from core.janitor import stored_path
from core.ports import RenderRecord, RenderState, RenderStore
from core.words import said_message

NOT_TOLD = "stopped by a shutdown; the chat is told at the next start"
"""The error of a render stopped by `aclose`: the next `recover()` tells its chat."""
TOLD = "stopped by a restart"


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
                    emit(said_message(event, turn.language))
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
