"""The timeline ("draft") in NemoVideo's vocabulary, shared by both engines.

A draft is a JSON object: `t` tracks, each with `tt` (track type) and `sg` segments; `d`
durations in milliseconds; `m` metadata. NemoVideo drafts are read tolerantly and sent back
unchanged, so `Draft` wraps the raw dict and never drops a key it does not know.

The local engine writes drafts in the same vocabulary, with these conventions:

    draft["m"]  : {"width", "height"             # of the output, after aspect/resolution
                   "aspect": "16:9"|"9:16"|"1:1"|"4:5"|None, "fill": "blur"|"crop"|"pad",
                   "resolution": 1080|720|...|None, "upscale": bool,
                   "trim": [start_ms, end_ms] | None,
                   "original": "keep"|"lower"|"mute", "original_volume": float 0..1,
                   "duck": bool, "loudness": float LUFS | None,
                   "last_step": {"target": "music"|"original", "factor": float} (the last
                                relative volume step, so "a bit more" can repeat it)}
    video track : {"tt": 0, "sg": [{"s": 0, "d": ms, "m": {"name", "media_id"}}]}
                  ("m" may also hold "has_audio": bool, the clip's own sound, noted on arrival)
    BGM track   : {"tt": 1, "sg": [{"s": start_ms_in_video, "d": ms,
                   "m": {"name", "media_id" | "mood", "volume": 0..2, "fade_in": ms,
                         "fade_out": ms, "offset": ms_into_song, "fit": "loop"|"trim"|"once",
                         "align": "end" (optional: the song's ending on the video's end),
                         "source_ms": length of the song file (optional; the parser's fit),
                         "until": ms on the timeline where the music stops (optional; the
                                  parser keeps `d` ending there),
                         "envelope": [[start_ms, end_ms, level], ...] (optional; the music's
                                  level for part of the output's timeline, multiplying
                                  "volume", back to "volume" after each part: "quieter for
                                  the first 5 seconds" is [[0, 5000, 0.45]];
                                  core/local/envelope.py reads, writes and renders it)}}]}
    title track : {"tt": 7, "sg": [{"s": ms, "d": ms, "m": {"text": str}}]}

`s` (start on the timeline, ms) is a local addition; NemoVideo segments may carry other keys,
which `Segment` (core/timeline/convert.py) reads with fallbacks.

`Draft` is the JSON and its raw track list; everything read from inside it goes through the
one converter (core/timeline/convert.py), and its words (summary, diff) are written from the
typed timeline (core/timeline/describe.py).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from typing import Any

from core.timeline import convert, describe
from core.timeline.convert import Segment, Track
from core.timeline.kinds import AUDIO, JSON, TEXT, TRACK_NAMES, VIDEO, number

__all__ = ["AUDIO", "JSON", "TEXT", "TRACK_NAMES", "VIDEO", "Draft", "Segment", "Track",
           "number"]


class Draft:
    """A timeline: the raw JSON plus typed reading, a summary and a diff."""

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        self.data: JSON = copy.deepcopy(dict(data)) if data else convert.blank()
        self.data.setdefault("t", [])

    @classmethod
    def from_json(cls, text: str | bytes | None) -> Draft:
        if not text:
            return cls()
        value = json.loads(text)
        return cls(value if isinstance(value, dict) else None)

    def to_json(self) -> str:
        return json.dumps(self.data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    def copy(self) -> Draft:
        return Draft(self.data)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Draft) and self.to_json() == other.to_json()

    def __hash__(self) -> int:
        return hash(self.to_json())

    def __repr__(self) -> str:
        return f"Draft({self.summary()!r})"

    # Reading.
    @property
    def meta(self) -> JSON:
        """The draft's own settings dict (created when missing)."""
        return convert.settings_dict(self.data)

    @property
    def tracks(self) -> list[Track]:
        return convert.tracks(self.data)

    def tracks_of(self, kind: int) -> Iterator[Track]:
        return (track for track in self.tracks if track.kind == kind)

    def first_segment(self, kind: int) -> Segment | None:
        for track in self.tracks_of(kind):
            if track.segments:
                return track.segments[0]
        return None

    @property
    def is_exportable(self) -> bool:
        """NemoVideo's rule: at least one track with a non-empty `sg`."""
        return any(track.segments for track in self.tracks)

    # Writing (used by the local engine; NemoVideo drafts are only read).
    def track_dict(self, kind: int, create: bool = True) -> JSON | None:
        """The first raw track of a kind, created at the end when missing."""
        for raw in self.data["t"]:
            if isinstance(raw, dict) and int(number(raw.get("tt"), -1)) == kind:
                return raw
        if not create:
            return None
        raw = {"tt": kind, "sg": []}
        self.data["t"].append(raw)
        return raw

    def remove_tracks(self, kind: int) -> None:
        self.data["t"] = [
            raw for raw in self.data["t"]
            if not (isinstance(raw, dict) and int(number(raw.get("tt"), -1)) == kind)
        ]

    # Words.
    def summary(self) -> str:
        """`Timeline (3 tracks): 1. Video: beach.mp4 (0-30s) 2. BGM: sunset.mp3 (0-30s, 30%) ...`"""
        return describe.summary(self.data)

    def diff(self, before: Draft) -> list[str]:
        """What changed from `before` to this draft, in words; empty when nothing did."""
        if before == self:
            return []
        return describe.diff(before.data, self.data)
