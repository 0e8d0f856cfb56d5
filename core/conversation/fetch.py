"""Links in messages and attachments: what we accept, and a careful downloader.

The downloader is a small SSRF guard around httpx: only http(s); every hop's host is resolved
once and refused when any address is not public (loopback, private, link-local such as the
cloud metadata address 169.254.169.254, multicast, reserved, unspecified, and IPv4 embedded in
IPv6); the connection then goes to the address that was checked, so a DNS answer that changes
between the check and the connect (rebinding) cannot redirect it. Redirects are followed by
hand and checked the same way. The body is streamed to a random file name with a byte cap and
one deadline for the whole download, so endless or trickling servers are cut off.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import secrets
import socket
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import IO, TYPE_CHECKING
from urllib.parse import unquote

from core.errors import LinkRefused, TooLarge, UnsupportedFile
from core.janitor import PARTIAL_SUFFIX

if TYPE_CHECKING:  # imported when a link is first fetched: httpx pulls in rich (~65 ms)
    import httpx

MB = 1024 * 1024
MAX_REDIRECTS = 5
CHUNK = 64 * 1024

KINDS: dict[str, str] = {
    "mp4": "video", "mov": "video", "avi": "video", "webm": "video", "mkv": "video",
    # camcorders (AVCHD .mts/.m2ts, MPEG-2 .mpg), old phones (.3gp), Windows (.wmv), Flash
    "m4v": "video", "3gp": "video", "mts": "video", "m2ts": "video", "ts": "video",
    "mpg": "video", "wmv": "video", "flv": "video", "ogv": "video",
    "jpg": "image", "png": "image", "gif": "image", "webp": "image",
    "mp3": "audio", "wav": "audio", "m4a": "audio", "aac": "audio",
    "ogg": "audio", "oga": "audio", "opus": "audio",  # Telegram voice notes are OGG/Opus
}
ACCEPTED_EXTENSIONS: frozenset[str] = frozenset(KINDS)
_ALIASES = {"jpeg": "jpg", "qt": "mov", "wave": "wav", "mpeg": "mpg", "3g2": "3gp",
            "m2t": "m2ts"}

MIME_EXTENSIONS: dict[str, str] = {
    "video/mp4": "mp4", "video/quicktime": "mov", "video/x-msvideo": "avi",
    "video/avi": "avi", "video/msvideo": "avi", "video/webm": "webm",
    "video/x-matroska": "mkv", "video/matroska": "mkv", "video/x-m4v": "m4v",
    "video/3gpp": "3gp", "video/3gpp2": "3gp", "video/mp2t": "ts",
    "video/vnd.dlna.mpeg-tts": "m2ts",
    "video/mpeg": "mpg", "video/x-ms-wmv": "wmv", "video/x-flv": "flv", "video/ogg": "ogv",
    "image/jpeg": "jpg", "image/jpg": "jpg", "image/png": "png", "image/gif": "gif",
    "image/webp": "webp",
    "audio/mpeg": "mp3", "audio/mp3": "mp3", "audio/wav": "wav", "audio/x-wav": "wav",
    "audio/wave": "wav", "audio/vnd.wave": "wav", "audio/mp4": "m4a", "audio/x-m4a": "m4a",
    "audio/m4a": "m4a", "audio/aac": "aac", "audio/x-aac": "aac", "audio/aacp": "aac",
    "audio/ogg": "ogg", "audio/opus": "opus", "audio/x-opus+ogg": "ogg", "application/ogg": "ogg",
}
_BINARY_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream",
                           "application/binary", "application/x-download"})

ACCEPTED_WORDS = (
    "a video (MP4, MOV, AVI, WebM, MKV, MTS, MPG, 3GP, WMV), an image (JPG, PNG, GIF, WebP) "
    "or audio (MP3, WAV, M4A, AAC, OGG)"
)

# Pure helpers ------------------------------------------------------------------------------

_URL = re.compile(r"""https?://[^\s<>"'`，。！？；：、）】》「」『』]+""", re.IGNORECASE)
_TRAILING = ".,;:!?'\"*_~"


def find_links(text: str) -> list[str]:
    """The http(s) URLs in a message, in order, once each, without trailing punctuation."""
    found: list[str] = []
    for match in _URL.finditer(text):
        url = match.group(0)
        while url and (url[-1] in _TRAILING or _unbalanced_close(url)):
            url = url[:-1]
        if len(url) > len("https://") and url not in found:
            found.append(url)
    return found


def _unbalanced_close(url: str) -> bool:
    """A closing bracket at the end with no opening one in the URL: "(see http://x/a.mp4)"."""
    pairs = {")": "(", "]": "[", "}": "{"}
    last = url[-1]
    return last in pairs and url.count(last) > url.count(pairs[last])


def extension_of(name: str) -> str | None:
    """The lower-case extension of a file name (aliases folded), or None when it has none."""
    base = re.split(r"[/\\]", name)[-1]
    if "." not in base.strip("."):
        return None
    ext = base.rsplit(".", 1)[1].strip().lower()
    return _ALIASES.get(ext, ext) or None


def _mb(n: int) -> str:
    return f"{n / MB:.0f} MB" if n >= MB else f"{n / MB:.1f} MB"


def check_upload(name: str, size: int | None, mime: str | None, max_bytes: int) -> str:
    """The kind ("video", "audio", "image") of a file we were offered, before fetching it."""
    ext = extension_of(name)
    if ext is None:
        ext = MIME_EXTENSIONS.get((mime or "").split(";")[0].strip().lower())
    if ext not in KINDS:
        shown = f" .{ext}" if ext and ext.isalnum() and len(ext) <= 8 else ""
        raise UnsupportedFile(f"I can't use that{shown} file. Send {ACCEPTED_WORDS}.")
    if size is not None and size > max_bytes:
        raise TooLarge(f"That file is {_mb(size)}; the limit is {_mb(max_bytes)}.")
    return KINDS[ext]


def choose_extension(content_type: str | None, name: str) -> str:
    """The extension to save a download under, from its content type and its name."""
    ctype = (content_type or "").split(";")[0].strip().lower()
    name_ext = extension_of(name)
    if name_ext not in KINDS:
        name_ext = None
    major = ctype.split("/")[0]
    if ctype in MIME_EXTENSIONS:
        mime_ext = MIME_EXTENSIONS[ctype]
        return name_ext if name_ext and KINDS[name_ext] == KINDS[mime_ext] else mime_ext
    if major in ("video", "audio", "image") and name_ext and KINDS[name_ext] == major:
        return name_ext
    if ctype in _BINARY_TYPES and name_ext:
        return name_ext
    if ctype.startswith("text/") or ctype in ("application/xhtml+xml", "application/json"):
        raise UnsupportedFile(
            "That link leads to a web page, not a file. Send a direct link to "
            f"{ACCEPTED_WORDS}, or send the file itself.")
    raise UnsupportedFile(f"That link isn't a file I can use. Send {ACCEPTED_WORDS}.")


def display_name(raw: str, ext: str) -> str:
    """A harmless name to show: last path part, no control or bidi characters, short."""
    base = re.split(r"[/\\]", unquote(raw))[-1]
    kept = "".join(
        ch for ch in base
        if ch == "\u200d" or not unicodedata.category(ch).startswith(("C", "Z"))
        or ch == " "
    )
    kept = re.sub(r'["<>|*?:`]', "", kept)
    kept = " ".join(kept.split()).strip(" .")[:80]
    return kept or f"download.{ext}"


def is_public_address(address: str) -> bool:
    """True for a globally routable unicast address; embedded IPv4 is checked too."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return is_public_address(str(ip.ipv4_mapped))
        if ip in _NAT64:
            return is_public_address(str(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)))
        embedded = ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None and not is_public_address(str(embedded)):
            return False
    return ip.is_global and not (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
        or ip.is_reserved or ip.is_unspecified
    )


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")

# The downloader ----------------------------------------------------------------------------

Resolver = Callable[[str, int], Awaitable[list[str]]]


async def resolve(host: str, port: int) -> list[str]:
    """Every address of a host (getaddrinfo runs in the loop's thread pool)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


@dataclass(frozen=True)
class Downloaded:
    path: Path
    name: str
    size: int
    mime: str | None


_REFUSED = "I can't download from that link: it points to a private or local address."


class Fetcher:
    """Downloads linked media with a size cap, one deadline and address checks."""

    def __init__(self, max_bytes: int, timeout: float, allow_private: bool,
                 transport: httpx.AsyncBaseTransport | None = None,
                 resolver: Resolver = resolve) -> None:
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.allow_private = allow_private
        self._resolve = resolver
        self._transport = transport
        self._http: httpx.AsyncClient | None = None  # made on the first download

    @property
    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            import httpx

            # No proxies from the environment (they would bypass the address checks) and no
            # reused connections, not even in an injected transport's pool ("Connection:
            # close"): a pooled connection is keyed by address, so it could carry another
            # host's TLS name.
            self._http = httpx.AsyncClient(
                transport=self._transport, follow_redirects=False, trust_env=False,
                timeout=httpx.Timeout(self.timeout),
                limits=httpx.Limits(max_keepalive_connections=0),
                headers={"User-Agent": "Backtrack/0.1 (+media fetch)",
                         "Accept-Encoding": "identity", "Connection": "close"},
            )
        return self._http

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()

    async def download(self, url: str, dest_dir: Path) -> Downloaded:
        """Fetch `url` into `dest_dir` under a random name; raises LinkRefused, TooLarge or
        UnsupportedFile, and leaves no partial file behind."""
        path: Path | None = None
        try:
            async with asyncio.timeout(self.timeout):
                response, logical = await self._open(url)
                try:
                    ext, name = self._accept(response, logical)
                    await asyncio.to_thread(dest_dir.mkdir, parents=True, exist_ok=True)
                    # A partial name until complete, so a crash leaves a file the janitor
                    # knows to remove.
                    final = dest_dir / f"{secrets.token_hex(16)}.{ext}"
                    path = final.with_name(final.name + PARTIAL_SUFFIX)
                    size = await self._save(response, path)
                finally:
                    await response.aclose()
                await asyncio.to_thread(path.rename, final)
                mime = response.headers.get("content-type", "").split(";")[0].strip() or None
                return Downloaded(path=final, name=name, size=size, mime=mime)
        except BaseException as exc:
            import httpx

            if path is not None:
                # Synchronous on purpose: it must happen even while being cancelled again.
                path.unlink(missing_ok=True)
            if isinstance(exc, TimeoutError | httpx.TimeoutException):
                raise LinkRefused(
                    f"The download took longer than {self.timeout:g} s, so I stopped it. "
                    "Try a faster link or send the file itself.") from exc
            if isinstance(exc, httpx.HTTPError):
                raise LinkRefused(
                    "I couldn't download that link: the server did not answer properly.") from exc
            raise

    async def _open(self, url: str) -> tuple[httpx.Response, httpx.URL]:
        """Follow up to MAX_REDIRECTS redirects, checking every hop; returns the final
        streamed response and its logical URL (with the host name, not the address)."""
        import httpx

        current = _parse(url)
        for _ in range(MAX_REDIRECTS + 1):
            request = await self._pinned_request(current)
            response = await self._client.send(request, stream=True)
            if not response.is_redirect:
                if response.status_code >= 400:
                    await response.aclose()
                    raise LinkRefused(
                        f"That link answered with an error (HTTP {response.status_code}).")
                return response, current
            location = response.headers.get("location", "")
            await response.aclose()
            try:
                current = _parse(str(current.join(location)))
            except httpx.InvalidURL as exc:
                raise LinkRefused("That link redirects somewhere I can't follow.") from exc
        raise LinkRefused("That link redirects too many times.")

    async def _pinned_request(self, url: httpx.URL) -> httpx.Request:
        """A request that connects to a checked address of the URL's host."""
        host = url.raw_host.decode("ascii")  # IDNA-encoded, as DNS and TLS want it
        port = url.port or (443 if url.scheme == "https" else 80)
        try:
            addresses = await self._resolve(host, port)
        except OSError as exc:
            raise LinkRefused("I couldn't find the server of that link.") from exc
        if not addresses:
            raise LinkRefused("I couldn't find the server of that link.")
        if not self.allow_private and not all(is_public_address(a) for a in addresses):
            raise LinkRefused(_REFUSED)
        address = addresses[0].split("%", 1)[0]
        # The Host header and TLS server name stay the host name; only the socket goes to the
        # address we checked. What remains unchecked is routing itself (e.g. a public address
        # that the operator's network maps inward), which no client-side check can see.
        pinned = url.copy_with(host=address)
        headers = {"Host": url.netloc.decode("ascii").rsplit("@", 1)[-1]}
        extensions = {"sni_hostname": host} if url.scheme == "https" else {}
        return self._client.build_request("GET", pinned, headers=headers, extensions=extensions)

    def _accept(self, response: httpx.Response, url: httpx.URL) -> tuple[str, str]:
        """Check type and declared size; returns (extension to save under, display name)."""
        raw_name = _disposition_name(response.headers.get("content-disposition", ""))
        if not raw_name:
            raw_name = unquote(url.path.rsplit("/", 1)[-1])
        ext = choose_extension(response.headers.get("content-type"), raw_name)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise TooLarge(
                f"That file is {_mb(int(declared))}; the limit is {_mb(self.max_bytes)}.")
        return ext, display_name(raw_name, ext)

    async def _save(self, response: httpx.Response, path: Path) -> int:
        size = 0
        handle: IO[bytes] = await asyncio.to_thread(path.open, "xb")
        try:
            async for chunk in response.aiter_bytes(CHUNK):
                size += len(chunk)
                if size > self.max_bytes:
                    raise TooLarge(
                        f"That file is larger than the limit of {_mb(self.max_bytes)}, "
                        "so I stopped the download.")
                await asyncio.to_thread(handle.write, chunk)
        finally:
            await asyncio.to_thread(handle.close)
        return size


def _parse(url: str) -> httpx.URL:
    import httpx

    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise LinkRefused("That doesn't look like a web link I can download.") from exc
    if parsed.scheme not in ("http", "https"):
        raise LinkRefused("I only download http:// and https:// links.")
    if not parsed.host:
        raise LinkRefused("That doesn't look like a web link I can download.")
    return parsed


_EXTENDED_FILENAME = re.compile(r"filename\*\s*=\s*([\w!#$%&+.^`|~-]+)'[^']*'([^;\s]+)", re.I)


def _disposition_name(header: str) -> str:
    """The file name a Content-Disposition header offers; `filename*` wins (RFC 6266)."""
    if not header:
        return ""
    extended = _EXTENDED_FILENAME.search(header)
    if extended:
        charset, value = extended.groups()
        try:
            return unquote(value, encoding=charset, errors="replace")
        except LookupError:
            return unquote(value, errors="replace")
    message = Message()
    message["content-disposition"] = header
    try:
        name = message.get_filename()
    except (ValueError, LookupError):
        return ""
    return name or ""
