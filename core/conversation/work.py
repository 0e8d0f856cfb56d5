"""The work of one turn once it runs: the engine session, the media sent, the edit, the export
and its delivery, and the questions that change nothing (status, credits). `Assistant`
(core/conversation/assistant.py) routes the message and runs this as the conversation's one
tracked task; everything here emits its replies through `emit` as they come.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from core import preferences
from core.config import Settings
from core.conversation.delivery import Delivery
from core.conversation.intake import Intake, display_name, songs_sent, users_name
from core.conversation.progress import Estimator
from core.conversation.renders import Renderer
from core.conversation.reuse import RenderMemo, fingerprint
from core.conversation.routing import UPLOAD_HELP, Route, help_text
from core.conversation.snapshot import Snapshots
from core.conversation.turn import Message, Reply, Status, Turn
from core.draft import Draft
from core.engine import Edited, Engine, ExportOptions, MediaFile, Progress, Said, SessionRef
from core.errors import EngineError, NothingToEdit
from core.janitor import sweep
from core.kept import local_max_age_seconds
from core.ports import Conversation, Store
from core.timeline.convert import timeline_of
from core.words import said_message

log = logging.getLogger("backtrack.assistant")

SWEEP_EVERY_SECONDS = 3600.0

Emit = Callable[[Reply | None], None]


class TurnGate(Protocol):
    """What the assistant needs from `core.limits.Gate`."""

    async def check_turn(self, person: str) -> None: ...
    async def check_render(self, person: str) -> None: ...


class Labelled(Protocol):
    """The running turn, as far as its status line is concerned: what the busy answer says."""

    label: str


class StatusLine:
    """Emits the turn's status line and keeps the busy answer's description current."""

    def __init__(self, emit: Emit, job: Labelled) -> None:
        self._emit = emit
        self._job = job
        self._estimator = Estimator()

    def __call__(self, text: str, percent: float | None = None) -> None:
        self._job.label = text.rstrip("…. ").lower() + (f", {percent:.0f}%" if percent else "")
        self._emit(Status(text, percent, self._estimator.update(text, percent)))



class TurnWork:
    """The steps of a turn, over the assistant's parts."""

    def __init__(self, settings: Settings, store: Store, engine: Engine, *,
                 gate: TurnGate | None, intake: Intake, renderer: Renderer, memo: RenderMemo,
                 snapshots: Snapshots, delivery: Delivery,
                 spawn: Callable[[Coroutine[Any, Any, Any], str], Any]) -> None:
        self.settings = settings
        self.store = store
        self.engine = engine
        self.gate = gate
        self.intake = intake
        self.renderer = renderer
        self.memo = memo
        self.snapshots = snapshots
        self.delivery = delivery
        self._spawn = spawn
        self._swept_at = time.monotonic()  # the bootstrap sweeps at start

    async def run(self, turn: Turn, asked: Route, links: list[str], status: StatusLine,
                  emit: Emit) -> None:
        """The work a routed message asks for, its replies emitted as they come."""
        if self.gate is not None:
            await self.gate.check_turn(turn.key.person)
        if asked.action == "new":
            await self.new_session(turn)
            emit(Message("Started a fresh timeline. Send me a video to work on."))
        if asked.action in ("credits", "status", "upload") and not (turn.attachments or links):
            await self._ask(turn, asked, await self.existing_session(turn), emit)
            return
        session = await self.session(turn)
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
            mine = preferences.status_line(
                turn.preferences, turn.language, preferences.fields_for(turn.key.platform))
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

    async def _edit(self, turn: Turn, session: SessionRef, text: str, status: StatusLine,
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
                emit(said_message(event, turn.language))
        if edited is None:
            raise EngineError("the edit ended without a result")
        if not edited.changed:  # the video as it is, again (the same file when there is one)
            emit(Message("Nothing changed. " + edited.draft.summary()))
        else:
            emit(Message("Done: " + "; ".join(edited.changes)))
        await self._export(turn, session, ExportOptions(), status, emit)

    async def _export(self, turn: Turn, session: SessionRef, options: ExportOptions,
                      status: StatusLine, emit: Emit) -> None:
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
        self._spawn(sweep(self.settings.data_dir, self.settings.data_max_bytes,
                          local_max_age_seconds(self.settings)), "janitor")

    # Sessions ---------------------------------------------------------------------------------

    async def session(self, turn: Turn) -> SessionRef:
        return await self.existing_session(turn) or await self.new_session(turn)

    async def existing_session(self, turn: Turn) -> SessionRef | None:
        conversation = await self.store.get_conversation(str(turn.key))
        if conversation is None or conversation.engine != self.engine.name:
            return None
        if conversation.language != turn.language:  # notices after a restart speak it
            await self.store.save_conversation(
                dataclasses.replace(conversation, language=turn.language))
        return SessionRef(str(turn.key), conversation.session_id, turn.language,
                          turn.preferences)

    async def new_session(self, turn: Turn) -> SessionRef:
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


def _next_step(added: list[MediaFile]) -> str:
    if added:
        return "Now send me the video it should go under."
    return "Send me a video (a file or a link), or type \"help\" to see what I can do."
