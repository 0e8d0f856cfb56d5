"""Logging: one structured line per event, with every secret redacted before it is written.

A line is logfmt (`key=value`, values with spaces quoted, newlines escaped), e.g.

    time=2026-11-24T05:10:00.123Z level=INFO logger=core.conversation.assistant msg="turn done" \
key=telegram:1:2 turn=ab12 elapsed_ms=840

Fields passed with `extra={...}`, and those set for a block with `log_fields(key=..., turn=...)`
(the conversation and the turn, for every line a turn causes), are appended; a traceback
becomes one `exc="..."` field, so a line is always one event. Redaction happens twice: a
filter rewrites the record (message, arguments, extras, exception text) before any formatter
sees it, and the formatter scrubs the finished line again.

The registry of secrets is process-wide on purpose: logging itself is process-wide, and a
secret learnt anywhere (a NemoVideo token fetched at run time) must be hidden from every line.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from typing import Any, TextIO
from urllib.parse import quote

from pydantic import SecretStr

from core.config import Settings

REDACTED = "[REDACTED]"
NOISY_LOGGERS: tuple[str, ...] = ("httpx", "httpcore", "hpack", "aiosqlite", "multipart",
                                  "botocore", "aiobotocore")
"""httpx logs every request URL at INFO, and a Telegram URL holds the bot token; botocore logs
signed requests at DEBUG."""

_MIN_SECRET_LENGTH = 6  # shorter values would blank out ordinary words

# (pattern, replacement) applied in order to every line.
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Telegram bot tokens, in a URL (/bot123:ABC/...) or anywhere else (not `\b`: there is
    # no word boundary between "bot" and the digits).
    (re.compile(r"(?<![0-9])\d{5,}:[A-Za-z0-9_-]{30,}"), REDACTED),
    # Discord bot tokens: three base64url parts separated by dots.
    (re.compile(r"\b[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}"), REDACTED),
    # NemoVideo user tokens.
    (re.compile(r"nmv_usr_[A-Za-z0-9_.\-]+"), REDACTED),
    # Authorization headers and bearer tokens.
    (re.compile(r"(?i)\b(bearer)(\s+)[A-Za-z0-9_.\-~+/=:]{8,}"), rf"\1\2{REDACTED}"),
    (re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)[^\s'\",}]+(\s+[^\s'\",}]+)?"),
     rf"\1{REDACTED}"),
    # Discord interaction and webhook tokens sit in the path of their URLs.
    (re.compile(r"(/(?:webhooks|interactions)/\d+/)[A-Za-z0-9_.\-]+"), rf"\1{REDACTED}"),
    # Signed download links: /r/<id>/<expires>/<signature>.
    (re.compile(r"(/r/[^/\s]+/\d+/)[^/\s?#\"']+"), rf"\1{REDACTED}"),
    # Query parameters that carry credentials, including presigned S3/GCS/CloudFront URLs
    # (an output URL on a CDN may be one).
    (re.compile(r"(?i)([?&;](?:token|access_token|sig|signature|key|secret|password"
                r"|x-(?:amz|goog)-(?:signature|credential|security-token)"
                r"|policy|key-pair-id)=)[^&\s#\"']+"), rf"\1{REDACTED}"),
)


class Redactor:
    """Knows the secrets and the patterns; `redact(text)` hides them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: tuple[str, ...] = ()

    def register(self, value: str | SecretStr | None) -> None:
        """Hide this value (and its URL-encoded form) from every log line from now on."""
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if not value or len(value) < _MIN_SECRET_LENGTH:
            return
        forms = {value, quote(value, safe=""), quote(value)}
        with self._lock:
            # Longest first, so a secret containing another is hidden whole.
            self._secrets = tuple(sorted(set(self._secrets) | forms, key=len, reverse=True))

    def forget_all(self) -> None:
        """Tests start from a clean registry."""
        with self._lock:
            self._secrets = ()

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        for pattern, replacement in PATTERNS:
            text = pattern.sub(replacement, text)
        return text


REDACTOR = Redactor()


def register_secret(value: str | SecretStr | None) -> None:
    """Never log this value (a token learnt at run time, a signing key)."""
    REDACTOR.register(value)


def settings_secrets(settings: Settings) -> Iterable[SecretStr | None]:
    """Every SecretStr field of the settings (tokens, the link secret)."""
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            yield value


# Fields for every line written in the current context ------------------------------------

_FIELDS: ContextVar[tuple[tuple[str, object], ...]] = ContextVar("backtrack_log_fields",
                                                                 default=())


@contextlib.contextmanager
def log_fields(**fields: object) -> Iterator[None]:
    """Add these fields (e.g. `key=`, `turn=`) to every line logged inside the block, including
    by tasks and threads started inside it (asyncio copies the context)."""
    token = _FIELDS.set((*_FIELDS.get(), *fields.items()))
    try:
        yield
    finally:
        _FIELDS.reset(token)


@contextlib.contextmanager
def timed(logger: logging.Logger, event: str, **fields: object) -> Iterator[None]:
    """One line when the block ends: `event` with `elapsed_ms` and `outcome` (ok, cancelled or
    the exception's class name)."""
    started = time.perf_counter()
    outcome = "ok"
    try:
        yield
    except BaseException as exc:
        outcome = "cancelled" if isinstance(exc, GeneratorExit | KeyboardInterrupt) or \
            type(exc).__name__ == "CancelledError" else type(exc).__name__
        raise
    finally:
        elapsed = round((time.perf_counter() - started) * 1000)
        logger.info(event, extra={**fields, "elapsed_ms": elapsed, "outcome": outcome})


_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message", "asctime", "taskName",
}


class RedactingFilter(logging.Filter):
    """Rewrites a record so no handler after it can print a secret."""

    def __init__(self, redactor: Redactor = REDACTOR) -> None:
        super().__init__()
        self._redactor = redactor
        self._formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in _FIELDS.get():
            if not hasattr(record, name):
                setattr(record, name, value)
        redact = self._redactor.redact
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the event
            message = f"{record.msg!r} {record.args!r}"
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for name, value in list(vars(record).items()):
            if name not in _STANDARD_ATTRS and isinstance(value, str):
                setattr(record, name, redact(value))
        return True


def _logfmt_value(value: Any) -> str:
    text = str(value)
    if text and not any(c in text for c in ' ="\\\n\r\t'):
        return text
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"')
               .replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t"))
    return f'"{escaped}"'


class LogfmtFormatter(logging.Formatter):
    """`time=… level=… logger=… msg=… <extras> exc=…` on one line, scrubbed again."""

    def __init__(self, redactor: Redactor = REDACTOR) -> None:
        super().__init__()
        self._redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        fields: list[tuple[str, Any]] = [
            ("time", f"{stamp}.{int(record.msecs):03d}Z"),
            ("level", record.levelname),
            ("logger", record.name),
            ("msg", record.getMessage()),
        ]
        fields += [(k, v) for k, v in vars(record).items() if k not in _STANDARD_ATTRS]
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            fields.append(("exc", record.exc_text))
        if record.stack_info:
            fields.append(("stack", record.stack_info))
        line = " ".join(f"{k}={_logfmt_value(v)}" for k, v in fields)
        return self._redactor.redact(line)


class _BacktrackHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marks the handler we installed, so calling setup twice replaces it."""


def setup_logging(settings: Settings, stream: TextIO | None = None) -> None:
    """Install the one structured, redacting handler on the root logger."""
    for secret in settings_secrets(settings):
        register_secret(secret)
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _BacktrackHandler)]:
        root.removeHandler(handler)
    handler = _BacktrackHandler(stream if stream is not None else sys.stderr)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(LogfmtFormatter())
    root.addHandler(handler)
    # Any other handler on the root (a library's, pytest's) gets the filter too.
    for other in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in other.filters):
            other.addFilter(RedactingFilter())
    root.setLevel(settings.log_level)
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.captureWarnings(True)
