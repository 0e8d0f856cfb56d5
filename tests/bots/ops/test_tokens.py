"""bots.tokens' two guards are core.logs' redactor run early: whatever it hides, they hide."""

from __future__ import annotations

import logging

import pytest

from bots.tokens import RedactTokens, TokenRedactingRecords
from core import logs

SECRET = "registered-secret-Zq9x8w"


@pytest.mark.parametrize("text", [
    f"a secret learnt at run time: {SECRET}",
    "http://x/api/v10/webhooks/42/itoken-1-secret/messages/@original",
    "http://x/bot123456789:AAFakeTokenForTests_abcdefghijklmnopq/getMe",
    "GET https://cdn.example.org/out.mp4?X-Amz-Signature=abcdef123456",
])
def test_both_guards_hide_what_core_logs_hides(text: str) -> None:
    logs.register_secret(SECRET)
    expected = logs.REDACTOR.redact(text)
    assert expected != text and logs.REDACTED in expected
    made = TokenRedactingRecords(logging.LogRecord)(
        "x", logging.INFO, __file__, 1, "%s", (text,), None)
    filtered = logging.LogRecord("discord.webhook.async_", logging.DEBUG, __file__, 1, "%s",
                                 (text,), None)
    RedactTokens().filter(filtered)
    assert made.getMessage() == expected == filtered.getMessage()


def test_a_traceback_is_cut_by_the_same_redactor() -> None:
    logs.register_secret(SECRET)
    try:
        raise RuntimeError(f"failed with {SECRET}")
    except RuntimeError as exc:
        record = TokenRedactingRecords(logging.LogRecord)(
            "x", logging.ERROR, __file__, 1, "oops", (), (type(exc), exc, exc.__traceback__))
    assert record.exc_text is not None
    assert SECRET not in record.exc_text and "RuntimeError" in record.exc_text
