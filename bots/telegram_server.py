"""Where the Bot API lives (`TELEGRAM_API_URL` / `TELEGRAM_FILE_URL`) and which of its methods
the bot can do without.

python-telegram-bot appends the token to its base URLs (or fills in `{token}`), so it wants
`http://host:8081/bot` and `http://host:8081/file/bot`. Operators write the server's address in
several ways; `api_urls` turns each of them into PTB's form. A self-hosted or fake server that
lacks a method the bot only uses for comfort (deleteWebhook when no webhook was ever set) must
not stop the bot: `TolerantBot` logs a warning instead.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from telegram.error import BadRequest, EndPointNotFound, Forbidden, InvalidToken
from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import HTTPXRequest

log = logging.getLogger("backtrack.telegram")

UNSUPPORTED = (InvalidToken, EndPointNotFound, BadRequest, Forbidden)
"""What a server answers for a method it lacks (404 reads as InvalidToken in PTB) or refuses;
after getMe succeeded with the same token, it is the method, not the token."""

_TOKEN_SLOT = re.compile(r"\{(token|TOKEN|bot_token|BOT_TOKEN|bot-token|BOT-TOKEN)\}")


def _with_suffix(url: str, suffix: str) -> str:
    """`url` whose path ends with `suffix` ("/bot" or "/file/bot"), added when missing."""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/")
    if not path.endswith("/bot"):
        if suffix == "/file/bot" and path.endswith("/file"):
            path += "/bot"
        else:
            path += suffix
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment))


def api_url(url: str | None) -> str | None:
    """PTB's base_url for TELEGRAM_API_URL; None (Telegram's cloud) when it is unset."""
    if not url or not url.strip():
        return None
    return url.strip() if _TOKEN_SLOT.search(url) else _with_suffix(url, "/bot")


def file_url(url: str | None, api: str | None) -> str | None:
    """PTB's base_file_url: TELEGRAM_FILE_URL in PTB's form, else derived from the API URL
    (the same server serves files under /file), else None (Telegram's cloud)."""
    if url and url.strip():
        return url.strip() if _TOKEN_SLOT.search(url) else _with_suffix(url, "/file/bot")
    base = api_url(api)
    if base is None:
        return None
    if _TOKEN_SLOT.search(base):
        derived = re.sub(r"/bot(\{[^}]+\})", r"/file/bot\1", base, count=1)
        return derived if derived != base else None
    return base[: -len("/bot")] + "/file/bot"


def api_urls(api: str | None, files: str | None) -> tuple[str | None, str | None]:
    """Both base URLs, normalised; None means PTB's default (api.telegram.org)."""
    return api_url(api), file_url(files, api)


class TolerantBot(ExtBot[Any]):
    """PTB's bot, except that deleteWebhook (which polling calls at start) only warns when the
    server lacks or refuses it."""

    async def delete_webhook(self, *args: Any, **kwargs: Any) -> bool:
        try:
            return await super().delete_webhook(*args, **kwargs)
        except UNSUPPORTED as exc:
            log.warning("telegram: the Bot API server refused deleteWebhook (%s); polling anyway",
                        exc.message)
            return False


FLOOD_RETRIES = 3
"""Times a call refused by flood control (429) is tried again, each after Telegram's
`retry_after` (PTB's AIORateLimiter waits, and holds every other call meanwhile)."""


def make_bot(token: str, *, api: str | None, files: str | None, local_mode: bool) -> TolerantBot:
    """The bot with our timeouts (big uploads get 5 minutes, long polls a minute on top) and
    PTB's AIORateLimiter: sends are spaced under Telegram's limits (30 a second overall, 20 a
    minute per group) and flood control (429 `retry_after`) is waited out, for every call the
    Application makes through this bot."""
    base, base_file = api_urls(api, files)
    extra: dict[str, Any] = {}
    if base is not None:
        extra["base_url"] = base
    if base_file is not None:
        extra["base_file_url"] = base_file
    return TolerantBot(
        token, local_mode=local_mode, rate_limiter=AIORateLimiter(max_retries=FLOOD_RETRIES),
        request=HTTPXRequest(connection_pool_size=256, read_timeout=30,
                             media_write_timeout=300),
        get_updates_request=HTTPXRequest(connection_pool_size=1, read_timeout=60),
        **extra)


class QuietBadAnswers(logging.Filter):
    """PTB logs an answer that is not JSON (a wrong TELEGRAM_API_URL: some web page) with a
    traceback; it is a setting to fix, not a bug: one warning line with the start of the body."""

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith("Can not load invalid JSON data") and record.exc_info:
            body = record.args[0] if isinstance(record.args, tuple) and record.args else ""
            record.msg = "telegram: the Bot API server answered something that is not JSON: %.120r"
            record.args = (str(body),)
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


class QuietRefusedWebhook(logging.Filter):
    """PTB logs a failed setWebhook with a traceback before raising it; `start` turns the error
    into one line naming TELEGRAM_WEBHOOK_URL, so the record would only say it twice."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not ("(Bootstrap Set Webhook)" in message and message.endswith("Aborting."))


def quiet_bad_answers() -> None:
    """Install `QuietBadAnswers` on PTB's request logger and `QuietRefusedWebhook` on its
    retry loop's logger, once."""
    for name, quiet in (("telegram.request.BaseRequest", QuietBadAnswers),
                        ("telegram.ext", QuietRefusedWebhook)):
        logger = logging.getLogger(name)
        if not any(isinstance(f, quiet) for f in logger.filters):
            logger.addFilter(quiet())
