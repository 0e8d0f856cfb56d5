"""Structured log lines and redaction of every kind of secret, exceptions included."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from core import logs
from core.config import Settings
from core.logs import REDACTED, Redactor, register_secret, setup_logging

TG_TOKEN = "123456789:AAH-abcdefghijklmnopqrstuvwxyz012345"
DISCORD_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"
NEMO_TOKEN = "nmv_usr_9f8e7d6c5b4a39281706"
LINK_SECRET = "link-secret-Zq9x8w7v6u5t"


@pytest.fixture
def out() -> Iterator[io.StringIO]:
    logs.REDACTOR.forget_all()
    stream = io.StringIO()
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, TELEGRAM_BOT_TOKEN=TG_TOKEN, DISCORD_BOT_TOKEN=DISCORD_TOKEN,
        NEMO_TOKEN=NEMO_TOKEN, BACKTRACK_LINK_SECRET=LINK_SECRET, BACKTRACK_LOG_LEVEL="DEBUG",
    )
    setup_logging(settings, stream=stream)
    yield stream
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, logs._BacktrackHandler)]:
        root.removeHandler(handler)
    logs.REDACTOR.forget_all()
    logging.captureWarnings(False)


def lines(stream: io.StringIO) -> list[str]:
    return stream.getvalue().splitlines()


# What the program might log; none of the secret parts may survive.
LEAKS: list[tuple[str, tuple[Any, ...], str]] = [
    ("GET %s", (f"https://api.telegram.org/bot{TG_TOKEN}/getUpdates",), TG_TOKEN),
    ("file https://api.telegram.org/file/bot%s/videos/x.mp4", (TG_TOKEN,), TG_TOKEN),
    ("unknown telegram token 987654321:ZZZ_abcdefghijklmnopqrstuvwxyzABCD in text", (),
     "987654321:ZZZ_abcdefghijklmnopqrstuvwxyzABCD"),
    ("GET https://api.telegram.org/bot987654321:ZZZ_abcdefghijklmnopqrstuvwxyzABCD/getMe", (),
     "ZZZ_abcdefghijklmnopqrstuvwxyzABCD"),  # not registered: the pattern alone
    ("discord login with %s", (DISCORD_TOKEN,), DISCORD_TOKEN),
    ("other discord token NzkyNzE1NDU0MTk2MDg4ODQy.X-hvzA.Ovy4MCQywSkoMRRclStW4xAYK7I", (),
     "Ovy4MCQywSkoMRRclStW4xAYK7I"),
    ("headers {'Authorization': 'Bearer %s'}", (NEMO_TOKEN,), NEMO_TOKEN),
    ("Authorization: Bearer abc.def.ghi-some-jwt-ish-token", (), "abc.def.ghi-some-jwt-ish-token"),
    ("anonymous token nmv_usr_AAAAbbbbCCCCdddd issued", (), "nmv_usr_AAAAbbbbCCCCdddd"),
    ("link https://dl.example.org/r/abc123/1790000000/c2lnbmF0dXJlLXZhbHVl/clip.mp4", (),
     "c2lnbmF0dXJlLXZhbHVl"),
    ("GET /r/abc123/1790000000/c2lnbmF0dXJlLXZhbHVl HTTP/1.1 404", (), "c2lnbmF0dXJlLXZhbHVl"),
    ("url https://cdn.example.org/out.mp4?X-Amz-Date=1&signature=deadbeefcafe&x=1", (),
     "deadbeefcafe"),
    ("url https://x.example.org/a?token=t0k3nvalue123", (), "t0k3nvalue123"),
    ("url https://x.example.org/a?foo=1&sig=s1gvalue456#frag", (), "s1gvalue456"),
    ("url https://b.s3.amazonaws.com/o.mp4?X-Amz-Credential=AKIAEXAMPLE%2F20261124&"
     "X-Amz-Signature=0a1b2c3d4e5f", (), "0a1b2c3d4e5f"),
    ("url https://b.s3.amazonaws.com/o.mp4?X-Amz-Credential=AKIAEXAMPLE%2F20261124", (),
     "AKIAEXAMPLE"),
    ("url https://storage.googleapis.com/b/o.mp4?X-Goog-Signature=9f8e7d6c5b4a", (),
     "9f8e7d6c5b4a"),
    ("url https://d1.cloudfront.net/o.mp4?Expires=1&Policy=eyJTdGF0ZW1lbnQi&Signature=a~b&"
     "Key-Pair-Id=K2JCJMDEHXQW5F", (), "eyJTdGF0ZW1lbnQi"),
    ("secret is %s", (LINK_SECRET,), LINK_SECRET),
    ("PATCH https://discord.com/api/v10/webhooks/1234567/aW50ZXJhY3Rpb246MTIz.tok/messages/@original",
     (), "aW50ZXJhY3Rpb246MTIz.tok"),
    ("POST /api/v10/interactions/98765/aW50ZXJhY3Rpb24tdG9rZW4/callback", (),
     "aW50ZXJhY3Rpb24tdG9rZW4"),
]


@pytest.mark.parametrize(("msg", "args", "secret"), LEAKS)
def test_each_secret_kind_is_redacted(out: io.StringIO, msg: str, args: tuple[Any, ...],
                                      secret: str) -> None:
    logging.getLogger("backtrack.test").warning(msg, *args)
    text = out.getvalue()
    assert text.count("\n") == 1
    assert secret not in text
    assert REDACTED in text


def test_secret_inside_an_exception_and_its_traceback(out: io.StringIO) -> None:
    def fail() -> None:
        token = TG_TOKEN  # a local in the frame; tracebacks show the line, not the value
        raise RuntimeError(f"POST https://api.telegram.org/bot{token}/sendVideo failed")

    try:
        fail()
    except RuntimeError:
        logging.getLogger("bots.telegram").exception("upload failed for %s", NEMO_TOKEN)
    [line] = lines(out)
    assert TG_TOKEN not in line and NEMO_TOKEN not in line
    assert "RuntimeError" in line and "exc=" in line and "Traceback" in line
    assert "/bot[REDACTED]/sendVideo" in line


def test_exception_as_the_message_and_chained_cause(out: io.StringIO) -> None:
    try:
        try:
            raise ValueError(f"bad token {DISCORD_TOKEN}")
        except ValueError as inner:
            raise KeyError(LINK_SECRET) from inner
    except KeyError as exc:
        logging.getLogger("x").error(exc, exc_info=True)
    text = out.getvalue()
    assert DISCORD_TOKEN not in text and LINK_SECRET not in text
    assert "ValueError" in text


def test_registered_secret_and_its_url_encoded_form(out: io.StringIO) -> None:
    register_secret("learnt at run/time+value")
    log = logging.getLogger("core.nemo")
    log.info("token learnt at run/time+value")
    log.info("in a url ?t=learnt%20at%20run%2Ftime%2Bvalue")
    text = out.getvalue()
    assert "run/time" not in text and "run%2Ftime" not in text
    assert text.count(REDACTED) == 2


def test_short_values_are_not_registered() -> None:
    redactor = Redactor()
    redactor.register("ab")
    redactor.register("")
    redactor.register(None)
    assert redactor.redact("ab cd ab") == "ab cd ab"


def test_extras_are_fields_and_redacted(out: io.StringIO) -> None:
    logging.getLogger("core.conversation.assistant").info(
        "turn done", extra={"key": "telegram:-100123:42", "turn": "ab12", "elapsed_ms": 840,
                            "url": f"https://api.telegram.org/bot{TG_TOKEN}/x"})
    [line] = lines(out)
    assert line.startswith("time=")
    assert ' level=INFO logger=core.conversation.assistant msg="turn done" ' in line
    assert "key=telegram:-100123:42 turn=ab12 elapsed_ms=840" in line
    assert TG_TOKEN not in line


def test_one_line_per_event_even_with_newlines(out: io.StringIO) -> None:
    logging.getLogger("x").warning('line one\nline "two"\tend')
    [line] = lines(out)
    assert 'msg="line one\\nline \\"two\\"\\tend"' in line


def test_levels_and_noisy_loggers(out: io.StringIO) -> None:
    logging.getLogger("httpx").info(f"HTTP Request: GET https://api.telegram.org/bot{TG_TOKEN}/x")
    logging.getLogger("httpcore.http11").debug("send_request_headers")
    logging.getLogger("core.x").debug("kept at DEBUG")
    [line] = lines(out)
    assert "logger=core.x" in line and "level=DEBUG" in line


def test_other_root_handlers_get_the_filter(out: io.StringIO,
                                            caplog: pytest.LogCaptureFixture) -> None:
    # Set up again now that caplog's handler is on the root, as happens when a library or a
    # test harness adds a handler: it gets the filter too.
    setup_logging(Settings(_env_file=None, TELEGRAM_BOT_TOKEN=TG_TOKEN),  # type: ignore[call-arg]
                  stream=out)
    logging.getLogger("bots.telegram").warning("polling %s", f"/bot{TG_TOKEN}/getUpdates")
    assert caplog.records, "caplog saw the record"
    assert TG_TOKEN not in caplog.text
    assert TG_TOKEN not in caplog.records[-1].getMessage()


def test_setup_twice_keeps_one_handler(out: io.StringIO) -> None:
    setup_logging(Settings(_env_file=None), stream=out)  # type: ignore[call-arg]
    setup_logging(Settings(_env_file=None), stream=out)  # type: ignore[call-arg]
    logging.getLogger("x").warning("once")
    assert len(lines(out)) == 1


def test_stderr_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    logs.REDACTOR.forget_all()
    setup_logging(Settings(_env_file=None, NEMO_TOKEN=NEMO_TOKEN))  # type: ignore[call-arg]
    try:
        logging.getLogger("core.nemo").error("401 with Authorization: Bearer %s", NEMO_TOKEN)
        err = capsys.readouterr().err
        assert "level=ERROR" in err and NEMO_TOKEN not in err and REDACTED in err
    finally:
        root = logging.getLogger()
        for handler in [h for h in root.handlers if isinstance(h, logs._BacktrackHandler)]:
            root.removeHandler(handler)
        logging.captureWarnings(False)


async def test_context_fields_reach_lines_of_tasks_and_threads(out: io.StringIO) -> None:
    import asyncio

    from core.logs import log_fields, timed

    log = logging.getLogger("core.engine")
    with log_fields(key="telegram:1", turn="t1"):
        log.info("in the turn")
        await asyncio.create_task(asyncio.sleep(0))
        await asyncio.get_running_loop().create_task(_log_later(log))
        await asyncio.to_thread(log.info, "from a thread")
        with timed(log, "render done", render="r1"):
            pass
    log.info("after the turn")
    [inside, task, thread, done, after] = [
        line for line in lines(out) if "logger=core.engine" in line]
    for line in (inside, task, thread, done):
        assert "key=telegram:1 turn=t1" in line, line
    assert "key=" not in after
    assert "render=r1" in done and "elapsed_ms=" in done and "outcome=ok" in done


async def _log_later(log: logging.Logger) -> None:
    log.info("from a task")


def test_timed_reports_the_failure(out: io.StringIO) -> None:
    from core.logs import timed

    with pytest.raises(ValueError), timed(logging.getLogger("x"), "step"):
        raise ValueError("bad")
    [line] = lines(out)
    assert "outcome=ValueError" in line
