"""find_links, check_upload and the downloader against a real server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import trustme
from aiohttp import web

from core.conversation.fetch import (
    ACCEPTED_EXTENSIONS,
    Fetcher,
    check_upload,
    choose_extension,
    display_name,
    find_links,
    is_public_address,
)
from core.errors import LinkRefused, TooLarge, UnsupportedFile
from tests.core.net.conftest import CLIP, MediaServer

MB = 1024 * 1024

# Pure parts, as tables --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "links"),
    [
        ("no links here", []),
        ("see https://example.com/a.mp4.", ["https://example.com/a.mp4"]),
        ("(http://example.com/a.mp4)", ["http://example.com/a.mp4"]),
        ("http://en.wikipedia.org/wiki/Foo_(bar), ok", ["http://en.wikipedia.org/wiki/Foo_(bar)"]),
        ("two: http://a.com/x.mp4 and HTTPS://b.com/y.mp3!", ["http://a.com/x.mp4",
                                                             "HTTPS://b.com/y.mp3"]),
        ("dup http://a.com/x http://a.com/x", ["http://a.com/x"]),
        ("看这个https://a.com/v.mp4，谢谢", ["https://a.com/v.mp4"]),
        ('<a href="https://a.com/q?x=1&y=2">', ["https://a.com/q?x=1&y=2"]),
        ("ftp://a.com/x file:///etc/passwd", []),
        ("http:// nothing", []),
    ],
)
def test_find_links(text: str, links: list[str]) -> None:
    assert find_links(text) == links


def test_accepted_extensions() -> None:
    expected = {"mp4", "mov", "avi", "webm", "mkv", "m4v", "3gp", "mts", "m2ts", "ts", "mpg",
                "wmv", "flv", "ogv", "jpg", "png", "gif", "webp", "mp3", "wav", "m4a", "aac",
                "ogg", "oga", "opus"}
    assert expected == ACCEPTED_EXTENSIONS


@pytest.mark.parametrize(
    ("name", "mime", "kind"),
    [
        ("clip.mp4", None, "video"),
        ("CLIP.MOV", "application/octet-stream", "video"),
        ("x.mkv", None, "video"),
        ("photo.jpeg", None, "image"),
        ("a.webp", None, "image"),
        ("song.mp3", "video/mp4", "audio"),  # the extension wins
        ("voice.m4a", None, "audio"),
        ("noext", "video/quicktime", "video"),
        ("noext", "audio/mpeg; charset=x", "audio"),
        ("", "image/png", "image"),
    ],
)
def test_check_upload_accepts(name: str, mime: str | None, kind: str) -> None:
    assert check_upload(name, 10, mime, max_bytes=100) == kind


@pytest.mark.parametrize(
    ("name", "mime"),
    [("notes.txt", None), ("evil.exe", "video/mp4"), ("noext", None), ("noext", "text/plain"),
     ("archive.tar.gz", None), ("x.swf", None), ("x.rm", None)],
)
def test_check_upload_refuses_types_with_the_list(name: str, mime: str | None) -> None:
    with pytest.raises(UnsupportedFile) as info:
        check_upload(name, 10, mime, max_bytes=100)
    words = info.value.user_message
    assert "MP4" in words and "MP3" in words and "PNG" in words


def test_check_upload_size_in_mb() -> None:
    with pytest.raises(TooLarge) as info:
        check_upload("big.mp4", 600 * MB, None, max_bytes=500 * MB)
    assert "500 MB" in info.value.user_message and "600 MB" in info.value.user_message
    assert check_upload("ok.mp4", None, None, max_bytes=1) == "video"  # unknown size: later


@pytest.mark.parametrize(
    ("ctype", "name", "ext"),
    [
        ("video/mp4", "x", "mp4"),
        ("video/mp4; codecs=avc1", "clip.mov", "mov"),  # same kind: keep the name's
        ("video/mp4", "song.mp3", "mp4"),  # different kind: trust the type
        ("audio/mpeg", "", "mp3"),
        ("application/octet-stream", "a.webm", "webm"),
        (None, "a.wav", "wav"),
        ("video/x-unknown", "a.mkv", "mkv"),
    ],
)
def test_choose_extension(ctype: str | None, name: str, ext: str) -> None:
    assert choose_extension(ctype, name) == ext


@pytest.mark.parametrize(
    ("ctype", "name"),
    [("text/html", "a.mp4"), ("application/octet-stream", "a.exe"),
     ("application/octet-stream", ""), ("application/pdf", "a.pdf"),
     ("application/x-shockwave-flash", "a.swf")],
)
def test_choose_extension_refuses(ctype: str, name: str) -> None:
    with pytest.raises(UnsupportedFile):
        choose_extension(ctype, name)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("clip.mp4", "clip.mp4"),
        ("../../etc/passwd", "passwd"),
        ("a%2F..%2Fb.mp4", "b.mp4"),
        ('my "clip"\n\r.mp4', "my clip.mp4"),
        ("🎵 song\u202e4pm.mp3", "🎵 song4pm.mp3"),
        ("..", "download.mp4"),
        ("", "download.mp4"),
        ("x" * 300, "x" * 80),
    ],
)
def test_display_name(raw: str, shown: str) -> None:
    assert display_name(raw, "mp4") == shown


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("127.8.9.10", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("239.255.255.250", False),
        ("240.0.0.1", False),
        ("255.255.255.255", False),
        ("::1", False),
        ("::", False),
        ("fe80::1%eth0", False),
        ("fc00::1", False),
        ("ff02::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:169.254.169.254", False),
        ("::ffff:93.184.216.34", True),
        ("2002:7f00:0001::1", False),  # 6to4 around 127.0.0.1
        ("64:ff9b::a9fe:a9fe", False),  # NAT64 around 169.254.169.254
        ("not an ip", False),
    ],
)
def test_is_public_address(address: str, public: bool) -> None:
    assert is_public_address(address) is public


# The downloader ----------------------------------------------------------------------------


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    f = Fetcher(max_bytes=1 * MB, timeout=5, allow_private=True)
    yield f
    await f.aclose()


@pytest.fixture
async def strict() -> AsyncIterator[Fetcher]:
    f = Fetcher(max_bytes=1 * MB, timeout=5, allow_private=False)
    yield f
    await f.aclose()


def files(folder: Path) -> list[Path]:
    return sorted(folder.iterdir()) if folder.exists() else []


async def test_download_happy_path(fetcher: Fetcher, media_server: MediaServer,
                                   tmp_path: Path) -> None:
    got = await fetcher.download(media_server.url("/clip.mp4"), tmp_path / "in")
    assert got.path.parent == tmp_path / "in"
    assert got.path.suffix == ".mp4" and len(got.path.stem) == 32
    assert got.path.read_bytes() == CLIP
    assert (got.name, got.size, got.mime) == ("clip.mp4", len(CLIP), "video/mp4")


async def test_download_octet_stream_with_known_extension(
        fetcher: Fetcher, media_server: MediaServer, tmp_path: Path) -> None:
    got = await fetcher.download(media_server.url("/files/My%20Song.mp3"), tmp_path)
    assert got.path.suffix == ".mp3" and got.name == "My Song.mp3"
    with pytest.raises(UnsupportedFile):
        await fetcher.download(media_server.url("/files/setup.exe"), tmp_path)
    assert files(tmp_path) == [got.path]


async def test_web_page_is_refused(fetcher: Fetcher, media_server: MediaServer,
                                   tmp_path: Path) -> None:
    with pytest.raises(UnsupportedFile, match="web page"):
        await fetcher.download(media_server.url("/page"), tmp_path)
    assert files(tmp_path) == []


async def test_hostile_names_are_harmless(fetcher: Fetcher, media_server: MediaServer,
                                          tmp_path: Path) -> None:
    dest = tmp_path / "in"
    got = await fetcher.download(
        media_server.url("/weird/%22q%22%0A%F0%9F%8E%B5.mp4"), dest)
    assert files(dest) == [got.path]  # saved inside dest under a random name
    assert got.path.name.isascii() and got.path.suffix == ".mp4"
    assert "/" not in got.name and "\n" not in got.name and '"' not in got.name
    assert "\u202e" not in got.name
    assert got.name == "🎵 myclip.mp4"
    assert files(tmp_path) == [dest]


async def test_redirects_are_followed(fetcher: Fetcher, media_server: MediaServer,
                                      tmp_path: Path) -> None:
    got = await fetcher.download(media_server.url("/redirect?to=/clip.mp4"), tmp_path)
    assert got.path.read_bytes() == CLIP


async def test_redirect_loop_stops(fetcher: Fetcher, media_server: MediaServer,
                                   tmp_path: Path) -> None:
    with pytest.raises(LinkRefused, match="too many"):
        await fetcher.download(media_server.url("/loop"), tmp_path)
    assert media_server.hits.count("/loop") == 6


async def test_http_error_is_told(fetcher: Fetcher, media_server: MediaServer,
                                  tmp_path: Path) -> None:
    with pytest.raises(LinkRefused, match="HTTP 404"):
        await fetcher.download(media_server.url("/missing.mp4"), tmp_path)


async def test_declared_length_over_cap_refused_before_reading(
        fetcher: Fetcher, media_server: MediaServer, tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(TooLarge, match="limit is 1 MB"):
        await fetcher.download(media_server.url("/big.mp4"), tmp_path)
    assert time.monotonic() - started < 2
    assert files(tmp_path) == []


async def test_endless_body_stopped_at_cap(fetcher: Fetcher, media_server: MediaServer,
                                           tmp_path: Path) -> None:
    with pytest.raises(TooLarge, match="stopped"):
        await fetcher.download(media_server.url("/endless.mp4"), tmp_path)
    assert files(tmp_path) == []


async def test_trickle_stopped_at_deadline(media_server: MediaServer, tmp_path: Path) -> None:
    # Every byte arrives well within a read timeout; only the overall deadline can stop it.
    f = Fetcher(max_bytes=MB, timeout=1.0, allow_private=True)
    started = time.monotonic()
    try:
        with pytest.raises(LinkRefused, match="longer than 1 s"):
            await f.download(media_server.url("/trickle.mp4"), tmp_path)
    finally:
        await f.aclose()
    assert time.monotonic() - started < 3
    assert files(tmp_path) == []


async def test_unreachable_server(fetcher: Fetcher, tmp_path: Path) -> None:
    with pytest.raises(LinkRefused, match="did not answer"):
        await fetcher.download("http://127.0.0.1:9/x.mp4", tmp_path)


# Refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://example.com/a.mp4", "data:video/mp4;base64,AAAA",
     "javascript:alert(1)", "gopher://x/", "http://", "not a url"],
)
async def test_schemes_refused(strict: Fetcher, url: str, tmp_path: Path) -> None:
    with pytest.raises(LinkRefused):
        await strict.download(url, tmp_path)


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "localhost", "10.0.0.1", "192.168.1.1", "172.16.5.4", "169.254.169.254",
     "[::1]", "[::ffff:127.0.0.1]", "0.0.0.0", "224.0.0.1", "2130706433", "0x7f.1"],
)
async def test_private_addresses_refused(strict: Fetcher, media_server: MediaServer,
                                         host: str, tmp_path: Path) -> None:
    with pytest.raises(LinkRefused, match="private or local"):
        await strict.download(f"http://{host}/latest/meta-data/x.mp4", tmp_path)
    with pytest.raises(LinkRefused, match="private or local"):
        await strict.download(media_server.url("/clip.mp4"), tmp_path)
    assert media_server.hits == []  # refused before a single byte was sent


class FakePublicWeb:
    """An in-process transport standing in for public hosts, with a fixed DNS table."""

    def __init__(self, dns: dict[str, list[str]], redirect_to: str) -> None:
        self.dns = dns
        self.redirect_to = redirect_to
        self.requests: list[httpx.Request] = []

    async def resolve(self, host: str, port: int) -> list[str]:
        return self.dns[host]

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/to-private":
            return httpx.Response(302, headers={"Location": self.redirect_to})
        return httpx.Response(200, content=CLIP, headers={"Content-Type": "video/mp4"})


async def test_redirect_to_loopback_refused(media_server: MediaServer, tmp_path: Path) -> None:
    web = FakePublicWeb({"public.test": ["93.184.216.34"], "127.0.0.1": ["127.0.0.1"]},
                        redirect_to=media_server.url("/clip.mp4"))
    f = Fetcher(MB, 5, allow_private=False, transport=httpx.MockTransport(web.handle),
                resolver=web.resolve)
    try:
        with pytest.raises(LinkRefused, match="private or local"):
            await f.download("http://public.test/to-private", tmp_path)
    finally:
        await f.aclose()
    assert len(web.requests) == 1 and media_server.hits == []
    assert files(tmp_path) == []


async def test_connects_to_the_checked_address(tmp_path: Path) -> None:
    web = FakePublicWeb({"public.test": ["93.184.216.34"]}, redirect_to="")
    f = Fetcher(MB, 5, allow_private=False, transport=httpx.MockTransport(web.handle),
                resolver=web.resolve)
    try:
        got = await f.download("https://public.test:8443/v/clip.mp4", tmp_path)
    finally:
        await f.aclose()
    assert got.path.read_bytes() == CLIP
    (request,) = web.requests
    assert request.url.host == "93.184.216.34" and request.url.port == 8443
    assert request.headers["host"] == "public.test:8443"
    assert request.extensions["sni_hostname"] == "public.test"


async def test_host_with_any_private_address_refused(tmp_path: Path) -> None:
    web = FakePublicWeb({"rebind.test": ["93.184.216.34", "127.0.0.1"]}, redirect_to="")
    f = Fetcher(MB, 5, allow_private=False, transport=httpx.MockTransport(web.handle),
                resolver=web.resolve)
    try:
        with pytest.raises(LinkRefused, match="private or local"):
            await f.download("http://rebind.test/clip.mp4", tmp_path)
    finally:
        await f.aclose()
    assert web.requests == []


# TLS: the socket goes to the checked address, the certificate is checked for the host name.


@pytest.fixture
async def tls_server() -> AsyncIterator[tuple[int, ssl.SSLContext]]:
    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("public.test").configure_cert(server_ctx)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)

    async def clip(request: web.Request) -> web.Response:
        assert request.host.startswith("public.test") or request.host.startswith("other.test")
        return web.Response(body=CLIP, content_type="video/mp4")

    app = web.Application()
    app.router.add_get("/clip.mp4", clip)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=server_ctx)
    await site.start()
    try:
        yield int(runner.addresses[0][1]), client_ctx
    finally:
        await runner.cleanup()


async def loopback(host: str, port: int) -> list[str]:
    return ["127.0.0.1"]


async def test_https_pinned_address_keeps_certificate_checks(
        tls_server: tuple[int, ssl.SSLContext], tmp_path: Path) -> None:
    port, client_ctx = tls_server
    f = Fetcher(MB, 5, allow_private=True, resolver=loopback,
                transport=httpx.AsyncHTTPTransport(verify=client_ctx))
    try:
        got = await f.download(f"https://public.test:{port}/clip.mp4", tmp_path)
        assert got.path.read_bytes() == CLIP
        # Same address, a name the certificate does not cover: refused by TLS.
        with pytest.raises(LinkRefused):
            await f.download(f"https://other.test:{port}/clip.mp4", tmp_path)
    finally:
        await f.aclose()
    assert files(tmp_path) == [got.path]


async def test_cancelled_download_leaves_nothing(fetcher: Fetcher, media_server: MediaServer,
                                                 tmp_path: Path) -> None:
    task = asyncio.create_task(fetcher.download(media_server.url("/trickle.mp4"), tmp_path))
    for _ in range(50):  # until the partial file exists
        await asyncio.sleep(0.02)
        if files(tmp_path):
            break
    assert [p.suffix for p in files(tmp_path)] == [".part"]
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert files(tmp_path) == []
