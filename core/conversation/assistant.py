"""The assistant: one entry point for every chat platform.

`handle(turn)` routes a message, runs its work as a tracked task (one per conversation at a
time) and streams replies: one Status line updated as work goes, Messages, a Video, Problems.
It never raises to the adapter: a `UserError` becomes its words, anything else an apology with
an id that ties it to the traceback in the log.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import secrets
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from core import preferences, words
from core.config import Settings
from core.conversation.delivery import Delivery, Signer
from core.conversation.fetch import Fetcher, find_links
from core.conversation.intake import (
    Intake,
    ProbeFn,
    display_name,
    engine_accepts_images,
    songs_sent,
    users_name,
)
from core.conversation.journal import Journal
from core.conversation.leases import TurnLeases
from core.conversation.moods import previews as mood_previews
from core.conversation.personal import Personal
from core.conversation.progress import Estimator
from core.conversation.recovery import Recovery
from core.conversation.renders import Renderer
from core.conversation.reuse import RenderMemo, fingerprint
from core.conversation.routing import UPLOAD_HELP, Route, help_text, route, strip_links
from core.conversation.snapshot import Snapshots
from core.conversation.turn import Message, Notifier, Problem, Reply, Status, Turn
from core.draft import Draft
from core.engine import (
    Edited,
    Engine,
    ExportOptions,
    MediaFile,
    Progress,
    Said,
    SessionRef,
)
from core.errors import (
    EngineError,
    NothingToEdit,
    NotUnderstood,
    UserError,
    apology,
    new_error_id,
)
from core.janitor import sweep
from core.kept import local_max_age_seconds
from core.ports import Conversation, FileStore, Store
from core.tasks import TaskSet
from core.timeline.convert import timeline_of

log = logging.getLogger("backtrack.assistant")

SWEEP_EVERY_SECONDS = 3600.0

Emit = Callable[[Reply | None], None]


class TurnGate(Protocol):
    """What the assistant needs from `core.limits.Gate`."""

    async def check_turn(self, person: str) -> None: ...
    async def check_render(self, person: str) -> None: ...


@dataclass
class _Job:
    """The turn running in one conversation."""

    label: str
    task: asyncio.Task[Any] | None = None
    cancelled_by_user: bool = False
    id: str = field(default_factory=lambda: secrets.token_hex(6))

    def cancel(self) -> None:
        """Stop the turn at the person's request (here or from another process)."""
        if self.task is not None and not self.task.done():
            self.cancelled_by_user = True
            self.task.cancel()


class _StatusLine:
    """Emits the turn's status line and keeps the busy answer's description current."""

    def __init__(self, emit: Emit, job: _Job) -> None:
        self._emit = emit
        self._job = job
        self._estimator = Estimator()

    def __call__(self, text: str, percent: float | None = None) -> None:
        self._job.label = text.rstrip("…. ").lower() + (f", {percent:.0f}%" if percent else "")
        self._emit(Status(text, percent, self._estimator.update(text, percent)))


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
        self._running: dict[str, _Job] = {}
        self._closing = False
        self._swept_at = time.monotonic()  # the bootstrap sweeps at start
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
        running = self._running.get(key)
        if asked.action == "cancel" and not turn.attachments:
            yield words.reply(await self._cancel(key, running), turn.language)
            return
        if asked.action == "help" and not turn.attachments and not links:
            yield words.reply(Message(help_text()), turn.language)
            return
        if asked.action == "moods" and not turn.attachments and not links:
            async for preview in mood_previews(self.settings.data_dir / "music", turn.language):
                yield preview  # previews never touch the timeline: answered even mid-turn
            return
        if asked.action == "settings" and not turn.attachments and not links:
            try:  # settings never touch the timeline: answered even while a turn runs
                yield await self.personal.answer(turn, asked.text, app_language)
            except Exception as exc:
                yield words.reply(_problem(exc, key), turn.language)
            return
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
            async with self.leases.hold(key, job.id, lambda: job.label, job.cancel), \
                    self.journal.turn(turn, asked.action, links) as trace:
                try:
                    async with asyncio.timeout(deadline):
                        await self._work(turn, asked, links, _StatusLine(emit, job), emit)
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
        finally:
            self.renderer.forget(key)
            if self._running.get(key) is job:
                del self._running[key]
            emit(None)

    async def _work(self, turn: Turn, asked: Route, links: list[str], status: _StatusLine,
                    emit: Emit) -> None:
        if self.gate is not None:
            await self.gate.check_turn(turn.key.person)
        if asked.action == "new":
            await self._new_session(turn)
            emit(Message("Started a fresh timeline. Send me a video to work on."))
        if asked.action in ("credits", "status", "upload") and not (turn.attachments or links):
            await self._ask(turn, asked, await self._existing_session(turn), emit)
            return
        session = await self._session(turn)
        added: list[MediaFile] = []
        for attachment in turn.attachments:
            status(f"Receiving {display_name(attachment.name)}…")
            media = await self.intake.attachment(session.session_id, attachment)
            added.append(await self._add(session, media, emit))
        for link in links:
            status("Downloading the linked file…")
            media = await self.intake.link(session.session_id, link)
            added.append(await self._add(session, media, emit))
        action = asked.action
        if action == "edit" and not asked.text:
            # Media alone: the engine's lines say what next (a song may need "add it at 30%").
            if not added or not await self._has_clip(session):
                emit(Message(_next_step(added)))
            return
        if action == "help":  # with an attachment (help alone is answered at once)
            emit(Message(help_text()))
        if action in ("new", "help", "cancel", "settings"):
            return
        if action in ("credits", "status", "upload"):
            if action != "upload":  # with an upload, the engine's line was the answer
                await self._ask(turn, asked, session, emit)
        elif action == "undo":
            changes = await self.engine.undo(session)
            emit(Message("Undone: " + "; ".join(changes) if changes else "Undone."))
            if await self._has_clip(session):
                await self._export(turn, session, asked.options, status, emit)
        elif action == "export":
            await self._export(turn, session, asked.options, status, emit)
        else:
            await self._edit(turn, session, asked.text, status, emit)

    async def _ask(self, turn: Turn, asked: Route, session: SessionRef | None,
                   emit: Emit) -> None:
        """Questions that change nothing; no engine session is made just to answer them."""
        if asked.action == "upload":
            emit(Message(UPLOAD_HELP))
        elif asked.action == "credits":
            emit(Message(await self.engine.credits(session)))
        else:
            draft = None if session is None else await self.engine.draft(session)
            summary = draft.summary() if draft else "Timeline is empty. Send me a video to start."
            songs = None if session is None else songs_sent(
                await self.store.list_media(session.session_id, "audio"), turn.language)
            mine = preferences.status_line(turn.preferences, turn.language)
            emit(Message("\n".join(x for x in (summary, songs, mine) if x)))
            if session and draft and (photo := await self.snapshots.photo(session, draft)):
                emit(photo)

    async def _add(self, session: SessionRef, media: MediaFile, emit: Emit) -> MediaFile:
        try:
            with users_name(media.path, media.name):  # e.g. the probe's require_video words
                line = await self.engine.add_media(session, media)
        except BaseException:
            await self.intake.discard(media)
            raise
        await self.intake.keep(session.session_id, media)
        emit(Message(line))
        return media

    async def _edit(self, turn: Turn, session: SessionRef, text: str, status: _StatusLine,
                    emit: Emit) -> None:
        if not await self._has_clip(session):
            raise NothingToEdit("Send me a video first (as a file or a link), then tell me "
                                "what to do with it, e.g. \"add calm music and fade it out\".")
        status("Working on it…")
        edited: Edited | None = None
        async for event in self.engine.edit(session, text):
            if isinstance(event, Progress):
                status(event.text, event.percent)
            elif isinstance(event, Edited):
                edited = event
            elif isinstance(event, Said):
                emit(Message(event.text))
        if edited is None:
            raise EngineError("the edit ended without a result")
        if not edited.changed:  # the video as it is, again (the same file when there is one)
            emit(Message("Nothing changed. " + edited.draft.summary()))
        else:
            emit(Message("Done: " + "; ".join(edited.changes)))
        await self._export(turn, session, ExportOptions(), status, emit)

    async def _export(self, turn: Turn, session: SessionRef, options: ExportOptions,
                      status: _StatusLine, emit: Emit) -> None:
        if not await self._has_clip(session):
            raise NothingToEdit("There's nothing to export yet: send me a video first.")
        if self.gate is not None:
            await self.gate.check_render(turn.key.person)
        draft = await self._draft(session)
        mark = fingerprint(draft, options) if draft is not None else ""
        again = await self.memo.find(session.session_id, mark) if mark else None
        size = None
        if again is not None:  # nothing changed since: the same file, not a second render
            status("Sending your video again…", None)
            rendered, render_id = again
        else:
            rendered, render_id = await self.renderer.render(turn, session, options, status,
                                                             emit)
            size = self.delivery.smaller_copy(turn, rendered)
            if size is not None:  # a file too big for this chat, and no link to give instead
                status("Too big for this chat; making a smaller copy…", None)
                rendered, render_id = await self.renderer.render(
                    turn, session, dataclasses.replace(options, max_bytes=size), status, emit)
            elif mark:
                await self.memo.keep(session.session_id, mark, rendered, render_id)
        emit(await self.delivery.hand_over(
            turn, rendered, render_id, timeline_of(draft) if draft is not None else None, status,
            shrunk=size is not None, session_id=session.session_id))
        self._housekeeping()

    async def _draft(self, session: SessionRef) -> Draft | None:
        """The draft, to find an identical render and for the quick actions; without it the
        video is rendered and the buttons are the default set."""
        try:
            return await self.engine.draft(session)
        except Exception as exc:  # a nicety: never fail a delivered render over it
            log.warning("no draft for the quick actions (%s)", type(exc).__name__)
            return None

    def _housekeeping(self) -> None:
        """Sweep the data folder now and then (renders add files; start-up sweeps too)."""
        now = time.monotonic()
        if now - self._swept_at < SWEEP_EVERY_SECONDS:
            return
        self._swept_at = now
        self._tasks.spawn(sweep(self.settings.data_dir, self.settings.data_max_bytes,
                                local_max_age_seconds(self.settings)), name="janitor")

    # Sessions ---------------------------------------------------------------------------------

    async def _session(self, turn: Turn) -> SessionRef:
        return await self._existing_session(turn) or await self._new_session(turn)

    async def _existing_session(self, turn: Turn) -> SessionRef | None:
        conversation = await self.store.get_conversation(str(turn.key))
        if conversation is None or conversation.engine != self.engine.name:
            return None
        return SessionRef(str(turn.key), conversation.session_id, turn.language,
                          turn.preferences)

    async def _new_session(self, turn: Turn) -> SessionRef:
        key = str(turn.key)
        session_id = await self.engine.new_session(key, turn.language)
        old = await self.store.get_conversation(key)
        now = time.time()
        await self.store.save_conversation(Conversation(
            key=key, engine=self.engine.name, session_id=session_id, language=turn.language,
            created_at=old.created_at if old else now, updated_at=now))
        return SessionRef(key, session_id, turn.language, turn.preferences)

    async def _has_clip(self, session: SessionRef) -> bool:
        kinds = ("video", "image") if self.intake.accepts_images else ("video",)
        return any(m.kind in kinds for m in await self.store.list_media(session.session_id))


def _describe(asked: Route) -> str:
    if asked.action == "edit":
        text = asked.text if len(asked.text) <= 40 else asked.text[:37] + "..."
        return f'"{text}"' if text else "your upload"
    return {"export": "exporting your video", "status": "reading the timeline",
            "credits": "checking credits", "undo": "undoing", "new": "starting over",
            "upload": "your upload", "settings": "your settings"}.get(asked.action, asked.action)


def _next_step(added: list[MediaFile]) -> str:
    if added:
        return "Now send me the video it should go under."
    return "Send me a video (a file or a link), or type \"help\" to see what I can do."


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

