"""A draft in words, written from the typed timeline: the summary `status` shows (every track
with its times and levels, then the settings) and the diff a turn reports.

The tracks are listed as the draft has them (so a NemoVideo draft with kinds the model does
not know still reads in order); each segment of a known kind is read through the converter
into its typed element and described from that.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.timeline.convert import Track, read_clip, read_music, read_title, timeline_of, tracks
from core.timeline.kinds import AUDIO, TEXT, TRACK_NAMES, VIDEO
from core.timeline.model import Timeline


def _seconds(ms: float) -> str:
    """12500 -> '12.5', 10000 -> '10'."""
    value = round(ms / 1000, 1)
    return f"{value:g}"


def _span(start: float, length: float) -> str:
    return f"{_seconds(start)}-{_seconds(start + length)}s"


def _music(raw: Mapping[str, Any]) -> str:
    track = read_music(raw)
    details = [_span(track.start, track.length)]
    if track.level is not None:
        details.append(f"{round(track.level * 100)}%")
    if track.fade_in:
        details.append(f"fade in {_seconds(track.fade_in)}s")
    if track.fade_out:
        details.append(f"fade out {_seconds(track.fade_out)}s")
    if track.offset:
        details.append(f"song from {_seconds(track.offset)}s")
    for span in track.envelope:
        if track.length and (span.end <= track.start or span.start >= track.end):
            continue  # a dip before the song comes in or after it ends: not heard on it
        level = "silent" if span.factor <= 0 else f"{round(span.factor * track.gain * 100)}%"
        if span.to is not None:  # a gradual change
            way = "rising" if span.to > span.factor else "falling"
            level = f"{way} to {round(span.to * track.gain * 100)}%"
        details.append(f"{level} at {_seconds(span.start)}-{_seconds(span.end)}s")
    if track.fit == "once":
        details.append("played once")
    if track.align == "end":
        details.append("ends with the video")
    return f"{track.source.label} ({', '.join(details)})"


def _element(kind: int, raw: Mapping[str, Any], seg_name: str) -> str:
    if kind == AUDIO:
        return _music(raw)
    if kind == VIDEO:
        clip = read_clip(raw)
        return f"{clip.name} ({_span(clip.start, clip.duration)})"
    if kind == TEXT:
        title = read_title(raw)
        return f'"{title.text or seg_name}" ({_span(title.start, title.length)})'
    return ""


def describe_track(track: Track) -> str:
    """One track in words: `BGM: song.mp3 (0-12s, 40%, fade out 3s)`."""
    label = TRACK_NAMES.get(track.kind, f"Track type {track.kind}")
    segments = track.segments
    if not segments:
        return f"{label}: empty"
    parts = [_element(track.kind, seg.raw, seg.name)
             or f"{seg.name} ({_span(seg.start_ms, seg.duration_ms)})" for seg in segments]
    return f"{label}: " + "; ".join(parts)


def settings(timeline: Timeline) -> str:
    """The timeline's own settings in words (empty when all are at their defaults)."""
    words = []
    picture, original = timeline.picture, timeline.original
    if picture.aspect:
        words.append(f"{picture.aspect} ({picture.fill or 'blur'})")
    if picture.resolution:
        words.append(f"{picture.resolution}p")
    if picture.max_mb:
        words.append(f"at most {picture.max_mb:g} MB")
    if timeline.trim is not None:
        words.append(f"trimmed to {_seconds(timeline.trim[0])}-{_seconds(timeline.trim[1])}s")
    for a, b in timeline.cuts:
        words.append(f"cut out {_seconds(a)}-{_seconds(b)}s")
    if original.mode == "mute":
        words.append("original sound muted")
    elif original.mode == "lower":
        words.append(f"original sound at {round(original.gain * 100)}%")
    for span in original.envelope:
        level = "muted" if span.factor <= 0 else f"at {round(span.factor * original.gain * 100)}%"
        words.append(f"original sound {level} {_seconds(span.start)}-{_seconds(span.end)}s")
    if original.duck:
        words.append("music ducks under speech")
    if timeline.loudness is not None:
        words.append(f"loudness {timeline.loudness:g} LUFS")
    return ", ".join(words)


def summary(data: Mapping[str, Any]) -> str:
    """`Timeline (3 tracks): 1. Video: beach.mp4 (0-30s) 2. BGM: sunset.mp3 (0-30s, 30%) ...`"""
    listed = tracks(data)
    if not listed:
        return "Timeline is empty."
    noun = "track" if len(listed) == 1 else "tracks"
    items = " ".join(f"{i}. {describe_track(t)}" for i, t in enumerate(listed, 1))
    said = settings(timeline_of(data))
    return f"Timeline ({len(listed)} {noun}): {items}" + (f" [{said}]" if said else "")


def _by_kind(listed: list[Track]) -> dict[int, list[Track]]:
    grouped: dict[int, list[Track]] = {}
    for track in listed:
        grouped.setdefault(track.kind, []).append(track)
    return grouped


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """What changed from `before` to `after`, in words (the drafts differ)."""
    changes: list[str] = []
    old_by_kind, new_by_kind = _by_kind(tracks(before)), _by_kind(tracks(after))
    for kind in sorted(set(old_by_kind) | set(new_by_kind)):
        olds, news = old_by_kind.get(kind, []), new_by_kind.get(kind, [])
        for i in range(max(len(olds), len(news))):
            old = describe_track(olds[i]) if i < len(olds) else None
            new = describe_track(news[i]) if i < len(news) else None
            if old == new:
                continue
            if old is None:
                changes.append(f"added {new}")
            elif new is None:
                changes.append(f"removed {old}")
            else:
                changes.append(f"{old} → {new.split(': ', 1)[-1]}")
    old_settings, new_settings = settings(timeline_of(before)), settings(timeline_of(after))
    if old_settings != new_settings:
        changes.append(f"settings: {new_settings or 'defaults'}")
    if not changes:
        changes.append("details of the timeline changed")
    return changes
