"""Where Discord lives (`DISCORD_API_URL`) and how the gateway connection is retried.

discord.py keeps its REST base on a class (`discord.http.Route.BASE`), so pointing it at an
operator's proxy or a tester's fake is process-wide; it is done once, at start-up.

The websocket: discord.py 2.7's `Client.connect` never asks `GET /gateway/bot` where the gateway
is. It opens `DiscordWebSocket.DEFAULT_GATEWAY` (wss://gateway.discord.gg/) and, after READY,
resumes at READY's `resume_gateway_url`; only `AutoShardedClient` calls /gateway/bot (for the
shard count and session limits). So with the REST base moved, the websocket would still go to
Discord itself. When DISCORD_API_URL is set, `follow_gateway` therefore asks that server's
/gateway/bot and makes its answer the gateway: a proxy of the real Discord answers
wss://gateway.discord.gg (unchanged), a fake answers its own websocket address.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import discord
import yarl
from discord.gateway import DiscordWebSocket

from core.errors import EngineError

log = logging.getLogger("backtrack.discord")


def api_base(url: str | None) -> str | None:
    """DISCORD_API_URL as discord.py's Route.BASE: a bare host gets /api/v10, `/api` gets
    `/v10`, any other path is kept (a proxy's own prefix); trailing slashes go."""
    if not url or not url.strip():
        return None
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/")
    if not path:
        path = "/api/v10"
    elif path.endswith("/api"):
        path += "/v10"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment))


def point_at(url: str | None) -> None:
    """Send discord.py's REST calls to `url` (normalised); nothing when it is unset."""
    base = api_base(url)
    if base is not None:
        discord.http.Route.BASE = base
        log.info("discord: REST API at %s", base)


async def follow_gateway(client: discord.Client) -> None:
    """Use the gateway the REST server names (see the module docstring); keep the default when
    it does not answer."""
    try:
        _, url, _ = await client.http.get_bot_gateway()
    except (discord.DiscordException, aiohttp.ClientError, OSError) as exc:
        log.warning("discord: GET /gateway/bot failed (%s); using %s", type(exc).__name__,
                    DiscordWebSocket.DEFAULT_GATEWAY)
        return
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
    log.info("discord: gateway at %s", url)


class QuietReconnects(logging.Filter):
    """discord.py logs every failed gateway attempt with a full traceback ("Attempting a
    reconnect in 3.2s"); an unreachable gateway is a condition, not a bug: one line each."""

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith("Attempting a reconnect") and record.exc_info:
            exc: Any = record.exc_info[1]
            delay = record.args[0] if isinstance(record.args, tuple) and record.args else 0.0
            record.msg = "discord: gateway connection failed (%s: %s); next try in %.1fs"
            record.args = (type(exc).__name__, exc, delay)
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def quiet_reconnects() -> None:
    """Install `QuietReconnects` on discord.py's client logger, once."""
    client_log = logging.getLogger("discord.client")
    if not any(isinstance(f, QuietReconnects) for f in client_log.filters):
        client_log.addFilter(QuietReconnects())


def first_connect_failed(client: discord.Client, exc: BaseException) -> BaseException:
    """The error to report when `client.connect()` ended with `exc`: words when the gateway was
    never reached (discord.py's AttributeError then hides the real cause, already logged).

    A connection that drops is retried by discord.py with growing pauses, one warning line each
    (`quiet_reconnects`). The first connection is different: discord.py 2.7 cannot retry it (it
    reads `self.ws.sequence` while `ws` is still None), so a gateway that never answered ends
    the process with one line; the supervisor restarts it."""
    if client.ws is None and isinstance(exc, AttributeError):
        return EngineError(f"Could not connect to Discord's gateway at "
                           f"{DiscordWebSocket.DEFAULT_GATEWAY} (the warning above says why).")
    return exc
