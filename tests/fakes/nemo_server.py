"""A fake NemoVideo API (starlette) that the real httpx client talks to over real HTTP.

It keeps tokens, sessions, drafts and renders in memory, checks what every request must carry
(attribution headers, bearer token, X-Client-Id, snake_case bodies with the one camelCase
`sessionId`, multipart parts named `files`) and records each breach in `problems`, and can be
told to misbehave: `fail(route, …)` for any error code or status, `turns` (a queue of
`TurnPlan`s: event shape, chunk splitting, silence, heartbeats, drops, error events),
`render` (a `RenderPlan`: slow, failing, duplicate ids, both poll shapes, broken output URL),
`upload_delay` (seconds an upload waits before its body is read; `upload_started` is set when
one arrives: a slow upload to kill a process in).

    served = ServedFake(FakeNemo()).start(); ...; served.stop()
    python -m tests.fakes.nemo_server      # prints "URL http://127.0.0.1:PORT", serves forever
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

SOURCE = "add-music-to-video-online"
ACCEPTED = {"mp4", "mov", "avi", "webm", "mkv", "jpg", "png", "gif", "webp", "mp3", "wav",
            "m4a", "aac"}
AUDIO_EXT = {"mp3", "wav", "m4a", "aac"}
IMAGE_EXT = {"jpg", "png", "gif", "webp"}
LIMIT = 500 * 1024 * 1024
_CAMEL = re.compile(r"[a-z][A-Z]")


@dataclass
class TurnPlan:
    """What one chat turn does. `texts=None` means the default reply for the message."""

    shape: Literal["typed", "agent"] = "typed"
    texts: list[str] | None = None
    apply: bool = True
    tool_calls: bool = True
    heartbeats: int = 0
    heartbeat_every: float = 0.0
    empty_heartbeats: bool = False
    comment_heartbeats: bool = False
    """Keep-alives as SSE comments (`: ping`), which decode to no event at all."""
    text_every: float = 0.0
    split: int = 0
    """Write every event in pieces of this many bytes, flushed apart (chunk boundaries)."""
    crlf: bool = False
    error: str | None = None
    trailing_issue: bool = False
    drop: bool = False
    """Break the connection after the events (no clean end of the chunked body)."""


@dataclass
class RenderPlan:
    polls: int = 1
    shape: Literal["data", "top"] = "data"
    fail_first: bool = False
    fail_all: bool = False
    duplicate_first: bool = False
    broken_output_url: bool = False
    never_finish: bool = False


@dataclass
class FakeSession:
    task_id: str
    language: str
    draft: dict[str, Any]
    history: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class FakeRender:
    id: str
    session_id: str
    polls: int = 0
    fail: bool = False
    cancelled: bool = False


def _initial_draft() -> dict[str, Any]:
    # Unknown keys on purpose: the client must send drafts back unchanged.
    return {"t": [], "m": {"width": 1920, "height": 1080}, "v": 3, "x_custom": {"keep": True}}


class FakeNemo:
    """The in-memory state and the starlette app."""

    def __init__(self) -> None:
        self.tokens: set[str] = set()
        self.client_ids: list[str] = []
        self.sessions: dict[str, FakeSession] = {}
        self.renders: dict[str, FakeRender] = {}
        self.problems: list[str] = []
        self.seen: list[tuple[str, str, dict[str, str]]] = []
        self.chat_messages: list[str] = []
        self.uploads: list[tuple[str, int]] = []
        self.claims: list[dict[str, Any]] = []
        self.turns: list[TurnPlan] = []
        self.render = RenderPlan()
        self.credits = {"available": 100, "frozen": 0, "total": 100}
        self.expires_at: str | None = (datetime.now(UTC) + timedelta(days=7)).isoformat()
        self.media_duration = 4.0
        self.upload_delay = 0.0
        self.upload_started = threading.Event()
        self.output_bytes = b"\x00\x00\x00\x18ftypmp42" + bytes(2000)
        self._failures: list[tuple[str, int, dict[str, Any], int]] = []
        self._renders_started = 0
        self.app = Starlette(routes=[
            Route("/api/auth/anonymous-token", self.anonymous_token, methods=["POST"]),
            Route("/api/auth/claim-token", self.claim_token, methods=["POST"]),
            Route("/api/tasks/me/with-session/nemo_agent", self.new_session, methods=["POST"]),
            Route("/run_sse", self.run_sse, methods=["POST"]),
            Route("/api/upload-video/nemo_agent/me/{sid}", self.upload, methods=["POST"]),
            Route("/api/credits/balance/simple", self.balance, methods=["GET"]),
            Route("/api/state/nemo_agent/me/{sid}/latest", self.state, methods=["GET"]),
            Route("/api/render/proxy/lambda", self.start_render, methods=["POST"]),
            Route("/api/render/proxy/lambda/{rid}", self.poll_render, methods=["GET"]),
            Route("/api/render/proxy/lambda/{rid}/cancel", self.cancel_render, methods=["POST"]),
            Route("/api/render/proxy/{rid}/download", self.download, methods=["GET"]),
            Route("/cdn/{rid}.mp4", self.cdn, methods=["GET"]),
        ])

    # Steering from tests.
    def fail(self, route: str, *, status: int = 200, code: int | None = None, times: int = 1,
             body: dict[str, Any] | None = None) -> None:
        """The next `times` requests to `route` get this answer instead of the real one.
        Routes: token, session, chat, upload, state, credits, render, poll, download, claim."""
        answer = body if body is not None else {"code": code if code is not None else -1,
                                                "message": f"injected failure {code or status}"}
        self._failures.append((route, status, answer, times))

    def expire_tokens(self) -> None:
        self.tokens.clear()

    def forget_sessions(self) -> None:
        self.sessions.clear()

    def count(self, method: str, path_start: str) -> int:
        return sum(1 for m, p, _ in self.seen if m == method and p.startswith(path_start))

    # Checks shared by every route.
    def _guard(self, request: Request, route: str, *, auth: bool = True) -> Response | None:
        headers = {k.lower(): v for k, v in request.headers.items()}
        self.seen.append((request.method, request.url.path, headers))
        attributed = (headers.get("x-skill-source") == SOURCE and headers.get("x-skill-version")
                      and headers.get("x-skill-platform"))
        if not attributed:
            self.problems.append(f"{route}: attribution headers missing or wrong")
            if route == "render":
                return JSONResponse({"code": 402, "message": "attribution required"}, 402)
        for i, (name, status, body, times) in enumerate(self._failures):
            if name == route:
                if times <= 1:
                    del self._failures[i]
                else:
                    self._failures[i] = (name, status, body, times - 1)
                return JSONResponse(body, status)
        if auth:
            bearer = headers.get("authorization", "")
            if not bearer.startswith("Bearer ") or bearer[7:] not in self.tokens:
                return _err(1001, "token invalid or expired")
        return None

    def _check_keys(self, route: str, body: Any, allowed: frozenset[str] = frozenset()) -> None:
        if isinstance(body, dict):
            for key, value in body.items():
                if _CAMEL.search(key) and key not in allowed:
                    self.problems.append(f"{route}: camelCase key {key!r}")
                if key != "draft":
                    self._check_keys(route, value, allowed)
        elif isinstance(body, list):
            for item in body:
                self._check_keys(route, item, allowed)

    async def _body(self, request: Request, route: str) -> dict[str, Any]:
        try:
            body = json.loads(await request.body() or b"null")
        except ValueError:
            self.problems.append(f"{route}: body is not JSON")
            return {}
        if not isinstance(body, dict):
            self.problems.append(f"{route}: body is not an object")
            return {}
        return body

    # Routes.
    async def anonymous_token(self, request: Request) -> Response:
        if refusal := self._guard(request, "token", auth=False):
            return refusal
        if "authorization" in {k.lower() for k in request.headers}:
            self.problems.append("token: bearer sent on the anonymous-token call")
        client_id = request.headers.get("x-client-id")
        if not client_id:
            return JSONResponse({"code": 400, "message": "X-Client-Id required"}, 400)
        self.client_ids.append(client_id)
        token = "nmv_usr_" + uuid.uuid4().hex
        self.tokens.add(token)
        return _ok({"token": token, "user_id": "u_" + client_id[:8], "credits": 100,
                    "expires_at": self.expires_at})

    async def new_session(self, request: Request) -> Response:
        if refusal := self._guard(request, "session"):
            return refusal
        body = await self._body(request, "session")
        self._check_keys("session", body)
        if body.get("task_name") != "project" or not re.fullmatch(
                r"[a-z]{2}(-[A-Za-z]{2})?", str(body.get("language", ""))):
            self.problems.append(f"session: bad body {body}")
        sid, task = "sess_" + uuid.uuid4().hex[:12], "task_" + uuid.uuid4().hex[:12]
        self.sessions[sid] = FakeSession(task, str(body.get("language")), _initial_draft())
        return _ok({"session_id": sid, "task_id": task, "user_id": "me"})

    async def claim_token(self, request: Request) -> Response:
        if refusal := self._guard(request, "claim"):
            return refusal
        body = await self._body(request, "claim")
        self._check_keys("claim", body)
        self.claims.append(body)
        return _ok({"claim_token": "ct_" + uuid.uuid4().hex, "expires_in": 3600})

    async def balance(self, request: Request) -> Response:
        if refusal := self._guard(request, "credits"):
            return refusal
        return _ok(dict(self.credits))

    async def state(self, request: Request) -> Response:
        if refusal := self._guard(request, "state"):
            return refusal
        session = self.sessions.get(request.path_params["sid"])
        if session is None:
            return _err(1002, "session not found")
        return _ok({"state": {"draft": session.draft, "video_infos": [],
                              "canvas_config": {"width": 1920, "height": 1080},
                              "generated_media": []}})

    async def upload(self, request: Request) -> Response:
        if refusal := self._guard(request, "upload"):
            return refusal
        self.upload_started.set()
        if self.upload_delay:
            await asyncio.sleep(self.upload_delay)
        session = self.sessions.get(request.path_params["sid"])
        if session is None:
            return _err(1002, "session not found")
        declared = int(request.headers.get("content-length") or 0)
        if declared > LIMIT + 1024 * 1024:
            return _err(4002, "file too large")
        kind = request.headers.get("content-type", "")
        if kind.startswith("application/json"):
            body = await self._body(request, "upload")
            self._check_keys("upload", body)
            names = [str(u).rsplit("/", 1)[-1] for u in body.get("urls", [])]
            parts = [({"name": "files", "filename": n}, 0) for n in names]
        else:
            match = re.search(r"boundary=\"?([^\";]+)", kind)
            if not kind.startswith("multipart/form-data") or match is None:
                self.problems.append("upload: not multipart")
                return _err(4001, "bad upload")
            parts = await scan_multipart(request.stream(), match.group(1).encode())
        files = []
        for headers, size in parts:
            if headers.get("name") != "files":
                self.problems.append(f"upload: part named {headers.get('name')!r}, not 'files'")
            name = headers.get("filename", "")
            ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
            if ext not in ACCEPTED:
                return _err(4001, "unsupported file")
            if size > LIMIT:
                return _err(4002, "file too large")
            self.uploads.append((name, size))
            file_type = "audio" if ext in AUDIO_EXT else "image" if ext in IMAGE_EXT else "video"
            self._add_track(session, 1 if file_type == "audio" else 0, name)
            files.append({"filename": name, "file_type": file_type,
                          "cdn_url": f"{request.base_url}cdn/up/{name}",
                          "duration": self.media_duration, "width": 320, "height": 240,
                          "fps": 25})
        if not files:
            self.problems.append("upload: no files")
        return _ok({"files": files})

    def _add_track(self, session: FakeSession, kind: int, name: str) -> None:
        draft = copy.deepcopy(session.draft)
        draft["t"] = [t for t in draft["t"] if t.get("tt") != kind]
        draft["t"].append({"tt": kind, "sg": [{"s": 0, "d": self.media_duration * 1000,
                                               "m": {"name": name}, "src_id": "m1"}]})
        session.history.append(session.draft)
        session.draft = draft

    async def run_sse(self, request: Request) -> Response:
        if refusal := self._guard(request, "chat"):
            return refusal
        body = await self._body(request, "chat")
        self._check_keys("chat", body)
        if "text/event-stream" not in request.headers.get("accept", ""):
            self.problems.append("chat: Accept is not text/event-stream")
        try:
            text = str(body["new_message"]["parts"][0]["text"])
            assert body["app_name"] == "nemo_agent" and body["user_id"] == "me"
        except (KeyError, IndexError, TypeError, AssertionError):
            self.problems.append(f"chat: bad body {body}")
            text = ""
        session = self.sessions.get(str(body.get("session_id")))
        if session is None:
            return _err(1002, "session not found")
        self.chat_messages.append(text)
        plan = self.turns.pop(0) if self.turns else TurnPlan()
        texts = plan.texts if plan.texts is not None else self._default_reply(text)
        if plan.apply:
            self._apply(session, text)
        return StreamingResponse(self._events(plan, texts), media_type="text/event-stream")

    def _default_reply(self, text: str) -> list[str]:
        lowered = text.lower()
        if "undo" in lowered:
            return ["I undid the last change."]
        if "music" in lowered or "音乐" in lowered:  # answers in English, as it may
            fade = (" and faded it out over the last 2 seconds"
                    if "fade" in lowered or "淡出" in lowered else "")
            return [f"I added background music (Lo-fi) at 35%{fade}.",
                    "Click the Export button to download your video."]
        return ["Done."]

    def _apply(self, session: FakeSession, text: str) -> None:
        lowered = text.lower()
        if "undo" in lowered:
            if session.history:
                session.draft = session.history.pop()
            return
        if "music" not in lowered and "音乐" not in lowered:
            return
        draft = copy.deepcopy(session.draft)
        length = max((s.get("d", 0) for t in draft["t"] if t.get("tt") == 0 for s in t["sg"]),
                     default=10000)
        meta: dict[str, Any] = {"name": "Lo-fi", "volume": 0.35}
        if "fade" in lowered or "淡出" in lowered:
            meta["fade_out"] = 2000
        draft["t"] = [t for t in draft["t"] if t.get("tt") != 1]
        draft["t"].append({"tt": 1, "sg": [{"s": 0, "d": length, "m": meta}]})
        session.history.append(session.draft)
        session.draft = draft

    async def _events(self, plan: TurnPlan, texts: list[str]) -> AsyncIterator[bytes]:
        end = b"\r\n" if plan.crlf else b"\n"

        async def send(data: str, comment: bool = False) -> AsyncIterator[bytes]:
            frame = (b": " if comment else b"data: ") + data.encode() + end + end
            if plan.split <= 0:
                yield frame
                return
            for i in range(0, len(frame), plan.split):
                yield frame[i:i + plan.split]
                await asyncio.sleep(0.002)

        beat = "" if plan.empty_heartbeats else json.dumps({"type": "heartbeat"})
        for _ in range(plan.heartbeats):
            async for piece in send("ping" if plan.comment_heartbeats else beat,
                                    plan.comment_heartbeats):
                yield piece
            await asyncio.sleep(plan.heartbeat_every)
        if plan.tool_calls:
            for event in _tool_events(plan.shape):
                async for piece in send(json.dumps(event)):
                    yield piece
        if plan.error:
            async for piece in send(json.dumps({"error": plan.error})):
                yield piece
        issue = "I encountered a temporary issue. Please try again."
        extra = [issue] if plan.trailing_issue else []
        for text in texts + extra:
            for event in _text_events(plan.shape, text):
                async for piece in send(json.dumps(event, ensure_ascii=False)):
                    yield piece
            if plan.text_every:
                await asyncio.sleep(plan.text_every)
        if plan.drop:
            raise ConnectionAbortedError("the fake drops this stream on purpose")

    async def start_render(self, request: Request) -> Response:
        if refusal := self._guard(request, "render"):
            return refusal
        body = await self._body(request, "render")
        self._check_keys("render", body, frozenset({"sessionId"}))
        rid, sid = str(body.get("id", "")), str(body.get("sessionId", ""))
        if "session_id" in body:
            self.problems.append("render: session_id instead of sessionId")
        if not rid.startswith("render_") or body.get("output", {}).get("format") != "mp4":
            self.problems.append(f"render: bad body keys {sorted(body)}")
        session = self.sessions.get(sid)
        if session is None:
            return _err(1002, "session not found")
        if body.get("draft") != session.draft:
            self.problems.append("render: the draft was not sent back unchanged")
        self._renders_started += 1
        if rid in self.renders or (self.render.duplicate_first and self._renders_started == 1):
            return JSONResponse({"success": False, "error": "render id already exists"}, 409)
        fail = self.render.fail_all or (
            self.render.fail_first and not any(r.fail for r in self.renders.values()))
        self.renders[rid] = FakeRender(rid, sid, fail=fail)
        return JSONResponse({"success": True, "data": {"id": rid, "status": "pending",
                                                       "progress": 0}})

    async def poll_render(self, request: Request) -> Response:
        if refusal := self._guard(request, "poll"):
            return refusal
        render = self.renders.get(request.path_params["rid"])
        if render is None:
            return JSONResponse({"success": False, "error": "render not found"}, 404)
        render.polls += 1
        done = render.polls > self.render.polls and not self.render.never_finish
        status = "failed" if render.fail and done else "completed" if done else "processing"
        progress = 100 if done else min(95, render.polls * 100 // (self.render.polls + 1))
        url = f"{request.base_url}cdn/{render.id}.mp4" if status == "completed" else None
        if self.render.shape == "top":
            return JSONResponse({"id": render.id, "status": status, "progress": progress,
                                 "output": {"url": url} if url else None})
        return JSONResponse({"success": True, "data": {"id": render.id, "status": status,
                                                       "progress": progress, "outputUrl": url}})

    async def cancel_render(self, request: Request) -> Response:
        if refusal := self._guard(request, "cancel"):
            return refusal
        render = self.renders.get(request.path_params["rid"])
        if render is not None:
            render.cancelled = True
        return JSONResponse({"success": True, "data": {}})

    async def download(self, request: Request) -> Response:
        if refusal := self._guard(request, "download"):
            return refusal
        if request.path_params["rid"] not in self.renders:
            return JSONResponse({"success": False, "error": "not found"}, 404)
        return Response(self.output_bytes, media_type="video/mp4")

    async def cdn(self, request: Request) -> Response:
        headers = {k.lower() for k in request.headers}
        self.seen.append((request.method, request.url.path, {}))
        if "authorization" in headers:
            self.problems.append("cdn: the bearer token was sent to the output URL")
        if self.render.broken_output_url or request.path_params["rid"] not in self.renders:
            return Response(b"gone", 404)
        return Response(self.output_bytes, media_type="video/mp4")


def _tool_events(shape: str) -> list[dict[str, Any]]:
    if shape == "typed":
        return [{"type": "tool_call", "name": "add_bgm", "args": {"mood": "lofi"}},
                {"type": "tool_result", "name": "add_bgm", "result": {"ok": True}}]
    return [{"content": {"parts": [{"functionCall": {"name": "add_bgm", "args": {}}}],
                         "role": "model"}, "author": "nemo_agent", "partial": False},
            {"content": {"parts": [{"functionResponse": {"name": "add_bgm", "response": {}}}],
                         "role": "user"}, "author": "nemo_agent"}]


def _text_events(shape: str, text: str) -> list[dict[str, Any]]:
    if shape == "typed":
        return [{"type": "text", "content": text}]
    words = text.split(" ")
    deltas = [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)]
    partial = [{"content": {"parts": [{"text": d}], "role": "model"}, "author": "nemo_agent",
                "partial": True} for d in deltas]
    return [*partial, {"content": {"parts": [{"text": text}], "role": "model"},
                       "author": "nemo_agent", "partial": False}]


def _ok(data: dict[str, Any]) -> JSONResponse:
    return JSONResponse({"code": 0, "message": "success", "data": data})


def _err(code: int, message: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, "data": None})


async def scan_multipart(stream: AsyncIterator[bytes],
                         boundary: bytes) -> list[tuple[dict[str, str], int]]:
    """(part headers, part size) of a multipart body, read as a stream (500 MB never held)."""
    delim = b"\r\n--" + boundary
    buf, parts = b"\r\n", []
    current: tuple[dict[str, str], int] | None = None
    async for chunk in stream:
        buf += chunk
        while True:
            i = buf.find(delim)
            if current is not None:
                if i < 0:
                    keep = len(buf) - len(delim)
                    if keep > 0:
                        current, buf = (current[0], current[1] + keep), buf[keep:]
                    break
                parts.append((current[0], current[1] + i))
                current, buf = None, buf[i:]
                continue
            if i < 0:
                buf = buf[-len(delim):]
                break
            after = buf[i + len(delim):]
            if after[:2] == b"--":
                return parts
            head_end = after.find(b"\r\n\r\n")
            if head_end < 0:
                buf = buf[i:]
                break
            current = (_part_headers(after[:head_end].decode("utf-8", "replace")), 0)
            buf = after[head_end + 4:]
    return parts


def _part_headers(blob: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in blob.split("\r\n"):
        if line.lower().startswith("content-disposition"):
            for key, value in re.findall(r'(\w+)="([^"]*)"', line):
                found[key] = value
        elif line.lower().startswith("content-type"):
            found["content_type"] = line.split(":", 1)[1].strip()
    return found


class ServedFake:
    """Serves a FakeNemo with uvicorn on 127.0.0.1 (ephemeral port) in a background thread."""

    def __init__(self, fake: FakeNemo) -> None:
        self.fake = fake
        config = uvicorn.Config(fake.app, host="127.0.0.1", port=0, log_level="critical",
                                lifespan="off", access_log=False, timeout_graceful_shutdown=1)
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = ""

    def start(self) -> ServedFake:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the fake NemoVideo server did not start")
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(5)


@pytest.fixture(name="fake")
def fake_fixture() -> Iterator[FakeNemo]:
    """The fake served for one test; it must have seen no malformed request by the end."""
    nemo = FakeNemo()
    served = ServedFake(nemo).start()
    nemo.url = served.url  # type: ignore[attr-defined]
    try:
        yield nemo
    finally:
        served.stop()
    assert nemo.problems == []


def main() -> None:
    served = ServedFake(FakeNemo()).start()
    print("URL", served.url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        served.stop()


if __name__ == "__main__":
    main()
