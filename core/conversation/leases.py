"""Which process runs each conversation's turn, kept in the store so several bot processes
sharing it agree: one turn per conversation across all of them, and "cancel" reaches the
process that runs the turn.

A running turn holds a lease on its conversation and renews it every `RENEW_SECONDS`; a
process that dies stops renewing and its lease lapses after `LEASE_SECONDS`, so the
conversation is free again. Renewing also reads the lease's cancel flag, which any process
sets when the person says "cancel" there: the owner then cancels the turn as if it had been
asked itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable

from core.ports import LimitStore

log = logging.getLogger("backtrack.leases")

LEASE_SECONDS = 30.0
RENEW_SECONDS = 2.0
"""Also how soon a cancel sent to another process takes effect."""
STOP_SECONDS = 2.0
"""How long the end of a turn waits for its renewer to stop."""


class TurnLeases:
    def __init__(self, store: LimitStore, boot: str,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.boot = boot
        self.clock = clock
        self._held = False

    async def claim(self, key: str, turn_id: str, label: str) -> str | None:
        """None when this turn may run; else what the conversation's live turn is doing."""
        if not self._held:  # once: from now on this process counts as alive
            await self.store.hold_boot(self.boot)
            self._held = True
        return await self.store.claim_turn(key, turn_id, self.boot, label, self.clock(),
                                           LEASE_SECONDS)

    async def cancel_elsewhere(self, key: str) -> str | None:
        """Ask the process running the conversation's turn to stop it; its label or None."""
        return await self.store.request_cancel(key, self.clock())

    @contextlib.asynccontextmanager
    async def hold(self, key: str, turn_id: str, label: Callable[[], str],
                   on_cancel: Callable[[], None]) -> AsyncIterator[None]:
        """Keep the lease renewed around the block; release it after.

        The renewer is stopped by a flag as well as by cancelling it, and waited for only
        `STOP_SECONDS`: a cancellation that lands inside a store call can come out of the
        driver as an ordinary error (or be lost in a pool's wait), and a renewer that took it
        for a passing outage went on renewing for ever, holding the turn open after its video
        (bench_scale's lost conversations)."""
        stop = asyncio.Event()
        renewer = asyncio.create_task(self._renew(key, turn_id, label, on_cancel, stop),
                                      name=f"lease {key}")
        try:
            yield
        finally:
            stop.set()
            renewer.cancel()
            done, _ = await asyncio.wait({renewer}, timeout=STOP_SECONDS)
            if not done:  # it stops at its next look at the flag
                log.warning("turn lease renewer did not stop at once")
            try:
                await self.store.release_turn(key, turn_id)
            except Exception:  # it lapses on its own; a failed release must not break a turn
                log.warning("turn lease release failed", exc_info=True)

    async def _renew(self, key: str, turn_id: str, label: Callable[[], str],
                     on_cancel: Callable[[], None], stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), RENEW_SECONDS)
            if stop.is_set():
                return
            try:
                cancel = await self.store.renew_turn(key, turn_id, label(), self.clock(),
                                                     LEASE_SECONDS)
            except Exception:  # the store is away for a moment: the lease has 30 s of slack
                log.warning("turn lease renewal failed", exc_info=True)
                continue
            if cancel and not stop.is_set():
                on_cancel()
                return
