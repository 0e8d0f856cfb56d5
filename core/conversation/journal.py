"""Every turn leaves a trace: two log lines and an entry in the store's turn journal.

Logs: "turn started" (route, text length, attachment and link counts — never the text) and
"turn ended" (elapsed_ms, outcome), both with the conversation key and a short turn id, which
`core.logs.log_fields` also puts on every line logged inside the turn.

Journal: a turn is recorded as running when it starts, under this process's boot id, and done
when it ends, however it ends. A process killed mid-turn leaves it running; the next start
(`leftovers`) finds it, and recovery tells the chat what was cut short ("Backtrack restarted
while it was receiving clip.mp4 — please send it again."), once, then marks it interrupted.
Turns whose render record recovery reports anyway are marked without a second notice.

Several processes may share one store: only turns of other boots that started before this
process did, and whose boot holds no live turn lease (`core.conversation.leases`: a live
process renews its running turns' leases), are treated as cut short.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from core.conversation.fetch import extension_of
from core.conversation.intake import display_name
from core.conversation.turn import Turn
from core.logs import log_fields
from core.ports import LimitStore, RenderRecord, TurnRecord, TurnStore

log = logging.getLogger("backtrack.turns")

KEEP_FINISHED_SECONDS = 7 * 24 * 3600.0
"""Finished journal entries older than this are dropped at start-up."""

_DOING = {"export": "making your video", "undo": "undoing your last change",
          "new": "starting a fresh timeline", "edit": "working on your edit",
          "status": "reading your timeline", "credits": "checking credits",
          "upload": "answering about uploads", "help": "answering"}


def describe_work(turn: Turn, action: str, links: Iterable[str]) -> str:
    """What a turn is doing, in words that fit "… while it was {what}"."""
    if turn.attachments:
        return f"receiving {display_name(turn.attachments[0].name)}"
    for link in links:
        last = urlsplit(link).path.rsplit("/", 1)[-1]  # never the query: it may be a secret
        if extension_of(last):
            return f"downloading {display_name(last)}"
        return "downloading your linked file"
    return _DOING.get(action, "working on your message")


def interrupted_words(what: str) -> str:
    return f"Backtrack restarted while it was {what} — please send it again."


@dataclass
class TurnTrace:
    """The running turn's id, and how it ended (set by the assistant when it catches)."""

    id: str
    key: str
    outcome: str = "ok"


class JournalStore(TurnStore, LimitStore, Protocol):
    """The turn journal, and the leases that tell a live process's turns from dead ones."""


class Journal:
    """The turn journal of this process (its boot id and start time) and the turn logs."""

    def __init__(self, store: JournalStore, clock: Callable[[], float] = time.time,
                 boot: str | None = None) -> None:
        self.store = store
        self.clock = clock
        self.boot = boot or secrets.token_hex(8)
        self.started_at = clock()
        self._seen: set[str] = set()

    @contextlib.asynccontextmanager
    async def turn(self, turn: Turn, action: str, links: list[str]) -> AsyncIterator[TurnTrace]:
        """Log and journal one turn around the block."""
        trace = TurnTrace(secrets.token_hex(4), str(turn.key))
        fields = {"key": trace.key, "turn": trace.id}
        with log_fields(**fields):
            log.info("turn started", extra={
                **fields, "route": action, "text_length": len(turn.text),
                "attachments": len(turn.attachments), "links": len(links)})
            started = time.perf_counter()
            await self._quietly(self.store.start_turn(TurnRecord(
                id=trace.id, conversation=trace.key, person=turn.key.person, boot=self.boot,
                what=describe_work(turn, action, links), started_at=self.clock())))
            try:
                yield trace
            except BaseException as exc:
                trace.outcome = ("cancelled" if isinstance(exc, asyncio.CancelledError)
                                 else type(exc).__name__)
                raise
            finally:
                await self._quietly(self.store.finish_turn(trace.id, "done"))
                log.info("turn ended", extra={
                    **fields, "route": action, "outcome": trace.outcome,
                    "elapsed_ms": round((time.perf_counter() - started) * 1000)})

    async def _quietly(self, write: Awaitable[None]) -> None:
        """The journal never breaks a turn: a failed write is logged."""
        try:
            await write
        except Exception:
            log.exception("turn journal write failed")

    async def leftovers(self, renders: Iterable[RenderRecord]
                        ) -> tuple[list[TurnRecord], list[TurnRecord]]:
        """Turns an earlier process left running: (to tell, covered by a render record).
        Each is returned once per process."""
        await self._quietly(self._forget_old())
        live = await self.store.live_boots(self.clock())
        running = [t for t in await self.store.turns_in_state("running")
                   if t.boot != self.boot and t.boot not in live
                   and t.started_at < self.started_at and t.id not in self._seen]
        self._seen.update(t.id for t in running)
        renders = list(renders)
        covered = [t for t in running if any(
            r.conversation == t.conversation and r.created_at >= t.started_at for r in renders)]
        return [t for t in running if t not in covered], covered

    async def _forget_old(self) -> None:
        gone = await self.store.forget_turns(before=self.clock() - KEEP_FINISHED_SECONDS)
        if gone:
            log.info("turn journal: forgot %d finished turns", gone)

    def marker(self, turn_id: str) -> Callable[[], Awaitable[None]]:
        """Marks a leftover turn interrupted (after its notice was handed over)."""
        async def mark() -> None:
            await self.store.finish_turn(turn_id, "interrupted")
        return mark
