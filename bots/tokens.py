"""Keeping bot and interaction tokens out of the logs, whatever handler receives the record
(ours, pytest's caplog, a library's): both adapters install their guard at start-up.

There is one redaction mechanism, `core.logs.REDACTOR` (registered secrets and the known
token patterns); this module only makes it run earlier, on every record as it is made or as
it enters discord.py's webhook logger, for handlers that `core.logs` did not install."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from core.logs import REDACTOR, register_secret

_MIN_SECRET_PART = 8  # a token's part after the colon, hidden on its own when this long


def hide_token_in_logs(token: str) -> None:
    """httpx logs every request URL (which holds the token) at INFO: keep it quiet. PTB logs its
    base URL at DEBUG: register the token (and its secret part) with `core.logs` and redact
    every record as it is made, whatever handler (pytest's caplog included) receives it."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    register_secret(token)
    secret = token.partition(":")[2]
    if len(secret) >= _MIN_SECRET_PART:
        register_secret(secret)
    factory = logging.getLogRecordFactory()
    if not isinstance(factory, TokenRedactingRecords):
        logging.setLogRecordFactory(TokenRedactingRecords(factory))


class TokenRedactingRecords:
    """A log record factory that runs `core.logs`' redactor over messages and tracebacks."""

    def __init__(self, inner: Callable[..., logging.LogRecord]) -> None:
        self.inner = inner

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.inner(*args, **kwargs)
        try:
            text = record.getMessage()
        except Exception:  # a broken format string is the logging module's to report
            return record
        clean = REDACTOR.redact(text)
        if clean != text:
            record.msg, record.args = clean, ()
        if record.exc_info and record.exc_info[0] is not None:
            trace = logging.Formatter().formatException(record.exc_info)
            clean = REDACTOR.redact(trace)
            if clean != trace:
                record.exc_text = clean
        return record


class RedactTokens(logging.Filter):
    """Hides interaction tokens: discord.py logs webhook URLs (which carry them) at DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        clean = REDACTOR.redact(text)
        if clean != text:
            record.msg, record.args = clean, None
        return True


def hide_interaction_tokens() -> None:
    """Filter discord.py's webhook logger itself, so every handler (ours, pytest's) is covered."""
    webhook_log = logging.getLogger("discord.webhook.async_")
    if not any(isinstance(f, RedactTokens) for f in webhook_log.filters):
        webhook_log.addFilter(RedactTokens())
