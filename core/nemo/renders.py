"""NemoVideo exports: start a render with a unique id, poll it, fetch the result.

A duplicate id or a failed render is retried once with a new id; polling gives up (and
cancels) after `Timing.render_give_up`. The result is the output URL, plus a file under
`data_dir/renders/` when the download works and fits the limit (the download fallback
endpoint is tried when the output URL cannot be fetched).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

from core.config import Settings
from core.draft import Draft
from core.engine import EngineEvent, ExportOptions, Progress, RemoteRender, Rendered
from core.errors import BacktrackError, NemoError, RenderFailed, RenderTimeout, TooLarge
from core.nemo.answers import DuplicateRender
from core.nemo.client import NemoClient, Sleep
from core.nemo.status import duration_s, read_render
from core.timeline.convert import timeline_of

log = logging.getLogger("backtrack.nemo")


class _RemoteFailed(Exception):
    """A render reported `failed` (internal: retried once with a new id)."""


class Renders:
    """Renders of one NemoVideo account."""

    def __init__(self, client: NemoClient, settings: Settings, sleep: Sleep,
                 clock: Callable[[], float]) -> None:
        self.client = client
        self.settings = settings
        self.timing = client.timing
        self._sleep = sleep
        self._clock = clock

    async def run(self, sid: str, draft: Draft,
                  options: ExportOptions) -> AsyncIterator[EngineEvent]:
        for attempt in (1, 2):
            remote_id = f"render_{uuid.uuid4().hex}"
            output: dict[str, Any] = {"format": "mp4", "quality": "high"}
            if options.resolution:
                output["resolution"] = f"{options.resolution}p"
            try:
                await self.client.call("POST", "/api/render/proxy/lambda", json_body={
                    "id": remote_id, "sessionId": sid, "draft": draft.data, "output": output})
            except DuplicateRender:
                if attempt == 2:
                    raise NemoError("NemoVideo refused two render ids in a row") from None
                continue
            yield RemoteRender(remote_id)
            try:
                async for event in self._poll(remote_id, draft, options):
                    yield event
                return
            except _RemoteFailed:
                if attempt == 2:
                    raise RenderFailed("NemoVideo could not render the video.") from None
                yield Progress("The render failed on NemoVideo; trying once more…")

    async def resume(self, remote_id: str, draft: Draft) -> AsyncIterator[EngineEvent]:
        """Follow a render started earlier (by this process or before a restart)."""
        try:
            async for event in self._poll(remote_id, draft, ExportOptions()):
                yield event
        except _RemoteFailed:
            raise RenderFailed("NemoVideo could not render the video.") from None

    async def _poll(self, remote_id: str, draft: Draft,
                    options: ExportOptions) -> AsyncIterator[EngineEvent]:
        deadline = self._clock() + self.timing.render_give_up
        last: float | None = -1.0
        while True:
            await self._sleep(self.timing.poll_every)
            status, percent, url = read_render(await self.client.call(
                "GET", f"/api/render/proxy/lambda/{remote_id}"))
            if status == "completed":
                yield Progress("Fetching the video from NemoVideo…", 100.0)
                yield await self._deliver(remote_id, url, draft, options)
                return
            if status == "failed":
                raise _RemoteFailed(remote_id)
            if percent != last:
                last = percent
                yield Progress("Rendering on NemoVideo…", percent)
            if self._clock() >= deadline:
                try:
                    await self.client.call("POST", f"/api/render/proxy/lambda/{remote_id}/cancel")
                except BacktrackError:
                    log.warning("nemo: cancelling a late render failed")
                raise RenderTimeout("NemoVideo did not finish the render within 10 minutes. "
                                    "Please try exporting again later.")

    async def _deliver(self, remote_id: str, url: str | None, draft: Draft,
                       options: ExportOptions) -> Rendered:
        folder = self.settings.data_dir / "renders"
        await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
        dest = folder / f"{remote_id}.mp4"
        limit = options.max_bytes or self.settings.max_file_bytes
        size: int | None = None
        sources = ([(url, False)] if url else []) + [
            (f"/api/render/proxy/{remote_id}/download", True)]
        for source, api in sources:
            try:
                size = await self.client.download(source, dest, limit, api=api)
                break
            except TooLarge:
                break  # the URL is the delivery then
            except BacktrackError:
                log.warning("nemo: render download from %s failed",
                            "the fallback" if api else "the output URL")
        if size is None and url is None:
            raise NemoError("NemoVideo finished the render but gave no way to fetch it")
        picture = timeline_of(draft).picture
        return Rendered(
            path=dest if size is not None else None, url=url, size=size,
            duration=duration_s(draft), width=picture.width, height=picture.height,
        )

