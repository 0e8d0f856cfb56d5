"""Links through the link server in the object-storage setup: the result, its poster and its
timeline picture in moto's S3 (behind the expiry gate of tests/fakes/s3.py), the link server's
own signed link, opened in a real headless Chromium. The page loads, the video (redirected to
a presigned URL) plays and seeks with range requests answered by S3, the pictures load; an
expired link gets our 410 page and a changed one our 403 page, from the link server itself;
no presigned URL reaches a log line. The whole app, given a link server, hands out its link."""

from __future__ import annotations

import io
import logging
import re
import shutil
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from PIL import Image
from playwright.async_api import BrowserContext, Response

from bots.bootstrap import build_app
from bots.doctor import check_link_server
from bots.linkserver import LinkServer
from core.config import Settings
from core.conversation.object_page import put_beside
from core.engine import Rendered
from core.links import LinkSigner
from core.player_page import policy
from core.ports import RenderRecord
from core.timeline.picture import draw
from storage.s3 import S3Files
from storage.sqlite import SqliteStore
from tests.bots.linkserver.conftest import PAGE_TIMELINE
from tests.bots.objects.test_app_on_s3 import say, settings_for, video
from tests.browser import PICTURE_WIDTH, PLAY, POSTER_SIZE, SEEK, WAIT_MS, chromium
from tests.fakes.s3 import FakeS3, expiry_gate
from tests.fakes.serve import serve_app

SECRET = b"objects-link-secret-0123456789"


class Clock:
    """Real time, moved on by `skip` (the signer's clock; the gate keeps real time)."""

    def __init__(self) -> None:
        self.skip = 0.0

    def __call__(self) -> float:
        return time.time() + self.skip


@dataclass
class Rig:
    base: str
    bucket: str
    signer: LinkSigner
    clock: Clock
    gate: str

    def link(self, rid: str = "r1") -> str:
        return self.signer.url_for(rid, "backtrack.mp4")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def rig(fake_s3: FakeS3, tmp_path: Path, clip: Path) -> AsyncIterator[Rig]:
    """Render r1 done, its file only in the bucket (rendered on another machine), with the
    poster and picture delivery puts beside it; a link server on 127.0.0.1 serving it."""
    async with serve_app(expiry_gate(fake_s3.endpoint)) as gate:
        bucket = fake_s3.new_bucket()
        data = tmp_path / "data"
        port = free_port()
        settings = Settings(_env_file=None, BACKTRACK_DATA_DIR=data,  # type: ignore[call-arg]
                            BACKTRACK_LINK_HOST="127.0.0.1", BACKTRACK_LINK_PORT=port,
                            **fake_s3.settings(bucket, BACKTRACK_S3_PUBLIC_URL=gate))
        files = S3Files.from_settings(settings)
        store = await SqliteStore.open(tmp_path / "store.sqlite3")
        clock = Clock()
        base = f"http://127.0.0.1:{port}"
        signer = LinkSigner(SECRET, base, 600, clock)
        server = LinkServer(settings, store, signer, files)
        try:
            await put_result(files, store, data, clip)
            await server.start()
            yield Rig(base, bucket, signer, clock, gate)
        finally:
            await server.stop()
            await store.close()
            await files.close()


async def put_result(files: S3Files, store: SqliteStore, data: Path, clip: Path) -> None:
    renders = data / "renders"
    renders.mkdir(parents=True)
    local = renders / "r1.mp4"
    shutil.copyfile(clip, local)
    picture = renders / "r1.timeline.png"
    picture.write_bytes(draw(PAGE_TIMELINE, size=(320, 240)))
    await files.put("renders/r1.mp4", local)
    local.unlink()  # the poster is read from the bucket
    rendered = Rendered(path=local, url=None, size=clip.stat().st_size, duration=4.0,
                        width=320, height=240)
    assert await put_beside(files, "renders/r1.mp4", "backtrack.mp4", rendered, picture,
                            renders) == (True, True)
    await store.save_render(RenderRecord(
        id="r1", conversation="console:local", person="console:local", session_id="s",
        engine="local", state="done", output_path="renders/r1.mp4"))


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[BrowserContext]:
    async with chromium(tmp_path / "profile") as context:
        yield context


@pytest.mark.timeout(240)
async def test_the_link_plays_and_seeks_from_the_bucket(
        rig: Rig, fake_s3: FakeS3, browser: BrowserContext,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    url = rig.link()
    page = await browser.new_page()
    seen: list[tuple[str, int]] = []
    refused: list[str] = []

    def note(response: Response) -> None:
        seen.append((response.url, response.status))

    page.on("response", note)
    page.on("console", lambda message: refused.append(message.text))
    response = await page.goto(url, wait_until="load", timeout=WAIT_MS)
    assert response is not None and response.status == 200
    assert response.headers["content-type"].startswith("text/html")
    assert f"media-src 'self' {rig.gate}" in response.headers["content-security-policy"]
    await page.wait_for_function("document.getElementById('player').readyState >= 2",
                                 timeout=WAIT_MS)
    played = await page.evaluate(PLAY)
    assert played["time"] >= 0.3, played
    assert (played["width"], played["height"]) == (320, 240)
    assert await page.evaluate(SEEK, 3.0) == pytest.approx(3.0, abs=0.05)
    assert await page.evaluate(SEEK, 0.5) == pytest.approx(0.5, abs=0.05)
    assert await page.evaluate(POSTER_SIZE) == [320, 240]
    assert await page.evaluate(PICTURE_WIDTH) == 1080
    assert "UTC" in await page.inner_text(".expiry")
    assert "0:04 · 320×240" in await page.inner_text(".facts")  # read from the bucket
    # The player asked the link server, which sent it to the bucket; S3 answered the ranges.
    asked = [status for where, status in seen if where.startswith(f"{url}/video")]
    ranges = [status for where, status in seen
              if where.startswith(f"{rig.gate}/{rig.bucket}/bt/renders/r1.mp4?")]
    assert asked and set(asked) == {302}, seen
    assert 206 in ranges, seen
    assert not [text for text in refused if "Content Security Policy" in text], refused
    shot = Image.open(io.BytesIO(await page.screenshot(full_page=True)))
    colours = shot.convert("RGB").resize((80, 90)).getcolors(80 * 90)
    assert colours is not None and len(colours) > 20  # a video frame and a picture
    ours = [record.getMessage() + repr(record.__dict__) for record in caplog.records
            if record.name.split(".")[0] in ("bots", "core", "storage", "backtrack")]
    assert any("link page served" in line for line in ours), ours
    assert not [line for line in ours if "X-Amz-" in line or "amz" in line.lower()], ours


@pytest.mark.timeout(120)
async def test_the_download_and_pictures_are_redirects_that_end_with_the_link(
        rig: Rig) -> None:
    url = rig.link()
    async with httpx.AsyncClient() as client:
        page = await client.get(url)
        assert page.status_code == 200 and 'href="backtrack.mp4/download"' in page.text
        sent = await client.get(f"{url}/download")
        assert sent.status_code == 302 and sent.headers["cache-control"] == "private, no-store"
        where = sent.headers["location"]
        assert where.startswith(f"{rig.gate}/{rig.bucket}/bt/renders/r1.mp4?")
        lasts = int(re.search(r"X-Amz-Expires=(\d+)", where).group(1))  # type: ignore[union-attr]
        assert 595 <= lasts <= 601  # no longer than the link itself
        got = await client.get(where)
        assert got.status_code == 200 and got.content[4:8] == b"ftyp"
        assert got.headers["content-disposition"].startswith("attachment")
        poster = await client.get(f"{url}/poster.jpg", follow_redirects=True)
        assert poster.headers["content-type"] == "image/jpeg"
        assert Image.open(io.BytesIO(poster.content)).size == (320, 240)
        rig.clock.skip = 590  # ten seconds before the link ends
        near = (await client.get(f"{url}/video")).headers["location"]
        assert int(re.search(r"X-Amz-Expires=(\d+)", near).group(1)) <= 11  # type: ignore[union-attr]


@pytest.mark.timeout(240)
async def test_an_expired_link_gets_our_410_page(rig: Rig, browser: BrowserContext) -> None:
    url = rig.link()
    rig.clock.skip = 601
    page = await browser.new_page()
    late = await page.goto(url, timeout=WAIT_MS)
    assert late is not None and late.status == 410
    assert late.headers["content-type"].startswith("text/html")
    assert "This link has expired" in await page.inner_text("h1")
    async with httpx.AsyncClient() as client:
        for part in ("/video", "/download", "/poster.jpg", "/timeline.png"):
            answer = await client.get(url + part)
            assert answer.status_code == 410 and "location" not in answer.headers, part


@pytest.mark.timeout(240)
async def test_a_changed_link_gets_our_403_page(rig: Rig, browser: BrowserContext) -> None:
    url = rig.link()
    head, expires, sig, name = url.rsplit("/", 3)
    wrong_sig = f"{head}/{expires}/{'A' if sig[0] != 'A' else 'B'}{sig[1:]}/{name}"
    longer = f"{head}/{int(expires) + 3600}/{sig}/{name}"
    other = url.replace("/r/r1/", "/r/r2/")
    page = await browser.new_page()
    for changed in (wrong_sig, longer, other):
        answer = await page.goto(changed, timeout=WAIT_MS)
        assert answer is not None and answer.status == 403, changed
        assert "This link is not valid" in await page.inner_text("h1")
    async with httpx.AsyncClient() as client:
        assert (await client.get(f"{wrong_sig}/video")).status_code == 403


@pytest.mark.timeout(240)
async def test_a_result_gone_from_the_bucket_gets_our_404_page(rig: Rig,
                                                               fake_s3: FakeS3) -> None:
    fake_s3.client().delete_object(Bucket=rig.bucket, Key="bt/renders/r1.mp4")
    async with httpx.AsyncClient() as client:
        answer = await client.get(rig.link())
    assert answer.status_code == 404 and "Video not found" in answer.text


@pytest.mark.timeout(240)
async def test_the_app_with_a_link_server_hands_out_its_own_link(
        fake_s3: FakeS3, tmp_path: Path, clip: Path) -> None:
    bucket = fake_s3.new_bucket()
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    app = await build_app(settings_for(
        fake_s3, bucket, tmp_path / "one", BACKTRACK_LINK_PUBLIC_URL=public,
        BACKTRACK_LINK_HOST="127.0.0.1", BACKTRACK_LINK_PORT=port))
    assert app.signer is not None
    server = LinkServer(app.settings, app.store, app.signer, app.files)
    await server.start()
    try:
        await say(app, "", clip)
        sent = video(await say(app, "add calm music at 30%", limit=1000))
        assert sent.url is not None and sent.url.startswith(f"{public}/r/")
        keys = [k for k in fake_s3.keys(bucket) if k.startswith("bt/renders/")]
        stems = {k.split(".")[0] for k in keys}
        assert len(stems) == 1  # the result, its poster and picture; no page object
        stem = stems.pop()
        assert sorted(keys) == [f"{stem}.mp4", f"{stem}.poster.jpg", f"{stem}.timeline.png"]
        async with httpx.AsyncClient() as client:
            page = await client.get(sent.url)
            assert page.status_code == 200 and '<video id="player"' in page.text
            got = await client.get(f"{sent.url}/video", headers={"Range": "bytes=0-99"},
                                   follow_redirects=True)
        assert got.status_code == 206 and len(got.content) == 100
        assert got.content[4:8] == b"ftyp"
    finally:
        await server.stop()
        await app.aclose()


def test_doctor_says_who_answers_links(fake_s3: FakeS3, tmp_path: Path) -> None:
    alone = settings_for(fake_s3, "b", tmp_path)
    served = settings_for(fake_s3, "b", tmp_path, BACKTRACK_LINK_PUBLIC_URL="https://v.example.org",
                          BACKTRACK_LINK_PORT=free_port())
    [check] = check_link_server(alone)
    assert check.level == "OK" and "the storage answers expired links itself" in check.detail
    [check] = check_link_server(served)
    assert check.level == "OK" and "videos from the object storage" in check.detail


@pytest.mark.parametrize(("origin", "allowed"), [
    ("http://127.0.0.1:9000", True), ("https://files.example.org", True),
    ("http://[::1]:9000", True), ("https://x.example.org; script-src *", False),
    ("https://x.example.org/path", False), ("javascript:alert(1)", False),
])
def test_only_an_origin_goes_into_the_page_policy(origin: str, allowed: bool) -> None:
    if allowed:
        assert f"media-src 'self' {origin};" in policy(origin)
        assert f"img-src 'self' {origin};" in policy(origin)
    else:
        with pytest.raises(ValueError):
            policy(origin)
