"""The player page in the object-storage setup: a page object beside the result in moto's S3,
reached through its presigned URL via the expiry gate (tests/fakes/s3.py) and opened in a real
headless Chromium. It loads as HTML, the video (presigned, inline) becomes playable, plays and
seeks with range requests answered by S3, the poster (made from the bucket's copy when this
machine has none) and the timeline picture load, the card tags are absolute presigned URLs,
and a link past its time gets S3's 403 "Request has expired"."""

from __future__ import annotations

import asyncio
import html
import io
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from PIL import Image
from playwright.async_api import BrowserContext, Response

from core.config import Settings
from core.conversation.object_page import publish_page
from core.engine import Rendered
from core.timeline.picture import draw
from storage.s3 import S3Files
from tests.bots.linkserver.conftest import PAGE_TIMELINE
from tests.browser import PICTURE_WIDTH, PLAY, POSTER_SIZE, SEEK, WAIT_MS, chromium
from tests.fakes.s3 import FakeS3, expiry_gate
from tests.fakes.serve import serve_app


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[BrowserContext]:
    async with chromium(tmp_path / "profile") as context:
        yield context


@pytest.fixture
async def gate(fake_s3: FakeS3) -> AsyncIterator[str]:
    async with serve_app(expiry_gate(fake_s3.endpoint)) as url:
        yield url


async def published(fake_s3: FakeS3, gate: str, data: Path, clip: Path, ttl: int,
                    keep_local: bool) -> tuple[str, str]:
    """The result put in a fresh bucket as renders/r1.mp4 and its page published; returns the
    page's URL and the bucket."""
    bucket = fake_s3.new_bucket()
    files = S3Files.from_settings(Settings(
        _env_file=None, BACKTRACK_DATA_DIR=data,  # type: ignore[call-arg]
        **fake_s3.settings(bucket, BACKTRACK_S3_PUBLIC_URL=gate, BACKTRACK_LINK_TTL=ttl)))
    renders = data / "renders"
    renders.mkdir(parents=True, exist_ok=True)
    local = renders / "r1.mp4"
    shutil.copyfile(clip, local)
    picture = renders / "r1.timeline.png"
    picture.write_bytes(draw(PAGE_TIMELINE, size=(320, 240)))
    try:
        await files.put("renders/r1.mp4", local)
        if not keep_local:
            local.unlink()  # rendered on another machine: only the bucket has it
        rendered = Rendered(path=local, url=None, size=clip.stat().st_size, duration=4.0,
                            width=320, height=240)
        url = await publish_page(files, "renders/r1.mp4", "backtrack.mp4", rendered, picture,
                                 renders)
    finally:
        await files.close()
    assert url is not None
    return url, bucket


def meta(page: str, name: str) -> str:
    found = re.search(rf'<meta property="{name}" content="([^"]+)">', page)
    assert found is not None, name
    return html.unescape(found.group(1))


@pytest.mark.timeout(240)
async def test_the_page_in_the_bucket_plays_seeks_and_shows_its_pictures(
        fake_s3: FakeS3, gate: str, tmp_path: Path, clip: Path,
        browser: BrowserContext) -> None:
    url, bucket = await published(fake_s3, gate, tmp_path / "data", clip, 600, keep_local=False)
    assert url.startswith(f"{gate}/{bucket}/bt/renders/r1.html?") and "X-Amz-Expires=600" in url
    assert fake_s3.keys(bucket) == ["bt/renders/r1.html", "bt/renders/r1.mp4",
                                    "bt/renders/r1.poster.jpg", "bt/renders/r1.timeline.png"]
    assert not list((tmp_path / "data" / "renders").glob(".poster-*"))  # work file gone

    async with httpx.AsyncClient() as client:
        text = (await client.get(url)).text
        poster = await client.get(meta(text, "og:image"))
    # Card tags: absolute presigned URLs a preview fetcher can follow.
    assert meta(text, "og:url") == url
    assert meta(text, "og:video").startswith(f"{gate}/{bucket}/bt/renders/r1.mp4?")
    assert poster.status_code == 200 and poster.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(poster.content)).size == (320, 240)
    assert 'http-equiv="Content-Security-Policy"' in text

    page = await browser.new_page()
    video_statuses: list[int] = []

    def note(response: Response) -> None:
        if "/r1.mp4?" in response.url:
            video_statuses.append(response.status)

    page.on("response", note)
    response = await page.goto(url, wait_until="load", timeout=WAIT_MS)
    assert response is not None and response.status == 200
    assert response.headers["content-type"].startswith("text/html")
    await page.wait_for_function("document.getElementById('player').readyState >= 2",
                                 timeout=WAIT_MS)
    played = await page.evaluate(PLAY)
    assert played["time"] >= 0.3, played
    assert (played["width"], played["height"]) == (320, 240)
    seeked = await page.evaluate(SEEK, 3.0)
    assert seeked == pytest.approx(3.0, abs=0.05)
    assert 206 in video_statuses, video_statuses  # S3 answered ranges
    assert await page.evaluate(POSTER_SIZE) == [320, 240]
    assert await page.evaluate(PICTURE_WIDTH) == 1080
    download = await page.get_attribute("a.button", "href")
    assert download is not None and "attachment" in download  # response-content-disposition
    assert "UTC" in await page.inner_text(".expiry")
    shot = await page.screenshot(full_page=True)
    image = Image.open(io.BytesIO(shot))
    assert image.width == 800 and image.height >= 900
    colours = image.convert("RGB").resize((80, 90)).getcolors(80 * 90)
    assert colours is not None and len(colours) > 20  # a video frame and a picture, not blank


@pytest.mark.timeout(240)
async def test_a_page_past_its_time_says_it_has_expired(
        fake_s3: FakeS3, gate: str, tmp_path: Path, clip: Path,
        browser: BrowserContext) -> None:
    url, _ = await published(fake_s3, gate, tmp_path / "data", clip, 2, keep_local=True)
    page = await browser.new_page()
    fresh = await page.goto(url, timeout=WAIT_MS)
    assert fresh is not None and fresh.status == 200
    video = meta(await fresh.text(), "og:video")
    await asyncio.sleep(3.1)
    late = await page.goto(url, timeout=WAIT_MS)
    assert late is not None and late.status == 403
    assert "Request has expired" in await page.inner_text("body")
    async with httpx.AsyncClient() as client:
        assert (await client.get(video)).status_code == 403  # the video stops with the page
