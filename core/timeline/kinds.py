"""The draft JSON's track kinds and its one reader of numbers (core/draft.py describes the
format; core/timeline/convert.py reads and writes it)."""

from __future__ import annotations

import math
from typing import Any

VIDEO = 0
AUDIO = 1
TEXT = 7
TRACK_NAMES = {VIDEO: "Video", AUDIO: "BGM", TEXT: "Title"}

JSON = dict[str, Any]


def number(value: Any, default: float = 0.0) -> float:
    """A JSON value as a finite float, `default` when it is not one (drafts come from outside:
    the one place numbers in them are read)."""
    if isinstance(value, bool):
        return default
    try:
        result = float(value)
    except (TypeError, ValueError):
        return default
    return result if math.isfinite(result) else default
