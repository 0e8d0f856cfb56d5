"""The link server's answers when renders are kept in object storage (`BACKTRACK_STORAGE_URL`).

The link is still the link server's own signed, expiring link, checked first (our 403 and 410
pages; nothing here runs for a link that fails), so any replica with the same link secret
serves it and nothing is kept per link. The page is built at each request from the bucket:
the result's size (a HEAD; a result the bucket no longer has gets our 404 page), its length
and shape (read through a presigned URL, only the ranges needed, and remembered), and whether
the poster and the timeline picture were put beside it. The page's video, download, poster
and picture addresses are the link server's own; each answers with a redirect to a presigned
URL made at that moment. The video's and the download's presigned URLs last until the link's
own expiry and no longer, since a browser sends its later range requests (seeking, a resumed
download) to where the redirect pointed; the pictures' last a minute, as they are followed at
once. Presigned URLs are secrets: never logged, and the redirects are neither cached nor sent
on as referrers. The page's Content-Security-Policy allows the bucket's address for the video
and the pictures.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from urllib.parse import quote, urlsplit

from aiohttp import web

from bots.linkserver import Link, LinkHandler, gone
from core.conversation.object_page import page_keys
from core.player_page import PlayerPage, headers, player_html
from core.ports import FileStore

log = logging.getLogger(__name__)

FOLLOWED_SECONDS = 60
"""Lifetime of a presigned URL a browser follows at once (download, poster, picture)."""
FACTS_TIMEOUT = 10.0
KEEP_FACTS = 512

Facts = tuple[float | None, int | None, int | None]


def remote_facts(url: str) -> Facts:
    """Duration (s), width and height of the video at `url` (ffmpeg reads only what it needs)."""
    import av

    with av.open(url, timeout=FACTS_TIMEOUT) as container:
        stream = container.streams.video[0]
        duration = container.duration / 1_000_000 if container.duration else None
        return duration, stream.width or None, stream.height or None


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class BucketLinks:
    """Page and redirects for links to renders in the bucket; `now` is the signer's clock."""

    def __init__(self, files: FileStore, now: Callable[[], float]) -> None:
        self._files = files
        self._now = now
        self._facts: dict[str, Facts] = {}

    def routes(self) -> list[tuple[str, LinkHandler]]:
        return [("", self._page), ("/video", self._video), ("/download", self._download),
                ("/poster.jpg", self._poster), ("/timeline.png", self._picture)]

    def _until_expiry(self, link: Link) -> int:
        return max(1, int(link.expires - self._now()) + 1)

    async def _page(self, request: web.Request, link: Link) -> web.StreamResponse:
        size = await self._files.size(link.output)
        if size is None:
            return gone(404)
        name = request.match_info["filename"]
        video = await self._files.link(link.output, name, inline=True,
                                       seconds=FOLLOWED_SECONDS)
        if video is None:
            return gone(404)
        duration, width, height = await self._video_facts(link.output, video)
        _, poster_key, picture_key = page_keys(link.output)
        has_poster, has_picture = await asyncio.gather(
            self._files.size(poster_key), self._files.size(picture_key))
        here = quote(name)  # relative to the page, as on one machine
        page = PlayerPage(
            page_url=link.page_url, video_url=f"{here}/video", download_url=f"{here}/download",
            poster_url=f"{here}/poster.jpg" if has_poster is not None else None,
            picture_url=f"{here}/timeline.png" if has_picture is not None else None,
            expires_at=link.expires, size=size, duration=duration, width=width,
            height=height, media_origin=origin(video))
        log.info("link page served from the object storage", extra={"render_id": link.render_id})
        return web.Response(text=player_html(page), content_type="text/html", charset="utf-8",
                            headers=headers(page.media_origin))

    async def _video_facts(self, key: str, url: str) -> Facts:
        """Length and shape, read once per result; unknown when the video cannot be read."""
        if key not in self._facts:
            try:
                facts = await asyncio.to_thread(remote_facts, url)
            except Exception as exc:  # facts are a nicety: the page still plays the file
                log.warning("no video facts from the object storage (%s)", type(exc).__name__)
                return None, None, None
            if len(self._facts) >= KEEP_FACTS:
                self._facts.clear()
            self._facts[key] = facts
        return self._facts[key]

    async def _video(self, request: web.Request, link: Link) -> web.StreamResponse:
        return await self._redirect(link.output, request.match_info["filename"], "video/mp4",
                                    True, self._until_expiry(link))

    async def _download(self, request: web.Request, link: Link) -> web.StreamResponse:
        log.info("link served from the object storage", extra={"render_id": link.render_id})
        return await self._redirect(link.output, request.match_info["filename"], "video/mp4",
                                    False, self._until_expiry(link))

    async def _poster(self, request: web.Request, link: Link) -> web.StreamResponse:
        return await self._redirect(page_keys(link.output)[1], "poster.jpg", "image/jpeg", True,
                                    FOLLOWED_SECONDS)

    async def _picture(self, request: web.Request, link: Link) -> web.StreamResponse:
        return await self._redirect(page_keys(link.output)[2], "timeline.png", "image/png", True,
                                    FOLLOWED_SECONDS)

    async def _redirect(self, key: str, filename: str, content_type: str, inline: bool,
                        seconds: int) -> web.StreamResponse:
        url = await self._files.link(key, filename, content_type, inline=inline,
                                     seconds=seconds)
        if url is None:
            return gone(404)
        return web.Response(status=302, headers={
            "Location": url, "Cache-Control": "private, no-store",
            "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"})
