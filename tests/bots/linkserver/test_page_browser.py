"""The player page in a real headless Chromium (Debian's `chromium`, driven by Playwright over
CDP): it loads, the video becomes playable and plays, seeking moves it (with range requests),
the poster and the timeline picture load, a screenshot is taken, and expired and tampered links
show their pages with 410 and 403. Without /usr/bin/chromium this test fails (.ci/run installs
the package when it is missing)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.async_api import BrowserContext, Response

from tests.bots.linkserver.test_linkserver import Rig
from tests.browser import PICTURE_WIDTH, PLAY, POSTER_SIZE, SEEK, WAIT_MS, chromium


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[BrowserContext]:
    async with chromium(tmp_path / "profile") as context:
        yield context


@pytest.mark.timeout(240)
async def test_the_page_plays_seeks_and_shows_its_pictures(
        page_rig: Rig, browser: BrowserContext) -> None:
    link = page_rig.link("r1", "backtrack.mp4")
    page = await browser.new_page()
    video_statuses: list[int] = []

    def note(response: Response) -> None:
        if response.url.endswith("/video"):
            video_statuses.append(response.status)

    page.on("response", note)
    response = await page.goto(link, wait_until="load", timeout=WAIT_MS)
    assert response is not None and response.status == 200
    await page.wait_for_function("document.getElementById('player').readyState >= 2",
                                 timeout=WAIT_MS)
    played = await page.evaluate(PLAY)
    assert played["time"] >= 0.3, played
    assert (played["width"], played["height"]) == (320, 240)
    seeked = await page.evaluate(SEEK, 3.0)
    assert seeked == pytest.approx(3.0, abs=0.05)
    assert 206 in video_statuses, video_statuses  # the browser asked for ranges

    # The poster and the timeline picture are images the browser could decode.
    poster = await page.evaluate(POSTER_SIZE)
    assert poster == [320, 240]
    picture = await page.evaluate(PICTURE_WIDTH)
    assert picture == 1080
    download = await page.get_attribute("a.button", "href")
    assert download is not None and download.endswith("/download")
    expiry = await page.inner_text(".expiry")
    assert "UTC" in expiry

    shot = await page.screenshot(full_page=True)
    image = Image.open(io.BytesIO(shot))
    assert image.format == "PNG" and image.width == 800 and image.height >= 900
    assert len(shot) > 20_000, "a page with a video frame and a picture is not blank"
    colours = image.convert("RGB").resize((80, 90)).getcolors(80 * 90)
    assert colours is not None and len(colours) > 20


@pytest.mark.timeout(240)
async def test_expired_and_tampered_links_show_their_pages(
        page_rig: Rig, browser: BrowserContext) -> None:
    link = page_rig.link("r1", "backtrack.mp4")
    head, sig, name = link.rsplit("/", 2)
    page = await browser.new_page()
    tampered = await page.goto(f"{head}/{sig[:-2]}xx/{name}", timeout=WAIT_MS)
    assert tampered is not None and tampered.status == 403
    assert "This link is not valid" in await page.inner_text("h1")
    page_rig.clock.now += 3601
    expired = await page.goto(link, timeout=WAIT_MS)
    assert expired is not None and expired.status == 410
    assert "This link has expired" in await page.inner_text("h1")
    body = await page.content()
    assert "Traceback" not in body and "renders" not in body
