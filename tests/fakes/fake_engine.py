"""A scriptable `core.engine.Engine` for tests of the assistant.

Edits and exports can be held open with events (busy/cancel tests), made to fail, or made to
behave like a remote render (NemoVideo: `RemoteRender` then a URL). Every call is recorded.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

from core.draft import AUDIO, VIDEO, Draft
from core.engine import (
    Edited,
    EngineEvent,
    ExportOptions,
    MediaFile,
    Progress,
    RemoteRender,
    Rendered,
    Said,
    SessionRef,
)
from core.errors import EngineError, NothingToEdit


class FakeEngine:
    """Drafts in memory; renders are files of `render_size` bytes in `render_dir`."""

    def __init__(self, render_dir: Path, *, name: str = "fake", remote: bool = False) -> None:
        self.name = name
        self.render_dir = render_dir
        self.remote = remote
        self.render_size = 1000
        self.remote_base = "https://cdn.example.test"
        self.honour_max_bytes = True
        self.calls: list[tuple[str, ...]] = []
        self.edit_sessions: list[SessionRef] = []
        """The session each edit was given (its language and the person's settings)."""
        self.export_options: list[ExportOptions] = []
        self.history: dict[str, list[Draft]] = {}
        self.fail: dict[str, BaseException] = {}
        """method name ("edit", "export", "add_media", "resume_export") -> exception to raise."""
        self.edit_gate: asyncio.Event | None = None
        self.export_gate: asyncio.Event | None = None
        self.edit_started = asyncio.Event()
        self.export_started = asyncio.Event()
        self.cancelled: list[str] = []
        self.closed = False
        self._sessions = 0

    def _current(self, session: SessionRef) -> Draft:
        return self.history.setdefault(session.session_id, [Draft()])[-1]

    def _push(self, session: SessionRef, draft: Draft) -> None:
        self.history.setdefault(session.session_id, [Draft()]).append(draft)

    def _maybe_fail(self, method: str) -> None:
        error = self.fail.get(method)
        if error is not None:
            raise error

    async def new_session(self, conversation: str, language: str) -> str:
        self._sessions += 1
        self.calls.append(("new_session", conversation))
        return f"s{self._sessions}"

    async def add_media(self, session: SessionRef, media: MediaFile) -> str:
        self.calls.append(("add_media", session.session_id, media.kind, media.name))
        self._maybe_fail("add_media")
        draft = self._current(session).copy()
        kind = VIDEO if media.kind == "video" else AUDIO
        draft.remove_tracks(kind)
        track = draft.track_dict(kind)
        assert track is not None
        track["sg"].append({"s": 0, "d": (media.duration or 4) * 1000,
                            "m": {"name": media.name, "media_id": media.media_id}})
        self._push(session, draft)
        return f"Added {media.kind} {media.name}."

    async def edit(self, session: SessionRef, text: str) -> AsyncIterator[EngineEvent]:
        self.calls.append(("edit", session.session_id, text))
        self.edit_sessions.append(session)
        self.edit_started.set()
        yield Progress("Thinking…")
        try:
            if self.edit_gate is not None:
                await self.edit_gate.wait()
        except asyncio.CancelledError:
            self.cancelled.append("edit")
            raise
        self._maybe_fail("edit")
        before = self._current(session)
        if "nothing" in text:
            yield Said("I left the timeline as it was.")
            yield Edited((), before)
            return
        after = before.copy()
        after.meta.setdefault("edits", []).append(text)
        self._push(session, after)
        yield Edited((f"did: {text}",), after)

    async def export(
        self, session: SessionRef, options: ExportOptions
    ) -> AsyncIterator[EngineEvent]:
        self.calls.append(("export", session.session_id))
        self.export_options.append(options)
        self.export_started.set()
        yield Progress("Rendering…", 10.0)
        try:
            if self.export_gate is not None:
                await self.export_gate.wait()
        except asyncio.CancelledError:
            self.cancelled.append("export")
            raise
        self._maybe_fail("export")
        if self.remote:
            yield RemoteRender(f"remote-{options.render_id}")
            yield Progress("Rendering…", 60.0)
            yield self._remote_result(options.render_id or "x")
            return
        yield Progress("Rendering…", 50.0)
        size = self.render_size
        if options.max_bytes is not None and self.honour_max_bytes:
            size = min(size, options.max_bytes)
        path = self.render_dir / f"{options.render_id}.mp4"
        await asyncio.to_thread(path.write_bytes, b"\0" * size)
        yield Progress("Rendering…", 100.0)
        yield Rendered(path=path, url=None, size=size, duration=4.0, width=320, height=240)

    def _remote_result(self, name: str) -> Rendered:
        return Rendered(path=None, url=f"{self.remote_base}/{name}.mp4",
                        size=self.render_size, duration=4.0)

    async def resume_export(
        self, session: SessionRef, remote_id: str
    ) -> AsyncIterator[EngineEvent]:
        self.calls.append(("resume_export", session.session_id, remote_id))
        if not self.remote:
            raise EngineError("this engine has no remote renders")
        self._maybe_fail("resume_export")
        yield Progress("Rendering…", 80.0)
        yield self._remote_result(remote_id)

    async def draft(self, session: SessionRef) -> Draft:
        self.calls.append(("draft", session.session_id))
        return self._current(session)

    async def undo(self, session: SessionRef) -> tuple[str, ...]:
        self.calls.append(("undo", session.session_id))
        history = self.history.get(session.session_id, [])
        if len(history) < 2:
            raise NothingToEdit("There is nothing to undo.")
        after = history.pop()
        return tuple(history[-1].diff(after))

    async def credits(self, session: SessionRef | None) -> str:
        self.calls.append(("credits",))
        return "Fake engine: 42 credits."

    async def aclose(self) -> None:
        self.closed = True

    def count(self, method: str) -> int:
        return sum(1 for call in self.calls if call[0] == method)
