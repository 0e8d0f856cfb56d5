"""A small media web server on 127.0.0.1 that plays every kind of well- and ill-behaved host."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from tests.fakes.serve import serve_app

CLIP = bytes(range(256)) * 40  # 10 240 bytes standing in for a video


@dataclass
class MediaServer:
    base: str
    hits: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base + path


def _app(server: MediaServer) -> web.Application:
    async def record(request: web.Request, handler):  # type: ignore[no-untyped-def]
        server.hits.append(request.path_qs)
        return await handler(request)

    app = web.Application(middlewares=[web.middleware(record)])

    async def clip(request: web.Request) -> web.Response:
        return web.Response(body=CLIP, content_type="video/mp4")

    async def octet(request: web.Request) -> web.Response:
        return web.Response(body=CLIP, content_type="application/octet-stream")

    async def page(request: web.Request) -> web.Response:
        return web.Response(text="<html>hi</html>", content_type="text/html")

    async def big(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "video/mp4",
                                               "Content-Length": str(50 * 1024 * 1024)})
        await response.prepare(request)
        await response.write(b"\0" * 1024)
        await asyncio.sleep(5)  # never gets here in a passing test
        return response

    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "video/mp4"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        chunk = b"\1" * 65536
        for _ in range(100_000):
            await response.write(chunk)
        return response

    async def trickle(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "video/mp4"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        for _ in range(1000):
            await response.write(b"x")
            await asyncio.sleep(0.1)
        return response

    async def weird_name(request: web.Request) -> web.Response:
        disposition = (
            "attachment; filename=\"../../etc/pass wd.mp4\"; "
            "filename*=UTF-8''..%2F..%2F%F0%9F%8E%B5%20my%0A%22clip%22%E2%80%AE.mp4"
        )
        return web.Response(body=CLIP, headers={"Content-Type": "video/mp4",
                                                "Content-Disposition": disposition})

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound(request.query.get("to", "/clip.mp4"))

    async def loop(request: web.Request) -> web.Response:
        raise web.HTTPFound("/loop")

    async def missing(request: web.Request) -> web.Response:
        raise web.HTTPNotFound()

    app.router.add_get("/clip.mp4", clip)
    app.router.add_get("/files/{name}", octet)
    app.router.add_get("/page", page)
    app.router.add_get("/big.mp4", big)
    app.router.add_get("/endless.mp4", endless)
    app.router.add_get("/trickle.mp4", trickle)
    app.router.add_get(r"/weird/{tail:[\s\S]*}", weird_name)
    app.router.add_get("/redirect", redirect)
    app.router.add_get("/loop", loop)
    app.router.add_get("/missing.mp4", missing)
    return app


@pytest.fixture
async def media_server() -> AsyncIterator[MediaServer]:
    server = MediaServer(base="")
    async with serve_app(_app(server)) as url:
        server.base = url
        yield server
