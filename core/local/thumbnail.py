"""A still of a video for chat platforms: one JPEG frame from the middle, small enough for
Telegram's rules (JPEG, width and height at most 320 px, under 200 kB)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from core.errors import BacktrackError
from core.local.runner import FfmpegRunner

log = logging.getLogger(__name__)

MAX_SIDE = 320
MAX_BYTES = 200_000
QUALITIES = (4, 10, 20, 31)
"""ffmpeg's JPEG quantiser, best first; a worse one is tried while the still is too big."""
SECONDS = 30.0

_runner: FfmpegRunner | None = None


def thumbnail_args(video: Path | str, duration: float | None, quality: int,
                   max_side: int = MAX_SIDE) -> list[str]:
    """ffmpeg arguments (output appended by the runner) for one frame from the middle, fitted
    into max_side x max_side (never enlarged)."""
    middle = max(0.0, (duration or 0.0) / 2)
    fit = (f"scale='min({max_side},iw)':'min({max_side},ih)'"
           ":force_original_aspect_ratio=decrease")
    return ["-loglevel", "error", "-ss", f"{middle:.3f}", "-i", str(video), "-frames:v", "1",
            "-vf", fit, "-q:v", str(quality), "-f", "image2", "-c:v", "mjpeg"]


async def thumbnail(video: Path | str, duration: float | None, *, max_side: int = MAX_SIDE,
                    max_bytes: int = MAX_BYTES, runner: FfmpegRunner | None = None,
                    work: Path | None = None) -> bytes | None:
    """The JPEG bytes, or None when no still could be made (a thumbnail is a nicety: the
    video is sent anyway). `video` may be a URL (ffmpeg seeks it with range requests; its
    errors, which may quote the URL, are never logged), then `work` is a file to write to."""
    global _runner
    if runner is None:
        runner = _runner = _runner or FfmpegRunner(timeout=SECONDS)
    if isinstance(video, Path):
        out = video.with_name(video.stem + ".thumb.jpg")
    elif work is not None:
        out = work
    else:
        raise ValueError("a still from a URL needs a work file")
    try:
        for quality in QUALITIES:
            await runner.render(thumbnail_args(video, duration, quality, max_side), out)
            data = await asyncio.to_thread(out.read_bytes)
            if len(data) < max_bytes:
                return data
        log.warning("thumbnail: still over %d bytes at the lowest quality", max_bytes)
    except (BacktrackError, OSError) as exc:
        log.warning("thumbnail: none for this video (%s)", type(exc).__name__)
    finally:
        await asyncio.to_thread(out.unlink, missing_ok=True)
    return None
