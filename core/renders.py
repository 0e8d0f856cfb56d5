"""Where a local render runs: one interface for the in-process line (`LocalEngine` renders
on this machine, `core.local.render_queue` keeps the place in line) and the distributed one
(`storage.render_jobs`: procrastinate jobs on PostgreSQL, run by `backtrack worker` processes).

Either way the caller iterates the events of one render: `Progress` (the place in line while
waiting, then the percentage), then one `Rendered`. Stopping the iteration (the turn was
cancelled) stops the render wherever it runs. A render that outlives its process (a worker's
job: a `RemoteRender` event names it) can be followed again by `resume` after a restart.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Protocol

from core.engine import EngineEvent, ExportOptions, SessionRef


class Renders(Protocol):
    def render(self, session: SessionRef, options: ExportOptions,
               render_id: str) -> AsyncGenerator[EngineEvent, None]:
        """The events of one render of the session's current draft."""
        ...

    def resume(self, remote_id: str) -> AsyncGenerator[EngineEvent, None]:
        """Follow a render an earlier process started, to its `Rendered`; the in-process line
        has none (its renders die with it) and raises EngineError."""
        ...

    async def aclose(self) -> None: ...
