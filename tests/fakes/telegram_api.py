"""A fake Telegram Bot API on 127.0.0.1 that the real python-telegram-bot talks to over HTTP.

It serves `/bot<token>/<method>` and `/file/bot<token>/<path>`, keeps the chats' messages (with
every edit and the bytes of every upload), and enforces the rules a bot meets on the cloud API:
getFile refuses files over 20 MB ("file is too big"), uploads over 50 MB get 413, an edit to the
same text gets "message is not modified". Faults: tests can make any method (and the file
route, as "download") answer 429 with `retry_after` or a 5xx (`fail_next`), hang up without
answering (`drop_next`) or stall past the client's timeout and then hang up (`stall_next`); a
call that hangs up is recorded with status 499 and does nothing. The bot's profile is checked
as Telegram checks it: command names and description lengths (per `language_code`), the
description (512) and short description (120) lengths; a thumbnail must be an uploaded JPEG of
at most 320x320 and under 200 kB. Tests feed updates shaped the
way Telegram sends them (`message`, `callback`, `push`), and PTB fetches them with long polling
(`getUpdates` with `timeout` and `offset`).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import itertools
import json
import re
import secrets
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, web
from PIL import Image

MB = 1024 * 1024
PHOTO_LIMIT = 10 * MB
TOKEN = "123456789:AAFakeTokenForTests_abcdefghijklmnopq"
BOT_ID = 123456789

_JSON_FIELDS = frozenset({
    "reply_markup", "allowed_updates", "commands", "entities", "caption_entities",
    "reply_parameters", "scope", "link_preview_options",
})


@dataclass
class StoredFile:
    file_id: str
    unique_id: str
    data: bytes | None
    size: int
    path: str


@dataclass
class Sent:
    """A message the bot sent, as the chat shows it now (plus its history)."""

    chat_id: int
    message_id: int
    kind: str
    text: str | None
    params: dict[str, Any]
    at: float
    upload: bytes | None = None
    reply_markup: dict[str, Any] | None = None
    edits: list[tuple[float, str]] = field(default_factory=list)
    markups: list[dict[str, Any] | None] = field(default_factory=list)
    """The reply markup after each edit of the text."""
    deleted: bool = False


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float
    status: int = 200


@dataclass
class Failure:
    status: int
    description: str
    retry_after: int | None = None
    hang_up: bool = False
    """Close the connection without an answer (after `delay` seconds)."""
    delay: float = 0.0


class FakeTelegram:
    """The fake server; `await start()`, then point PTB's base_url at `api_url`."""

    def __init__(self, token: str = TOKEN, username: str = "backtrack_test_bot", *,
                 download_limit: int = 20 * MB, upload_limit: int = 50 * MB,
                 files_dir: Path | None = None) -> None:
        self.token = token
        self.username = username
        self.download_limit = download_limit
        self.upload_limit = upload_limit
        self.files_dir = files_dir
        """Set for a local-mode server: getFile answers absolute paths and has no size limit."""
        self.calls: list[Call] = []
        self.chats: dict[int, list[Sent]] = defaultdict(list)
        self.files: dict[str, StoredFile] = {}
        self.downloads: list[str] = []
        self.commands: list[dict[str, Any]] = []
        """The default menu (no language_code); `menus` has every language's."""
        self.menus: dict[str, list[dict[str, Any]]] = {}
        self.descriptions: dict[str, str] = {}
        self.short_descriptions: dict[str, str] = {}
        self.thumbnails: list[tuple[int, int, int]] = []
        """(width, height, bytes) of every thumbnail that came with a video or document."""
        self.webhook: str | None = None
        self.webhook_secret: str | None = None
        self.webhook_statuses: list[int] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self.failures: dict[str, deque[Failure]] = defaultdict(deque)
        self.delays: dict[str, float] = {}
        self.updates: list[dict[str, Any]] = []
        self.pushed: dict[int, dict[str, Any]] = {}
        self.served: list[int] = []
        """update_ids getUpdates handed out, in order (repeats included)."""
        self.update_times: dict[int, float] = {}
        self._update_ids = itertools.count(1000)
        self._message_ids: dict[int, itertools.count[int]] = defaultdict(lambda: itertools.count(1))
        self._changed = asyncio.Condition()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self.port = 0

    # Lifecycle -------------------------------------------------------------------------------

    async def start(self) -> FakeTelegram:
        app = web.Application(client_max_size=4 * self.upload_limit + MB)
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        self._closing = True
        await self._notify()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        """For PTB's base_url (the token is appended)."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # What tests set up -----------------------------------------------------------------------

    def add_file(self, data: bytes | None = None, *, size: int | None = None,
                 suffix: str = ".mp4") -> StoredFile:
        """A file users can send; `size` alone announces a file without bytes (too big ones)."""
        file_id = "F" + secrets.token_hex(8)
        stored = StoredFile(file_id, "U" + secrets.token_hex(4), data,
                            size if size is not None else len(data or b""),
                            f"videos/{file_id}{suffix}")
        if self.files_dir is not None and data is not None:
            local = self.files_dir / f"{file_id}{suffix}"
            local.write_bytes(data)
            stored.path = str(local)
        self.files[file_id] = stored
        return stored

    def fail_next(self, method: str, status: int = 429, description: str | None = None, *,
                  retry_after: int | None = None, times: int = 1) -> None:
        """The next `times` calls of `method` fail like Telegram would."""
        if status == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            description = (f"Too Many Requests: retry after {retry_after}" if status == 429
                           else "Internal Server Error" if status >= 500 else "Bad Request")
        for _ in range(times):
            self.failures[method].append(Failure(status, description, retry_after))

    def drop_next(self, method: str, *, times: int = 1) -> None:
        """The next `times` calls of `method` ("download" for the file route) are read, then
        the connection is closed without an answer (nothing is done)."""
        for _ in range(times):
            self.failures[method].append(Failure(0, "", hang_up=True))

    def stall_next(self, method: str, seconds: float, *, times: int = 1) -> None:
        """The next `times` calls of `method` get no answer for `seconds` (past the client's
        timeout), then the connection is closed (nothing is done)."""
        for _ in range(times):
            self.failures[method].append(Failure(0, "", hang_up=True, delay=seconds))

    # Updates the way Telegram sends them ---------------------------------------------------------

    @staticmethod
    def user(user_id: int, first_name: str = "Ann", language_code: str = "en") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": first_name,
                "language_code": language_code}

    @staticmethod
    def private(user: dict[str, Any]) -> dict[str, Any]:
        return {"id": user["id"], "type": "private", "first_name": user["first_name"]}

    @staticmethod
    def group(chat_id: int, title: str = "Editors") -> dict[str, Any]:
        return {"id": chat_id, "type": "supergroup", "title": title}

    def bot_user(self) -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Backtrack", "username": self.username,
                "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False}

    def message(self, chat: dict[str, Any], user: dict[str, Any], text: str | None = None, *,
                caption: str | None = None, reply_to: dict[str, Any] | None = None,
                **media: dict[str, Any]) -> dict[str, Any]:
        """A message dict; `media` is e.g. video=self.video(stored) or voice=self.voice(stored)."""
        message_id = next(self._message_ids[chat["id"]])
        msg: dict[str, Any] = {"message_id": message_id, "date": int(time.time()),
                               "chat": chat, "from": user}
        if text is not None:
            msg["text"] = text
            if entities := _entities(text):
                msg["entities"] = entities
        if caption is not None:
            msg["caption"] = caption
            if entities := _entities(caption):
                msg["caption_entities"] = entities
        if reply_to is not None:
            msg["reply_to_message"] = reply_to
        msg.update(media)
        return msg

    @staticmethod
    def video(f: StoredFile, duration: int = 4, width: int = 320, height: int = 240,
              name: str | None = "clip.mp4") -> dict[str, Any]:
        out = {"file_id": f.file_id, "file_unique_id": f.unique_id, "width": width,
               "height": height, "duration": duration, "mime_type": "video/mp4",
               "file_size": f.size}
        if name:
            out["file_name"] = name
        return out

    @staticmethod
    def document(f: StoredFile, name: str, mime: str) -> dict[str, Any]:
        return {"file_id": f.file_id, "file_unique_id": f.unique_id, "file_name": name,
                "mime_type": mime, "file_size": f.size}

    @staticmethod
    def animation(f: StoredFile, duration: int = 3) -> dict[str, Any]:
        return {"file_id": f.file_id, "file_unique_id": f.unique_id, "width": 320,
                "height": 240, "duration": duration, "file_name": "animation.gif.mp4",
                "mime_type": "video/mp4", "file_size": f.size}

    @staticmethod
    def video_note(f: StoredFile, duration: int = 3) -> dict[str, Any]:
        return {"file_id": f.file_id, "file_unique_id": f.unique_id, "length": 240,
                "duration": duration, "file_size": f.size}

    @staticmethod
    def audio(f: StoredFile, name: str = "song.mp3", duration: int = 10) -> dict[str, Any]:
        return {"file_id": f.file_id, "file_unique_id": f.unique_id, "duration": duration,
                "file_name": name, "mime_type": "audio/mpeg", "file_size": f.size,
                "title": "Song", "performer": "Tester"}

    @staticmethod
    def voice(f: StoredFile, duration: int = 3) -> dict[str, Any]:
        return {"file_id": f.file_id, "file_unique_id": f.unique_id, "duration": duration,
                "mime_type": "audio/ogg", "file_size": f.size}

    def callback(self, user: dict[str, Any], sent: Sent, data: str) -> dict[str, Any]:
        """A button press on a message the bot sent."""
        message = {"message_id": sent.message_id, "date": int(sent.at), "chat":
                   self._chat_of(sent.chat_id, user), "from": self.bot_user(),
                   "text": sent.text or ""}
        if sent.reply_markup:  # Telegram sends the keyboard the press came from
            message["reply_markup"] = sent.reply_markup
        return {"id": secrets.token_hex(6), "from": user, "chat_instance": "1",
                "message": message, "data": data}

    def bot_message(self, sent: Sent, user: dict[str, Any]) -> dict[str, Any]:
        """A message the bot sent, as it appears in `reply_to_message`."""
        return {"message_id": sent.message_id, "date": int(sent.at),
                "chat": self._chat_of(sent.chat_id, user), "from": self.bot_user(),
                "text": sent.text or ""}

    def push(self, *, message: dict[str, Any] | None = None,
             callback_query: dict[str, Any] | None = None) -> int:
        """Make an update available to getUpdates; returns its update_id."""
        update_id = next(self._update_ids)
        update: dict[str, Any] = {"update_id": update_id}
        if message is not None:
            update["message"] = message
        if callback_query is not None:
            update["callback_query"] = callback_query
        self.update_times[update_id] = time.perf_counter()
        self.pushed[update_id] = update
        self._offer(update)
        return update_id

    def redeliver(self, update_id: int) -> None:
        """Offer an update again, unchanged (as Telegram does when its receipt was never
        confirmed, e.g. the bot stopped mid-turn)."""
        self._offer(self.pushed[update_id])

    def _offer(self, update: dict[str, Any]) -> None:
        if self.webhook:
            self._spawn(self._deliver(update))
        else:
            self.updates.append(update)
            self._spawn(self._notify())

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, update: dict[str, Any]) -> None:
        """Webhook mode: POST the update to the bot, as Telegram does."""
        assert self.webhook is not None
        headers = {"X-Telegram-Bot-Api-Secret-Token": self.webhook_secret or ""}
        async with ClientSession() as session, session.post(
                self.webhook, json=update, headers=headers) as response:
            self.webhook_statuses.append(response.status)
        await self._notify()

    # What tests read ---------------------------------------------------------------------------

    def sent(self, chat_id: int, kind: str | None = None) -> list[Sent]:
        return [s for s in self.chats[chat_id] if kind is None or s.kind == kind]

    def texts(self, chat_id: int) -> list[str]:
        return [s.text or "" for s in self.chats[chat_id] if s.kind == "text"]

    def called(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 20.0) -> Any:
        """Wait until `predicate()` is truthy (re-checked on every change), return its value."""
        async with self._changed:
            return await asyncio.wait_for(self._changed.wait_for(predicate), timeout)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # The API -----------------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        if (request.content_length or 0) > 2 * self.upload_limit + MB:
            await _drain(request)
            return self._record(method, {}, _error(413, "Request Entity Too Large"))
        params, files = await _read_params(request)
        if delay := self.delays.get(method):
            await asyncio.sleep(delay)
        if self.failures[method]:
            return await self._fail(request, method, params, self.failures[method].popleft())
        handler = getattr(self, "_m_" + method, None)
        if handler is None:
            return self._record(method, params, _error(404, "Not Found"))
        try:
            result = await handler(params, files)
        except _ApiError as exc:
            return self._record(method, params, _error(exc.status, exc.description))
        return self._record(method, params, web.json_response({"ok": True, "result": result}))

    async def _fail(self, request: web.Request, method: str, params: dict[str, Any],
                    failure: Failure) -> web.Response:
        if failure.delay:
            await asyncio.sleep(failure.delay)
        if failure.hang_up:
            if request.transport is not None:
                request.transport.close()
            return self._record(method, params, web.Response(status=499))
        extra = {"retry_after": failure.retry_after} if failure.retry_after else None
        return self._record(method, params, _error(failure.status, failure.description, extra))

    def _record(self, method: str, params: dict[str, Any], response: web.Response) -> web.Response:
        self.calls.append(Call(method, params, time.perf_counter(), response.status))
        self._spawn(self._notify())
        return response

    async def _download(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        path = request.match_info["path"]
        if self.failures["download"]:
            return await self._fail(request, "download", {"path": path},
                                    self.failures["download"].popleft())
        stored = next((f for f in self.files.values() if f.path == path), None)
        if stored is None or stored.data is None:
            return _error(404, "Not Found")
        self.downloads.append(stored.file_id)
        return web.Response(body=stored.data, content_type="application/octet-stream")

    async def _m_getMe(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return self.bot_user()

    async def _m_getUpdates(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        if self.webhook:
            raise _ApiError(409, "Conflict: can't use getUpdates method while webhook is "
                                 "active; use deleteWebhook to delete the webhook first")
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)
        if offset:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]

        def ready() -> bool:
            return bool(self.updates) or self._closing

        if not ready() and timeout > 0:
            async with self._changed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait_for(ready), timeout)
        if self._closing:
            return []
        self.served.extend(u["update_id"] for u in self.updates[:limit])
        return self.updates[:limit]

    async def _m_deleteWebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        self.webhook = None
        return True

    async def _m_setWebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        self.webhook = params.get("url") or None
        self.webhook_secret = params.get("secret_token")
        return True

    async def _m_getWebhookInfo(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return {"url": self.webhook or "", "has_custom_certificate": False,
                "pending_update_count": len(self.updates)}

    async def _m_setMyCommands(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        commands = list(params.get("commands") or [])
        if len(commands) > 100:
            raise _ApiError(400, "Bad Request: too many commands")
        for command in commands:
            name, text = str(command.get("command", "")), str(command.get("description", ""))
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise _ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(text) <= 256:
                raise _ApiError(400, "Bad Request: command description is too long"
                                if text else "Bad Request: command description is empty")
        language = _language(params)
        self.menus[language] = commands
        if not language:
            self.commands = commands
        return True

    async def _m_setMyDescription(self, params: dict[str, Any],
                                  files: dict[str, bytes]) -> Any:
        text = str(params.get("description") or "")
        if len(text) > 512:
            raise _ApiError(400, "Bad Request: description is too long")
        self.descriptions[_language(params)] = text
        return True

    async def _m_setMyShortDescription(self, params: dict[str, Any],
                                       files: dict[str, bytes]) -> Any:
        text = str(params.get("short_description") or "")
        if len(text) > 120:
            raise _ApiError(400, "Bad Request: short description is too long")
        self.short_descriptions[_language(params)] = text
        return True

    async def _m_answerCallbackQuery(self, params: dict[str, Any],
                                     files: dict[str, bytes]) -> Any:
        return True

    async def _m_sendChatAction(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return True

    async def _m_sendMessage(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        text = str(params.get("text") or "")
        if not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise _ApiError(400, "Bad Request: message is too long")
        return self._store(params, "text", text)

    async def _m_editMessageText(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        sent = self._find(params, "Bad Request: message to edit not found")
        text = str(params.get("text") or "")
        if sent.kind != "text":
            raise _ApiError(400, "Bad Request: there is no text in the message to edit")
        if not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise _ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        _inline_only(params.get("reply_markup"))
        if text == sent.text and params.get("reply_markup") == sent.reply_markup:
            raise _ApiError(400, "Bad Request: message is not modified: specified new message "
                                 "content and reply markup are exactly the same as a current "
                                 "content and reply markup of the message")
        sent.text = text
        sent.reply_markup = params.get("reply_markup")
        sent.edits.append((time.perf_counter(), text))
        sent.markups.append(sent.reply_markup)
        return self._message_json(sent)

    async def _m_deleteMessage(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        self._find(params, "Bad Request: message to delete not found").deleted = True
        return True

    async def _m_getFile(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        stored = self.files.get(str(params.get("file_id")))
        if stored is None:
            raise _ApiError(400, "Bad Request: invalid file_id")
        if self.files_dir is None and stored.size > self.download_limit:
            raise _ApiError(400, "Bad Request: file is too big")
        return {"file_id": stored.file_id, "file_unique_id": stored.unique_id,
                "file_size": stored.size, "file_path": stored.path}

    async def _m_sendVideo(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return self._upload(params, files, "video")

    async def _m_sendDocument(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return self._upload(params, files, "document")

    async def _m_sendAudio(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return self._upload(params, files, "audio")

    async def _m_sendPhoto(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        """Telegram's photo rules: at most 10 MB, an image it can read, width + height at most
        10000 and a side ratio of at most 20."""
        data = files.get("photo")
        ref = params.get("photo")
        if data is None and isinstance(ref, str) and ref.startswith("file://"):
            data = Path(ref.removeprefix("file://")).read_bytes()  # local Bot API mode
        if data is None:
            raise _ApiError(400, "Bad Request: there is no photo in the request")
        if len(data) > PHOTO_LIMIT:
            raise _ApiError(400, "Bad Request: PHOTO_SAVE_FILE_INVALID")
        try:
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
        except OSError:
            raise _ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED") from None
        if width + height > 10_000 or max(width, height) > 20 * min(width, height):
            raise _ApiError(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
        stored = self.add_file(data)
        result = self._store(params, "photo", None, upload=data)
        result["photo"] = [{"file_id": stored.file_id, "file_unique_id": stored.unique_id,
                            "file_size": len(data), "width": width, "height": height}]
        if params.get("caption"):
            result["caption"] = params["caption"]
        return result

    # Helpers -----------------------------------------------------------------------------------

    def _upload(self, params: dict[str, Any], files: dict[str, bytes], kind: str) -> Any:
        data = files.get(kind)
        ref = params.get(kind)
        if data is None and isinstance(ref, str) and ref.startswith("file://"):
            data = Path(ref.removeprefix("file://")).read_bytes()  # local Bot API mode
        if data is None and isinstance(ref, str) and ref.startswith("attach://"):
            data = files.get(ref.removeprefix("attach://"))
        if data is None:
            raise _ApiError(400, f"Bad Request: there is no {kind} in the request")
        if len(data) > self.upload_limit:
            raise _ApiError(413, "Request Entity Too Large")
        if params.get("thumbnail") is not None:
            self.thumbnails.append(_thumbnail(params["thumbnail"], files))
        stored = self.add_file(data)
        result = self._store(params, kind, None, upload=data)
        media = {"file_id": stored.file_id, "file_unique_id": stored.unique_id,
                 "file_size": len(data), "mime_type": "video/mp4"}
        if kind == "video":
            media.update(width=int(params.get("width") or 0), height=int(params.get("height") or 0),
                         duration=int(params.get("duration") or 0))
        if kind == "audio":  # Telegram reads the length from the file; here the sender's word
            media.update(mime_type="audio/mpeg", duration=int(params.get("duration") or 0),
                         title=params.get("title"), performer=params.get("performer"))
        result[kind] = media
        if params.get("caption"):
            result["caption"] = params["caption"]
        return result

    def _store(self, params: dict[str, Any], kind: str, text: str | None,
               upload: bytes | None = None) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        sent = Sent(chat_id, next(self._message_ids[chat_id]), kind, text, params,
                    time.perf_counter(), upload, params.get("reply_markup"))
        self.chats[chat_id].append(sent)
        return self._message_json(sent)

    def _find(self, params: dict[str, Any], missing: str) -> Sent:
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        for sent in self.chats[chat_id]:
            if sent.message_id == message_id and not sent.deleted:
                return sent
        raise _ApiError(400, missing)

    def _chat_of(self, chat_id: int, user: dict[str, Any]) -> dict[str, Any]:
        return self.private(user) if chat_id > 0 else self.group(chat_id)

    def _message_json(self, sent: Sent) -> dict[str, Any]:
        chat = ({"id": sent.chat_id, "type": "private", "first_name": "Ann"} if sent.chat_id > 0
                else self.group(sent.chat_id))
        out: dict[str, Any] = {"message_id": sent.message_id, "date": int(time.time()),
                               "chat": chat, "from": self.bot_user()}
        if sent.text is not None:
            out["text"] = sent.text
        if sent.reply_markup:
            out["reply_markup"] = sent.reply_markup
        return out


def _inline_only(markup: object) -> None:
    """An edit keeps an inline keyboard or none (Telegram refuses reply keyboards there), and
    every button's callback_data is 1-64 bytes."""
    if markup is None:
        return
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    if not isinstance(rows, list):
        raise _ApiError(400, "Bad Request: inline keyboard expected")
    for row in rows:
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")


def _language(params: dict[str, Any]) -> str:
    language = str(params.get("language_code") or "")
    if language and not re.fullmatch(r"[a-z]{2}", language):
        raise _ApiError(400, "Bad Request: invalid language code specified")
    return language


def _thumbnail(ref: object, files: dict[str, bytes]) -> tuple[int, int, int]:
    """The thumbnail's size, refused as Telegram's rules say: uploaded in the request
    ("attach://name"), JPEG, width and height at most 320, under 200 kB."""
    if not isinstance(ref, str) or not ref.startswith("attach://") \
            or ref.removeprefix("attach://") not in files:
        raise _ApiError(400, "Bad Request: thumbnail must be uploaded as a new file")
    data = files[ref.removeprefix("attach://")]
    size = jpeg_size(data)
    if size is None:
        raise _ApiError(400, "Bad Request: thumbnail must be in JPEG format")
    if len(data) >= 200 * 1000:
        raise _ApiError(400, "Bad Request: thumbnail is too big")
    if max(size) > 320:
        raise _ApiError(400, "Bad Request: thumbnail dimensions are too big")
    return size[0], size[1], len(data)


def jpeg_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a JPEG's frame header; None when it is not a JPEG."""
    if not data.startswith(b"\xff\xd8"):
        return None
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        length = int.from_bytes(data[i + 2:i + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):  # baseline, extended, progressive frame
            height = int.from_bytes(data[i + 5:i + 7], "big")
            width = int.from_bytes(data[i + 7:i + 9], "big")
            return width, height
        i += 2 + length
    return None


class _ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def _error(status: int, description: str, parameters: dict[str, Any] | None = None
           ) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)


async def _drain(request: web.Request) -> None:
    async for _ in request.content.iter_chunked(1 << 16):
        pass


async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Form, multipart or JSON parameters, with JSON-encoded fields decoded as Telegram does."""
    params: dict[str, Any] = {}
    files: dict[str, bytes] = {}
    if request.content_type == "application/json":
        params = dict(await request.json())
    elif request.body_exists:
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                files[key] = value.file.read()
            else:
                params[key] = value
    params.update(request.query)
    for key in _JSON_FIELDS & params.keys():
        if isinstance(params[key], str):
            params[key] = json.loads(params[key])
    return params, files


def _entities(text: str) -> list[dict[str, Any]]:
    """bot_command and mention entities, with offsets in UTF-16 code units like Telegram."""
    out: list[dict[str, Any]] = []
    for i, word in _words(text):
        if word.startswith("/") and i == 0:
            kind = "bot_command"
        elif word.startswith("@") and len(word) > 1:
            kind = "mention"
        else:
            continue
        out.append({"type": kind, "offset": _u16(text[:i]), "length": _u16(word)})
    return out


def _words(text: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    i = 0
    for part in text.split(" "):
        word = part.rstrip(",.!?:;")
        if word:
            out.append((i, word))
        i += len(part) + 1
    return out


def _u16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
