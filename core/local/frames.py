"""Frames and facts of a video file (blocking; run in a thread), decoded by ffmpeg's libraries
through PyAV: the thumbnails of the timeline picture, the size and length a player page shows."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import av
from PIL import Image


def frames_at(path: Path, seconds: Sequence[float], box: tuple[int, int]) -> list[Image.Image]:
    """The first frame at or after each time, shrunk to fit `box`; times past the end give the
    last frame. An unreadable file raises `av.FFmpegError` (or OSError)."""
    images: list[Image.Image] = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        base = stream.time_base
        for at in seconds:
            image = _frame_at(container, stream, at, base)
            if image is not None:
                image.thumbnail(box)
                images.append(image)
    return images


def _frame_at(container: av.container.InputContainer, stream: av.video.stream.VideoStream,
              at: float, base: object) -> Image.Image | None:
    target = int(max(at, 0.0) / float(base)) if base else 0  # type: ignore[arg-type]
    container.seek(target, stream=stream, backward=True, any_frame=False)
    last: Image.Image | None = None
    for frame in container.decode(stream):
        last = frame.to_image()  # type: ignore[no-untyped-call]
        if frame.time is None or frame.time >= at - 0.02:
            return last
    return last


def video_facts(path: Path) -> tuple[float | None, int | None, int | None]:
    """Duration (s), width and height of a video file's first video stream."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        duration = container.duration / 1_000_000 if container.duration else None
        return duration, stream.width or None, stream.height or None
