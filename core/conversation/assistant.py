"""The assistant: one entry point for every chat platform.

`handle(turn)` routes a message, runs its work (core/conversation/work.py) as a tracked task
(one per conversation at a time) and streams replies: one Status line updated as work goes,
Messages, a Video, Problems. It never raises to the adapter: a `UserError` becomes its words,
anything else an apology with an id that ties it to the traceback in the log.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from core import words
from core.config import Settings
from core.conversation.delivery import Delivery, Signer
from core.conversation.fetch import Fetcher, find_links
from core.conversation.intake import Intake, ProbeFn, engine_accepts_images
from core.conversation.journal import Journal
from core.conversation.leases import TurnLeases
from core.conversation.moods import previews as mood_previews
from core.conversation.personal import Personal
from core.conversation.recovery import Recovery
from core.conversation.renders import Renderer
from core.conversation.reuse import RenderMemo
from core.conversation.routing import Route, help_text, route, strip_links
from core.conversation.snapshot import Snapshots
from core.conversation.turn import Message, Notifier, Problem, Reply, Turn
from core.conversation.work import Emit, StatusLine, TurnGate, TurnWork
from core.engine import Engine
from core.errors import NotUnderstood, UserError, apology, new_error_id
from core.ports import FileStore, Store
from core.tasks import TaskSet

log = logging.getLogger("backtrack.assistant")

FINISHING_WAIT_SECONDS = 15.0
"""How long a message waits for a turn that is only writing its bookkeeping (see
Assistant._after_finishing); past it the person is told the turn is still running."""

AT_ONCE = frozenset({"cancel", "help", "moods", "settings"})
"""Actions answered at once when the message carries nothing else (cancel: no attachment)."""


@dataclass
class _Job:
    """The turn running in one conversation."""

    label: str
    task: asyncio.Task[Any] | None = None
    cancelled_by_user: bool = False
    finishing: bool = False
    """Its work is over (the video, if any, handed over): only bookkeeping is left."""
    id: str = field(default_factory=lambda: secrets.token_hex(6))

    def cancel(self) -> None:
        """Stop the turn at the person's request (here or from another process)."""
        if self.task is not None and not self.task.done() and not self.finishing:
            self.cancelled_by_user = True
            self.task.cancel()


class Assistant:
    """Routes turns, runs them one at a time per conversation, and delivers the result."""

    def __init__(self, settings: Settings, store: Store, engine: Engine, *,
                 gate: TurnGate | None = None, signer: Signer | None = None,
                 fetcher: Fetcher | None = None, probe: ProbeFn | None = None,
                 turn_seconds: float | None = None, files: FileStore | None = None) -> None:
        if probe is None:
            from core.local.probe import probe as probe_media
            probe = probe_media
        self.settings = settings
        self.store = store
        self.engine = engine
        self.gate = gate
        self.signer = signer
        self._own_fetcher = fetcher is None
        self._fetcher = fetcher or Fetcher(settings.max_file_bytes,
                                           settings.download_timeout_seconds,
                                           settings.allow_private_urls)
        self.intake = Intake(settings, store, probe, self._fetcher,
                             accepts_images=engine_accepts_images(engine), files=files)
        self.renderer = Renderer(settings, store, engine)
        self.memo = RenderMemo(store, settings.data_dir)
        self.snapshots = Snapshots(settings, store)
        self.delivery = Delivery(settings, signer, self._fetcher, files, self.snapshots)
        self._tasks = TaskSet()
        self.journal = Journal(store)
        self.leases = TurnLeases(store, self.journal.boot)
        self.personal = Personal(store)
        self.recovery = Recovery(settings, store, engine, signer, self._tasks.spawn,
                                 self.renderer.live, self.journal)
        self.work = TurnWork(settings, store, engine, gate=gate, intake=self.intake,
                             renderer=self.renderer, memo=self.memo, snapshots=self.snapshots,
                             delivery=self.delivery,
                             spawn=lambda work, name: self._tasks.spawn(work, name=name))
        self._running: dict[str, _Job] = {}
        self._closing = False
        self._turn_seconds = turn_seconds
        """A turn's deadline; by default two render timeouts plus the downloads it needs."""

    # The entry point ------------------------------------------------------------------------

    async def handle(self, turn: Turn) -> AsyncIterator[Reply]:
        """Replies to one incoming message, as they come, in the language of the message
        (core/words.detect; the app language when the text tells none, a person's language
        setting over both)."""
        turn = dataclasses.replace(turn, language=words.detect(turn.text, turn.language))
        key = str(turn.key)
        app_language = turn.language
        try:
            if turn.update_id is not None and not await self.store.mark_update(
                    turn.key.platform, turn.update_id):
                return
            turn = await self.personal.load(turn)
            links = find_links(turn.text)
            asked = route(strip_links(turn.text, links))
        except Exception as exc:  # before any work starts: still words, never a traceback
            yield words.reply(_problem(exc, key), turn.language)
            return
        alone = not turn.attachments and (asked.action == "cancel" or not links)
        if alone and asked.action in AT_ONCE:
            async for reply in self._at_once(turn, asked, app_language):
                yield reply
            return
        async for reply in self._run(turn, asked, links):
            yield reply

    async def _at_once(self, turn: Turn, asked: Route,
                       app_language: str) -> AsyncIterator[Reply]:
        """Answers that never touch the timeline: given even while a turn runs."""
        key = str(turn.key)
        if asked.action == "cancel":
            yield words.reply(await self._cancel(key, self._running.get(key)), turn.language)
        elif asked.action == "help":
            yield words.reply(Message(help_text()), turn.language)
        elif asked.action == "moods":
            async for preview in mood_previews(self.settings.data_dir / "music", turn.language):
                yield preview
        else:  # settings
            try:
                yield await self.personal.answer(turn, asked.text, app_language)
            except Exception as exc:
                yield words.reply(_problem(exc, key), turn.language)

    async def _run(self, turn: Turn, asked: Route, links: list[str]) -> AsyncIterator[Reply]:
        """The turn as the conversation's one tracked task (here and in the other processes
        sharing the store), its replies streamed as they come."""
        key = str(turn.key)
        running = await self._after_finishing(key)
        if running is not None:
            yield words.reply(Message(f"Still working on your last request ({running.label}) — "
                                      "send 'cancel' to stop it."), turn.language)
            return
        if self._closing:
            yield words.reply(Problem("I'm restarting right now; please send that again in a "
                                      "minute."), turn.language)
            return
        # No await between the busy check above and registering the job here.
        queue: asyncio.Queue[Reply | None] = asyncio.Queue()
        job = _Job(label=_describe(asked))
        self._running[key] = job
        try:  # ... and then the other processes sharing the store
            elsewhere = await self.leases.claim(key, job.id, job.label)
        except Exception as exc:
            del self._running[key]
            yield words.reply(_problem(exc, key), turn.language)
            return
        if elsewhere is not None:
            del self._running[key]
            yield words.reply(Message(f"Still working on your last request ({elsewhere}) — "
                                      "send 'cancel' to stop it."), turn.language)
            return
        job.task = self._tasks.spawn(self._turn(turn, asked, links, job, queue.put_nowait),
                                     name=f"turn {key}")
        try:
            while (reply := await queue.get()) is not None:
                yield words.reply(reply, turn.language)
        finally:
            if not job.task.done():  # the adapter stopped listening: stop the work too
                job.task.cancel()

    async def _after_finishing(self, key: str) -> _Job | None:
        """The conversation's running job, once one that is only finishing has finished.

        A person who got the video answers it at once, while the turn still writes its journal
        and releases its lease: that message waits for the bookkeeping (bounded) instead of
        being told "Still working" about a video already in the chat."""
        deadline = time.monotonic() + FINISHING_WAIT_SECONDS
        running = self._running.get(key)
        while (running is not None and running.finishing and running.task is not None
               and (left := deadline - time.monotonic()) > 0):
            await asyncio.wait({running.task}, timeout=left)
            running = self._running.get(key)  # another message may have started a turn since
        return running

    def add_notifier(self, platform: str, notifier: Notifier) -> None:
        """Lets the assistant reach chats of a platform on its own (late results, restarts)."""
        self.recovery.add_notifier(platform, notifier)

    async def recover(self) -> None:
        """After start-up: resume remote renders left running, report the others."""
        await self.recovery.recover()

    async def aclose(self) -> None:
        """Cancel running turns (their renders are recorded as interrupted) and close."""
        first = not self._closing
        self._closing = True
        self.renderer.closing = True
        await self._tasks.aclose()
        if first and self._own_fetcher:
            await self._fetcher.aclose()

    # One turn -------------------------------------------------------------------------------

    async def _cancel(self, key: str, job: _Job | None) -> Reply:
        if job is not None and job.finishing:  # the video is out; only bookkeeping is left
            return Message("Nothing is running right now.")
        if job is None or job.task is None or job.task.done():
            try:  # it may run in another process sharing the store
                label = await self.leases.cancel_elsewhere(key)
            except Exception as exc:
                return _problem(exc, key)
            if label is None:
                return Message("Nothing is running right now.")
            return Message(f"Stopping your last request ({label}).")
        job.cancel()
        return Message(f"Stopping your last request ({job.label}).")

    async def _turn(self, turn: Turn, asked: Route, links: list[str], job: _Job,
                    emit: Emit) -> None:
        key = str(turn.key)
        deadline = self._turn_seconds or (
            self.settings.render_timeout_seconds * 2 + 60
            + self.settings.download_timeout_seconds * (len(turn.attachments) + len(links)))
        try:
            # The lease is the inner block: released first, so another process can take the
            # conversation's next message while this one still writes its journal.
            async with self.journal.turn(turn, asked.action, links) as trace, \
                    self.leases.hold(key, job.id, lambda: job.label, job.cancel):
                try:
                    async with asyncio.timeout(deadline):
                        await self.work.run(turn, asked, links, StatusLine(emit, job), emit)
                    job.finishing = True
                except asyncio.CancelledError:
                    if job.cancelled_by_user:
                        trace.outcome = "cancelled by the user"
                        emit(Message("Cancelled."))
                        return
                    if self._closing:
                        emit(Message("Stopped: the bot is restarting. Please send that again "
                                     "in a minute."))
                    raise
                except Exception as exc:
                    trace.outcome = type(exc).__name__
                    if isinstance(exc, TimeoutError):
                        await self.renderer.timed_out(key)
                    emit(_problem(exc, key))
                job.finishing = True
        finally:
            self.renderer.forget(key)
            if self._running.get(key) is job:
                del self._running[key]
            emit(None)

def _describe(asked: Route) -> str:
    if asked.action == "edit":
        text = asked.text if len(asked.text) <= 40 else asked.text[:37] + "..."
        return f'"{text}"' if text else "your upload"
    return {"export": "exporting your video", "status": "reading the timeline",
            "credits": "checking credits", "undo": "undoing", "new": "starting over",
            "upload": "your upload", "settings": "your settings"}.get(asked.action, asked.action)


def _problem(exc: BaseException, key: str) -> Message | Problem:
    """Words for the user: their own mistake as is, anything else as an apology with an id.

    NotUnderstood is an answer, not a failure ("thanks", "hi", "can you change the colours?"
    get the parser's reply): it is a Message, so a console script does not exit 1 over it.
    """
    if isinstance(exc, NotUnderstood):
        return Message(exc.user_message)
    if isinstance(exc, UserError):
        return Problem(exc.user_message)
    error_id = new_error_id()
    if isinstance(exc, TimeoutError):
        log.error("turn timed out ref=%s conversation=%s", error_id, key)
        return Problem(f"That took too long and was stopped (ref {error_id}). Please try again.")
    log.error("turn failed ref=%s conversation=%s", error_id, key, exc_info=exc)
    return Problem(apology(error_id))

