"""How the local engine stores a timeline: the typed model serialised in a schema of its own,
with a version, instead of NemoVideo's draft JSON.

    {"schema": "backtrack.timeline", "version": 1,
     "timeline": {"clips": [{"media_id", "name", "duration", "start", "has_audio"}, ...],
                  "music": [{"source": {"name", "media_id", "mood", "seed", "length"},
                             "level", "fade_in", "fade_out", "start", "length", "until",
                             "offset", "fit", "align", "envelope": [{"start", "end",
                             "factor", "to"}, ...]}, ...],
                  "original": {"mode", "level", "duck", "envelope": [...]},
                  "picture": {"aspect", "fill", "resolution", "upscale", "width", "height",
                              "max_mb"},
                  "title": {"text", "start", "length"} | null, "loudness", "trim": [a, b],
                  "cuts": [[a, b], ...], "last_step": {"target", "factor"} | null}}

Every field is a field of core/timeline/model.py under its own name (times in ms); a field
missing from a stored value takes its default, so adding a field does not need a new version.
A stored text that is not this schema is read as the draft JSON stored before it (`t`, `tt`,
`sg`, `d`, `m`), so sessions saved by older versions load unchanged.
"""

from __future__ import annotations

import json
import types
from dataclasses import fields, is_dataclass
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

from core.draft import Draft
from core.timeline.convert import draft_of, timeline_of
from core.timeline.model import Timeline

SCHEMA = "backtrack.timeline"
VERSION = 1


class StoredTimelineError(ValueError):
    """A stored timeline of this schema that cannot be read (a newer version, a bad field)."""


def _encode(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        # `raw` is the draft JSON an element was read from: the stored model stands alone.
        return {f.name: _encode(getattr(value, f.name)) for f in fields(value) if f.name != "raw"}
    if isinstance(value, tuple):
        return [_encode(item) for item in value]
    return value


def _decode(hint: Any, value: Any) -> Any:
    """`value` (parsed JSON) as the type `hint` of the model."""
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        if value is None and type(None) in get_args(hint):
            return None
        return _decode(next(a for a in get_args(hint) if a is not type(None)), value)
    if origin is Literal:
        if value not in get_args(hint):
            raise StoredTimelineError(f"{value!r} is not one of {get_args(hint)}")
        return value
    if origin is tuple:
        args = get_args(hint)
        if not isinstance(value, list):
            raise StoredTimelineError(f"expected a list, got {type(value).__name__}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(args[0], item) for item in value)
        return tuple(_decode(a, item) for a, item in zip(args, value, strict=True))
    if isinstance(hint, type) and is_dataclass(hint):
        if not isinstance(value, dict):
            raise StoredTimelineError(f"expected an object for {hint.__name__}")
        hints = get_type_hints(hint)
        return hint(**{name: _decode(hints[name], item) for name, item in value.items()
                       if name in hints and name != "raw"})
    if hint is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if hint in (int, str, bool) and type(value) is hint:
        return value
    raise StoredTimelineError(f"{value!r} is not a {getattr(hint, '__name__', hint)}")


def dumps(timeline: Timeline) -> str:
    """The stored text of a timeline."""
    return json.dumps({"schema": SCHEMA, "version": VERSION, "timeline": _encode(timeline)},
                      ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def loads(text: str | bytes | None) -> Timeline:
    """A stored timeline: this schema, or an older stored draft JSON."""
    if not text:
        return Timeline()
    value = json.loads(text)
    if not (isinstance(value, dict) and value.get("schema") == SCHEMA):
        return timeline_of(Draft.from_json(text).data)
    if value.get("version") != VERSION:
        raise StoredTimelineError(f"stored timeline version {value.get('version')!r} is not "
                                  f"{VERSION} (written by a newer Backtrack?)")
    try:
        decoded = _decode(Timeline, value.get("timeline") or {})
    except (TypeError, StopIteration) as exc:
        raise StoredTimelineError(str(exc)) from exc
    assert isinstance(decoded, Timeline)
    return decoded


def dump_draft(draft: Draft) -> str:
    """How the local engine stores a draft: its typed timeline."""
    return dumps(timeline_of(draft))


def load_draft(text: str | bytes | None) -> Draft:
    """A stored session's draft, from this schema or the draft JSON stored before it."""
    if not text:
        return Draft()
    value = json.loads(text)
    if not (isinstance(value, dict) and value.get("schema") == SCHEMA):
        return Draft.from_json(text)  # an older stored draft, as it was
    return draft_of(loads(text))
