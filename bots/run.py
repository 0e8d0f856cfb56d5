"""`backtrack run`: every configured way in at once, on one event loop, with one `App`; and the
one way `backtrack telegram` and `backtrack discord` start and stop too (`run_ways` with one way).

Telegram runs when TELEGRAM_BOT_TOKEN is set, Discord when DISCORD_BOT_TOKEN is set, the link
server when BACKTRACK_LINK_PUBLIC_URL is set. SIGINT/SIGTERM stop it cleanly: Telegram stops
taking updates, running renders get a grace period, turns still running are then cancelled
(their renders recorded as interrupted, their chats told), the ways in stop, and the store is
closed last. A second signal skips the grace period. A start-up failure is one line on stderr
(exit 2 for a setting to fix, 1 otherwise), never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

from core.config import Settings
from core.errors import BacktrackError, ConfigError, EngineError, UserError
from core.logs import setup_logging

if TYPE_CHECKING:
    from bots.bootstrap import App

log = logging.getLogger("backtrack.run")

DEFAULT_GRACE = 8.0
"""Seconds running renders get to finish at shutdown."""

NOTHING_TO_RUN = (
    "Nothing to run: set TELEGRAM_BOT_TOKEN and/or DISCORD_BOT_TOKEN (and "
    "BACKTRACK_LINK_PUBLIC_URL for download links) in .env, then run `backtrack run` again.\n"
    "To try Backtrack without any token, use `backtrack chat`. The README explains each setting."
)


class Way(Protocol):
    """A way in, started and stopped inside the running loop."""

    name: str

    async def start(self) -> None: ...

    async def pause(self) -> None:
        """Stop taking new messages (where the platform allows) but keep sending."""
        ...

    async def stop(self) -> None: ...

    async def wait(self) -> None:
        """Returns (or raises) only if the way stopped on its own."""
        ...


def planned(settings: Settings) -> list[str]:
    """Which ways in the settings ask for, in start order."""
    names = []
    if settings.link_public_url:
        names.append("links")
    if settings.telegram_bot_token is not None:
        names.append("telegram")
    if settings.discord_bot_token is not None:
        names.append("discord")
    return names


# The ways in -------------------------------------------------------------------------------


class LinkWay:
    """The download-link server."""

    name = "links"

    def __init__(self, app: App, drop_pending: bool = False) -> None:
        """`drop_pending` is Telegram's (updates sent while offline); links have none."""
        from bots.linkserver import LinkServer

        if app.signer is None:
            raise ConfigError("BACKTRACK_LINK_PUBLIC_URL is set but no link signer was made")
        self._server = LinkServer(app.settings, app.store, app.signer, app.files)
        self._stopped = asyncio.Event()

    async def start(self) -> None:
        await self._server.start()
        log.info("link server ready", extra={"port": self._server.port})

    async def pause(self) -> None:
        """Links keep working while renders finish."""

    async def stop(self) -> None:
        await self._server.stop()
        self._stopped.set()

    async def wait(self) -> None:
        await self._stopped.wait()


class DiscordWay:
    """The Discord bot: logged in at start (a bad token is a ConfigError), connected in a task."""

    name = "discord"

    def __init__(self, app: App, drop_pending: bool = False) -> None:
        from bots.discord_bot import BacktrackBot
        from bots.discord_server import point_at
        from bots.tokens import hide_interaction_tokens

        hide_interaction_tokens()  # before the first request can log one
        point_at(app.settings.discord_api_url)
        self._bot = BacktrackBot(app.settings, app.assistant, app.gate)
        token = app.settings.discord_bot_token
        self._token = token.get_secret_value().strip() if token is not None else ""
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        import aiohttp
        import discord

        try:
            await self._bot.login(self._token)
        except discord.LoginFailure as exc:
            await self._bot.close()
            raise ConfigError("Discord refused DISCORD_BOT_TOKEN: check the token in .env") from exc
        except (OSError, aiohttp.ClientError, discord.HTTPException) as exc:
            await self._bot.close()
            url = self._bot.settings.discord_api_url
            # Not a setting to fix (exit 1): the network, or Discord, may come back.
            raise EngineError(f"Could not reach Discord{f' at {url}' if url else ''} "
                              f"({type(exc).__name__}): check the network"
                              + (", or DISCORD_API_URL." if url else ".")) from exc
        self._task = asyncio.create_task(self._bot.connect(), name="discord")

    async def pause(self) -> None:
        """The gateway cannot be told to hold events; the assistant refuses new turns instead."""

    async def stop(self) -> None:
        await self._bot.close()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self._task, 10)

    async def wait(self) -> None:
        import discord

        from bots.discord_server import first_connect_failed

        if self._task is not None:
            try:
                await asyncio.shield(self._task)
            except discord.PrivilegedIntentsRequired as exc:
                raise ConfigError(
                    "DISCORD_MESSAGE_CONTENT=true needs the Message Content intent: enable it "
                    "in the developer portal (Bot page) or set DISCORD_MESSAGE_CONTENT=false"
                ) from exc
            except Exception as exc:
                raise first_connect_failed(self._bot, exc) from exc


class TelegramWay:
    """The Telegram bot through `bots.telegram_bot.start` / `stop`."""

    name = "telegram"

    def __init__(self, app: App, drop_pending: bool = False) -> None:
        self._app = app
        self._drop_pending = drop_pending
        self._running: Any = None

    async def start(self) -> None:
        """A refused token or an unreachable server is a ConfigError in words (see `start`)."""
        from bots import telegram_bot

        self._running = await telegram_bot.start(self._app, drop_pending=self._drop_pending)

    async def pause(self) -> None:
        updater = self._running.application.updater if self._running is not None else None
        if updater is not None and updater.running:
            await updater.stop()

    async def stop(self) -> None:
        from bots import telegram_bot

        if self._running is not None:
            # Turns were cancelled just before; this only lets their last words go out.
            await telegram_bot.stop(self._running)

    async def wait(self) -> None:
        if self._running is not None:
            await self._running.done.wait()


WAYS: dict[str, Callable[[App, bool], Way]] = {
    "links": LinkWay, "telegram": TelegramWay, "discord": DiscordWay,
}


# Running -----------------------------------------------------------------------------------


class Stopper:
    """Turns SIGINT/SIGTERM into events: the first asks for a stop, the second for haste."""

    def __init__(self) -> None:
        self.stop = asyncio.Event()
        self.hurry = asyncio.Event()

    def __call__(self, signum: int) -> None:
        if self.stop.is_set():
            self.hurry.set()
        self.stop.set()
        log.info("signal received, stopping", extra={"signal": signal.Signals(signum).name})

    def install(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self, signum)

    def uninstall(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)


async def _finish_renders(app: App, grace: float, hurry: asyncio.Event) -> None:
    """Wait up to `grace` seconds for the renders in the store to leave queued/running.

    The store is the one place that knows (past one process it also counts other workers'
    renders; the wait is bounded by the grace either way)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace
    while not hurry.is_set() and (left := deadline - loop.time()) > 0:
        active = await app.store.renders_in_state("queued", "running")
        if not active:
            return
        log.info("waiting for renders to finish", extra={"renders": len(active)})
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(hurry.wait(), min(0.5, left))


async def _shut_down(app: App, started: list[Way], grace: float, hurry: asyncio.Event) -> None:
    """Pause intake, let renders finish, cancel the rest while chats can still be told, then
    stop the ways in and close the app (the store last)."""
    for way in reversed(started):
        await _quietly(way.pause(), f"pausing {way.name}")
    await _quietly(_finish_renders(app, grace, hurry), "waiting for renders")
    # Cancel remaining turns now: their chats hear "restarting" while the adapters still run.
    await _quietly(app.assistant.aclose(), "closing the assistant")
    for way in reversed(started):
        await _quietly(way.stop(), f"stopping {way.name}")
    await app.aclose()


async def _quietly(work: Awaitable[None], what: str) -> None:
    try:
        await work
    except Exception:
        log.exception("%s failed", what)


async def serve(settings: Settings, *, grace: float, stopper: Stopper | None = None,
                ways: list[str] | None = None, drop_pending: bool = False) -> int:
    """Run `ways` (default: every one the settings ask for) until a signal (exit 0) or until a
    way in stops on its own (exit 1; 2 when it stopped over a setting)."""
    stopper = stopper or Stopper()
    stopper.install()
    try:
        return await _serve(settings, grace, stopper, ways, drop_pending)
    finally:
        stopper.uninstall()


async def serve_in_words(settings: Settings, ways: list[str] | None = None, *,
                         grace: float = DEFAULT_GRACE, drop_pending: bool = False) -> int:
    """`serve` for a command line: the shared log set-up first, a start-up failure as one line
    on stderr and its exit code (2: a setting to fix, 1: anything else)."""
    setup_logging(settings)
    try:
        return await serve(settings, grace=grace, ways=ways, drop_pending=drop_pending)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    except OSError as exc:  # most often the link port is taken
        print(f"Could not start: {exc.strerror or exc}. `backtrack doctor` says what to fix.",
              file=sys.stderr)
        return 1
    except BacktrackError as exc:  # the store cannot be opened, the disk is full...
        words = exc.user_message if isinstance(exc, UserError) else str(exc)
        print(f"Could not start: {words} `backtrack doctor` says what to fix.", file=sys.stderr)
        return 1


async def _serve(settings: Settings, grace: float, stopper: Stopper,
                 ways: list[str] | None = None, drop_pending: bool = False) -> int:
    from bots.bootstrap import build_app

    app = await build_app(settings)
    started: list[Way] = []
    waiting: list[asyncio.Future[Any]] = []  # the watchers and the stop event's wait
    code = 0
    try:
        for name in planned(settings) if ways is None else ways:
            way = WAYS[name](app, drop_pending)
            await way.start()
            started.append(way)
        # Renders a crash left behind: resumed or reported (idempotent; ways in that register
        # a notifier later get their chats' notices then).
        await app.assistant.recover()
        log.info("backtrack running", extra={"ways": ",".join(w.name for w in started),
                                             "engine": settings.engine})
        watchers: dict[asyncio.Future[Any], Way] = {
            asyncio.ensure_future(w.wait()): w for w in started}
        stop = asyncio.ensure_future(stopper.stop.wait())
        waiting += [stop, *watchers]
        done, _ = await asyncio.wait({stop, *watchers}, return_when=asyncio.FIRST_COMPLETED)
        for task in done - {stop}:
            exc = task.exception()
            if isinstance(exc, BacktrackError):  # already in words: no traceback
                log.error("%s stopped on its own; shutting down: %s", watchers[task].name, exc)
            else:
                log.error("%s stopped on its own; shutting down", watchers[task].name,
                          exc_info=exc)
            code = 2 if isinstance(exc, ConfigError) else 1
    finally:
        # Also when `_serve` itself is cancelled inside `asyncio.wait`: nothing left pending.
        for task in waiting:
            task.cancel()
        await asyncio.gather(*waiting, return_exceptions=True)
        await _shut_down(app, started, grace, stopper.hurry)
        log.info("backtrack stopped", extra={"exit": code})
    return code


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--grace", type=float, default=DEFAULT_GRACE,
                        help="seconds running renders get to finish at shutdown (default 8)")


def run(args: argparse.Namespace) -> int:
    from bots.adapter import settings_or_none

    settings = settings_or_none()
    if settings is None:
        return 2
    if not planned(settings):
        print(NOTHING_TO_RUN, file=sys.stderr)
        return 2
    return asyncio.run(serve_in_words(settings, grace=args.grace))
