"""Drafts and probe results for the local-render tests, written as the parser writes them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.draft import Draft
from core.local.probe import MediaInfo


def video_info(
    path: str = "/in/clip.mp4", duration: float = 10.0, width: int = 1920, height: int = 1080,
    codec: str = "h264", audio: bool = True, size: int = 10_000_000, rotation: int = 0,
) -> MediaInfo:
    return MediaInfo(
        path=Path(path), format_name="mov,mp4", duration=duration, has_video=True,
        has_audio=audio, video_codec=codec, audio_codec="aac" if audio else None, width=width,
        height=height, rotation=rotation, fps=30.0, audio_streams=int(audio), size=size,
    )


def audio_info(path: str = "/in/song.mp3", duration: float = 200.0) -> MediaInfo:
    return MediaInfo(
        path=Path(path), format_name="mp3", duration=duration, has_video=False, has_audio=True,
        video_codec=None, audio_codec="mp3", width=None, height=None, rotation=0, fps=None,
        audio_streams=1, size=1000,
    )


def make_draft(
    video_ms: float = 10_000,
    music: dict[str, Any] | None = None,
    music_start: float = 0,
    music_ms: float | None = None,
    title: str | None = None,
    title_ms: tuple[float, float] = (0, 2000),
    **meta: Any,
) -> Draft:
    """A draft with a video track, optional BGM and title, and top-level settings."""
    tracks: list[dict[str, Any]] = [
        {"tt": 0, "sg": [{"s": 0, "d": video_ms, "m": {"name": "clip.mp4", "media_id": "v1"}}]}
    ]
    if music is not None:
        m = {"name": "song.mp3", "media_id": "a1", **music}
        tracks.append({"tt": 1, "sg": [{"s": music_start,
                                        "d": music_ms if music_ms is not None else video_ms,
                                        "m": m}]})
    if title is not None:
        tracks.append({"tt": 7, "sg": [{"s": title_ms[0], "d": title_ms[1],
                                        "m": {"text": title}}]})
    return Draft({"t": tracks, "m": meta})
