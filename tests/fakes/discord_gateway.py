"""A fake Discord gateway (websocket) on 127.0.0.1, for discord.py running as a process.

Enough of the protocol for a bot to come online and receive events: HELLO, IDENTIFY (the token
is checked; a wrong one is closed with 4004), READY, heartbeat ACKs, and `dispatch(event, data)`
to send any event (MESSAGE_CREATE, INTERACTION_CREATE, ...) to every identified connection.
Frames are sent as uncompressed text, which discord.py accepts although it asks for
zlib-stream. Not modelled: RESUME, sharding, rate limits, GUILD_CREATE and member chunking.
Point `FakeDiscord.gateway_url` at `url` so GET /gateway/bot names it.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from aiohttp import WSMsgType, web


class FakeGateway:
    """`await start()`, then `url`; `identified` counts bots that came online."""

    def __init__(self, token: str, bot_user: dict[str, Any], app_id: int) -> None:
        self.token = token
        self.bot_user = bot_user
        self.app_id = app_id
        self.identified = 0
        self.intents: list[int] = []
        self._sockets: list[web.WebSocketResponse] = []
        self._seq = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    async def start(self) -> FakeGateway:
        app = web.Application()
        app.router.add_get("/", self._connect)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send an event to every bot that is online."""
        for ws in list(self._sockets):
            await ws.send_str(json.dumps({"op": 0, "t": event, "s": next(self._seq), "d": data}))

    async def _connect(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        async for frame in ws:
            if frame.type != WSMsgType.TEXT:
                continue
            msg = json.loads(frame.data)
            if msg.get("op") == 1:  # heartbeat
                await ws.send_str(json.dumps({"op": 11}))
            elif msg.get("op") == 2:  # identify
                if msg["d"].get("token") != self.token:
                    await ws.close(code=4004, message=b"Authentication failed.")
                    break
                self.intents.append(int(msg["d"].get("intents", 0)))
                self.identified += 1
                self._sockets.append(ws)
                await ws.send_str(json.dumps({"op": 0, "t": "READY", "s": next(self._seq), "d": {
                    "v": 10, "user": self.bot_user, "guilds": [], "session_id": "fake-session",
                    "resume_gateway_url": self.url, "private_channels": [],
                    "application": {"id": str(self.app_id), "flags": 0}}}))
        if ws in self._sockets:
            self._sockets.remove(ws)
        return ws
