"""Frames from a video file (blocking; run in a thread): thumbnails for the timeline picture,
and the poster of a player page, decoded by ffmpeg's libraries through PyAV."""

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


def poster(path: Path, dest: Path, at: float, width: int = 1280) -> None:
    """A JPEG of the frame at `at` seconds, written to `dest` whole (renamed into place)."""
    (image,) = frames_at(path, [at], (width, width))
    part = dest.with_name(dest.name + ".part")
    image.convert("RGB").save(part, "JPEG", quality=82)
    part.replace(dest)
