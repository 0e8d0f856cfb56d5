"""TELEGRAM_API_URL / TELEGRAM_FILE_URL in every form operators write them become PTB's form."""

from __future__ import annotations

import pytest

from bots.telegram_server import api_url, api_urls, file_url

H = "http://127.0.0.1:8081"


@pytest.mark.parametrize(("given", "expected"), [
    (None, None),
    ("", None),
    ("   ", None),
    (H, f"{H}/bot"),
    (f"{H}/", f"{H}/bot"),
    (f"{H}/bot", f"{H}/bot"),
    (f"{H}/bot/", f"{H}/bot"),
    (f" {H}/bot ", f"{H}/bot"),
    (f"{H}/tg", f"{H}/tg/bot"),
    (f"{H}/tg/bot", f"{H}/tg/bot"),
    (f"{H}/bot{{token}}", f"{H}/bot{{token}}"),
    (f"{H}/bot{{token}}/test", f"{H}/bot{{token}}/test"),
    ("https://api.telegram.org/bot", "https://api.telegram.org/bot"),
])
def test_api_url(given: str | None, expected: str | None) -> None:
    assert api_url(given) == expected


@pytest.mark.parametrize(("given", "api", "expected"), [
    (None, None, None),
    (H, None, f"{H}/file/bot"),
    (f"{H}/", None, f"{H}/file/bot"),
    (f"{H}/file", None, f"{H}/file/bot"),
    (f"{H}/file/", None, f"{H}/file/bot"),
    (f"{H}/file/bot", None, f"{H}/file/bot"),
    (f"{H}/file/bot/", None, f"{H}/file/bot"),
    (f"{H}/file/bot{{token}}", None, f"{H}/file/bot{{token}}"),
    # No file URL: the API server's own /file route, never Telegram's cloud by surprise.
    (None, H, f"{H}/file/bot"),
    (None, f"{H}/", f"{H}/file/bot"),
    (None, f"{H}/bot", f"{H}/file/bot"),
    (None, f"{H}/tg/bot/", f"{H}/tg/file/bot"),
    (None, f"{H}/bot{{token}}", f"{H}/file/bot{{token}}"),
    (None, f"{H}/{{token}}", None),
    ("", "", None),
])
def test_file_url(given: str | None, api: str | None, expected: str | None) -> None:
    assert file_url(given, api) == expected


def test_both() -> None:
    assert api_urls(H, None) == (f"{H}/bot", f"{H}/file/bot")
    assert api_urls(None, None) == (None, None)


def test_a_web_page_answer_is_one_warning_line() -> None:
    import json
    import logging
    import sys

    from bots.telegram_server import QuietBadAnswers

    try:
        json.loads("<html>")
    except ValueError:
        exc_info = sys.exc_info()
    rec = logging.LogRecord("telegram.request.BaseRequest", logging.ERROR, __file__, 1,
                            'Can not load invalid JSON data: "%s"', ("<html>" * 100,), exc_info)
    assert QuietBadAnswers().filter(rec)
    assert rec.exc_info is None and rec.levelname == "WARNING"
    assert rec.getMessage().startswith("telegram: the Bot API server answered something that "
                                       "is not JSON: '<html>")
    assert len(rec.getMessage()) < 220
