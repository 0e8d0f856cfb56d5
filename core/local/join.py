"""Several clips into one video ("join my clips"): a first pass that re-encodes every clip of
the timeline, in order, to one size, frame rate and sample rate, and concatenates them. The
result is then rendered like any single clip (core/local/render_job.py), so the music, picture
and title rules apply to the whole without the ffmpeg plan knowing about several inputs.

Choices:
- The shape is the first clip's (made even for H.264); the others are scaled to fit inside it
  and padded with black (an aspect asked for is applied afterwards to the joined video).
- The frame rate is the first clip's (30 when unknown), the sound 48 kHz stereo; a clip without
  sound gets silence of its own length, so picture and sound stay together at every seam.
- The pass encodes at CRF 18: it is an intermediate that the render may encode once more.
Cutting a part out of the middle of one clip ("delete 0:05 to 0:12") is the same kind of pass:
the parts kept are joined into one file (`cut_clip`), rendered like any clip after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from core.local.mix import SAMPLE_RATE
from core.local.picture import DEINTERLACE, TO_SDR, square_pixels
from core.local.plan import AUDIO_BITRATE
from core.local.probe import MediaInfo
from core.local.runner import FfmpegRunner, OnProgress

DEFAULT_FPS = 30.0


def _even(value: int) -> int:
    return max(value - value % 2, 2)


def join_shape(clips: Sequence[MediaInfo]) -> tuple[int, int, float]:
    """Width, height and frame rate of the joined video: the first clip's."""
    first = clips[0]
    fps = first.fps if first.fps and 1 <= first.fps <= 120 else DEFAULT_FPS
    return _even(first.width or 1280), _even(first.height or 720), round(fps, 3)


def join_graph(clips: Sequence[MediaInfo]) -> str:
    """The filter graph: each clip scaled/padded and given 48 kHz stereo sound (silence when it
    has none), then `concat` into [vout][aout]."""
    width, height, fps = join_shape(clips)
    parts: list[str] = []
    pairs = ""
    for i, clip in enumerate(clips):
        d = f"{clip.duration:.3f}"
        parts.append(
            f"[{i}:v:0]{DEINTERLACE + ',' if clip.interlaced else ''}"
            f"{TO_SDR[clip.hdr] + ',' if clip.hdr else ''}"
            f"{square_pixels(clip.width, clip.height, clip.sar)}"
            f"scale={width}:{height}:force_original_aspect_ratio=decrease,"
            f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps={fps:g},format=yuv420p,"
            f"trim=duration={d},setpts=PTS-STARTPTS[v{i}]")
        source = (f"[{i}:a:0]aresample={SAMPLE_RATE}," if clip.has_audio else
                  f"anullsrc=r={SAMPLE_RATE}:cl=stereo,")
        parts.append(f"{source}aformat=sample_fmts=fltp:channel_layouts=stereo,"
                     f"apad=whole_dur={d},atrim=duration={d},asetpts=PTS-STARTPTS[a{i}]")
        pairs += f"[v{i}][a{i}]"
    parts.append(f"{pairs}concat=n={len(clips)}:v=1:a=1[vout][aout]")
    return ";".join(parts)


def join_command(clips: Sequence[MediaInfo]) -> list[str]:
    """The join pass: everything but the executable and the output file (an MP4)."""
    if len(clips) < 2:
        raise ValueError("joining needs at least two clips")
    args: list[str] = []
    for clip in clips:
        args += ["-i", str(clip.path)]
    total = sum(clip.duration for clip in clips)
    return [*args, "-filter_complex", join_graph(clips), "-map", "[vout]", "-map", "[aout]",
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", str(AUDIO_BITRATE), "-ar", str(SAMPLE_RATE),
            "-t", f"{total:.3f}", "-movflags", "+faststart", "-f", "mp4"]


async def join_clips(clips: Sequence[MediaInfo], output: Path, runner: FfmpegRunner,
                     on_progress: OnProgress | None = None) -> Path:
    """Join `clips` into `output` (atomically; its folder must exist)."""
    total = sum(clip.duration for clip in clips)
    return await runner.render(join_command(clips), output, duration=total,
                               on_progress=on_progress)


def cut_graph(video: MediaInfo, parts: Sequence[tuple[float, float]]) -> str:
    """The filter graph that keeps `parts` (seconds, in order) of one clip and plays them one
    after the other into [vout] (and [aout] when the clip has sound)."""
    first = "".join(f"{step}," for step in (DEINTERLACE if video.interlaced else "",
                                            TO_SDR[video.hdr] if video.hdr else "") if step)
    first += square_pixels(video.width, video.height, video.sar)
    split = len(parts)
    chains = [f"[0:v:0]{first}setsar=1,format=yuv420p,split={split}"
              + "".join(f"[vs{i}]" for i in range(split))]
    if video.has_audio:
        chains.append(f"[0:a:0]aresample={SAMPLE_RATE},aformat=sample_fmts=fltp:"
                      f"channel_layouts=stereo,asplit={split}"
                      + "".join(f"[as{i}]" for i in range(split)))
    pairs = ""
    for i, (a, b) in enumerate(parts):
        chains.append(f"[vs{i}]trim=start={a:.3f}:end={b:.3f},setpts=PTS-STARTPTS[v{i}]")
        pairs += f"[v{i}]"
        if video.has_audio:
            chains.append(f"[as{i}]atrim=start={a:.3f}:end={b:.3f},asetpts=PTS-STARTPTS[a{i}]")
            pairs += f"[a{i}]"
    sound = 1 if video.has_audio else 0
    chains.append(f"{pairs}concat=n={split}:v=1:a={sound}[vout]" + ("[aout]" if sound else ""))
    return ";".join(chains)


def cut_command(video: MediaInfo, parts: Sequence[tuple[float, float]]) -> list[str]:
    """The cut pass ("delete 0:05 to 0:12"): the parts of the clip kept, as one file."""
    total = sum(b - a for a, b in parts)
    audio = (["-map", "[aout]", "-c:a", "aac", "-b:a", str(AUDIO_BITRATE), "-ar",
              str(SAMPLE_RATE)] if video.has_audio else ["-an"])
    return ["-i", str(video.path), "-filter_complex", cut_graph(video, parts), "-map", "[vout]",
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p",
            *audio, "-t", f"{total:.3f}", "-movflags", "+faststart", "-f", "mp4"]


async def cut_clip(video: MediaInfo, parts: Sequence[tuple[float, float]], output: Path,
                   runner: FfmpegRunner) -> Path:
    """Keep `parts` (seconds) of `video` in `output` (atomically; its folder must exist)."""
    total = sum(b - a for a, b in parts)
    return await runner.render(cut_command(video, parts), output, duration=total)
