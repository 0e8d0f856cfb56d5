"""The player page behind a download link, and the pages for links that no longer work (pure).

Plain HTML and CSS, no script and no build step: a HTML5 video (the browser seeks with range
requests), its poster frame, a download button, the expiry time, the timeline picture, and
OpenGraph/Twitter tags (absolute URLs) so Telegram and Discord show a card with the poster.
Every URL is given by the caller: the link server passes its own signed paths, the object-storage
setup presigned URLs (core/conversation/object_page.py); the page only escapes them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from html import escape
from urllib.parse import urljoin

STYLE = """
:root { color-scheme: dark; }
body { margin: 0; background: #15171c; color: #ebedf2;
       font: 17px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 960px; margin: 0 auto; padding: 16px; }
h1 { font-size: 1.3em; margin: 0.2em 0 0.6em; }
video { display: block; width: 100%; max-height: 75vh; background: #000; border-radius: 8px; }
.facts { color: #969caa; margin: 0.6em 0; }
.button { display: inline-block; padding: 0.7em 1.4em; border-radius: 8px; background: #2bb3a3;
          color: #0d1014; font-weight: 600; text-decoration: none; }
.button:focus, .button:hover { background: #3fd0bf; }
figure { margin: 1.6em 0 0; }
figure img { width: 100%; height: auto; border-radius: 8px; }
figcaption { color: #969caa; font-size: 0.9em; }
.gone { text-align: center; padding-top: 18vh; }
"""

POLICY = ("default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; "
          "base-uri 'none'; form-action 'none'")
"""No script, nothing from elsewhere: also a <meta> tag in the page, for the page kept in
object storage (an object cannot set these headers)."""

ORIGIN = re.compile(r"https?://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?")


def policy(media_origin: str | None = None) -> str:
    """POLICY, with the pictures and the video also allowed from `media_origin` (the bucket's
    address, where the link server's page sends the player with redirects)."""
    if media_origin is None:
        return POLICY
    if not ORIGIN.fullmatch(media_origin):  # it goes into a header and an attribute as it is
        raise ValueError("a media origin is scheme://host[:port]")
    return POLICY.replace("img-src 'self'", f"img-src 'self' {media_origin}").replace(
        "media-src 'self'", f"media-src 'self' {media_origin}")


def headers(media_origin: str | None = None) -> dict[str, str]:
    """Response headers for every page: no script runs, the signed URL is never sent as a
    referrer."""
    return {
        "Content-Security-Policy": policy(media_origin) + "; frame-ancestors 'none'",
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
    }


HEADERS = headers()


@dataclass(frozen=True)
class PlayerPage:
    """What the page shows. `page_url` is absolute; the others may be relative to it (the
    card tags are made absolute, the page itself uses them as given)."""

    page_url: str
    video_url: str
    download_url: str
    poster_url: str | None
    picture_url: str | None
    expires_at: float
    """Unix time the link stops working."""
    size: int | None = None
    duration: float | None = None
    width: int | None = None
    height: int | None = None
    title: str = "Your video from Backtrack"
    media_origin: str | None = None
    """Where the video and pictures come from when that is not the page's own address."""


def expiry_words(expires_at: float) -> str:
    """`4 December 2026, 17:05 UTC`."""
    when = dt.datetime.fromtimestamp(expires_at, dt.UTC)
    return f"{when.day} {when:%B %Y, %H:%M} UTC"


def _facts(page: PlayerPage) -> str:
    facts = []
    if page.duration is not None:
        total = round(page.duration)
        facts.append(f"{total // 60}:{total % 60:02d}")
    if page.width and page.height:
        facts.append(f"{page.width}×{page.height}")
    if page.size is not None:
        facts.append(f"{page.size / 1024 / 1024:.1f} MB")
    return " · ".join(facts)


def _meta(page: PlayerPage) -> list[str]:
    """Card tags: Telegram's and Discord's preview fetchers need absolute addresses."""
    video = urljoin(page.page_url, page.video_url)
    poster = urljoin(page.page_url, page.poster_url) if page.poster_url else None
    tags = [("og:type", "video.other"), ("og:title", page.title), ("og:url", page.page_url),
            ("og:site_name", "Backtrack"),
            ("og:description", f"Plays until {expiry_words(page.expires_at)}."),
            ("og:video", video), ("og:video:type", "video/mp4")]
    if video.startswith("https://"):
        tags.append(("og:video:secure_url", video))
    if page.width and page.height:
        tags += [("og:video:width", str(page.width)), ("og:video:height", str(page.height))]
    if poster:
        tags += [("og:image", poster), ("og:image:type", "image/jpeg")]
    lines = [f'<meta property="{k}" content="{escape(v)}">' for k, v in tags]
    lines.append('<meta name="twitter:card" content="summary_large_image">')
    lines.append(f'<meta name="twitter:title" content="{escape(page.title)}">')
    if poster:
        lines.append(f'<meta name="twitter:image" content="{escape(poster)}">')
    return lines


def _document(title: str, head: list[str], body: str, media_origin: str | None = None) -> str:
    return "\n".join([
        "<!doctype html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="robots" content="noindex, nofollow">',
        f'<meta http-equiv="Content-Security-Policy" content="{policy(media_origin)}">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>{escape(title)}</title>", *head, f"<style>{STYLE}</style>", "</head>",
        "<body>", body, "</body>", "</html>", ""])


def player_html(page: PlayerPage) -> str:
    """The page for a link that works."""
    poster = f' poster="{escape(page.poster_url)}"' if page.poster_url else ""
    size = (f' width="{page.width}" height="{page.height}"'
            if page.width and page.height else "")
    facts = _facts(page)
    picture = ""
    if page.picture_url:
        picture = (f'<figure><img src="{escape(page.picture_url)}" alt="The timeline: video, '
                   'title, music and sound over time" loading="lazy">'
                   "<figcaption>The timeline</figcaption></figure>")
    body = "\n".join([
        "<main>", f"<h1>{escape(page.title)}</h1>",
        f'<video id="player" controls playsinline preload="metadata"{poster}{size} '
        f'src="{escape(page.video_url)}"></video>',
        f'<p class="facts">{escape(facts)}</p>' if facts else "",
        f'<p><a class="button" href="{escape(page.download_url)}" download>'
        "Download the video</a></p>",
        f'<p class="expiry">This link works until <time datetime="'
        f'{dt.datetime.fromtimestamp(page.expires_at, dt.UTC).isoformat()}">'
        f"{escape(expiry_words(page.expires_at))}</time>.</p>",
        picture, "</main>"])
    return _document(page.title, _meta(page), body, page.media_origin)


GONE = {
    403: ("This link is not valid",
          "The link was changed or cut short. Use the link exactly as the bot sent it."),
    404: ("Video not found",
          "This video is no longer here. Ask the bot to export it again."),
    410: ("This link has expired",
          "Download links work for a limited time. Ask the bot to export the video again "
          "for a new link."),
}


def gone_html(status: int) -> str:
    """The page for a link that does not work (403 tampered, 404 unknown, 410 expired)."""
    heading, words = GONE.get(status, GONE[404])
    body = (f'<main class="gone"><h1>{escape(heading)}</h1><p>{escape(words)}</p></main>')
    return _document(heading, [], body)
