"""What a media file holds: streams, codecs, duration, size after rotation (read with PyAV).

imageio-ffmpeg ships no ffprobe, so the container is opened with PyAV. Only headers are read,
plus the first video frame: it carries the display rotation and proves the data decodes.
"""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass
from pathlib import Path

import av

from core.errors import BadMedia


@dataclass(frozen=True)
class MediaInfo:
    """Facts about one media file; `width`/`height` are as displayed, after rotation."""

    path: Path
    format_name: str
    duration: float
    has_video: bool
    has_audio: bool
    video_codec: str | None
    audio_codec: str | None
    width: int | None
    height: int | None
    rotation: int
    fps: float | None
    audio_streams: int
    size: int
    pixel_format: str | None = None
    """The video's pixel format as decoded ("yuv420p", "yuv444p", "yuv420p10le"...)."""
    profile: str | None = None
    """The codec profile as ffmpeg names it ("High", "High 4:4:4 Predictive"...)."""
    level: int | None = None
    """The H.264 level times ten (41 is level 4.1); None when unknown."""
    interlaced: bool = False
    """The first picture is interlaced (two fields, as camcorders and TV record): copied as
    is, many phones show it combed or not at all, so it is re-encoded progressive."""
    sar: float = 1.0
    """The shape of one stored pixel, width over height (1.0: square). HDV and DV store 16:9
    pictures squeezed (1440x1080 at 4:3, 720x576 at 64:45): `width` and `height` are the
    picture as shown, and every re-encode first scales to them (picture.square_pixels)."""
    hdr: str | None = None
    """"hlg" or "pq" for high dynamic range video (iPhones record HLG, other phones and
    cameras HDR10/PQ): re-encoded to standard range (BT.709), or it plays washed out."""


MAX_DECODE_PIXELS = 8192 * 8192
"""Larger pictures are described from their headers only (decoding one would take gigabytes);
the size limits refuse them later with words."""


def probe_sync(path: Path, name: str | None = None) -> MediaInfo:
    """Open the file and describe it; BadMedia with words when it is not usable media.
    `name` is how the user knows the file (the stored copy has a random name).

    A file probed again unchanged (same size, times and inode) is described from memory: a
    render probes its clip up to three times (the command, adding it, exporting), and the
    first-frame decode of a 1080p clip costs ~90 ms of CPU each time."""
    name = name or path.name
    try:
        stat = path.stat()
    except OSError:
        raise BadMedia(f"I can't find the file {name}.") from None
    if stat.st_size == 0:
        raise BadMedia(f"{name} is empty.")
    return _probe_file(path, name, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns,
                       stat.st_ino)


@functools.lru_cache(maxsize=64)  # thread-safe; errors are not cached
def _probe_file(path: Path, name: str, size: int, *_unchanged: int) -> MediaInfo:
    try:
        with av.open(str(path)) as container:
            return _describe(path, name, size, container)
    except BadMedia:
        raise
    except (av.FFmpegError, UnicodeDecodeError, ValueError, IndexError, OSError) as exc:
        raise BadMedia(
            f"{name} doesn't look like a video or audio file I can read "
            "(it may be damaged or cut short)."
        ) from exc


async def probe(path: Path, name: str | None = None) -> MediaInfo:
    """`probe_sync` in a worker thread, so the event loop never blocks on file reads."""
    return await asyncio.to_thread(probe_sync, path, name)


def require_video(info: MediaInfo, *, name: str | None = None) -> MediaInfo:
    """The info back, or BadMedia when the file has no picture. `name` is how the user knows
    the file (default: the file's own name)."""
    if not info.has_video:
        raise BadMedia(f"{name or info.path.name} has no video stream; please send a video.")
    return info


def _describe(
    path: Path, name: str, size: int, container: av.container.InputContainer
) -> MediaInfo:
    video = next(iter(container.streams.video), None)
    audios = list(container.streams.audio)
    if video is None and not audios:
        raise BadMedia(f"{name} has neither pictures nor sound.")
    duration = _duration(container) - (_ogg_opus_pre_skip(container) if video is None else 0.0)
    if duration <= 0:
        raise BadMedia(f"{name} has no playable length.")
    width = height = level = None
    rotation, interlaced, hdr, sar = 0, False, None, 1.0
    fps: float | None = None
    pixel_format = profile = None
    if video is not None:
        width, height = video.codec_context.width, video.codec_context.height
        if width * height <= MAX_DECODE_PIXELS:
            rotation, interlaced = _first_frame(name, container, video)
        shape = video.sample_aspect_ratio or video.codec_context.sample_aspect_ratio
        if shape and shape > 0 and abs(float(shape) - 1.0) > 0.01:
            sar = float(shape)
            width = max(1, round(width * sar))  # as shown: 1440x1080 at 4:3 is 1920x1080
        if rotation % 180:
            width, height = height, width
        rate = video.average_rate or video.guessed_rate
        fps = float(rate) if rate else None
        context = video.codec_context
        pixel_format, profile = context.pix_fmt, context.profile
        level = context.level if context.level and context.level > 0 else None
        hdr = _HDR_TRANSFERS.get(int(context.color_trc or 0))
    return MediaInfo(
        path=path,
        format_name=container.format.name,
        duration=duration,
        has_video=video is not None,
        has_audio=bool(audios),
        video_codec=video.codec_context.name if video is not None else None,
        audio_codec=audios[0].codec_context.name if audios else None,
        width=width,
        height=height,
        rotation=rotation,
        fps=fps,
        audio_streams=len(audios),
        size=size,
        pixel_format=pixel_format,
        profile=profile,
        level=level,
        interlaced=interlaced,
        sar=sar,
        hdr=hdr,
    )


_HDR_TRANSFERS = {16: "pq", 18: "hlg"}
"""ffmpeg's transfer characteristics (AVColorTransferCharacteristic) of HDR video: SMPTE ST
2084 (PQ, HDR10) and ARIB STD-B67 (HLG)."""


PLAYABLE_PIXEL_FORMATS = frozenset({"yuv420p", "yuvj420p"})
PLAYABLE_PROFILES = frozenset({"Baseline", "Constrained Baseline", "Main", "High"})
MAX_PLAYABLE_LEVEL = 51
"""H.264 level 5.1: what phones of the last years and Telegram's player decode."""


def playback_problem(info: MediaInfo) -> str | None:
    """Why the video stream would not play everywhere if copied as is ("H.264 High 4:4:4
    Predictive, yuv444p"), or None when it plays on phones and in Telegram: H.264 in 4:2:0
    8-bit, profile Baseline/Main/High, level 5.1 or below, an even size, progressive and in
    standard range. Facts the probe could not read (None) are not held against the file."""
    codec = info.video_codec
    if codec is None or not info.has_video:
        return None
    hdr = f" HDR ({info.hdr.upper()})" if info.hdr else ""
    if codec != "h264":
        return codec.upper() + hdr
    if hdr:
        return "H.264" + hdr
    fmt, profile = info.pixel_format, info.profile
    if (fmt is not None and fmt not in PLAYABLE_PIXEL_FORMATS) or (
            profile is not None and profile not in PLAYABLE_PROFILES):
        return f"H.264 {profile or 'of an unknown profile'}, {fmt or 'unknown colour format'}"
    if info.level is not None and info.level > MAX_PLAYABLE_LEVEL:
        return f"H.264 level {info.level / 10:g}"
    if (info.width or 0) % 2 or (info.height or 0) % 2:
        return f"H.264 at an odd size ({info.width}x{info.height})"
    if info.interlaced:
        return "interlaced H.264"
    return None


def playback_note(info: MediaInfo) -> str | None:
    """What to tell the user when their clip's video had to be re-encoded to play anywhere."""
    problem = playback_problem(info)
    if problem is None:
        return None
    note = (f"Your clip's video is {problem}, which many phones and Telegram's player can't "
            "play, so I re-encoded it to H.264 (8-bit 4:2:0), which plays everywhere.")
    if info.interlaced:
        note += " It was interlaced; it is progressive now."
    if info.hdr:
        note += (" It was HDR; its colours are brought to standard range (SDR), so it does not "
                 "look washed out.")
    return note


def _duration(container: av.container.InputContainer) -> float:
    if container.duration:
        return container.duration / av.time_base
    best = 0.0
    for stream in container.streams:
        if stream.duration and stream.time_base:
            best = max(best, float(stream.duration * stream.time_base))
    return best


def _ogg_opus_pre_skip(container: av.container.InputContainer) -> float:
    """Seconds of Opus encoder delay that Ogg counts in its duration but decoders drop (6.5 ms
    from libopus; Telegram voice notes are Ogg/Opus). Without it a looped note drifts."""
    if container.format.name != "ogg":
        return 0.0
    for stream in container.streams.audio:
        head = bytes(stream.codec_context.extradata or b"")
        if stream.codec_context.name == "opus" and len(head) >= 12 and head[:8] == b"OpusHead":
            return int.from_bytes(head[10:12], "little") / 48_000
    return 0.0


def _first_frame(
    name: str, container: av.container.InputContainer, video: av.VideoStream
) -> tuple[int, bool]:
    """Rotation (degrees, 0/90/180/270) of the first decodable frame and whether it is
    interlaced; BadMedia when there is none."""
    try:
        for frame in container.decode(video):
            return round(frame.rotation) % 360, bool(frame.interlaced_frame)
    except av.FFmpegError as exc:
        raise BadMedia(f"{name} has a damaged video stream.") from exc
    raise BadMedia(f"{name} has a video stream with no pictures in it (cut short?).")
