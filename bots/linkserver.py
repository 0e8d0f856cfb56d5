"""The download-link server: a player page behind every signed, expiring link.

A link `/r/{render_id}/{expires}/{sig}/{filename}` opens the player page (core.player_page);
beside it, under the same signature, are the video for the player (`…/video`, inline), the
file itself (`…/download`, as an attachment), the poster frame (`…/poster.jpg`, decoded once
and kept beside the render) and the timeline picture (`…/timeline.png`, drawn at delivery).
The file served is the one the store records for a render in state "done", and only when it
resolves inside `data_dir/renders`; nothing in the request is ever used as a path. Range
requests come from aiohttp's FileResponse. A link that does not work answers with a short
page: 403 for a wrong signature, 410 once expired, 404 otherwise; there is no access log (the
URL carries the signature) and no listing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

from aiohttp import web

from core.config import Settings
from core.conversation.snapshot import picture_path
from core.links import RENDER_ID, LinkSigner, safe_filename
from core.local.frames import video_facts
from core.local.thumbnail import thumbnail
from core.player_page import HEADERS, PlayerPage, gone_html, player_html
from core.ports import RenderStore

log = logging.getLogger(__name__)

LINK = "/r/{render_id}/{expires}/{sig}/{filename}"
POSTER_SIDE = 1280
POSTER_BYTES = 1_000_000

Handler = Callable[[web.Request, "Found"], Awaitable[web.StreamResponse]]


def _servable(data_dir: Path, output_path: str) -> Path | None:
    """The render file when it exists inside data_dir/renders (after symlinks), else None."""
    renders = (data_dir / "renders").resolve()
    path = (data_dir / output_path).resolve()
    if not path.is_relative_to(renders) or path == renders or not path.is_file():
        return None
    return path


async def _make_poster(video: Path, dest: Path) -> bool:
    """The middle frame as a JPEG beside the render (written whole); False when none."""
    try:
        duration, _, _ = await asyncio.to_thread(video_facts, video)
    except Exception as exc:  # not a video we can read
        log.warning("no poster frame (%s)", type(exc).__name__)
        return False
    still = await thumbnail(video, duration, max_side=POSTER_SIDE, max_bytes=POSTER_BYTES)
    if still is None:
        return False
    await asyncio.to_thread(_write_whole, dest, still)
    return True


def _write_whole(dest: Path, data: bytes) -> None:
    part = dest.with_name(dest.name + ".part")
    part.write_bytes(data)
    part.replace(dest)


def _gone(status: int) -> web.Response:
    return web.Response(status=status, text=gone_html(status), content_type="text/html",
                        charset="utf-8", headers=HEADERS)


class Found:
    """A request whose link checked out: the render's file and the link's parts."""

    def __init__(self, render_id: str, expires: int, path: Path, page_url: str) -> None:
        self.render_id = render_id
        self.expires = expires
        self.path = path
        self.page_url = page_url


class LinkServer:
    """aiohttp app bound to settings.link_host:link_port; `.port` is the bound port."""

    def __init__(self, settings: Settings, store: RenderStore, signer: LinkSigner) -> None:
        self._settings = settings
        self._store = store
        self._signer = signer
        self._runner: web.AppRunner | None = None
        self._posters: dict[str, asyncio.Lock] = {}
        self.port: int = settings.link_port

    def app(self) -> web.Application:
        app = web.Application()
        for suffix, handler in (("", self._page), ("/video", self._video),
                                ("/download", self._download), ("/poster.jpg", self._poster),
                                ("/timeline.png", self._picture)):
            app.router.add_get(LINK + suffix, self._checked(handler))
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

    # Checking a link ----------------------------------------------------------------------------

    def _checked(self, handler: Handler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def serve(request: web.Request) -> web.StreamResponse:
            found = await self._find(request)
            if isinstance(found, web.Response):
                return found
            return await handler(request, found)
        return serve

    async def _find(self, request: web.Request) -> Found | web.Response:
        render_id, expires = request.match_info["render_id"], request.match_info["expires"]
        filename = request.match_info["filename"]
        if not RENDER_ID.fullmatch(render_id) or not expires.isdigit() or len(expires) > 12:
            return _gone(404)
        if not filename or filename != safe_filename(filename, ""):  # ours always pass
            return _gone(404)
        sig = request.match_info["sig"]
        status = self._signer.status(render_id, int(expires), sig)
        if status == "invalid":
            return _gone(403)
        if status == "expired":
            return _gone(410)
        record = await self._store.get_render(render_id)
        if record is None or record.state != "done" or not record.output_path:
            return _gone(404)
        path = await asyncio.to_thread(_servable, self._settings.data_dir, record.output_path)
        if path is None:
            return _gone(404)
        page_url = f"{self._signer.public_url}/r/{render_id}/{expires}/{sig}/{quote(filename)}"
        return Found(render_id, int(expires), path, page_url)

    # What a link serves ---------------------------------------------------------------------------

    async def _page(self, request: web.Request, found: Found) -> web.StreamResponse:
        picture = picture_path(self._settings.data_dir, found.render_id)
        has_picture = await asyncio.to_thread(picture.is_file)
        size = (await asyncio.to_thread(found.path.stat)).st_size
        try:
            duration, width, height = await asyncio.to_thread(video_facts, found.path)
        except Exception:  # facts are a nicety: the page still plays the file
            duration, width, height = None, None, None
        here = quote(request.match_info["filename"])  # relative to the page: proxies stay out
        page = PlayerPage(
            page_url=found.page_url, video_url=f"{here}/video", download_url=f"{here}/download",
            poster_url=f"{here}/poster.jpg",
            picture_url=f"{here}/timeline.png" if has_picture else None,
            expires_at=found.expires, size=size, duration=duration, width=width, height=height)
        log.info("link page served", extra={"render_id": found.render_id})
        return web.Response(text=player_html(page), content_type="text/html", charset="utf-8",
                            headers=HEADERS)

    async def _video(self, request: web.Request, found: Found) -> web.StreamResponse:
        return self._file(found.path, "video/mp4", "inline")

    async def _download(self, request: web.Request, found: Found) -> web.StreamResponse:
        log.info("link served", extra={"render_id": found.render_id, "method": request.method})
        name = request.match_info["filename"]
        return self._file(found.path, "video/mp4", f'attachment; filename="{name}"')

    async def _poster(self, request: web.Request, found: Found) -> web.StreamResponse:
        dest = found.path.with_name(f"{found.render_id}.poster.jpg")
        try:  # one extraction per render: a second request waits for the first one's file
            async with self._posters.setdefault(found.render_id, asyncio.Lock()):
                if not await asyncio.to_thread(dest.is_file) and not await _make_poster(
                        found.path, dest):
                    return _gone(404)  # an unreadable render: no poster, the page still works
        finally:  # waiters hold the lock object itself; the file is the cache
            self._posters.pop(found.render_id, None)
        return self._file(dest, "image/jpeg", "inline")

    async def _picture(self, request: web.Request, found: Found) -> web.StreamResponse:
        picture = picture_path(self._settings.data_dir, found.render_id)
        if not await asyncio.to_thread(picture.is_file):
            return _gone(404)
        return self._file(picture, "image/png", "inline")

    @staticmethod
    def _file(path: Path, content_type: str, disposition: str) -> web.FileResponse:
        return web.FileResponse(path, headers={
            "Content-Type": content_type,
            "Content-Disposition": disposition,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-transform",
            "Referrer-Policy": "no-referrer",
        })
