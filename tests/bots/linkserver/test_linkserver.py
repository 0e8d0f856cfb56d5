"""The link server on 127.0.0.1, spoken to with httpx."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from bots.linkserver import LinkServer
from core.config import load_settings
from core.links import LinkSigner
from core.ports import RenderRecord
from storage.sqlite import SqliteStore

SECRET = b"linkserver-test-secret-0123456789"
DATA = os.urandom(100_000)


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Rig:
    data_dir: Path
    store: SqliteStore
    signer: LinkSigner
    clock: Clock
    client: httpx.AsyncClient
    base: str

    async def render(self, rid: str, state: str = "done", output: str | None = None) -> None:
        await self.store.save_render(RenderRecord(
            id=rid, conversation="console:local", person="console:local", session_id="s",
            engine="local", state=state,  # type: ignore[arg-type]
            output_path=output if output is not None else f"renders/{rid}.mp4"))

    def link(self, rid: str, name: str = "my video.mp4") -> str:
        return self.base + self.signer.url_for(rid, name).removeprefix("http://public.test")


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    data_dir = tmp_path / "data"
    (data_dir / "renders").mkdir(parents=True)
    (data_dir / "renders" / "r1.mp4").write_bytes(DATA)
    settings = load_settings(data_dir=data_dir, link_host="127.0.0.1", link_port=0)
    store = await SqliteStore.open(settings.database_path)
    clock = Clock()
    signer = LinkSigner(SECRET, "http://public.test", 3600, clock)
    server = LinkServer(settings, store, signer)
    await server.start()
    assert server.port > 0
    client = httpx.AsyncClient(timeout=5)
    try:
        yield Rig(data_dir, store, signer, clock, client, f"http://127.0.0.1:{server.port}")
    finally:
        await client.aclose()
        await server.stop()
        await store.close()


async def test_good_link(rig: Rig) -> None:
    await rig.render("r1")
    response = await rig.client.get(rig.link("r1"))
    assert response.status_code == 200
    assert response.content == DATA
    assert response.headers["content-type"] == "video/mp4"
    assert response.headers["content-disposition"] == 'attachment; filename="my_video.mp4"'
    assert response.headers["accept-ranges"] == "bytes"


async def test_head(rig: Rig) -> None:
    await rig.render("r1")
    response = await rig.client.head(rig.link("r1"))
    assert response.status_code == 200
    assert response.headers["content-length"] == str(len(DATA))
    assert response.content == b""


async def test_range_request(rig: Rig) -> None:
    await rig.render("r1")
    response = await rig.client.get(rig.link("r1"), headers={"Range": "bytes=1000-1999"})
    assert response.status_code == 206
    assert response.content == DATA[1000:2000]
    assert response.headers["content-range"] == f"bytes 1000-1999/{len(DATA)}"
    tail = await rig.client.get(rig.link("r1"), headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == DATA[-10:]


async def test_tampered_signature_404(rig: Rig) -> None:
    await rig.render("r1")
    url = rig.link("r1")
    head, sig, name = url.rsplit("/", 2)
    bad = sig[:-1] + ("A" if sig[-1] != "A" else "B")
    response = await rig.client.get(f"{head}/{bad}/{name}")
    assert response.status_code == 404
    assert b"r1" not in response.content and b"signature" not in response.content.lower()


async def test_link_for_another_render_404(rig: Rig) -> None:
    await rig.render("r1")
    await rig.render("r2", output="renders/r1.mp4")
    url = rig.link("r2").replace("/r/r2/", "/r/r1/")
    assert (await rig.client.get(url)).status_code == 404


async def test_expired_410(rig: Rig) -> None:
    await rig.render("r1")
    url = rig.link("r1")
    rig.clock.now += 3601
    response = await rig.client.get(url)
    assert response.status_code == 410
    assert "expired" in response.text


@pytest.mark.parametrize("state", ["queued", "running", "failed", "interrupted", "cancelled"])
async def test_render_not_done_404(rig: Rig, state: str) -> None:
    await rig.render("r1", state)
    assert (await rig.client.get(rig.link("r1"))).status_code == 404


async def test_unknown_or_missing_file_404(rig: Rig) -> None:
    assert (await rig.client.get(rig.link("nobody"))).status_code == 404
    await rig.render("gone")  # done, but renders/gone.mp4 does not exist
    assert (await rig.client.get(rig.link("gone"))).status_code == 404


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
    response = await rig.client.get(rig.link("r9"))
    assert response.status_code == 404
    assert response.content == b"Not found.\n"


@pytest.mark.parametrize(
    "path",
    ["/r/..%2F..%2Fbacktrack.sqlite3/1/x/a.mp4", "/r/%2E%2E/1/x/a.mp4", "/etc/passwd",
     "/r/r1", "/r/r1/1/x", "/renders/r1.mp4", "/backtrack.sqlite3",
     "/r/r1/99999999999999999999/x/a.mp4"],
)
async def test_request_paths_are_never_files(rig: Rig, path: str) -> None:
    await rig.render("r1")
    response = await rig.client.get(rig.base + path)
    assert response.status_code == 404


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
    assert (await rig.client.get(url.replace(sig, "A" * len(sig)))).status_code == 404
    # Only the server side: the test's own httpx client logs the URLs it requests.
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records
                       if not r.name.startswith(("httpx", "httpcore")))
    assert sig not in logged
    assert "link served" in logged
