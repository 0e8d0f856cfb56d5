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
which `Segment` reads with fallbacks.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
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


def _seconds(ms: float) -> str:
    """12500 -> '12.5', 10000 -> '10'."""
    value = round(ms / 1000, 1)
    return f"{value:g}"


@dataclass(frozen=True)
class Segment:
    """A read-only view of one segment dict."""

    raw: Mapping[str, Any]

    @property
    def meta(self) -> Mapping[str, Any]:
        m = self.raw.get("m")
        return m if isinstance(m, Mapping) else {}

    @property
    def start_ms(self) -> float:
        for key in ("s", "st", "start"):
            if key in self.raw:
                return number(self.raw[key])
        return number(self.meta.get("start"))

    @property
    def duration_ms(self) -> float:
        return number(self.raw.get("d", self.meta.get("d", 0)))

    @property
    def name(self) -> str:
        for source in (self.meta, self.raw):
            for key in ("name", "title", "mood", "filename", "n", "src", "url"):
                value = source.get(key)
                if isinstance(value, str) and value:
                    return value.rsplit("/", 1)[-1] if key in ("src", "url") else value
        return "untitled"

    @property
    def text(self) -> str:
        for source in (self.meta, self.raw):
            for key in ("text", "content", "title"):
                value = source.get(key)
                if isinstance(value, str) and value:
                    return value
        return ""

    @property
    def volume(self) -> float | None:
        for source in (self.meta, self.raw):
            for key in ("volume", "vol", "v"):
                if key in source:
                    return number(source[key], 1.0)
        return None


@dataclass(frozen=True)
class Track:
    """A read-only view of one track dict."""

    raw: Mapping[str, Any]

    @property
    def kind(self) -> int:
        return int(number(self.raw.get("tt"), -1))

    @property
    def segments(self) -> list[Segment]:
        sg = self.raw.get("sg")
        return [Segment(s) for s in sg if isinstance(s, Mapping)] if isinstance(sg, list) else []


class Draft:
    """A timeline: the raw JSON plus typed reading, a summary and a diff."""

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        self.data: JSON = copy.deepcopy(dict(data)) if data else {"t": [], "m": {}}
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
        m = self.data.get("m")
        if not isinstance(m, dict):
            m = self.data["m"] = {}
        return m

    @property
    def tracks(self) -> list[Track]:
        t = self.data.get("t")
        return [Track(x) for x in t if isinstance(x, Mapping)] if isinstance(t, list) else []

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
    def describe_track(self, track: Track) -> str:
        label = TRACK_NAMES.get(track.kind, f"Track type {track.kind}")
        segments = track.segments
        if not segments:
            return f"{label}: empty"
        parts = []
        for seg in segments:
            start, end = seg.start_ms, seg.start_ms + seg.duration_ms
            span = f"{_seconds(start)}-{_seconds(end)}s"
            details = [span]
            if track.kind == AUDIO:
                if seg.volume is not None:
                    details.append(f"{round(seg.volume * 100)}%")
                fade_in = number(seg.meta.get("fade_in"))
                fade_out = number(seg.meta.get("fade_out"))
                if fade_in:
                    details.append(f"fade in {_seconds(fade_in)}s")
                if fade_out:
                    details.append(f"fade out {_seconds(fade_out)}s")
                offset = number(seg.meta.get("offset"))
                if offset:
                    details.append(f"song from {_seconds(offset)}s")
                for a, b, level in _dips(seg.meta.get("envelope")):
                    details.append(f"{round(level * (seg.volume or 1.0) * 100)}% at "
                                   f"{_seconds(a)}-{_seconds(b)}s")
                if seg.meta.get("fit") == "once":
                    details.append("played once")
                if seg.meta.get("align") == "end":
                    details.append("ends with the video")
            if track.kind == TEXT:
                parts.append(f'"{seg.text or seg.name}" ({", ".join(details)})')
            else:
                parts.append(f"{seg.name} ({', '.join(details)})")
        return f"{label}: " + "; ".join(parts)

    def summary(self) -> str:
        """`Timeline (3 tracks): 1. Video: beach.mp4 (0-30s) 2. BGM: sunset.mp3 (0-30s, 30%) ...`"""
        tracks = self.tracks
        if not tracks:
            return "Timeline is empty."
        noun = "track" if len(tracks) == 1 else "tracks"
        items = " ".join(f"{i}. {self.describe_track(t)}" for i, t in enumerate(tracks, 1))
        settings = self._describe_settings()
        return f"Timeline ({len(tracks)} {noun}): {items}" + (f" [{settings}]" if settings else "")

    def _describe_settings(self) -> str:
        m = self.meta
        words = []
        if m.get("aspect"):
            words.append(f"{m['aspect']} ({m.get('fill', 'blur')})")
        if m.get("resolution"):
            words.append(f"{m['resolution']}p")
        trim = m.get("trim")
        if isinstance(trim, list) and len(trim) == 2:
            words.append(f"trimmed to {_seconds(number(trim[0]))}-{_seconds(number(trim[1]))}s")
        original = m.get("original")
        if original == "mute":
            words.append("original sound muted")
        elif original == "lower":
            words.append(f"original sound at {round(number(m.get('original_volume'), 0.3) * 100)}%")
        if m.get("duck"):
            words.append("music ducks under speech")
        if m.get("loudness") is not None:
            words.append(f"loudness {number(m['loudness']):g} LUFS")
        return ", ".join(words)

    def diff(self, before: Draft) -> list[str]:
        """What changed from `before` to this draft, in words; empty when nothing did."""
        if before == self:
            return []
        changes: list[str] = []
        old_by_kind = _by_kind(before.tracks)
        new_by_kind = _by_kind(self.tracks)
        for kind in sorted(set(old_by_kind) | set(new_by_kind)):
            olds, news = old_by_kind.get(kind, []), new_by_kind.get(kind, [])
            for i in range(max(len(olds), len(news))):
                old = before.describe_track(olds[i]) if i < len(olds) else None
                new = self.describe_track(news[i]) if i < len(news) else None
                if old == new:
                    continue
                if old is None:
                    changes.append(f"added {new}")
                elif new is None:
                    changes.append(f"removed {old}")
                else:
                    changes.append(f"{old} → {new.split(': ', 1)[-1]}")
        old_settings, new_settings = before._describe_settings(), self._describe_settings()
        if old_settings != new_settings:
            changes.append(f"settings: {new_settings or 'defaults'}")
        if not changes:
            changes.append("details of the timeline changed")
        return changes


def _dips(raw: Any) -> list[tuple[float, float, float]]:
    """The envelope's entries that are three numbers (see the module docstring)."""
    if not isinstance(raw, list):
        return []
    return [(number(d[0]), number(d[1]), number(d[2], 1.0)) for d in raw
            if isinstance(d, list) and len(d) == 3]


def _by_kind(tracks: list[Track]) -> dict[int, list[Track]]:
    grouped: dict[int, list[Track]] = {}
    for track in tracks:
        grouped.setdefault(track.kind, []).append(track)
    return grouped
