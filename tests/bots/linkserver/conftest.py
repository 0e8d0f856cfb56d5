"""The link server on 127.0.0.1 with a store and a signer whose clock tests move."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from bots.linkserver import LinkServer
from core.config import load_settings
from core.conversation.snapshot import picture_path
from core.links import LinkSigner
from core.ports import RenderRecord
from core.timeline.model import Clip, MusicTrack, Song, Timeline, Title
from core.timeline.picture import draw
from storage.sqlite import SqliteStore

SECRET = b"linkserver-test-secret-0123456789"
DATA = os.urandom(100_000)
PUBLIC = "http://public.test"


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
        """The link as the bot sends it, pointed at this server instead of the public host."""
        return self.base + self.signer.url_for(rid, name).removeprefix(PUBLIC)


async def running_rig(data_dir: Path) -> AsyncIterator[Rig]:
    settings = load_settings(data_dir=data_dir, link_host="127.0.0.1", link_port=0)
    store = await SqliteStore.open(settings.database_path)
    clock = Clock()
    signer = LinkSigner(SECRET, PUBLIC, 3600, clock)
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


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    """Render r1's file is 100 KB of random bytes."""
    data_dir = tmp_path / "data"
    (data_dir / "renders").mkdir(parents=True)
    (data_dir / "renders" / "r1.mp4").write_bytes(DATA)
    async for rig in running_rig(data_dir):
        yield rig


PAGE_TIMELINE = Timeline(
    clips=(Clip("m1", "clip.mp4", 4000),),
    music=(MusicTrack(Song(mood="calm"), level=0.3, fade_out=1500, length=4000),),
    title=Title("Summer", 500, 2000))


@pytest.fixture
async def page_rig(tmp_path: Path, clip: Path) -> AsyncIterator[Rig]:
    """Render r1 is a real 4 s 320x240 video, done, with its timeline picture."""
    data_dir = tmp_path / "data"
    (data_dir / "renders").mkdir(parents=True)
    shutil.copyfile(clip, data_dir / "renders" / "r1.mp4")
    picture_path(data_dir, "r1").write_bytes(draw(PAGE_TIMELINE, size=(320, 240)))
    async for rig in running_rig(data_dir):
        await rig.render("r1")
        yield rig
