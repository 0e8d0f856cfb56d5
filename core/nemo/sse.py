"""NemoVideo's chat-turn events: decoded SSE `data` strings -> typed events, and a turn's text.

The wire format (chunk boundaries, CRLF, comments, multi-line data) is httpx-sse's job; this
module only reads the `data` of each decoded event. Two event shapes are documented and both
are accepted:

    typed         {"type": "text", "content": "…"}  {"type": "tool_call", "name": …}
                  {"type": "tool_result", …}       {"type": "heartbeat"}
    agent-server  {"content": {"parts": [{"text": …} | {"functionCall": …} |
                  {"functionResponse": …}]}, "author": …, "partial": …}
    error         {"error": "…"} (or {"type": "error", "message": "…"})

An empty `data:` line is a heartbeat. Anything else (not JSON, unknown types) is ignored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class Text:
    """Words from the agent. `partial` marks an agent-server delta of a message in progress."""

    text: str
    partial: bool = False


@dataclass(frozen=True)
class ToolActivity:
    """The agent called a tool or got its result; stays internal."""

    name: str
    kind: Literal["call", "result"]


@dataclass(frozen=True)
class Heartbeat:
    """Still working."""


@dataclass(frozen=True)
class Error:
    """The backend reported a problem inside the stream; `message` is for the log."""

    message: str


SseEvent = Text | ToolActivity | Heartbeat | Error


def parse_event(data: str) -> list[SseEvent]:
    """The typed events in one SSE `data` string (several when an agent event has many parts)."""
    if not data.strip():
        return [Heartbeat()]
    try:
        value = json.loads(data)
    except ValueError:
        return []
    if not isinstance(value, Mapping):
        return []
    if value.get("error"):
        return [Error(_error_words(value["error"]))]
    kind = value.get("type")
    if isinstance(kind, str):
        return _typed(kind, value)
    content = value.get("content")
    if isinstance(content, Mapping):
        return _agent(content, partial=bool(value.get("partial")))
    return []


def _typed(kind: str, value: Mapping[str, Any]) -> list[SseEvent]:
    if kind == "text":
        text = value.get("content", value.get("text"))
        return [Text(text)] if isinstance(text, str) and text else []
    if kind in ("tool_call", "tool_result"):
        return [ToolActivity(_name(value), "call" if kind == "tool_call" else "result")]
    if kind in ("heartbeat", "ping", "keepalive"):
        return [Heartbeat()]
    if kind == "error":
        return [Error(_error_words(value.get("message", value.get("content", "error"))))]
    return []


def _agent(content: Mapping[str, Any], *, partial: bool) -> list[SseEvent]:
    parts = content.get("parts")
    if not isinstance(parts, list):
        return []
    events: list[SseEvent] = []
    for part in parts:
        if not isinstance(part, Mapping):
            continue
        if isinstance(part.get("text"), str) and part["text"]:
            if not part.get("thought"):
                events.append(Text(part["text"], partial=partial))
        elif isinstance(part.get("functionCall"), Mapping):
            events.append(ToolActivity(_name(part["functionCall"]), "call"))
        elif isinstance(part.get("functionResponse"), Mapping):
            events.append(ToolActivity(_name(part["functionResponse"]), "result"))
    return events


def _name(value: Mapping[str, Any]) -> str:
    name = value.get("name", value.get("tool", ""))
    return name if isinstance(name, str) else ""


def _error_words(value: Any) -> str:
    if isinstance(value, Mapping):
        value = value.get("message", value.get("detail", "error"))
    return str(value)


# A turn's text ---------------------------------------------------------------------------

_TEMPORARY_ISSUE = re.compile(r"encountered a temporary issue|遇到了?(一个)?临时问题",
                              re.IGNORECASE)


def is_temporary_issue(text: str) -> bool:
    return bool(_TEMPORARY_ISSUE.search(text))


@dataclass
class TurnText:
    """Collects a turn's words into whole messages.

    Typed text events are whole messages. Agent-server `partial` events are deltas of one
    message, and the non-partial event that follows repeats the whole message, so it replaces
    the deltas. A tool call ends the message in progress. A trailing "I encountered a
    temporary issue" after normal replies is dropped (the doc says to ignore it).
    """

    messages: list[str] = field(default_factory=list)
    _deltas: list[str] = field(default_factory=list)
    _held_issue: str | None = None

    def feed(self, event: SseEvent) -> list[str]:
        """Messages completed by this event, ready for the user."""
        if isinstance(event, Text):
            if event.partial:
                self._deltas.append(event.text)
                return []
            self._deltas = []
            return self._complete(event.text)
        if isinstance(event, ToolActivity):
            return self._flush_deltas()
        return []

    def finish(self) -> list[str]:
        """Messages left when the stream ends."""
        out = self._flush_deltas()
        if self._held_issue is not None and not self.messages:
            self.messages.append(self._held_issue)
            out.append(self._held_issue)
        self._held_issue = None
        return out

    @property
    def said_anything(self) -> bool:
        return bool(self.messages) or bool(self._deltas) or self._held_issue is not None

    def _flush_deltas(self) -> list[str]:
        text, self._deltas = "".join(self._deltas), []
        return self._complete(text) if text else []

    def _complete(self, text: str) -> list[str]:
        text = text.strip()
        if not text:
            return []
        if is_temporary_issue(text):
            # Held: shown only when the turn said nothing else.
            self._held_issue = text
            return []
        self.messages.append(text)
        return [text]
