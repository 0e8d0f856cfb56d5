"""NemoEngine: the NemoVideo cloud editor behind `core.engine.Engine`.

Choices worth knowing:
- Tokens: `NEMO_TOKEN` when configured, else an anonymous token kept in the store (values
  "nemo_token", "nemo_token_expires", with the persisted "nemo_client_id").
- A session lost on the server (1002) is replaced by a new one, saved on the conversation,
  and the user is told the timeline was reset. Stale `SessionRef`s are redirected.
- A chat turn is sent once. A dropped stream is recovered by state checks, never a re-send.
- Undo is a chat turn ("undo the last change"): NemoVideo has no call that sets a draft.
- Exports are delivered as the output URL, and also as a file under `data_dir/renders/`
  when the download works and fits `ExportOptions.max_bytes` (else `max_file_bytes`); the
  download fallback endpoint is used when the output URL cannot be fetched.
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
from httpx_sse import ServerSentEvent

from core.config import Settings
from core.draft import Draft
from core.engine import (
    Edited,
    EngineEvent,
    ExportOptions,
    MediaFile,
    Progress,
    Said,
    SessionRef,
)
from core.errors import (
    BacktrackError,
    NemoError,
    NothingToEdit,
    OutOfCredits,
    TooLarge,
    UnsupportedFile,
)
from core.nemo.answers import (
    ACCEPTED_FORMATS,
    FORMATS_WORDS,
    MAX_UPLOAD_BYTES,
    SessionLost,
    StreamDropped,
)
from core.nemo.client import PLATFORM, NemoClient, Sleep, Timing, Upload
from core.nemo.gui import Action, translate
from core.nemo.renders import Renders
from core.nemo.sse import Error, Heartbeat, TurnText, parse_event
from core.nemo.status import credit_words, draft_from_state
from core.ports import Conversation, Store
from core.preferences import agent_hint

log = logging.getLogger("backtrack.nemo")

RESET_WORDS = ("Your NemoVideo session had expired, so I started a new, empty timeline.")
STILL_WORKING = "Still working…"


class NemoEngine:
    """The Engine protocol over NemoVideo's HTTP API."""

    name = "nemo"
    accepts_images = True  # NemoVideo takes jpg/png/gif/webp as clips (see NEMO_API.md)

    def __init__(self, settings: Settings, store: Store,
                 transport: httpx.AsyncBaseTransport | None = None, *,
                 timing: Timing | None = None, sleep: Sleep = asyncio.sleep,
                 clock: Callable[[], float] = time.monotonic, platform: str = PLATFORM) -> None:
        self._settings = settings
        self._store = store
        self.timing = timing or Timing()
        self._sleep = sleep
        self._clock = clock
        configured = settings.nemo_token.get_secret_value() if settings.nemo_token else None
        self.client = NemoClient(
            api_url=settings.nemo_api_url, web_url=settings.nemo_web_url,
            configured_token=configured, values=store, transport=transport,
            timing=self.timing, sleep=sleep, platform=platform,
        )
        self._renders = Renders(self.client, settings, sleep, clock)
        self._replaced: dict[str, str] = {}

    async def aclose(self) -> None:
        await self.client.aclose()

    # Sessions -------------------------------------------------------------------------------

    async def new_session(self, conversation: str, language: str) -> str:
        data = await self.client.call(
            "POST", "/api/tasks/me/with-session/nemo_agent",
            json_body={"task_name": "project", "language": language or "en"},
        )
        session_id = data.get("session_id")
        if not isinstance(session_id, str) or not session_id:
            raise NemoError("NemoVideo's new-session answer had no session id")
        task_id = data.get("task_id")
        if task_id is not None:
            await self._store.set_value(f"nemo_task:{session_id}", str(task_id))
        return session_id

    def _sid(self, session: SessionRef) -> str:
        return self._replaced.get(session.session_id, session.session_id)

    async def _replace_session(self, session: SessionRef) -> str:
        """Code 1002: a new session, saved on the conversation."""
        new_id = await self.new_session(session.conversation, session.language)
        self._replaced[session.session_id] = new_id
        old = await self._store.get_conversation(session.conversation)
        now = time.time()
        await self._store.save_conversation(Conversation(
            key=session.conversation, engine=self.name, session_id=new_id,
            language=old.language if old else session.language,
            created_at=old.created_at if old else now, updated_at=now,
        ))
        log.info("nemo: session lost on the server; replaced for %s", session.conversation)
        return new_id

    # Media ----------------------------------------------------------------------------------

    async def add_media(self, session: SessionRef, media: MediaFile) -> str:
        extension = Path(media.name).suffix.lower().lstrip(".") or media.path.suffix.lstrip(".")
        if extension not in ACCEPTED_FORMATS:
            raise UnsupportedFile(f"NemoVideo can't use “{media.name}”. Send one of these: "
                                  f"{FORMATS_WORDS}.")
        if media.size > MAX_UPLOAD_BYTES:
            raise TooLarge(f"“{media.name}” is over NemoVideo's 500 MB limit. Trim it or "
                           "compress it, then send it again.")
        upload = Upload(media.path, media.name,
                        mimetypes.guess_type(media.name)[0] or "application/octet-stream")
        sid, prefix = self._sid(session), ""
        try:
            try:
                data = await self._upload(sid, upload)
            except SessionLost:
                sid, prefix = await self._replace_session(session), RESET_WORDS + " "
                data = await self._upload(sid, upload)
        except OutOfCredits as exc:
            raise await self._with_claim(sid, exc) from exc
        files = data.get("files")
        info = files[0] if isinstance(files, list) and files and isinstance(files[0], dict) else {}
        details = []
        if isinstance(info.get("duration"), int | float):
            details.append(f"{info['duration']:g} s")
        if info.get("width") and info.get("height"):
            details.append(f"{info['width']}x{info['height']}")
        what = f"“{media.name}”" + (f" ({', '.join(details)})" if details else "")
        return f"{prefix}Added {what} to your NemoVideo project."

    async def _upload(self, sid: str, upload: Upload) -> dict[str, Any]:
        return await self.client.call("POST", f"/api/upload-video/nemo_agent/me/{sid}",
                                      upload=upload)

    # State ----------------------------------------------------------------------------------

    async def _fetch_draft(self, sid: str) -> Draft:
        return draft_from_state(await self.client.call(
            "GET", f"/api/state/nemo_agent/me/{sid}/latest"))

    async def draft(self, session: SessionRef) -> Draft:
        try:
            return await self._fetch_draft(self._sid(session))
        except SessionLost:
            await self._replace_session(session)
            return Draft()

    async def credits(self, session: SessionRef | None) -> str:
        return credit_words(await self.client.call("GET", "/api/credits/balance/simple"))

    async def claim_link(self, session: SessionRef) -> str:
        """A browser link that opens this project on NemoVideo (claim token, never our token)."""
        return await self._claim_link(self._sid(session))

    async def _claim_link(self, sid: str) -> str:
        task_id = await self._store.get_value(f"nemo_task:{sid}")
        data = await self.client.call("POST", "/api/auth/claim-token",
                                      json_body={"task_id": task_id, "session_id": sid})
        claim = data.get("claim_token")
        if not isinstance(claim, str) or not claim:
            raise NemoError("NemoVideo's claim-token answer had no claim token")
        return self.client.claim_url(claim)

    async def _with_claim(self, sid: str, exc: OutOfCredits) -> OutOfCredits:
        """2001 with an anonymous token: add the link to claim the project and register."""
        if not self.client.anonymous:
            return exc
        try:
            link = await self._claim_link(sid)
        except BacktrackError:
            link = self.client.web_url
        return OutOfCredits(f"{exc.user_message} Open this link to claim the project and "
                            f"register: {link}")

    # Editing --------------------------------------------------------------------------------

    async def edit(self, session: SessionRef, text: str) -> AsyncIterator[EngineEvent]:
        sid = self._sid(session)
        hint = agent_hint(session.preferences)  # the agent reads words, not settings
        text = f"{text} {hint}" if hint else text
        try:
            async for event in self._turn(sid, text):
                yield event
        except SessionLost:
            await self._replace_session(session)
            yield Said(RESET_WORDS + " Send your video again, then tell me the change.")
            yield Edited((), Draft())
        except OutOfCredits as exc:
            raise await self._with_claim(sid, exc) from exc

    async def _turn(self, sid: str, text: str) -> AsyncIterator[EngineEvent]:
        timing = self.timing
        before = await self._fetch_draft(sid)
        yield Progress("NemoVideo is working on it…")
        words, actions = TurnText(), list[Action]()
        outcome, trouble = "done", False
        start = self._clock()
        last_work = last_notice = start
        body = {"app_name": "nemo_agent", "user_id": "me", "session_id": sid,
                "new_message": {"parts": [{"text": text}]}}
        try:
            async with self.client.events("/run_sse", body) as stream:
                while True:
                    sse, outcome = await self._next_event(stream, start, last_work)
                    if sse is None:
                        break
                    now = self._clock()
                    for item in parse_event(sse.data):
                        if isinstance(item, Heartbeat):
                            continue
                        if isinstance(item, Error):
                            log.warning("nemo: error event in a chat turn: %.200s", item.message)
                            trouble = True
                            continue
                        last_work = now
                        for message in words.feed(item):
                            for said in self._gui(message, actions):
                                yield said
                    if now - max(last_work, last_notice) >= timing.still_working_every:
                        last_notice = now
                        yield Progress(STILL_WORKING)
        except (StreamDropped, httpx.TransportError) as exc:
            log.warning("nemo: chat stream dropped (%s)", type(exc).__name__)
            outcome = "dropped"
        for message in words.finish():
            for said in self._gui(message, actions):
                yield said
        if outcome == "dropped":
            async for event in self._recover_drop(sid, before):
                yield event
            return
        async for event in self._conclude(sid, before, outcome,
                                          trouble and not words.said_anything, actions):
            yield event

    async def _next_event(self, stream: AsyncIterator[ServerSentEvent], start: float,
                          last_work: float) -> tuple[ServerSentEvent | None, str]:
        """The turn's next event, or None with why the turn ends: "done" (the stream ended),
        "turn_limit" or "heartbeats" (whichever limit came first).

        Each wait is bounded by the next limit, so a stream that goes quiet (or sends only
        comments) still ends on time. No yield inside the wait."""
        timing = self.timing
        now = self._clock()
        if now - start >= timing.turn_limit:
            return None, "turn_limit"
        if now - last_work >= timing.heartbeat_timeout:
            return None, "heartbeats"
        budget = min(start + timing.turn_limit, last_work + timing.heartbeat_timeout)
        try:
            return await asyncio.wait_for(anext(stream), budget - now), "done"
        except StopAsyncIteration:
            return None, "done"
        except TimeoutError:
            turn_first = start + timing.turn_limit <= last_work + timing.heartbeat_timeout
            return None, "turn_limit" if turn_first else "heartbeats"

    async def _conclude(self, sid: str, before: Draft, outcome: str, silent_trouble: bool,
                        actions: list[Action]) -> AsyncIterator[EngineEvent]:
        """After the turn's stream: what changed, why it stopped early, the GUI's actions."""
        after = await self._fetch_draft(sid)
        changes = tuple(after.diff(before))
        if outcome != "done":
            limit = "15 minutes" if outcome == "turn_limit" else "10 minutes without progress"
            yield Said(f"NemoVideo took too long ({limit}), so I stopped waiting. " + (
                "It did change the timeline." if changes else
                "Nothing changed; send the request again to retry."))
        elif silent_trouble and not changes:
            yield Said("NemoVideo ran into a problem with this request and nothing changed. "
                       "Please try again, perhaps worded differently.")
        async for event in self._act(actions, after):
            yield event
        await self._remember(sid, after, changes)
        yield Edited(changes, after)

    def _gui(self, message: str, actions: list[Action]) -> list[Said]:
        """The agent's own words (marked as its), then what the bot does instead of its GUI
        hints (the bot's words, put in the reply language at the reply boundary)."""
        translated = translate(message)
        actions.extend(a for a in translated.actions if a not in actions)
        own = [Said(translated.own, agent=True)] if translated.own else []
        return own + [Said(note) for note in translated.notes]

    async def _act(self, actions: list[Action], after: Draft) -> AsyncIterator[EngineEvent]:
        """What the GUI instructions asked for, done here instead."""
        if "summary" in actions:
            yield Said(after.summary())
        if "credits" in actions:
            try:
                yield Said(credit_words(await self.client.call(
                    "GET", "/api/credits/balance/simple")))
            except BacktrackError:
                log.warning("nemo: credits for a GUI hint failed", exc_info=True)

    async def _recover_drop(self, sid: str, before: Draft) -> AsyncIterator[EngineEvent]:
        """Never re-send: wait, then check the state until it changes or we give up."""
        timing = self.timing
        yield Progress("The connection to NemoVideo dropped; checking whether your edit went "
                       "through…")
        after = before
        for check in range(timing.drop_checks):
            await self._sleep(timing.drop_first_wait if check == 0 else timing.drop_interval)
            try:
                after = await self._fetch_draft(sid)
            except NemoError:
                log.warning("nemo: state check %d after a drop failed", check + 1)
                continue
            changes = tuple(after.diff(before))
            if changes:
                await self._remember(sid, after, changes)
                yield Edited(changes, after)
                return
            yield Progress(f"{STILL_WORKING} (check {check + 1} of {timing.drop_checks})")
        yield Said("NemoVideo stopped answering and your edit did not go through. Nothing "
                   "changed; send the same request again to retry.")
        yield Edited((), after)

    async def _remember(self, sid: str, after: Draft, changes: tuple[str, ...]) -> None:
        if changes:
            await self._store.push_draft(sid, after.to_json())

    async def undo(self, session: SessionRef) -> tuple[str, ...]:
        changes: tuple[str, ...] = ()
        async for event in self.edit(session, "undo the last change"):
            if isinstance(event, Edited):
                changes = event.changes
        if not changes:
            raise NothingToEdit("There was nothing to undo on the NemoVideo timeline.")
        return changes

    # Export ---------------------------------------------------------------------------------

    async def export(self, session: SessionRef, options: ExportOptions) -> AsyncIterator[
            EngineEvent]:
        sid = self._sid(session)
        try:
            draft = await self._fetch_draft(sid)
            if not draft.is_exportable:
                raise NothingToEdit("There's nothing to export yet: send me a video first.")
            async for event in self._renders.run(sid, draft, options):
                yield event
        except SessionLost:
            await self._replace_session(session)
            raise NothingToEdit(RESET_WORDS + " Send your video again.") from None
        except OutOfCredits as exc:
            raise await self._with_claim(sid, exc) from exc

    async def resume_export(self, session: SessionRef, remote_id: str) -> AsyncIterator[
            EngineEvent]:
        try:
            draft = await self._fetch_draft(self._sid(session))
        except BacktrackError:
            draft = Draft()
        async for event in self._renders.resume(remote_id, draft):
            yield event
