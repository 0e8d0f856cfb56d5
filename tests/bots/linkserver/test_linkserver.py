"""The link server on 127.0.0.1, spoken to with httpx: the page, the file, its pictures and the
pages of links that do not work."""

from __future__ import annotations

import asyncio
import io
import logging
import re
from html.parser import HTMLParser

import pytest
from PIL import Image

from tests.bots.linkserver.conftest import DATA, PUBLIC, Rig


class Tags(HTMLParser):
    """The meta tags, the video element and the links of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.video: dict[str, str] = {}
        self.links: list[str] = []
        self.images: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "meta" and ("property" in values or "name" in values):
            self.meta[values.get("property") or values["name"]] = values.get("content", "")
        elif tag == "video":
            self.video = values
        elif tag == "a":
            self.links.append(values.get("href", ""))
        elif tag == "img":
            self.images.append(values.get("src", ""))


def tags(html: str) -> Tags:
    parser = Tags()
    parser.feed(html)
    return parser


async def test_a_link_opens_the_player_page(page_rig: Rig) -> None:
    link = page_rig.link("r1", "backtrack.mp4")
    response = await page_rig.client.get(link)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "script-src" not in response.headers["content-security-policy"]  # none runs
    page = tags(response.text)
    public = PUBLIC + link.removeprefix(page_rig.base)
    assert page.meta["og:url"] == public
    assert page.meta["og:video"] == f"{public}/video"
    assert page.meta["og:image"] == page.meta["twitter:image"] == f"{public}/poster.jpg"
    assert page.meta["og:video:type"] == "video/mp4"
    assert (page.meta["og:video:width"], page.meta["og:video:height"]) == ("320", "240")
    assert page.meta["twitter:card"] == "summary_large_image"
    # In the page itself the addresses are relative: it works behind any proxy.
    assert page.video == {"id": "player", "controls": "", "playsinline": "",
                          "preload": "metadata", "poster": "backtrack.mp4/poster.jpg",
                          "width": "320", "height": "240", "src": "backtrack.mp4/video"}
    assert page.links == ["backtrack.mp4/download"]
    assert page.images == ["backtrack.mp4/timeline.png"]
    assert "14 November 2023, 23:13 UTC" in response.text  # 1_700_000_000 + 1 h
    assert "0:04 · 320×240" in response.text


async def test_the_download_is_the_file_as_an_attachment(rig: Rig) -> None:
    await rig.render("r1")
    response = await rig.client.get(rig.link("r1") + "/download")
    assert response.status_code == 200
    assert response.content == DATA
    assert response.headers["content-type"] == "video/mp4"
    assert response.headers["content-disposition"] == 'attachment; filename="my_video.mp4"'
    assert response.headers["accept-ranges"] == "bytes"


async def test_head(rig: Rig) -> None:
    await rig.render("r1")
    response = await rig.client.head(rig.link("r1") + "/video")
    assert response.status_code == 200
    assert response.headers["content-length"] == str(len(DATA))
    assert response.headers["content-disposition"] == "inline"
    assert response.content == b""


async def test_range_request(rig: Rig) -> None:
    await rig.render("r1")
    video = rig.link("r1") + "/video"
    response = await rig.client.get(video, headers={"Range": "bytes=1000-1999"})
    assert response.status_code == 206
    assert response.content == DATA[1000:2000]
    assert response.headers["content-range"] == f"bytes 1000-1999/{len(DATA)}"
    tail = await rig.client.get(video, headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == DATA[-10:]


async def test_the_poster_is_decoded_once_and_kept(page_rig: Rig) -> None:
    poster = page_rig.link("r1") + "/poster.jpg"
    first, second = await asyncio.gather(page_rig.client.get(poster),
                                         page_rig.client.get(poster))
    assert first.status_code == second.status_code == 200
    assert first.headers["content-type"] == "image/jpeg" and first.content == second.content
    with Image.open(io.BytesIO(first.content)) as image:
        assert image.format == "JPEG" and image.size == (320, 240)
    kept = page_rig.data_dir / "renders" / "r1.poster.jpg"
    made = kept.stat().st_mtime_ns
    assert (await page_rig.client.get(poster)).content == first.content
    assert kept.stat().st_mtime_ns == made, "not decoded again"


async def test_the_timeline_picture(page_rig: Rig) -> None:
    response = await page_rig.client.get(page_rig.link("r1") + "/timeline.png")
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")


async def test_a_render_without_a_picture(rig: Rig) -> None:
    await rig.render("r1")  # no image on its page, 404 for it
    assert (await rig.client.get(rig.link("r1") + "/timeline.png")).status_code == 404
    assert tags((await rig.client.get(rig.link("r1"))).text).images == []


def clean_page(html: str) -> None:
    """A page for a link that does not work: words, never a traceback, path or listing."""
    assert html.startswith("<!doctype html>")
    for leak in ("Traceback", "renders", "sqlite", "r1", "Index of"):
        assert leak not in html


async def test_tampered_signature_403(rig: Rig) -> None:
    await rig.render("r1")
    url = rig.link("r1")
    head, sig, name = url.rsplit("/", 2)
    bad = sig[:-1] + ("A" if sig[-1] != "A" else "B")
    for suffix in ("", "/video", "/download", "/poster.jpg"):
        response = await rig.client.get(f"{head}/{bad}/{name}{suffix}")
        assert response.status_code == 403
        assert "This link is not valid" in response.text
        clean_page(response.text)


async def test_link_for_another_render_403(rig: Rig) -> None:
    await rig.render("r1")
    await rig.render("r2", output="renders/r1.mp4")
    url = rig.link("r2").replace("/r/r2/", "/r/r1/")
    assert (await rig.client.get(url + "/download")).status_code == 403


async def test_expired_410(rig: Rig) -> None:
    await rig.render("r1")
    url = rig.link("r1")
    rig.clock.now += 3601
    for suffix in ("", "/download"):
        response = await rig.client.get(url + suffix)
        assert response.status_code == 410
        assert "This link has expired" in response.text
        clean_page(response.text)


@pytest.mark.parametrize("state", ["queued", "running", "failed", "interrupted", "cancelled"])
async def test_render_not_done_404(rig: Rig, state: str) -> None:
    await rig.render("r1", state)
    assert (await rig.client.get(rig.link("r1"))).status_code == 404


async def test_unknown_or_missing_file_404(rig: Rig) -> None:
    assert (await rig.client.get(rig.link("nobody"))).status_code == 404
    await rig.render("gone")  # done, but renders/gone.mp4 does not exist
    assert (await rig.client.get(rig.link("gone"))).status_code == 404


async def test_a_render_that_is_no_video_has_a_page_without_poster(rig: Rig) -> None:
    await rig.render("r1")  # 100 KB of random bytes
    assert (await rig.client.get(rig.link("r1"))).status_code == 200
    assert (await rig.client.get(rig.link("r1") + "/poster.jpg")).status_code == 404


@pytest.mark.parametrize(
    "output",
    ["backtrack.sqlite3", "renders/../backtrack.sqlite3", "../secret.mp4", "/etc/passwd",
     "media/upload.mp4", "renders", "renders/link.mp4"],
)
async def test_recorded_path_outside_renders_404(rig: Rig, output: str) -> None:
    (rig.data_dir.parent / "secret.mp4").write_bytes(b"secret")
    (rig.data_dir / "media").mkdir()
    (rig.data_dir / "media" / "upload.mp4").write_bytes(b"upload")
    (rig.data_dir / "renders" / "link.mp4").symlink_to(rig.data_dir.parent / "secret.mp4")
    await rig.render("r9", output=output)
    for suffix in ("", "/video", "/download"):
        response = await rig.client.get(rig.link("r9") + suffix)
        assert response.status_code == 404
        assert b"secret" not in response.content and b"upload" not in response.content
        clean_page(response.text)


@pytest.mark.parametrize(
    "path",
    ["/r/..%2F..%2Fbacktrack.sqlite3/1/x/a.mp4", "/r/%2E%2E/1/x/a.mp4", "/etc/passwd",
     "/r/r1", "/r/r1/1/x", "/renders/r1.mp4", "/backtrack.sqlite3", "/r/",
     "/r/r1/99999999999999999999/x/a.mp4"],
)
async def test_request_paths_are_never_files(rig: Rig, path: str) -> None:
    await rig.render("r1")
    response = await rig.client.get(rig.base + path)
    assert response.status_code in (403, 404)
    assert b"Index of" not in response.content and b"sqlite" not in response.content


async def test_tampered_filename_404(rig: Rig) -> None:
    await rig.render("r1")
    head = rig.link("r1").rsplit("/", 1)[0]
    for name in ("..%2F..%2Fbacktrack.sqlite3", "%22evil%22.mp4", "a%0Ab.mp4"):
        assert (await rig.client.get(f"{head}/{name}")).status_code == 404
    assert (await rig.client.get(f"{head}/other_name.mp4")).status_code == 200


async def test_signature_never_logged(rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    await rig.render("r1")
    caplog.set_level(logging.DEBUG)
    url = rig.link("r1")
    sig = url.rsplit("/", 2)[1]
    assert (await rig.client.get(url)).status_code == 200
    assert (await rig.client.get(url + "/download")).status_code == 200
    assert (await rig.client.get(url.replace(sig, "A" * len(sig)))).status_code == 403
    # Only the server side: the test's own httpx client logs the URLs it requests.
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records
                       if not r.name.startswith(("httpx", "httpcore")))
    assert sig not in logged
    assert "link served" in logged and re.search(r"link page served", logged)
