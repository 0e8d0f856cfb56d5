"""Links to places a bot must never fetch from, and servers that never stop sending."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from bots.bootstrap import App
from core.conversation.assistant import Assistant
from core.conversation.fetch import Fetcher, resolve
from core.conversation.turn import ConversationKey, Reply, Turn
from tests.hostile.conftest import Said, Talk

PUBLIC_HOST = "media.example.com"
PUBLIC_ADDRESS = "93.184.216.34"


def nothing_kept(app: App) -> None:
    media = app.settings.data_dir / "media"
    assert not media.exists() or [p for p in media.rglob("*") if p.is_file()] == []


DIRECT = [
    "http://127.0.0.1:8080/clip.mp4",
    "http://localhost/clip.mp4",
    "http://10.1.2.3/clip.mp4",
    "http://192.168.0.10/clip.mp4",
    "http://172.16.0.1/clip.mp4",
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "http://[::1]/clip.mp4",
    "http://[::ffff:169.254.169.254]/latest/meta-data/",
    "http://0.0.0.0:22/clip.mp4",
    "http://2130706433/clip.mp4",  # 127.0.0.1 as one number
]


@pytest.mark.parametrize("url", DIRECT)
async def test_private_and_local_links_are_refused(talk: Talk, app: App, url: str) -> None:
    said = await talk("links", f"use this {url}", timeout=15)
    said.no_traceback()
    assert len(said.problems) == 1, said.words
    assert "private or local address" in said.problems[0] or "can't" in said.problems[0]
    nothing_kept(app)


async def test_file_url_is_never_read(talk: Talk, app: App) -> None:
    said = await talk("file", "file:///etc/passwd", timeout=15)
    said.no_traceback()
    assert "root:" not in said.words and not said.videos
    nothing_kept(app)


# Through a fake public web: the redirects and the endless servers -------------------------------


class FakeWeb:
    """httpx transport standing in for the internet: one public host, scripted answers."""

    def __init__(self, answer: Callable[[httpx.Request], httpx.Response]) -> None:
        self.answer = answer
        self.hosts: list[str] = []

    async def dns(self, host: str, port: int) -> list[str]:
        if host == PUBLIC_HOST:
            return [PUBLIC_ADDRESS]
        return await resolve(host, port)  # IP literals and localhost only: no network

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.hosts.append(request.url.host)
        assert request.url.host == PUBLIC_ADDRESS, f"fetched {request.url}"
        return self.answer(request)


def assistant_over(app: App, web: FakeWeb, *, max_bytes: int = 2 * 1024 * 1024,
                   timeout: float = 1.5) -> Assistant:
    fetcher = Fetcher(max_bytes, timeout, allow_private=False,
                      transport=httpx.MockTransport(web.handle), resolver=web.dns)
    return Assistant(app.settings, app.store, app.engine, gate=app.gate, fetcher=fetcher)


async def say(assistant: Assistant, text: str) -> Said:
    turn = Turn(ConversationKey("telegram", "web"), text=text)

    async def collect() -> list[Reply]:
        return [reply async for reply in assistant.handle(turn)]

    return Said(await asyncio.wait_for(collect(), 20))


@pytest.mark.parametrize("target", [
    "http://169.254.169.254/latest/meta-data/",
    "http://127.0.0.1:2375/containers/json",
    "http://localhost/clip.mp4",
    "http://10.0.0.1/clip.mp4",
    "http://[::1]/clip.mp4",
    "file:///etc/passwd",
])
async def test_redirects_to_private_places_are_refused(app: App, target: str) -> None:
    web = FakeWeb(lambda request: httpx.Response(302, headers={"Location": target}))
    assistant = assistant_over(app, web)
    try:
        said = await say(assistant, f"https://{PUBLIC_HOST}/clip.mp4")
    finally:
        await assistant.aclose()
    said.no_traceback()
    assert len(said.problems) == 1, said.words
    assert web.hosts == [PUBLIC_ADDRESS]  # the redirect itself was never followed
    nothing_kept(app)


async def endless() -> AsyncIterator[bytes]:
    while True:
        yield b"\0" * 65536
        await asyncio.sleep(0)


async def trickle() -> AsyncIterator[bytes]:
    while True:
        yield b"\0" * 16
        await asyncio.sleep(0.2)


@pytest.mark.parametrize(("body", "words"), [
    (endless, "larger than the limit of 2 MB"),
    (trickle, "took longer than 1.5 s"),
])
async def test_endless_and_trickling_servers_are_cut_off(app: App, body: Callable[[], object],
                                                         words: str) -> None:
    web = FakeWeb(lambda request: httpx.Response(
        200, headers={"Content-Type": "video/mp4"}, content=body()))  # type: ignore[arg-type]
    assistant = assistant_over(app, web)
    loop = asyncio.get_running_loop()
    started = loop.time()
    try:
        said = await say(assistant, f"https://{PUBLIC_HOST}/clip.mp4")
    finally:
        await assistant.aclose()
    assert loop.time() - started < 10
    said.no_traceback()
    assert len(said.problems) == 1 and words in said.problems[0], said.words
    nothing_kept(app)
    partial = [p for p in Path(app.settings.data_dir).rglob("*.part")]
    assert partial == []
