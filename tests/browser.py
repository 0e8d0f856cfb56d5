"""Debian's headless Chromium driven by Playwright, for the player page tests. Without
/usr/bin/chromium a test fails (.ci/run installs the package when it is missing)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from playwright.async_api import BrowserContext, async_playwright

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--autoplay-policy=no-user-gesture-required"]
WAIT_MS = 60_000

PLAY = """async () => {
    const v = document.getElementById('player');
    v.muted = true;
    await v.play();
    const start = performance.now();
    while (v.currentTime < 0.3 && performance.now() - start < 20000) {
        await new Promise(r => setTimeout(r, 50));
    }
    v.pause();
    return {time: v.currentTime, width: v.videoWidth, height: v.videoHeight};
}"""
"""Play the page's video muted until 0.3 s have passed; its time and frame size."""

SEEK = """async (to) => {
    const v = document.getElementById('player');
    const done = new Promise(r => v.addEventListener('seeked', r, {once: true}));
    v.currentTime = to;
    await done;
    return v.currentTime;
}"""

POSTER_SIZE = """() => new Promise((resolve) => {
    const img = new Image();
    img.onload = () => resolve([img.naturalWidth, img.naturalHeight]);
    img.onerror = () => resolve(null);
    img.src = document.getElementById('player').poster;
})"""

PICTURE_WIDTH = ("() => { const i = document.querySelector('figure img');"
                 " return i && i.complete ? i.naturalWidth : null; }")


@asynccontextmanager
async def chromium(profile: Path) -> AsyncIterator[BrowserContext]:
    assert CHROMIUM.is_file(), (
        "Chromium is missing: install Debian's package (apt-get install chromium); "
        ".ci/run does this when /usr/bin/chromium is not there")
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True,
            args=FLAGS, viewport={"width": 800, "height": 900})
        try:
            yield context
        finally:
            await context.close()
