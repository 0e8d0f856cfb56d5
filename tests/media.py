"""Test media made by ffmpeg, and measurements of what comes out (PyAV).

Nothing here is committed media: every file is generated into a temporary folder.
"""

from __future__ import annotations

import math
import subprocess
from dataclasses import dataclass
from pathlib import Path

import av
import imageio_ffmpeg
import numpy as np

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


def ffmpeg(*args: str) -> None:
    """Run ffmpeg quietly; raise with its stderr on failure."""
    done = subprocess.run(
        [FFMPEG, "-hide_banner", "-loglevel", "error", "-y", *args],
        capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])


def make_video(
    path: Path,
    seconds: float = 3.0,
    width: int = 320,
    height: int = 240,
    fps: int = 25,
    audio: bool = True,
    freq: int = 440,
    vcodec: str = "libx264",
    acodec: str = "aac",
    extra: tuple[str, ...] = (),
) -> Path:
    """A test pattern with (optionally) a sine tone as its own sound."""
    args = ["-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate={fps}:duration={seconds}"]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency={freq}:sample_rate=48000:duration={seconds}"]
    args += ["-c:v", vcodec, "-pix_fmt", "yuv420p"]
    if vcodec == "libx264":
        args += ["-preset", "ultrafast"]
    if audio:
        args += ["-c:a", acodec]
    args += [*extra, "-t", str(seconds), str(path)]
    ffmpeg(*args)
    return path


def make_audio(path: Path, seconds: float = 5.0, freq: int = 880, codec: str | None = None) -> Path:
    """A sine tone; the container follows the suffix (.mp3, .wav, .m4a)."""
    args = ["-f", "lavfi", "-i", f"sine=frequency={freq}:sample_rate=48000:duration={seconds}"]
    if codec:
        args += ["-c:a", codec]
    ffmpeg(*args, str(path))
    return path


@dataclass(frozen=True)
class Measured:
    duration: float
    video_codec: str | None
    audio_codec: str | None
    width: int | None
    height: int | None
    fps: float | None
    audio_streams: int


def measure(path: Path) -> Measured:
    """Container and stream facts, read with PyAV."""
    with av.open(str(path)) as container:
        video = next(iter(container.streams.video), None)
        audio = list(container.streams.audio)
        duration = (container.duration or 0) / 1_000_000
        return Measured(
            duration=duration,
            video_codec=video.codec_context.name if video else None,
            audio_codec=audio[0].codec_context.name if audio else None,
            width=video.codec_context.width if video else None,
            height=video.codec_context.height if video else None,
            fps=float(video.average_rate) if video and video.average_rate else None,
            audio_streams=len(audio),
        )


def audio_samples(path: Path) -> tuple[np.ndarray, int]:
    """The first audio stream decoded to mono float32, and its sample rate."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=48000)
        chunks = []
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1))
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray().reshape(-1))
    return (np.concatenate(chunks) if chunks else np.zeros(0, np.float32)), 48000


def level_db(path: Path, start: float, end: float) -> float:
    """RMS level in dBFS of the audio between two times (seconds); -inf for silence."""
    samples, rate = audio_samples(path)
    window = samples[int(start * rate): int(end * rate)]
    if window.size == 0:
        return -math.inf
    rms = float(np.sqrt(np.mean(np.square(window, dtype=np.float64))))
    return 20 * math.log10(rms) if rms > 0 else -math.inf


def tone_level_db(path: Path, start: float, end: float, freq: float) -> float:
    """Level in dBFS of one frequency between two times (a Goertzel-style projection), to
    tell the music (one tone) from the original sound (another tone) in a mix."""
    samples, rate = audio_samples(path)
    window = samples[int(start * rate): int(end * rate)].astype(np.float64)
    if window.size == 0:
        return -math.inf
    t = np.arange(window.size) / rate
    i = np.dot(window, np.cos(2 * math.pi * freq * t))
    q = np.dot(window, np.sin(2 * math.pi * freq * t))
    amplitude = 2 * math.hypot(i, q) / window.size
    rms = amplitude / math.sqrt(2)
    return 20 * math.log10(rms) if rms > 0 else -math.inf
