"""The one check of a probed file against the operator's limits, for every way in.

The chat (console, Telegram, Discord, through `core.conversation.intake`) and `backtrack render`
call `check_media`, so an 8000x8000 clip or a 2-hour file is refused with the same words
wherever it comes from. Kept light (no pydantic, no network code at import): `backtrack render`
imports it on its start-up path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from core.errors import BadMedia, TooLarge

if TYPE_CHECKING:
    from core.engine import MediaKind
    from core.local.probe import MediaInfo


class MediaLimits(Protocol):
    """The settings the check reads (`core.config.Settings` has them)."""

    @property
    def max_video_seconds(self) -> float: ...
    @property
    def max_audio_seconds(self) -> float: ...
    @property
    def max_pixels(self) -> int: ...


def human_size(size: int | None) -> str:
    """1234567 -> '1.2 MB'."""
    if size is None:
        return "unknown size"
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    if size < 1024**3:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{size / 1024**3:.2f} GB"


def human_duration(seconds: float | None) -> str:
    """65.2 -> '1:05'."""
    if seconds is None:
        return "?"
    total = round(seconds)
    return f"{total // 60}:{total % 60:02d}"


def check_pixels(width: int, height: int, name: str, limits: MediaLimits) -> None:
    """TooLarge with words when a picture has more pixels than the operator allows."""
    if width * height > limits.max_pixels:
        raise TooLarge(f"{name} is {width}x{height}; that is more pixels than I take "
                       f"({limits.max_pixels:,} at most). Please send a smaller copy.")


def check_media(info: MediaInfo, kind: str, name: str, limits: MediaLimits) -> MediaKind:
    """The kind of media after probing ("video" with no picture but sound is music), or the
    limit it breaks in words."""
    if kind == "video" and not info.has_video:
        if not info.has_audio:
            raise BadMedia(f"{name} has no video or sound I can use.")
        kind = "audio"  # an .mp4 with only sound is music
    if kind == "audio" and not info.has_audio:
        raise BadMedia(f"{name} has no sound in it, so I can't use it as music.")
    if kind == "video":
        if info.duration > limits.max_video_seconds:
            raise TooLarge(f"{name} is {human_duration(info.duration)} long; the longest video I "
                           f"take is {human_duration(limits.max_video_seconds)}.")
        check_pixels(info.width or 0, info.height or 0, name, limits)
    elif kind == "audio" and info.duration > limits.max_audio_seconds:
        raise TooLarge(f"{name} is {human_duration(info.duration)} long; the longest music I "
                       f"take is {human_duration(limits.max_audio_seconds)}.")
    return "video" if kind == "video" else "audio" if kind == "audio" else "image"
