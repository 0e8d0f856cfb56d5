"""A fake Discord REST API and CDN on 127.0.0.1 that the real discord.py talks to.

It implements the routes the Backtrack bot uses and enforces the rules that matter to it:
bot-token auth on REST routes, the 3 s deadline and single acknowledgement of an interaction,
the interaction token's lifetime (15 minutes, configurable), and the upload limit (413 with
Discord's code 40005). Gateway events are not served here: tests build payloads with the
helpers below and inject them into the client's connection state.

Faults: tests can make the next calls of a route (named after its handler: "followup",
"edit_original", "channel_message", "edit_message", "callback", "cdn", ...) answer a 5xx
(`fail_next`), hang up without answering (`drop_next`) or stall and then hang up (`stall_next`);
such a call does nothing and is listed in `faulted`. Note that discord.py itself tries 500, 502,
504 and 524 again (1 s, 3 s, ... apart) on REST routes, and every 5xx on webhook routes.

A component interaction may be answered with DEFERRED_UPDATE_MESSAGE (6) or UPDATE_MESSAGE (7),
which act on the message the component is on (7 edits it at once; after 6, @original edits it);
other interactions get 400 for those types.

Command sync is checked as Discord checks it (`check_command`): names and descriptions by
command type, `integration_types` (0 guild install, 1 user install), `contexts` (0 guild, 1 bot
DM, 2 private channel), `name_localizations`/`description_localizations` keyed by known locales
and valid like the names they localise, and `choices` (at most 25, names 1-100 characters);
a refused body is 400 with code 50035 and the reason. Interactions can be slash commands,
message context-menu commands ("Add music" on a message), button presses and select-menu
choices, in any context; `installed_by_user` makes one from a user-installed app (the bot is
not in that server: `authorizing_integration_owners` names the user).

GET /gateway/bot names a websocket address (`gateway_url`; tests/fakes/discord_gateway.py
serves one for bots run as processes). Not modelled here: the gateway websocket, rate-limit
buckets and 429s, permissions, embeds, message history, attachment expiry of CDN URLs, the
"first follow-up replaces the thinking message" quirk.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import BodyPartReader, web
from discord.utils import time_snowflake

MIB = 1024 * 1024


def _json(data: Any, status: int = 200) -> web.Response:
    """JSON with the exact content type discord.py checks for (no charset parameter)."""
    return web.Response(body=json.dumps(data).encode(), status=status,
                        headers={"Content-Type": "application/json"})


def _error(status: int, code: int, message: str) -> web.Response:
    return _json({"message": message, "code": code}, status)


@dataclass
class Sent:
    """A message the bot posted (channel message, original response or follow-up)."""

    id: int
    channel_id: int
    where: str  # "channel" | "original" | "followup"
    content: str | None
    files: list[tuple[str, bytes]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    flags: int = 0
    reference: int | None = None
    deleted: bool = False
    history: list[str | None] = field(default_factory=list)
    """Every content it had, oldest first (edits in place)."""
    component_history: list[list[dict[str, Any]]] = field(default_factory=list)
    """The components after each edit that changed them."""

    @property
    def custom_ids(self) -> list[str]:
        return [c["custom_id"] for row in self.components for c in row.get("components", [])
                if "custom_id" in c]


class Refused(ValueError):
    """A command Discord would refuse at sync (400, code 50035)."""


LOCALES = frozenset({
    "id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu", "nl",
    "no", "pl", "pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi",
    "th", "zh-CN", "ja", "zh-TW", "ko"})
_CHAT_NAME = re.compile(r"^[-_'\w]{1,32}$")


def _check_name(name: object, chat_input: bool, where: str) -> None:
    if not isinstance(name, str) or not 1 <= len(name) <= 32:
        raise Refused(f"{where}: name must be 1-32 characters")
    if chat_input and (not _CHAT_NAME.match(name) or name != name.lower()):
        raise Refused(f"{where}: invalid chat input name {name!r}")


def _check_localised(obj: dict[str, Any], chat_input: bool, where: str,
                     describe: bool = True) -> None:
    for locale, text in (obj.get("name_localizations") or {}).items():
        if locale not in LOCALES:
            raise Refused(f"{where}: unknown locale {locale!r}")
        _check_name(text, chat_input, f"{where} [{locale}]")
    for locale, text in (obj.get("description_localizations") or {}).items():
        if locale not in LOCALES or not describe or not 1 <= len(text) <= 100:
            raise Refused(f"{where}: bad description localisation {locale!r}")


def check_command(c: dict[str, Any]) -> None:
    """What Discord checks in one command of a bulk overwrite; Refused says why."""
    kind = c.get("type", 1)
    if kind not in (1, 2, 3):
        raise Refused(f"unknown command type {kind}")
    chat = kind == 1
    where = str(c.get("name"))
    _check_name(c.get("name"), chat, where)
    description = c.get("description") or ""
    if chat and not 1 <= len(description) <= 100:
        raise Refused(f"{where}: a slash command needs a description of 1-100 characters")
    if not chat and (description or c.get("options")):
        raise Refused(f"{where}: context-menu commands take no description or options")
    _check_localised(c, chat, where, describe=chat)
    if not set(c.get("integration_types") or [0]) <= {0, 1}:
        raise Refused(f"{where}: integration_types are 0 (guild) and 1 (user)")
    if not set(c.get("contexts") or [0]) <= {0, 1, 2}:
        raise Refused(f"{where}: contexts are 0 (guild), 1 (bot DM) and 2 (private channel)")
    for option in c.get("options") or []:
        at = f"{where}.{option.get('name')}"
        _check_name(option.get("name"), True, at)
        if not 1 <= len(option.get("description") or "") <= 100:
            raise Refused(f"{at}: an option needs a description of 1-100 characters")
        _check_localised(option, True, at)
        choices = option.get("choices") or []
        if len(choices) > 25:
            raise Refused(f"{at}: at most 25 choices")
        for choice in choices:
            if not 1 <= len(str(choice.get("name", ""))) <= 100 or "value" not in choice:
                raise Refused(f"{at}: a choice needs a name of 1-100 characters and a value")
            for locale, text in (choice.get("name_localizations") or {}).items():
                if locale not in LOCALES or not 1 <= len(text) <= 100:
                    raise Refused(f"{at}: bad choice localisation {locale!r}")


@dataclass
class Fault:
    status: int = 503
    hang_up: bool = False
    delay: float = 0.0


@dataclass
class FakeInteraction:
    id: int
    token: str
    channel_id: int
    issued_at: float
    size_limit: int
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    original: Sent | None = None
    followups: list[Sent] = field(default_factory=list)
    kind: int = 2
    """2 application command, 3 message component."""
    message_id: int | None = None
    """The bot's message whose component was used (component interactions)."""


class FakeDiscord:
    """The fake; `await start()`, point `discord.http.Route.BASE` at `api_url`, `await stop()`."""

    def __init__(self, *, token: str = "fake-bot-token", app_id: int = 4242,
                 bot_id: int = 4242, token_ttl: float = 15 * 60, ack_deadline: float = 3.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.token = token
        self.app_id = app_id
        self.bot_id = bot_id
        self.token_ttl = token_ttl
        self.ack_deadline = ack_deadline
        self.clock = clock
        self.commands: dict[int | None, list[dict[str, Any]]] = {}
        """Synced commands by guild id (None: global)."""
        self.refused: list[str] = []
        """Why each refused command sync was refused."""
        self.interactions: dict[str, FakeInteraction] = {}
        self.messages: dict[int, Sent] = {}
        self.dm_channels: dict[int, int] = {}
        self.channel_limits: dict[int, int] = {}
        self.cdn: dict[str, bytes] = {}
        self.cdn_hits: list[str] = []
        self.requests: list[str] = []
        self.gateway_url: str | None = None
        """What GET /gateway/bot answers; None: ws://<this server>/gateway."""
        self.faults: dict[str, deque[Fault]] = defaultdict(deque)
        self.faulted: list[tuple[str, int]] = []
        """(route, status) of every call a fault answered; 499 when it hung up."""
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.port = 0

    # Server --------------------------------------------------------------------------------

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/v10"

    async def start(self) -> None:
        app = web.Application(client_max_size=200 * MIB, middlewares=[self._record])
        api = "/api/v10"
        app.router.add_get(f"{api}/users/@me", self._me)
        app.router.add_get(f"{api}/oauth2/applications/@me", self._application)
        app.router.add_get(f"{api}/gateway/bot", self._gateway)
        app.router.add_put(f"{api}/applications/{{app}}/commands", self._sync)
        app.router.add_put(f"{api}/applications/{{app}}/guilds/{{guild}}/commands", self._sync)
        app.router.add_post(f"{api}/interactions/{{iid}}/{{token}}/callback", self._callback)
        original = f"{api}/webhooks/{{app}}/{{token}}/messages/@original"
        app.router.add_patch(original, self._edit_original)
        app.router.add_get(original, self._get_original)
        app.router.add_delete(original, self._delete_original)
        app.router.add_post(f"{api}/webhooks/{{app}}/{{token}}", self._followup)
        app.router.add_post(f"{api}/channels/{{cid}}/messages", self._channel_message)
        app.router.add_patch(f"{api}/channels/{{cid}}/messages/{{mid}}", self._edit_message)
        app.router.add_post(f"{api}/users/@me/channels", self._open_dm)
        app.router.add_get("/attachments/{cid}/{aid}/{name}", self._cdn)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # Faults ------------------------------------------------------------------------------------

    def fail_next(self, route: str, status: int = 503, *, times: int = 1) -> None:
        """The next `times` calls of `route` answer `status` (a 5xx) and do nothing."""
        self.faults[route].extend(Fault(status) for _ in range(times))

    def drop_next(self, route: str, *, times: int = 1) -> None:
        """The next `times` calls of `route` are read, then the connection is closed unanswered."""
        self.faults[route].extend(Fault(hang_up=True) for _ in range(times))

    def stall_next(self, route: str, seconds: float, *, times: int = 1) -> None:
        """The next `times` calls of `route` get no answer for `seconds`, then a hang-up."""
        self.faults[route].extend(Fault(hang_up=True, delay=seconds) for _ in range(times))

    @web.middleware
    async def _record(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests.append(f"{request.method} {request.path}")
        route = getattr(request.match_info.handler, "__name__", "").lstrip("_")
        if not self.faults[route]:
            response: web.StreamResponse = await handler(request)
            return response
        fault = self.faults[route].popleft()
        await request.read()
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.hang_up:
            self.faulted.append((route, 499))
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=499)
        self.faulted.append((route, fault.status))
        return _error(fault.status, 0, "Service Unavailable")

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 30.0) -> Any:
        """Poll the recorded state until `predicate()` is truthy."""
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; requests so far: {self.requests[-15:]}")
            await asyncio.sleep(0.02)

    # Payload helpers (what the gateway would send) ------------------------------------------

    def snowflake(self) -> int:
        return time_snowflake(datetime.now(UTC)) + next(self._ids)

    def user(self, user_id: int, name: str | None = None, bot: bool = False) -> dict[str, Any]:
        return {"id": str(user_id), "username": name or f"user{user_id}", "discriminator": "0",
                "global_name": None, "avatar": None, "bot": bot}

    def member(self, user_id: int) -> dict[str, Any]:
        return {"user": self.user(user_id), "roles": [], "joined_at": "2024-01-01T00:00:00+00:00",
                "deaf": False, "mute": False, "flags": 0, "permissions": "2147483647"}

    def attachment(self, channel_id: int, name: str, data: bytes,
                   content_type: str | None = "video/mp4", size: int | None = None
                   ) -> dict[str, Any]:
        """Put bytes on the CDN and return the attachment object (size may be declared)."""
        aid = self.snowflake()
        path = f"/attachments/{channel_id}/{aid}/{name}"
        self.cdn[path] = data
        url = f"{self.base}{path}?ex=65a0&is=6590&hm=deadbeef"
        payload = {"id": str(aid), "filename": name, "size": len(data) if size is None else size,
                   "url": url, "proxy_url": url}
        if content_type:
            payload["content_type"] = content_type
        return payload

    def _channel(self, channel_id: int, guild_id: int | None, user_id: int) -> dict[str, Any]:
        if guild_id is None:
            return {"id": str(channel_id), "type": 1, "recipients": [self.user(user_id)]}
        return {"id": str(channel_id), "type": 0, "guild_id": str(guild_id), "name": "general",
                "position": 0, "permission_overwrites": [], "nsfw": False}

    def _interaction(self, kind: int, data: dict[str, Any], *, user_id: int, channel_id: int,
                     guild_id: int | None, size_limit: int,
                     message: dict[str, Any] | None = None, locale: str = "en-US",
                     installed_by_user: bool = False, context: int | None = None
                     ) -> dict[str, Any]:
        iid = self.snowflake()
        token = f"itoken-{iid}-secret"
        self.interactions[token] = FakeInteraction(
            iid, token, channel_id, self.clock(), size_limit, kind=kind,
            message_id=int(message["id"]) if message is not None and kind == 3 else None)
        payload: dict[str, Any] = {
            "id": str(iid), "application_id": str(self.app_id), "type": kind, "data": data,
            "token": token, "version": 1, "channel_id": str(channel_id),
            "channel": self._channel(channel_id, guild_id, user_id),
            "locale": locale, "attachment_size_limit": size_limit, "app_permissions": "0",
            "entitlements": [],
            "authorizing_integration_owners": {"1": str(user_id)} if installed_by_user
            else {"0": str(guild_id)} if guild_id is not None else {},
            "context": context if context is not None else 0 if guild_id is not None else 1,
        }
        if guild_id is not None:
            payload["guild_id"] = str(guild_id)
            payload["guild_locale"] = "en-US"
            payload["member"] = self.member(user_id)
        else:
            payload["user"] = self.user(user_id)
        if message is not None:
            payload["message"] = message
        return payload

    def context_menu(self, name: str, target: dict[str, Any], *, user_id: int,
                     guild_id: int | None = None, size_limit: int = 10 * MIB,
                     **where: Any) -> dict[str, Any]:
        """An INTERACTION_CREATE for a message command (type 3) on `target` (a message payload,
        e.g. from `message()`), resolved the way Discord sends it."""
        data = {"id": str(self.snowflake()), "name": name, "type": 3,
                "target_id": target["id"], "resolved": {"messages": {target["id"]: target}}}
        if guild_id is not None:
            data["guild_id"] = str(guild_id)
        return self._interaction(2, data, user_id=user_id, channel_id=int(target["channel_id"]),
                                 guild_id=guild_id, size_limit=size_limit, **where)

    def select(self, message: Sent, custom_id: str, values: list[str], *, user_id: int,
               guild_id: int | None = None, size_limit: int = 10 * MIB) -> dict[str, Any]:
        """An INTERACTION_CREATE for a choice in a select menu of a message the bot sent."""
        data = {"custom_id": custom_id, "component_type": 3, "values": values}
        return self._interaction(3, data, user_id=user_id, channel_id=message.channel_id,
                                 guild_id=guild_id, size_limit=size_limit,
                                 message=self._message_json(message))

    def slash(self, name: str, *, user_id: int, channel_id: int, guild_id: int | None = None,
              size_limit: int = 10 * MIB, where: dict[str, Any] | None = None,
              **options: str | dict[str, Any]) -> dict[str, Any]:
        """An INTERACTION_CREATE for a slash command; dict options are attachment objects."""
        opts: list[dict[str, Any]] = []
        attachments: dict[str, Any] = {}
        for key, value in options.items():
            if isinstance(value, dict):
                attachments[value["id"]] = value
                opts.append({"name": key, "type": 11, "value": value["id"]})
            else:
                opts.append({"name": key, "type": 3, "value": value})
        data: dict[str, Any] = {"id": str(self.snowflake()), "name": name, "type": 1,
                                "options": opts}
        if attachments:
            data["resolved"] = {"attachments": attachments}
        if guild_id is not None:
            data["guild_id"] = str(guild_id)
        return self._interaction(2, data, user_id=user_id, channel_id=channel_id,
                                 guild_id=guild_id, size_limit=size_limit, **(where or {}))

    def button(self, message: Sent, custom_id: str, *, user_id: int, guild_id: int | None = None,
               size_limit: int = 10 * MIB) -> dict[str, Any]:
        """An INTERACTION_CREATE for a press on a button of a message the bot sent."""
        data = {"custom_id": custom_id, "component_type": 2}
        return self._interaction(3, data, user_id=user_id, channel_id=message.channel_id,
                                 guild_id=guild_id, size_limit=size_limit,
                                 message=self._message_json(message))

    def message(self, *, user_id: int, channel_id: int, content: str = "",
                guild_id: int | None = None, attachments: list[dict[str, Any]] | None = None,
                mention_bot: bool = False) -> dict[str, Any]:
        """A MESSAGE_CREATE from a person."""
        payload: dict[str, Any] = {
            "id": str(self.snowflake()), "channel_id": str(channel_id), "type": 0,
            "content": content, "author": self.user(user_id), "tts": False,
            "timestamp": datetime.now(UTC).isoformat(), "edited_timestamp": None,
            "mention_everyone": False, "mention_roles": [], "pinned": False,
            "mentions": [self.user(self.bot_id, "backtrack", bot=True)] if mention_bot else [],
            "attachments": attachments or [], "embeds": [], "components": [], "flags": 0,
        }
        if guild_id is not None:
            payload["guild_id"] = str(guild_id)
            payload["member"] = {k: v for k, v in self.member(user_id).items() if k != "user"}
        return payload

    def _message_json(self, sent: Sent) -> dict[str, Any]:
        return {
            "id": str(sent.id), "channel_id": str(sent.channel_id), "type": 0,
            "content": sent.content or "", "author": self.user(self.bot_id, "backtrack", bot=True),
            "timestamp": datetime.now(UTC).isoformat(), "edited_timestamp": None, "tts": False,
            "mention_everyone": False, "mentions": [], "mention_roles": [], "pinned": False,
            "attachments": [{"id": str(self.snowflake()), "filename": n, "size": len(b),
                             "url": f"{self.base}/x/{n}", "proxy_url": f"{self.base}/x/{n}"}
                            for n, b in sent.files],
            "embeds": [], "components": sent.components, "flags": sent.flags,
        }

    # Queries for tests ------------------------------------------------------------------------

    def channel_messages(self, channel_id: int) -> list[Sent]:
        return [m for m in self.messages.values()
                if m.where == "channel" and m.channel_id == channel_id]

    def interaction(self, payload: dict[str, Any]) -> FakeInteraction:
        return self.interactions[payload["token"]]

    # Routes -------------------------------------------------------------------------------------

    def _authorized(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bot {self.token}"

    async def _me(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return _error(401, 0, "401: Unauthorized")
        return _json({**self.user(self.bot_id, "backtrack", bot=True),
                                  "verified": True, "mfa_enabled": False, "flags": 0})

    async def _gateway(self, request: web.Request) -> web.Response:
        """Where the websocket is: `gateway_url`, else this server's /gateway (not served, so a
        client that follows it is refused there, and the attempt is in `requests`)."""
        if not self._authorized(request):
            return _error(401, 0, "401: Unauthorized")
        return _json({"url": self.gateway_url or f"ws://127.0.0.1:{self.port}/gateway",
                      "shards": 1, "session_start_limit": {
                          "total": 1000, "remaining": 999, "reset_after": 0,
                          "max_concurrency": 1}})

    async def _application(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return _error(401, 0, "401: Unauthorized")
        return _json({
            "id": str(self.app_id), "name": "Backtrack", "description": "", "icon": None,
            "bot_public": True, "bot_require_code_grant": False, "verify_key": "00",
            "owner": self.user(1, "owner"), "flags": 0, "summary": "",
        })

    async def _sync(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return _error(401, 0, "401: Unauthorized")
        if int(request.match_info["app"]) != self.app_id:
            return _error(403, 50001, "Missing Access")
        guild = request.match_info.get("guild")
        body = await request.json()
        guild_id = int(guild) if guild else None
        try:
            for command in body:
                check_command(command)
        except Refused as exc:
            self.refused.append(str(exc))
            return _json({"message": "Invalid Form Body", "code": 50035,
                          "errors": {"_errors": [{"code": "BASE_TYPE_INVALID",
                                                  "message": str(exc)}]}}, 400)
        synced = [{"description": "", **c, "id": str(self.snowflake()),
                   "application_id": str(self.app_id), "version": "1", "type": c.get("type", 1),
                   **({"guild_id": guild} if guild else {})} for c in body]
        self.commands[guild_id] = synced
        return _json(synced)

    def _live(self, token: str) -> FakeInteraction | web.Response:
        found = self.interactions.get(token)
        if found is None or self.clock() - found.issued_at > self.token_ttl:
            return _error(401, 50027, "Invalid Webhook Token")
        return found

    async def _callback(self, request: web.Request) -> web.Response:
        found = self.interactions.get(request.match_info["token"])
        if found is None or str(found.id) != request.match_info["iid"]:
            return _error(404, 10062, "Unknown interaction")
        if self.clock() - found.issued_at > self.ack_deadline:
            return _error(404, 10062, "Unknown interaction")
        if found.callbacks:
            return _error(400, 40060, "Interaction has already been acknowledged.")
        body, files = await self._read_body(request)
        kind = body.get("type")
        if kind not in (4, 5, 6, 7):
            return _error(400, 50035, "Invalid Form Body")
        data = body.get("data") or {}
        if kind in (6, 7):
            # Only for components: the response IS the message the component is on.
            target = self.messages.get(found.message_id or 0)
            if found.kind != 3 or target is None:
                return _error(400, 50035, "Invalid Form Body: interaction response type "
                              f"{kind} is only valid for message component interactions")
            found.callbacks.append(body)
            found.original = target
            if kind == 7:
                self._update(target, data)
        else:
            found.callbacks.append(body)
            found.original = Sent(self.snowflake(), found.channel_id, "original",
                                  data.get("content"), files, data.get("components", []),
                                  data.get("flags", 0))
            found.original.history.append(found.original.content)
            self.messages[found.original.id] = found.original
        return _json({
            "interaction": {"id": str(found.id), "type": 2,
                            "response_message_id": str(found.original.id),
                            "response_message_loading": kind == 5,
                            "response_message_ephemeral": bool(found.original.flags & 64)},
            "resource": {"type": kind, "message": self._message_json(found.original)},
        })

    async def _edit_original(self, request: web.Request) -> web.Response:
        found = self._live(request.match_info["token"])
        if isinstance(found, web.Response):
            return found
        if found.original is None:
            return _error(404, 10008, "Unknown Message")
        body, files = await self._read_body(request)
        if sum(len(b) for _, b in files) > found.size_limit:
            return _error(413, 40005, "Request entity too large")
        original = found.original
        self._update(original, body)
        original.files += files
        return _json(self._message_json(original))

    @staticmethod
    def _update(message: Sent, body: dict[str, Any]) -> None:
        """An edit of content and/or components; each kept in the message's history."""
        if "content" in body:
            message.content = body["content"]
            message.history.append(message.content)
        if "components" in body:
            message.components = body["components"] or []
            message.component_history.append(message.components)

    async def _get_original(self, request: web.Request) -> web.Response:
        found = self._live(request.match_info["token"])
        if isinstance(found, web.Response):
            return found
        if found.original is None:
            return _error(404, 10008, "Unknown Message")
        return _json(self._message_json(found.original))

    async def _delete_original(self, request: web.Request) -> web.Response:
        found = self._live(request.match_info["token"])
        if isinstance(found, web.Response):
            return found
        if found.original is None or found.original.deleted:
            return _error(404, 10008, "Unknown Message")
        found.original.deleted = True
        return web.Response(status=204)

    async def _followup(self, request: web.Request) -> web.Response:
        found = self._live(request.match_info["token"])
        if isinstance(found, web.Response):
            return found
        if not found.callbacks:
            return _error(404, 10015, "Unknown Webhook")
        body, files = await self._read_body(request)
        if sum(len(b) for _, b in files) > found.size_limit:
            return _error(413, 40005, "Request entity too large")
        sent = Sent(self.snowflake(), found.channel_id, "followup", body.get("content"), files,
                    body.get("components", []), body.get("flags", 0))
        sent.history.append(sent.content)
        found.followups.append(sent)
        self.messages[sent.id] = sent
        return _json(self._message_json(sent))

    async def _channel_message(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return _error(401, 0, "401: Unauthorized")
        channel_id = int(request.match_info["cid"])
        body, files = await self._read_body(request)
        if sum(len(b) for _, b in files) > self.channel_limits.get(channel_id, 10 * MIB):
            return _error(413, 40005, "Request entity too large")
        if not body.get("content") and not files:
            return _error(400, 50006, "Cannot send an empty message")
        reference = body.get("message_reference") or {}
        sent = Sent(self.snowflake(), channel_id, "channel", body.get("content"), files,
                    body.get("components", []), body.get("flags", 0),
                    int(reference["message_id"]) if reference.get("message_id") else None)
        sent.history.append(sent.content)
        self.messages[sent.id] = sent
        return _json(self._message_json(sent))

    async def _edit_message(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return _error(401, 0, "401: Unauthorized")
        sent = self.messages.get(int(request.match_info["mid"]))
        if sent is None or sent.channel_id != int(request.match_info["cid"]):
            return _error(404, 10008, "Unknown Message")
        body, _ = await self._read_body(request)
        if "content" in body:
            sent.content = body["content"]
            sent.history.append(sent.content)
        return _json(self._message_json(sent))

    async def _open_dm(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return _error(401, 0, "401: Unauthorized")
        user_id = int((await request.json())["recipient_id"])
        channel_id = self.dm_channels.setdefault(user_id, self.snowflake())
        return _json({"id": str(channel_id), "type": 1,
                                  "recipients": [self.user(user_id)], "last_message_id": None})

    async def _cdn(self, request: web.Request) -> web.Response:
        self.cdn_hits.append(request.path)
        data = self.cdn.get(request.path)
        if data is None:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=data, content_type="application/octet-stream")

    @staticmethod
    async def _read_body(request: web.Request) -> tuple[dict[str, Any], list[tuple[str, bytes]]]:
        """JSON, or multipart with payload_json and files[n] (what discord.py sends)."""
        if not request.content_type.startswith("multipart/"):
            return (await request.json() if request.can_read_body else {}), []
        body: dict[str, Any] = {}
        files: list[tuple[str, bytes]] = []
        indexes: list[str] = []
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):  # nested multipart: not used here
                continue
            if part.name == "payload_json":
                body = json.loads(await part.text())
            elif part.name and part.name.startswith("files["):
                files.append((part.filename or part.name, bytes(await part.read(decode=False))))
                indexes.append(part.name[len("files["):-1])
        # Discord matches files[n] to an entry of payload_json's "attachments" by id.
        listed = {str(a.get("id")) for a in body.get("attachments") or []}
        if files and not set(indexes) <= listed:
            raise web.HTTPBadRequest(content_type="application/json", text=json.dumps(
                {"code": 50035, "message": "Invalid Form Body", "errors": {"attachments": {}}}))
        return body, files
