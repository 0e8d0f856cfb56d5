"""A smart-cut file (core/local/smartcut.py: the start re-encoded by x264, the rest the clip's
own frames, both parameter sets in one avcC) played in a real browser's player: headless
Chromium plays it through the join and to the end without a decode error, and the picture it
shows after the join is the one ffmpeg decodes there (a player that kept the first part's
parameter sets would show garbage or stop with MEDIA_ERR_DECODE)."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from tests.browser import WAIT_MS, chromium
from tests.core.local.conftest import Render
from tests.core.local.drafts import make_draft
from tests.media import make_video

W, H = 48, 27
PAGE = ('<!doctype html><video id="player" src="out.mp4" muted playsinline></video>'
        f'<canvas id="c" width="{W}" height="{H}"></canvas>')
PLAY_PAST = """async (past) => {
    const v = document.getElementById('player');
    v.muted = true;
    await v.play();
    const t0 = performance.now();
    while (v.currentTime < past && !v.ended && performance.now() - t0 < 30000) {
        await new Promise(r => setTimeout(r, 20));
    }
    v.pause();
    await new Promise(r => setTimeout(r, 200));
    const g = document.getElementById('c').getContext('2d');
    g.drawImage(v, 0, 0, WIDTH, HEIGHT);
    const data = g.getImageData(0, 0, WIDTH, HEIGHT).data;
    const shown = {time: v.currentTime, pixels: Array.from(data)};
    await v.play();
    while (!v.ended && !v.error && performance.now() - t0 < 60000) {
        await new Promise(r => setTimeout(r, 50));
    }
    const q = v.getVideoPlaybackQuality();
    return {...shown, ended: v.ended, error: v.error && v.error.code,
            frames: q.totalVideoFrames, corrupted: q.corruptedVideoFrames};
}""".replace("WIDTH", str(W)).replace("HEIGHT", str(H))


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A folder served over HTTP on 127.0.0.1, and its address."""
    folder = tmp_path / "site"
    folder.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0),
                                 functools.partial(Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def pictures_near(path: Path, seconds: float) -> list[np.ndarray]:
    """ffmpeg's pictures within 0.2 s of `seconds`, at the canvas's size, as RGB."""
    with av.open(str(path)) as container:
        found = []
        for frame in container.decode(video=0):
            if frame.time is not None and abs(frame.time - seconds) <= 0.2:
                small = frame.reformat(width=W, height=H, format="rgb24")
                found.append(small.to_ndarray().astype(float))
        return found


@pytest.mark.parametrize("edit", [{"title": "Hi", "title_ms": (0, 1200)},
                                  {"trim": [600, 4500]}], ids=["title", "trim-both-ends"])
@pytest.mark.timeout(240)
async def test_chromium_plays_through_the_join(render: Render, served: tuple[Path, str],
                                               tmp_path: Path, edit: dict[str, Any]) -> None:
    """A title: x264's start then the clip's frames; a trim off keyframes at both ends:
    x264, the clip's frames, x264 again (three parameter sets)."""
    folder, address = served
    clip = make_video(tmp_path / "clip.mp4", seconds=5, width=480, height=270, fps=25, extra=(
        "-profile:v", "high", "-x264-params", "bframes=3:b-pyramid=normal:8x8dct=1",
        "-g", "25", "-keyint_min", "25", "-sc_threshold", "0"))
    out, plan = await render(make_draft(5000, None, **edit), clip, folder=folder)
    assert plan.video_part is not None  # re-encoded up to a keyframe, copied after
    (folder / "index.html").write_text(PAGE)
    async with chromium(tmp_path / "profile") as browser:
        page = await browser.new_page()
        await page.goto(f"{address}/index.html", wait_until="load", timeout=WAIT_MS)
        await page.wait_for_function("document.getElementById('player').readyState >= 2",
                                     timeout=WAIT_MS)
        played = await page.evaluate(PLAY_PAST, 3.0)
    assert played["error"] is None and played["ended"], {**played, "pixels": "..."}
    assert played["corrupted"] == 0
    assert played["time"] >= 3.0
    shown = np.array(played["pixels"], dtype=float).reshape(H, W, 4)[:, :, :3]
    nearest = min(float(np.abs(shown - p).mean()) for p in pictures_near(out, played["time"]))
    assert nearest < 12, nearest  # of 255: the same picture, up to colour conversion
