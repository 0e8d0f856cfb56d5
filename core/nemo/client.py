"""The HTTP side of NemoVideo: tokens, attribution headers, envelopes, retries, error words.

Every answer goes through `read_answer` (pure: HTTP status + JSON body -> ok data or a named
problem), and every problem through one retry policy (NEMO_API.md, "Errors"):

    token (1001)      anonymous: new token, retry once; configured NEMO_TOKEN: tell the operator
    client_id (400)   on the anonymous-token call: new X-Client-Id, persisted, retry once
    rate (429)        wait `Timing.rate_limit_wait` (30 s), retry once
    server (5xx)      retry with backoff, then NemoError with words (network errors alike)
    the rest          raised at once as the matching `core.errors` class

The bearer token is only ever put in the Authorization header of requests to the API: never
in a URL, a log line or an error message.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

import httpx
from httpx_sse import EventSource, ServerSentEvent

from core.errors import NemoError, TooLarge, UserError
from core.janitor import PARTIAL_SUFFIX
from core.logs import register_secret
from core.nemo.answers import (
    BAD_CONFIGURED_WORDS,
    Answer,
    Problem,
    StreamDropped,
    error_for,
    read_answer,
)
from core.ports import ValueStore

log = logging.getLogger("backtrack.nemo")

SKILL_SOURCE = "add-music-to-video-online"
PLATFORM = "backtrack"
TOKEN_KEY, EXPIRES_KEY, CLIENT_ID_KEY = "nemo_token", "nemo_token_expires", "nemo_client_id"

Sleep = Callable[[float], Awaitable[None]]


def package_version() -> str:
    try:
        return metadata.version("backtrack")
    except metadata.PackageNotFoundError:
        return "0.1.0"


@dataclass(frozen=True)
class Timing:
    """Every wait of the NemoVideo engine, in seconds; tests pass small ones."""

    rate_limit_wait: float = 30
    backoff: tuple[float, ...] = (2, 5, 15)
    still_working_every: float = 120
    heartbeat_timeout: float = 600
    turn_limit: float = 900
    read_timeout: float = 300
    """No byte at all on a chat stream for this long counts as a dropped stream."""
    drop_first_wait: float = 30
    drop_interval: float = 60
    drop_checks: int = 5
    poll_every: float = 15
    render_give_up: float = 600
    request_timeout: float = 60
    connect_timeout: float = 15


@dataclass(frozen=True)
class Upload:
    """A file to send as the multipart part `files`, read from disk while it is sent."""

    path: Path
    name: str
    mime: str


# The client ------------------------------------------------------------------------------


class NemoClient:
    """httpx.AsyncClient plus NemoVideo's auth, envelope and retry rules."""

    def __init__(
        self, *, api_url: str, web_url: str, configured_token: str | None, values: ValueStore,
        transport: httpx.AsyncBaseTransport | None = None, timing: Timing | None = None,
        sleep: Sleep = asyncio.sleep, platform: str = PLATFORM,
    ) -> None:
        self.timing = timing or Timing()
        self.web_url = web_url.rstrip("/")
        self._configured = configured_token or None
        self._values = values
        self._sleep = sleep
        self._token: str | None = None
        self._token_lock = asyncio.Lock()
        attribution = {"X-Skill-Source": SKILL_SOURCE, "X-Skill-Version": package_version(),
                       "X-Skill-Platform": platform}
        self._http = httpx.AsyncClient(
            base_url=api_url.rstrip("/"), transport=transport, headers=attribution,
            timeout=httpx.Timeout(self.timing.request_timeout,
                                  connect=self.timing.connect_timeout, write=None),
        )
        # Chat streams and uploads may be quiet for long: their own read timeout.
        self._long = httpx.Timeout(self.timing.request_timeout,
                                   connect=self.timing.connect_timeout,
                                   read=self.timing.read_timeout, write=None)
        # Output URLs live on a CDN: fetched without our token or headers.
        self._plain = httpx.AsyncClient(transport=transport, follow_redirects=True,
                                        timeout=httpx.Timeout(self.timing.request_timeout))

    @property
    def anonymous(self) -> bool:
        return self._configured is None

    async def aclose(self) -> None:
        await self._http.aclose()
        await self._plain.aclose()

    # Identity.
    async def client_id(self, *, renew: bool = False) -> str:
        value = None if renew else await self._values.get_value(CLIENT_ID_KEY)
        if not value:
            value = str(uuid.uuid4())
            await self._values.set_value(CLIENT_ID_KEY, value)
        return value

    async def token(self) -> str:
        if self._configured:
            return self._configured
        async with self._token_lock:
            if self._token is None:
                stored = await self._values.get_value(TOKEN_KEY)
                expires = await self._values.get_value(EXPIRES_KEY)
                if stored and not _expired(expires):
                    register_secret(stored)
                    self._token = stored
                else:
                    self._token = await self._anonymous_token()
            return self._token

    async def renew_token(self, stale: str) -> None:
        """Code 1001: a configured token is the operator's to fix; an anonymous one is renewed."""
        if self._configured:
            raise UserError(BAD_CONFIGURED_WORDS)
        async with self._token_lock:
            if self._token in (None, stale):
                self._token = await self._anonymous_token()

    async def _anonymous_token(self) -> str:
        renewed_id = waited = False
        while True:
            headers = {"X-Client-Id": await self.client_id()}
            try:
                response = await self._http.post("/api/auth/anonymous-token", headers=headers)
            except httpx.TransportError as exc:
                raise NemoError("NemoVideo could not be reached to get a token") from exc
            answer = read_answer(response.status_code, _json(response.content))
            if answer.problem == "client_id" and not renewed_id:
                renewed_id = True
                await self.client_id(renew=True)
                continue
            if answer.problem == "rate" and not waited:
                waited = True
                await self._sleep(self.timing.rate_limit_wait)
                continue
            if not answer.ok:
                raise error_for(answer, anonymous=True, status=response.status_code)
            token = answer.data.get("token")
            if not isinstance(token, str) or not token:
                raise NemoError("NemoVideo's anonymous-token answer had no token")
            register_secret(token)  # redacted should anything ever log it
            expires = answer.data.get("expires_at")
            await self._values.set_value(TOKEN_KEY, token)
            await self._values.set_value(EXPIRES_KEY, expires if isinstance(expires, str) else "")
            log.info("nemo: new anonymous token (credits %s)", answer.data.get("credits"))
            return token

    # Requests.
    async def call(self, method: str, path: str, *, json_body: Any = None,
                   upload: Upload | None = None) -> dict[str, Any]:
        """One API call with the retry policy; the answer's data."""
        _, answer = await self._exchange(method, path, json_body=json_body, upload=upload,
                                         stream=False)
        assert answer is not None
        return answer.data

    @contextlib.asynccontextmanager
    async def events(self, path: str, body: Any) -> AsyncIterator[AsyncIterator[ServerSentEvent]]:
        """A chat turn's SSE events. Problems before the stream opens follow the retry policy,
        except that a server error is a `StreamDropped` (the turn may be running: no re-send)."""
        response, _ = await self._exchange("POST", path, json_body=body, upload=None,
                                          stream=True)
        try:
            yield _sse(response)
        finally:
            await response.aclose()

    async def _exchange(self, method: str, path: str, *, json_body: Any, upload: Upload | None,
                        stream: bool) -> tuple[httpx.Response, Answer | None]:
        tried: set[Problem] = set()
        failures = 0
        while True:
            token = await self.token()
            headers = {"Authorization": f"Bearer {token}"}
            if stream:
                headers.update({"Accept": "text/event-stream", "Cache-Control": "no-store"})
            try:
                response = await self._send(method, path, headers, json_body, upload, stream)
            except httpx.TransportError as exc:
                if stream and not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
                    raise StreamDropped("the chat stream broke before it started") from exc
                failures += 1
                if failures > len(self.timing.backoff):
                    raise NemoError("NemoVideo could not be reached; please try again in a few "
                                    "minutes.") from exc
                log.warning("nemo: %s %s failed (%s); retrying", method, path,
                            type(exc).__name__)
                await self._sleep(self.timing.backoff[failures - 1])
                continue
            if stream and response.status_code == 200 and _is_event_stream(response):
                return response, None
            content = await response.aread()
            await response.aclose()
            answer = read_answer(response.status_code, _json(content))
            if answer.ok:
                return response, answer
            kind = answer.problem
            log.warning("nemo: %s %s -> HTTP %s code %s (%s)", method, path,
                        response.status_code, answer.code, kind)
            if kind == "token" and kind not in tried:
                tried.add(kind)
                await self.renew_token(token)
                continue
            if kind == "rate" and kind not in tried:
                tried.add(kind)
                await self._sleep(self.timing.rate_limit_wait)
                continue
            if kind == "server":
                if stream:
                    raise StreamDropped(f"the chat call failed with HTTP {response.status_code}",
                                        status=response.status_code)
                failures += 1
                if failures <= len(self.timing.backoff):
                    await self._sleep(self.timing.backoff[failures - 1])
                    continue
            if kind == "token":
                raise UserError(BAD_CONFIGURED_WORDS) if self._configured else NemoError(
                    "NemoVideo refused a fresh token", code=answer.code)
            raise error_for(answer, anonymous=self.anonymous, status=response.status_code)

    async def _send(self, method: str, path: str, headers: dict[str, str], json_body: Any,
                    upload: Upload | None, stream: bool) -> httpx.Response:
        if upload is None:
            timeout = self._long if stream else httpx.USE_CLIENT_DEFAULT
            request = self._http.build_request(method, path, json=json_body, headers=headers,
                                               timeout=timeout)
            return await self._http.send(request, stream=stream)
        size = (await asyncio.to_thread(upload.path.stat)).st_size
        head, tail, content_type = multipart_frame(upload, uuid.uuid4().hex)
        headers = {**headers, "Content-Type": content_type,
                   "Content-Length": str(len(head) + size + len(tail))}
        request = self._http.build_request(
            method, path, content=_file_body(upload.path, head, tail), headers=headers,
            timeout=self._long)
        return await self._http.send(request, stream=stream)

    # Files out.
    async def download(self, url: str, dest: Path, max_bytes: int, *, api: bool = False) -> int:
        """Save a URL (an output URL, or an API path with `api=True`) to `dest`, atomically.
        Raises TooLarge past `max_bytes` and NemoError when it cannot be fetched."""
        client = self._http if api else self._plain
        headers = {"Authorization": f"Bearer {await self.token()}"} if api else {}
        part = dest.with_name(dest.name + PARTIAL_SUFFIX)
        size = 0
        try:
            async with client.stream("GET", url, headers=headers) as response:
                if response.status_code != 200:
                    raise NemoError(f"the render download answered HTTP {response.status_code}",
                                    status=response.status_code)
                handle = await asyncio.to_thread(part.open, "wb")
                try:
                    async for chunk in response.aiter_bytes(1 << 20):
                        size += len(chunk)
                        if size > max_bytes:
                            raise TooLarge("The video is too big to send here.")
                        await asyncio.to_thread(handle.write, chunk)
                finally:
                    await asyncio.to_thread(handle.close)
            await asyncio.to_thread(part.replace, dest)
            return size
        except httpx.HTTPError as exc:
            raise NemoError("the render could not be downloaded") from exc
        finally:
            await asyncio.to_thread(part.unlink, missing_ok=True)

    def claim_url(self, claim_token: str) -> str:
        return f"{self.web_url}/workspace/claim?ct={quote(claim_token, safe='')}"


def multipart_frame(upload: Upload, boundary: str) -> tuple[bytes, bytes, str]:
    """The bytes before and after the file in a one-part `multipart/form-data` body whose
    part is named `files` (quotes and line breaks in the name escaped as browsers do)."""
    name = upload.name.replace("\\", "\\\\").replace('"', "%22")
    name = name.replace("\r", "%0D").replace("\n", "%0A")
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; "
            f"filename=\"{name}\"\r\nContent-Type: {upload.mime}\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    return head, tail, f"multipart/form-data; boundary={boundary}"


async def _file_body(path: Path, head: bytes, tail: bytes,
                     chunk: int = 1 << 20) -> AsyncIterator[bytes]:
    """The multipart body, read from disk in a worker thread a chunk at a time: a 500 MB file
    is never held in memory, and the event loop never waits on the disk."""
    yield head
    handle: IO[bytes] = await asyncio.to_thread(path.open, "rb")
    try:
        while data := await asyncio.to_thread(handle.read, chunk):
            yield data
    finally:
        await asyncio.to_thread(handle.close)
    yield tail


def _expired(expires: str | None) -> bool:
    """Refresh ten minutes early; no (or an unreadable) expiry means it never expires."""
    if not expires:
        return False
    try:
        when = datetime.fromisoformat(expires)
    except ValueError:
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when - datetime.now(UTC)).total_seconds() < 600


def _json(content: bytes) -> Any:
    try:
        return json.loads(content) if content else None
    except ValueError:
        return None


def _is_event_stream(response: httpx.Response) -> bool:
    return "text/event-stream" in response.headers.get("content-type", "")


async def _sse(response: httpx.Response) -> AsyncIterator[ServerSentEvent]:
    async for event in EventSource(response).aiter_sse():
        yield event
