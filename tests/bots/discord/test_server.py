"""DISCORD_API_URL in the forms operators write it; discord.py's reconnect lines made one line."""

from __future__ import annotations

import logging
import sys

import pytest

from bots.discord_server import QuietReconnects, api_base

H = "http://127.0.0.1:8082"


@pytest.mark.parametrize(("given", "expected"), [
    (None, None),
    ("", None),
    ("  ", None),
    (H, f"{H}/api/v10"),
    (f"{H}/", f"{H}/api/v10"),
    (f"{H}/api", f"{H}/api/v10"),
    (f"{H}/api/", f"{H}/api/v10"),
    (f"{H}/api/v10", f"{H}/api/v10"),
    (f"{H}/api/v10/", f"{H}/api/v10"),
    (f" {H}/api/v9 ", f"{H}/api/v9"),
    (f"{H}/discord-proxy/api/v10", f"{H}/discord-proxy/api/v10"),
    ("https://discord.com/api/v10", "https://discord.com/api/v10"),
])
def test_api_base(given: str | None, expected: str | None) -> None:
    assert api_base(given) == expected


def record(msg: str, args: tuple[object, ...], with_exc: bool) -> logging.LogRecord:
    exc_info = None
    if with_exc:
        try:
            raise ConnectionRefusedError(111, "Connect call failed")
        except OSError:
            exc_info = sys.exc_info()
    return logging.LogRecord("discord.client", logging.ERROR, __file__, 1, msg, args, exc_info)


def test_reconnect_line_loses_its_traceback() -> None:
    rec = record("Attempting a reconnect in %.2fs", (3.25,), True)
    assert QuietReconnects().filter(rec)
    assert rec.exc_info is None and rec.levelname == "WARNING"
    assert rec.getMessage() == ("discord: gateway connection failed (ConnectionRefusedError: "
                                "[Errno 111] Connect call failed); next try in 3.2s")


@pytest.mark.parametrize(("msg", "args", "with_exc"), [
    ("Attempting a reconnect in %.2fs", (1.0,), False),
    ("Something else broke", (), True),
])
def test_other_lines_are_left_alone(msg: str, args: tuple[object, ...], with_exc: bool) -> None:
    rec = record(msg, args, with_exc)
    assert QuietReconnects().filter(rec)
    assert rec.msg == msg and rec.levelno == logging.ERROR
    assert (rec.exc_info is not None) == with_exc
