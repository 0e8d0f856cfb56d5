"""Hostile and odd media, generated with ffmpeg (or by hand) in a second or two each."""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

from tests.media import ffmpeg, make_audio, make_video


def zero_bytes(folder: Path) -> Path:
    path = folder / "empty.mp4"
    path.write_bytes(b"")
    return path


def random_bytes(folder: Path) -> Path:
    path = folder / "random.mp4"
    path.write_bytes(os.urandom(64 * 1024))
    return path


def truncated(folder: Path, clip: Path) -> Path:
    """The first 40% of an MP4 whose index (moov) sits at the end: the index is gone."""
    path = folder / "truncated.mp4"
    data = clip.read_bytes()
    path.write_bytes(data[: int(len(data) * 0.4)])
    return path


def truncated_faststart(folder: Path) -> Path:
    """Index first, then 40% of the frames: the index promises pictures that are not there."""
    full = make_video(folder / "faststart-full.mp4", seconds=3, extra=("-movflags", "+faststart"))
    path = folder / "truncated-faststart.mp4"
    data = full.read_bytes()
    path.write_bytes(data[: int(len(data) * 0.4)])
    return path


def mp3(folder: Path) -> Path:
    return make_audio(folder / "song.mp3", seconds=6, freq=880)


def mp3_named_mp4(folder: Path) -> Path:
    """An MP3 renamed to .mp4: MP3 data, a video's name."""
    song = make_audio(folder / "renamed-src.mp3", seconds=6, freq=880)
    path = folder / "not-really-a-video.mp4"
    path.write_bytes(song.read_bytes())
    return path


def no_audio(folder: Path) -> Path:
    return make_video(folder / "silent.mp4", seconds=3, audio=False)


def portrait_phone(folder: Path, clip: Path) -> Path:
    """A 320x240 stream tagged "rotate 90" as phones record portrait video."""
    path = folder / "portrait.mp4"
    ffmpeg("-display_rotation", "90", "-i", str(clip), "-c", "copy", str(path))
    return path


def variable_frame_rate(folder: Path) -> Path:
    """Frames dropped unevenly, kept with their own timestamps (-fps_mode vfr)."""
    path = folder / "vfr.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=3",
           "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=3",
           "-vf", "select='lt(mod(n\\,10)\\,3)+gt(n\\,60)'", "-fps_mode", "vfr",
           "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
           "-t", "3", str(path))
    return path


def hevc_mov(folder: Path) -> Path:
    return make_video(folder / "hevc.mov", seconds=2, vcodec="libx265",
                      extra=("-preset", "ultrafast", "-tag:v", "hvc1", "-x265-params",
                             "log-level=error"))


def vp9_webm(folder: Path) -> Path:
    return make_video(folder / "vp9.webm", seconds=2, vcodec="libvpx-vp9", acodec="libopus",
                      extra=("-deadline", "realtime", "-cpu-used", "8", "-b:v", "300k"))


def camcorder_mts(folder: Path) -> Path:
    """AVCHD as camcorders write it: MPEG-TS (.mts) with H.264 and AC-3 sound, timestamps
    starting 1.4 s in."""
    return make_video(folder / "00001.MTS", seconds=2, acodec="ac3",
                      extra=("-f", "mpegts", "-output_ts_offset", "1.4"))


def dvd_mpg(folder: Path) -> Path:
    """MPEG-2 video with MP2 sound in an MPEG program stream (.mpg), as DVDs and old
    cameras write it."""
    return make_video(folder / "dvd.mpg", seconds=2, vcodec="mpeg2video", acodec="mp2",
                      extra=("-f", "mpeg",))


def old_phone_3gp(folder: Path) -> Path:
    """An old phone's clip: H.263 at 176x144 with AAC in a 3GP."""
    return make_video(folder / "old.3gp", seconds=2, width=176, height=144, vcodec="h263",
                      extra=("-ar", "16000", "-ac", "1"))


def two_audio_tracks(folder: Path) -> Path:
    """MKV with a 440 Hz track and a 660 Hz track."""
    path = folder / "two-tracks.mkv"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=3",
           "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=3",
           "-f", "lavfi", "-i", "sine=frequency=660:sample_rate=48000:duration=3",
           "-map", "0:v", "-map", "1:a", "-map", "2:a",
           "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
           "-t", "3", str(path))
    return path


def ten_hours(folder: Path) -> Path:
    """25 tiny frames whose timestamps are stretched 36000 times: the container says 10 h,
    the file is a few kilobytes, and nothing has to be encoded for that long."""
    short = make_video(folder / "one-second.mp4", seconds=1, width=64, height=64, audio=False)
    path = folder / "ten-hours.mp4"
    # 25 frames: the last one starts at 0.96 s, so stretch a little more than 36000 times.
    ffmpeg("-itsscale", "37500", "-i", str(short), "-c", "copy", str(path))
    return path


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def huge_png(folder: Path, side: int = 20000) -> Path:
    """A valid side x side 1-bit PNG, written by hand (about 60 KB; 50 MB when decoded)."""
    row = b"\0" + b"\0" * ((side + 7) // 8)  # filter byte + packed bits
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    path = folder / f"huge-{side}.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n"
                     + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0))
                     + _png_chunk(b"IDAT", body) + _png_chunk(b"IEND", b""))
    return path


def huge_frame_video(folder: Path, png: Path) -> Path:
    """That PNG as the single frame of a MOV (stream copy: nothing is decoded)."""
    path = folder / f"{png.stem}-frame.mov"
    ffmpeg("-i", str(png), "-c:v", "copy", "-frames:v", "1", str(path))
    return path


def long_audio(folder: Path, seconds: float) -> Path:
    return make_audio(folder / "long-song.mp3", seconds=seconds, freq=660)
