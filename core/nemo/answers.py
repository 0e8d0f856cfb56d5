"""NemoVideo answers: HTTP status + JSON body -> data or a named problem, and its words.

`read_answer` is pure and handles both envelopes (`{"code":0,…}`, `{"success":true,…}`) and
bare data (the top-level render poll shape); `error_for` turns a problem into the matching
`core.errors` exception, written for the user.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from core.errors import (
    BacktrackError,
    NemoError,
    OutOfCredits,
    PlanBlocked,
    RateLimited,
    TooLarge,
    UnsupportedFile,
)

ACCEPTED_FORMATS = ("mp4", "mov", "avi", "webm", "mkv", "jpg", "png", "gif", "webp",
                    "mp3", "wav", "m4a", "aac")
MAX_UPLOAD_BYTES = 500 * 1024 * 1024

Problem = Literal["token", "session", "credits", "unsupported", "too_large", "client_id",
                  "plan", "rate", "server", "duplicate", "other"]


@dataclass(frozen=True)
class Answer:
    """One API answer: `data` when ok, else the `problem` it names."""

    data: dict[str, Any]
    problem: Problem | None = None
    code: int | None = None
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.problem is None


_CODES: dict[int, Problem] = {1001: "token", 1002: "session", 2001: "credits",
                              4001: "unsupported", 4002: "too_large"}


def read_answer(status: int, payload: Any) -> Answer:
    """HTTP status and JSON body together: `{"code":0,…}`, `{"success":true,…}` or bare data."""
    body: dict[str, Any] = dict(payload) if isinstance(payload, Mapping) else {}
    raw_code = body.get("code")
    code = raw_code if isinstance(raw_code, int) and not isinstance(raw_code, bool) else None
    message = str(body.get("message") or body.get("error") or body.get("msg") or "")
    data = body.get("data")
    data = dict(data) if isinstance(data, Mapping) else body

    def problem(kind: Problem) -> Answer:
        return Answer(data, kind, code, message)

    if status == 429 or code == 429:
        return problem("rate")
    if status == 402:
        return problem("plan")
    if status >= 500:
        return problem("server")
    if code in _CODES:
        return problem(_CODES[code])
    if status == 401:
        return problem("token")
    if status == 409 or (body.get("success") is False and _mentions_duplicate(message)):
        return problem("duplicate")
    if status == 413:
        return problem("too_large")
    if status == 415:
        return problem("unsupported")
    if status == 400:
        return problem("client_id")
    if status >= 400 or (code not in (None, 0)) or body.get("success") is False:
        return problem("other")
    return Answer(data, None, code, message)


def _mentions_duplicate(message: str) -> bool:
    lowered = message.lower()
    return "duplicate" in lowered or "already exist" in lowered


class SessionLost(NemoError):
    """Code 1002: the session is gone on the server; the engine starts a new one."""


class StreamDropped(NemoError):
    """A chat turn's stream broke; the message must not be sent again."""


class DuplicateRender(NemoError):
    """The render id was used before; the engine retries once with a new id."""


FORMATS_WORDS = ", ".join(ACCEPTED_FORMATS)


def error_for(answer: Answer, *, anonymous: bool, status: int | None = None) -> BacktrackError:
    """The `core.errors` exception (with words for the user) for a problem answer."""
    kind = answer.problem
    if kind == "credits":
        if anonymous:
            return OutOfCredits("The free NemoVideo credits of this bot are used up. Register on "
                                "NemoVideo to get more credits.")
        return OutOfCredits("The NemoVideo account of this bot is out of credits: "
                            "top up your credits in the NemoVideo account to continue.")
    if kind == "unsupported":
        return UnsupportedFile(f"NemoVideo can't use this type of file. Send one of these: "
                               f"{FORMATS_WORDS}.")
    if kind == "too_large":
        return TooLarge("This file is over NemoVideo's 500 MB limit. Trim it or compress it, "
                        "then send it again.")
    if kind == "plan":
        return PlanBlocked("NemoVideo's free plan doesn't allow this export. Register or upgrade "
                           "your NemoVideo plan to unlock export.")
    if kind == "rate":
        return RateLimited("NemoVideo is getting too many requests right now. Please try again "
                           "in a minute.")
    if kind == "session":
        return SessionLost("the NemoVideo session no longer exists", code=answer.code,
                           status=status)
    if kind == "duplicate":
        return DuplicateRender("the render id was already used", code=answer.code, status=status)
    if kind == "server":
        return NemoError(f"NemoVideo is not answering properly (server error {status}); "
                         "please try again in a few minutes.", code=answer.code, status=status)
    return NemoError(f"NemoVideo refused the request (status {status}, code {answer.code}): "
                     f"{answer.message[:200]}", code=answer.code, status=status)


BAD_CONFIGURED_WORDS = ("The NemoVideo token this bot is configured with is invalid or expired. "
                        "The bot's operator needs to set a valid NEMO_TOKEN (or remove it to use "
                        "a free starter token).")
