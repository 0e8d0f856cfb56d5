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

With object storage (`BACKTRACK_STORAGE_URL`) the links are the same and checked the same way
first; what they serve comes from the bucket (bots/bucket_links.py: the page, and redirects to
presigned URLs for the video, the download and the pictures).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from aiohttp import web

from core.config import Settings
from core.conversation.snapshot import picture_path
from core.links import RENDER_ID, LinkSigner, safe_filename
from core.local.frames import video_facts
from core.local.thumbnail import thumbnail
from core.player_page import HEADERS, PlayerPage, gone_html, player_html
from core.ports import FileStore, RenderStore

log = logging.getLogger(__name__)

LINK = "/r/{render_id}/{expires}/{sig}/{filename}"
POSTER_SIDE = 1280
POSTER_BYTES = 1_000_000

Handler = Callable[[web.Request, "Found"], Awaitable[web.StreamResponse]]
LinkHandler = Callable[[web.Request, "Link"], Awaitable[web.StreamResponse]]


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


def gone(status: int) -> web.Response:
    """Our short page for a link that does not work (403, 404, 410)."""
    return web.Response(status=status, text=gone_html(status), content_type="text/html",
                        charset="utf-8", headers=HEADERS)



@dataclass(frozen=True)
class Link:
    """A request whose link checked out, for a render that is done: the link's parts and
    the key the store records for the render's file (relative to the data folder)."""

    render_id: str
    expires: int
    page_url: str
    output: str


@dataclass(frozen=True)
class Found(Link):
    """A link whose render's file is in this machine's data folder."""

    path: Path


class LinkServer:
    """aiohttp app bound to settings.link_host:link_port; `.port` is the bound port."""

    def __init__(self, settings: Settings, store: RenderStore, signer: LinkSigner,
                 files: FileStore | None = None) -> None:
        """With `files` in object storage (shared), renders are served from the bucket."""
        self._settings = settings
        self._store = store
        self._signer = signer
        self._runner: web.AppRunner | None = None
        self._posters: dict[str, asyncio.Lock] = {}
        self.port: int = settings.link_port
        self._routes: list[tuple[str, LinkHandler]] = [
            ("", self._on_disk(self._page)), ("/video", self._on_disk(self._video)),
            ("/download", self._on_disk(self._download)),
            ("/poster.jpg", self._on_disk(self._poster)),
            ("/timeline.png", self._on_disk(self._picture))]
        if files is not None and files.shared:
            from bots.bucket_links import BucketLinks

            self._routes = BucketLinks(files, signer.now).routes()

    def app(self) -> web.Application:
        app = web.Application()
        for suffix, handler in self._routes:
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

    def _checked(self, handler: LinkHandler
                 ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def serve(request: web.Request) -> web.StreamResponse:
            link = await self._find(request)
            if isinstance(link, web.Response):
                return link
            return await handler(request, link)
        return serve

    def _on_disk(self, handler: Handler) -> LinkHandler:
        """The handler, given the render's file in the data folder (else our 404 page)."""
        async def serve(request: web.Request, link: Link) -> web.StreamResponse:
            path = await asyncio.to_thread(_servable, self._settings.data_dir, link.output)
            if path is None:
                return gone(404)
            return await handler(request, Found(**vars(link), path=path))
        return serve

    async def _find(self, request: web.Request) -> Link | web.Response:
        render_id, expires = request.match_info["render_id"], request.match_info["expires"]
        filename = request.match_info["filename"]
        if not RENDER_ID.fullmatch(render_id) or not expires.isdigit() or len(expires) > 12:
            return gone(404)
        if not filename or filename != safe_filename(filename, ""):  # ours always pass
            return gone(404)
        sig = request.match_info["sig"]
        status = self._signer.status(render_id, int(expires), sig)
        if status == "invalid":
            return gone(403)
        if status == "expired":
            return gone(410)
        record = await self._store.get_render(render_id)
        if record is None or record.state != "done" or not record.output_path:
            return gone(404)
        page_url = f"{self._signer.public_url}/r/{render_id}/{expires}/{sig}/{quote(filename)}"
        return Link(render_id, int(expires), page_url, record.output_path)

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
                    return gone(404)  # an unreadable render: no poster, the page still works
        finally:  # waiters hold the lock object itself; the file is the cache
            self._posters.pop(found.render_id, None)
        return self._file(dest, "image/jpeg", "inline")

    async def _picture(self, request: web.Request, found: Found) -> web.StreamResponse:
        picture = picture_path(self._settings.data_dir, found.render_id)
        if not await asyncio.to_thread(picture.is_file):
            return gone(404)
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
