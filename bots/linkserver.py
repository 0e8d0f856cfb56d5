"""The download-link server: serves finished renders behind signed, expiring links.

Only GET/HEAD `/r/{render_id}/{expires}/{sig}/{filename}`. The file served is the one the
store records for a render in state "done", and only when it resolves inside
`data_dir/renders`; nothing in the request is ever used as a path. Range requests come from
aiohttp's FileResponse. Failures answer 404 with no detail (410 for an expired link), and
there is no access log: the URL carries the signature.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from aiohttp import web

from core.config import Settings
from core.links import RENDER_ID, LinkSigner, safe_filename
from core.ports import RenderStore

log = logging.getLogger(__name__)

_NOT_FOUND = "Not found.\n"
_EXPIRED = "This download link has expired. Ask the bot to export the video again.\n"


def _not_found() -> web.Response:
    return web.Response(status=404, text=_NOT_FOUND)


def _servable(data_dir: Path, output_path: str) -> Path | None:
    """The render file when it exists inside data_dir/renders (after symlinks), else None."""
    renders = (data_dir / "renders").resolve()
    path = (data_dir / output_path).resolve()
    if not path.is_relative_to(renders) or path == renders or not path.is_file():
        return None
    return path


class LinkServer:
    """aiohttp app bound to settings.link_host:link_port; `.port` is the bound port."""

    def __init__(self, settings: Settings, store: RenderStore, signer: LinkSigner) -> None:
        self._settings = settings
        self._store = store
        self._signer = signer
        self._runner: web.AppRunner | None = None
        self.port: int = settings.link_port

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/r/{render_id}/{expires}/{sig}/{filename}", self._serve)
        return app

    async def start(self) -> None:
        runner = web.AppRunner(self.app(), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self._settings.link_host, self._settings.link_port)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        log.info("link server listening", extra={"host": self._settings.link_host,
                                                 "port": self.port})

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        render_id = request.match_info["render_id"]
        expires = request.match_info["expires"]
        if not RENDER_ID.fullmatch(render_id) or not expires.isdigit() or len(expires) > 12:
            return _not_found()
        if not request.match_info["filename"]:
            return _not_found()
        status = self._signer.status(render_id, int(expires), request.match_info["sig"])
        if status == "invalid":
            return _not_found()
        if status == "expired":
            return web.Response(status=410, text=_EXPIRED)
        record = await self._store.get_render(render_id)
        if record is None or record.state != "done" or not record.output_path:
            return _not_found()
        path = await asyncio.to_thread(_servable, self._settings.data_dir, record.output_path)
        if path is None:
            return _not_found()
        filename = request.match_info["filename"]
        if filename != safe_filename(filename, ""):  # links we make always pass this
            return _not_found()
        log.info("link served", extra={"render_id": render_id, "method": request.method})
        return web.FileResponse(path, headers={
            "Content-Type": "video/mp4",
            "Content-Disposition": f'attachment; filename="{filename}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-transform",
        })
