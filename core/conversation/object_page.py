"""The player page in the object-storage setup (`BACKTRACK_STORAGE_URL=s3://…`).

With a link server (`BACKTRACK_LINK_PUBLIC_URL`), the link is the link server's own signed,
expiring link, as on one machine: delivery only puts the poster frame and the timeline picture
beside the result (`put_beside`), and the link server checks the signature and the expiry (our
403 and 410 pages) before it serves the page and sends the player to short-lived presigned URLs
(bots/bucket_links.py).

Without one (`publish_page`) there is no server of ours in front of the bucket, so the page
is itself an object. At delivery it is rendered once (core.player_page) with presigned URLs of
the video (inline, for the player: S3 answers the browser's range requests, so seeking works),
the download (attachment), the poster frame and the timeline picture (objects put beside the
result), and put as `renders/<id>.html` with Content-Type text/html; the link handed out is the
presigned URL of that object, which S3 serves as text/html inline (the type and disposition are
part of the signature). Everything is signed at the same moment with the same lifetime, so the
page and all it shows stop working together, at the time the page names. After that, S3 itself
answers the page's URL with its own 403 XML, "Request has expired", and a changed link with 403
SignatureDoesNotMatch: nothing of ours can answer a presigned URL, so there is no 410 page and
no page of ours for a tampered link in this setup. A page left open shows the player's error
when it asks for more of the video.

The page carries its Content-Security-Policy and referrer policy as <meta> tags (an object
cannot set those headers); the URLs in it are secrets and are never logged.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable
from pathlib import Path

from core.engine import Rendered
from core.local.thumbnail import thumbnail
from core.player_page import PlayerPage, player_html
from core.ports import FileStore

log = logging.getLogger(__name__)

POSTER_SIDE = 1280
POSTER_BYTES = 1_000_000
HTML = "text/html; charset=utf-8"
POSTER_SECONDS = 300
"""How long the video's URL lasts for reading the poster frame from the bucket."""


def page_keys(result_key: str) -> tuple[str, str, str]:
    """The page, poster and picture keys beside a result's key (`renders/<id>.mp4`)."""
    stem = result_key.rsplit(".", 1)[0] if "." in result_key.rsplit("/", 1)[-1] else result_key
    return f"{stem}.html", f"{stem}.poster.jpg", f"{stem}.timeline.png"


async def _poster(files: FileStore, rendered: Rendered, video_url: str,
                  work_dir: Path) -> bytes | None:
    """The middle frame: from the local copy when this machine has one, else from the bucket
    through the video's presigned URL (ffmpeg reads only the ranges it needs)."""
    local = rendered.path if rendered.path is not None and await asyncio.to_thread(
        rendered.path.is_file) else None
    if local is not None:
        return await thumbnail(local, rendered.duration, max_side=POSTER_SIDE,
                               max_bytes=POSTER_BYTES)
    await asyncio.to_thread(work_dir.mkdir, parents=True, exist_ok=True)
    work = work_dir / f".poster-{secrets.token_hex(6)}.jpg"
    return await thumbnail(video_url, rendered.duration, max_side=POSTER_SIDE,
                           max_bytes=POSTER_BYTES, work=work)


async def put_beside(files: FileStore, result_key: str, filename: str, rendered: Rendered,
                     picture: Path | None, work_dir: Path) -> tuple[bool, bool]:
    """Put the poster frame and, when `picture` is a file, the timeline picture beside the
    result kept under `result_key`; whether each was put."""
    _, poster_key, picture_key = page_keys(result_key)
    video_url = await files.link(result_key, filename, inline=True, seconds=POSTER_SECONDS)
    poster = None if video_url is None else await _poster(files, rendered, video_url, work_dir)
    if poster is not None:
        await files.put_data(poster_key, poster, "image/jpeg")
    has_picture = picture is not None and await asyncio.to_thread(picture.is_file)
    if picture is not None and has_picture:
        await files.put_data(picture_key, await asyncio.to_thread(picture.read_bytes),
                             "image/png")
    return poster is not None, has_picture


async def publish_page(files: FileStore, result_key: str, filename: str, rendered: Rendered,
                       picture: Path | None, work_dir: Path,
                       clock: Callable[[], float] = time.time) -> str | None:
    """Put the page for the result kept under `result_key` (with its poster and, when
    `picture` is a file, the timeline picture) and return the page's presigned URL."""
    page_key, poster_key, picture_key = page_keys(result_key)
    expires_at = clock() + files.link_seconds
    page_url = await files.link(page_key, "backtrack.html", HTML, inline=True)
    video_url = await files.link(result_key, filename, inline=True)
    download_url = await files.link(result_key, filename)
    if page_url is None or video_url is None or download_url is None:
        return download_url
    has_poster, has_picture = await put_beside(files, result_key, filename, rendered, picture,
                                               work_dir)
    poster_url = await files.link(poster_key, "poster.jpg", "image/jpeg", inline=True) \
        if has_poster else None
    picture_url = await files.link(picture_key, "timeline.png", "image/png", inline=True) \
        if has_picture else None
    page = PlayerPage(page_url=page_url, video_url=video_url, download_url=download_url,
                      poster_url=poster_url, picture_url=picture_url, expires_at=expires_at,
                      size=rendered.size, duration=rendered.duration, width=rendered.width,
                      height=rendered.height)
    await files.put_data(page_key, player_html(page).encode(), HTML)
    log.info("player page put in the object storage",
             extra={"poster": has_poster, "picture": has_picture})
    return page_url
