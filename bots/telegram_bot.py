"""`backtrack telegram`: the Telegram adapter (python-telegram-bot 22).

Handlers only translate: a Telegram message or button press becomes a `Turn`
(`bots.telegram_inbound`), and the assistant's replies are shown by `bots.telegram_replies`.
Updates run concurrently, so a long render in one chat never delays another; within one
conversation messages go through in arrival order (`ChatOrder`), and "cancel"/"status" never wait.

`start(app)` / `stop(running)` run the bot inside an existing loop (`backtrack run` and the
tests); `run(args)` is the `backtrack telegram` command.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import shutil
import sys
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from telegram import Bot, Chat, Update, User
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bots.adapter import AssistantPort, GatePort, settings_or_none
from bots.retry import DEFAULT_BACKOFF, Backoff, retrying
from bots.telegram_calls import on_the_way
from bots.telegram_inbound import (
    PATIENCE,
    ChatOrder,
    addressed,
    clean_text,
    conversation_key,
    is_group,
    is_urgent,
    language_of,
    offered_files,
    webhook_secret,
)
from bots.telegram_profile import introduce
from bots.telegram_replies import (
    CLOUD_DOWNLOAD_LIMIT,
    CLOUD_UPLOAD_LIMIT,
    LOCAL_UPLOAD_LIMIT,
    TOO_BIG_TO_FETCH,
    UPLOAD_TIMEOUT,
    Outbox,
    card_of,
    label_of,
    send_text,
    show_replies,
)
from bots.telegram_server import api_url, make_bot, quiet_bad_answers
from bots.telegram_status import EDIT_INTERVAL
from bots.tokens import hide_token_in_logs
from core import words
from core.config import Settings
from core.conversation.turn import Attachment, Fetch, Notice, Reply, Turn
from core.errors import (
    ConfigError,
    EngineError,
    TooLarge,
    apology,
    new_error_id,
)

log = logging.getLogger("backtrack.telegram")

MAX_UPLOADS = 4
"""Uploads in flight at once: in cloud mode each holds its file in memory."""
STOP_GRACE = 5.0
"""Seconds turns in flight get to finish when the bot stops; the rest are cancelled."""

PTBApp = Application[Any, Any, Any, Any, Any, Any]


# What the adapter needs from bots.bootstrap.App --------------------------------------------------


class AppLike(Protocol):
    @property
    def settings(self) -> Settings: ...
    @property
    def assistant(self) -> AssistantPort: ...
    @property
    def gate(self) -> GatePort: ...


# The adapter ----------------------------------------------------------------------------------


class TelegramBot:
    """Receives its dependencies; PTB calls its handlers."""

    def __init__(self, app: AppLike, *, patience: float = PATIENCE,
                 edit_interval: float = EDIT_INTERVAL, backoff: Backoff = DEFAULT_BACKOFF,
                 upload_timeout: float = UPLOAD_TIMEOUT) -> None:
        self.app = app
        self.settings = app.settings
        self.order = ChatOrder(patience)
        local = self.settings.telegram_local_mode
        self.outbox = Outbox(LOCAL_UPLOAD_LIMIT if local else CLOUD_UPLOAD_LIMIT, local,
                             asyncio.Semaphore(MAX_UPLOADS), edit_interval, backoff,
                             upload_timeout)
        self.turns: set[asyncio.Task[Any]] = set()
        """Handler tasks running a turn, so stopping can wait for them, then cancel them."""
        self._bot: Bot | None = None

    async def setup(self, application: PTBApp) -> None:
        """After getMe: the command menus and descriptions, restart notices, recovery."""
        self._bot = application.bot
        await introduce(application.bot)
        self.app.assistant.add_notifier("telegram", self.notify)
        await self.app.assistant.recover()

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, chat, user = update.effective_message, update.effective_chat, update.effective_user
        bot = context.bot
        if message is None or chat is None or user is None or user.is_bot:
            return
        if not addressed(message, bot.username, bot.id) or not self._allowed(chat, user):
            return
        offers = offered_files(message)
        text = clean_text(message.text or message.caption or "", bot.username)
        if not text and not offers:
            return
        reply_to = message.message_id if is_group(chat) else None
        if not self.outbox.local_mode and any(
                (o.size or 0) > CLOUD_DOWNLOAD_LIMIT for o in offers):
            said = words.localise(TOO_BIG_TO_FETCH, words.detect(text, language_of(user)))
            await send_text(bot, chat.id, said, (), reply_to, self.outbox.backoff)
            return
        attachments = tuple(Attachment(o.name, o.size, o.mime, self._fetcher(bot, o.file_id))
                            for o in offers)
        await self._run(bot, chat.id, reply_to, Turn(
            conversation_key(chat, user), text, attachments, language_of(user),
            self.outbox.upload_limit, str(update.update_id)))

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query, chat, user = update.callback_query, update.effective_chat, update.effective_user
        if query is None or chat is None or user is None:
            return
        # "query is too old", no answer, or a server without the method: the press still counts
        with contextlib.suppress(TelegramError):
            await query.answer()
        label = label_of(query.data)
        if label is None or not self._allowed(chat, user):
            return
        await self._run(context.bot, chat.id, None, Turn(
            conversation_key(chat, user), label, (), language_of(user),
            self.outbox.upload_limit, str(update.update_id)), card_of(query.message))

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The one error handler: a short apology in the chat, the traceback in the log."""
        error_id = new_error_id()
        log.error("telegram update failed (ref %s)", error_id, exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat is not None:
            with contextlib.suppress(TelegramError):
                await context.bot.send_message(update.effective_chat.id, apology(error_id))

    async def notify(self, notice: Notice) -> None:
        """Show a message the assistant sends on its own (restart recovery, late results)."""
        if self._bot is None:
            return
        try:
            await show_replies(self._bot, int(notice.key.chat), _replay(notice.replies),
                               self.outbox)
        except (TelegramError, EngineError) as exc:  # the chat is gone, blocked us, or no answer
            log.warning("telegram: could not reach chat %s: %s", notice.key.chat, exc)

    async def _run(self, bot: Bot, chat_id: int, reply_to: int | None, turn: Turn,
                   card: int | None = None) -> None:
        task = asyncio.current_task()
        if task is not None:
            self.turns.add(task)
        try:
            async with self.order.turn(str(turn.key), wait=not is_urgent(turn.text)):
                replies = self.app.assistant.handle(turn)
                try:
                    await show_replies(bot, chat_id, replies, self.outbox, reply_to, card)
                finally:
                    close = getattr(replies, "aclose", None)
                    if close is not None:
                        await close()
        finally:
            self.turns.discard(task)

    def _allowed(self, chat: Chat, user: User) -> bool:
        if self.app.gate.allowed("telegram", chat.id, user.id):
            return True
        log.info("telegram: chat %s / user %s is not on the allowlist", chat.id, user.id)
        return False

    def _fetcher(self, bot: Bot, file_id: str) -> Fetch:
        local = self.outbox.local_mode

        async def once(dest: Path) -> None:
            tg_file = await bot.get_file(file_id)
            source = tg_file.file_path or ""
            if local and Path(source).is_absolute():
                await asyncio.to_thread(shutil.copyfile, source, dest)
            else:
                data = await tg_file.download_as_bytearray()
                await asyncio.to_thread(dest.write_bytes, bytes(data))

        async def fetch(dest: Path) -> None:
            try:  # getFile again on each try: the file path it gives is short-lived
                await retrying(lambda: once(dest), self.outbox.backoff, on_the_way,
                               "telegram file download")
            except BadRequest as exc:
                if "file is too big" in exc.message.lower():
                    raise TooLarge(TOO_BIG_TO_FETCH) from exc
                raise EngineError(f"Telegram refused the download: {exc.message}") from exc
            except TelegramError as exc:
                raise EngineError(f"Could not fetch the file from Telegram: {exc}") from exc

        return fetch


async def _replay(replies: Iterable[Reply]) -> AsyncIterator[Reply]:
    for reply in replies:
        yield reply


# Wiring ---------------------------------------------------------------------------------------


def build_application(settings: Settings, bot: TelegramBot, token: str) -> PTBApp:
    """The PTB application: concurrent updates, our handlers, our one error handler."""
    hide_token_in_logs(token)
    quiet_bad_answers()
    tg_bot = make_bot(token, api=settings.telegram_api_url, files=settings.telegram_file_url,
                      local_mode=settings.telegram_local_mode)
    application = ApplicationBuilder().bot(tg_bot).concurrent_updates(True).build()
    application.add_handler(CallbackQueryHandler(bot.on_button))
    application.add_handler(MessageHandler(filters.UpdateType.MESSAGE, bot.on_message))
    application.add_error_handler(bot.on_error)
    return application


@dataclass
class Running:
    """A started bot, for `stop`."""

    application: PTBApp
    bot: TelegramBot
    done: asyncio.Event = field(default_factory=asyncio.Event)


async def start(app: AppLike, *, drop_pending: bool = False, poll_timeout: float = 30,
                **bot_options: Any) -> Running:
    """Connect (getMe), set the menu, recover, then poll (or listen for the webhook)."""
    settings = app.settings
    token = settings.telegram_bot_token.get_secret_value().strip() \
        if settings.telegram_bot_token else ""
    if not token:
        raise ConfigError("TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and put "
                          "its token in .env (TELEGRAM_BOT_TOKEN=...).")
    bot = TelegramBot(app, **bot_options)
    application = build_application(settings, bot, token)
    where = api_url(settings.telegram_api_url)
    try:  # getMe: the one call that must work
        await application.initialize()
    except InvalidToken as exc:
        if where is None:
            raise ConfigError("Telegram refused TELEGRAM_BOT_TOKEN: check it with @BotFather.") \
                from exc
        raise ConfigError(f"The Bot API at {where} refused TELEGRAM_BOT_TOKEN (or is not a Bot "
                          "API server): check the token and TELEGRAM_API_URL.") from exc
    except NetworkError as exc:  # refused, timed out, a 5xx
        raise ConfigError(f"Could not reach Telegram at {where or 'api.telegram.org'} "
                          f"({type(exc).__name__}): check the network"
                          + (", or TELEGRAM_API_URL." if where else ".")) from exc
    except TelegramError as exc:  # an answer that is not the Bot API's (not JSON)
        raise ConfigError(f"The server at {where or 'api.telegram.org'} does not answer like "
                          f"the Bot API ({exc.message}): check TELEGRAM_API_URL.") from exc
    await bot.setup(application)
    await application.start()
    updater = application.updater
    assert updater is not None
    if settings.telegram_webhook_url:
        try:
            await updater.start_webhook(
                listen=settings.telegram_webhook_listen, port=settings.telegram_webhook_port,
                url_path=urlsplit(settings.telegram_webhook_url).path.lstrip("/"),
                webhook_url=settings.telegram_webhook_url, secret_token=webhook_secret(token),
                allowed_updates=Update.ALL_TYPES, drop_pending_updates=drop_pending)
        except BaseException as exc:
            await application.stop()
            await application.shutdown()
            if isinstance(exc, TelegramError):  # setWebhook refused or unreachable
                raise ConfigError(f"Telegram could not set the webhook ({exc.message}): check "
                                  "TELEGRAM_WEBHOOK_URL (Telegram's cloud wants a public "
                                  "https URL).") from exc
            raise
    else:
        await updater.start_polling(poll_interval=0, timeout=int(poll_timeout),
                                    allowed_updates=Update.ALL_TYPES,
                                    drop_pending_updates=drop_pending)
    log.info("telegram bot @%s running (%s)", application.bot.username,
             "webhook" if settings.telegram_webhook_url else "long polling")
    return Running(application, bot)


async def stop(running: Running, grace: float = STOP_GRACE) -> None:
    """Stop fetching updates, give turns in flight `grace` seconds, cancel the rest, close."""
    application = running.application
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    turns = set(running.bot.turns)
    if turns:
        _, late = await asyncio.wait(turns, timeout=grace)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
    if application.running:
        await application.stop()
    await application.shutdown()
    running.done.set()


# The command ----------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--drop-pending", action="store_true",
                        help="ignore messages sent while the bot was offline")


def run(args: argparse.Namespace) -> int:
    settings = settings_or_none()
    if settings is None:
        return 2
    if settings.telegram_bot_token is None or not settings.telegram_bot_token.get_secret_value():
        print("TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and put its token "
              "in .env (TELEGRAM_BOT_TOKEN=...).", file=sys.stderr)
        return 2
    from bots.run import serve_in_words  # started and stopped as `backtrack run` does

    return asyncio.run(serve_in_words(settings, ["telegram"],
                                      drop_pending=bool(getattr(args, "drop_pending", False))))
