"""Keeping bot and interaction tokens out of the logs, whatever handler receives the record
(ours, pytest's caplog, a library's): both adapters install their guard at start-up."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from core.logs import REDACTED, register_secret


def hide_token_in_logs(token: str) -> None:
    """httpx logs every request URL (which holds the token) at INFO: keep it quiet. PTB logs its
    base URL at DEBUG: cut the token out of every record as it is made, whatever handler
    (pytest's caplog included) receives it; `core.logs` handlers redact it too."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    register_secret(token)
    factory = logging.getLogRecordFactory()
    if not isinstance(factory, TokenRedactingRecords):
        factory = TokenRedactingRecords(factory)
        logging.setLogRecordFactory(factory)
    factory.add(token)


class TokenRedactingRecords:
    """A log record factory that replaces bot tokens in messages and tracebacks. Only the
    tokens: other secrets and patterns are `core.logs`' business, at its handlers."""

    def __init__(self, inner: Callable[..., logging.LogRecord]) -> None:
        self.inner = inner
        self.tokens: tuple[str, ...] = ()

    def add(self, token: str) -> None:
        secret = token.partition(":")[2]
        self.tokens = tuple(sorted({*self.tokens, token, *([secret] if len(secret) >= 8 else [])},
                                   key=len, reverse=True))

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.inner(*args, **kwargs)
        try:
            text = record.getMessage()
        except Exception:  # a broken format string is the logging module's to report
            return record
        if any(t in text for t in self.tokens):
            record.msg, record.args = self._cut(text), ()
        if record.exc_info and record.exc_info[0] is not None:
            trace = logging.Formatter().formatException(record.exc_info)
            if any(t in trace for t in self.tokens):
                record.exc_text = self._cut(trace)
        return record

    def _cut(self, text: str) -> str:
        for token in self.tokens:
            text = text.replace(token, REDACTED)
        return text


class RedactTokens(logging.Filter):
    """Hides interaction tokens: discord.py logs webhook URLs (which carry them) at DEBUG."""

    URL_TOKEN = re.compile(r"(/(?:webhooks|interactions)/\d+/)[\w.-]+")

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        clean = self.URL_TOKEN.sub(r"\1[REDACTED]", text)
        if clean != text:
            record.msg, record.args = clean, None
        return True


def hide_interaction_tokens() -> None:
    """Filter discord.py's webhook logger itself, so every handler (ours, pytest's) is covered."""
    webhook_log = logging.getLogger("discord.webhook.async_")
    if not any(isinstance(f, RedactTokens) for f in webhook_log.filters):
        webhook_log.addFilter(RedactTokens())
