"""Only a video stream that plays everywhere is copied (H.264, 4:2:0 8-bit, Baseline/Main/High,
level <= 5.1, even size); anything else is re-encoded to H.264 yuv420p and the user is told.
The outputs are measured with PyAV: pixel format and profile of the decoded stream."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest

from core.local.probe import playback_note, playback_problem, probe_sync
from tests.core.local.conftest import Render
from tests.core.local.drafts import make_draft, video_info
from tests.media import ffmpeg, make_audio, tone_level_db

ROOT = Path(__file__).resolve().parents[3]
PLAYS = {"Baseline", "Constrained Baseline", "Main", "High"}


def encoded(media_dir: Path, name: str, *x264: str) -> Path:
    """A 2 s 320x240 H.264 clip (with a 440 Hz tone) encoded with these x264 options."""
    path = media_dir / f"{name}.mp4"
    if not path.exists():
        ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=2",
               "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=2",
               "-c:v", "libx264", "-preset", "ultrafast", *x264, "-c:a", "aac", "-shortest",
               str(path))
    return path


def stream_facts(path: Path) -> tuple[str, str | None, set[str]]:
    """Profile, level-free: (profile, pixel format of the stream, pixel formats decoded)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        decoded = {frame.format.name for frame in container.decode(stream)}
        return stream.codec_context.profile, stream.codec_context.pix_fmt, decoded


def video_packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [bytes(p) for p in container.demux(container.streams.video[0]) if p.size]


INPUTS = {
    "high444": ("-pix_fmt", "yuv444p"),
    "high10": ("-pix_fmt", "yuv420p10le"),
    "high422": ("-pix_fmt", "yuv422p"),
    "high422_10": ("-pix_fmt", "yuv422p10le"),
    "level52": ("-pix_fmt", "yuv420p", "-level", "5.2"),
    "interlaced": ("-pix_fmt", "yuv420p", "-flags", "+ildct+ilme", "-x264-params",
                   "interlaced=1:tff=1"),
}


def interlaced_frames(path: Path) -> tuple[int, int]:
    """(frames marked interlaced, frames) of the decoded video."""
    with av.open(str(path)) as container:
        marks = [frame.interlaced_frame for frame in container.decode(video=0)]
    return sum(marks), len(marks)


@pytest.mark.parametrize("name", list(INPUTS))
async def test_unplayable_video_is_reencoded_when_only_the_sound_changes(
    render: Render, media_dir: Path, song: Path, name: str
) -> None:
    clip = encoded(media_dir, name, *INPUTS[name])
    info = probe_sync(clip)
    assert playback_problem(info) is not None
    out, plan = await render(make_draft(2000, {"volume": 0.3}), clip, song)
    assert not plan.copy_video
    profile, fmt, decoded = stream_facts(out)
    assert profile in PLAYS and fmt == "yuv420p" and decoded == {"yuv420p"}
    after = probe_sync(out)
    assert playback_problem(after) is None and after.level is not None and after.level <= 51
    assert abs(after.duration - 2) < 0.1
    assert tone_level_db(out, 0.3, 1.7, 880) > -40  # the music is there
    assert interlaced_frames(out)[0] == 0  # progressive, also from interlaced fields


async def test_interlaced_video_is_deinterlaced_on_every_path(render: Render, media_dir: Path,
                                                              song: Path) -> None:
    """Camcorder-style interlaced H.264: marked interlaced in the probe, said in words, and
    progressive with the same frame count after a sound-only edit and after a reshape."""
    clip = encoded(media_dir, "interlaced", *INPUTS["interlaced"])
    info = probe_sync(clip)
    assert info.interlaced and interlaced_frames(clip) == (50, 50)
    note = playback_note(info)
    assert note is not None and "interlaced H.264" in note and "progressive" in note
    for extra in ({}, {"aspect": "9:16", "fill": "blur"}):
        draft = make_draft(2000, {"volume": 0.3})
        draft.meta.update(extra)
        out, plan = await render(draft, clip, song)
        assert not plan.copy_video and interlaced_frames(out) == (0, 50)
    plain = encoded(media_dir, "plays-yuv420p", "-pix_fmt", "yuv420p")
    assert not probe_sync(plain).interlaced


@pytest.mark.parametrize("x264", [("-pix_fmt", "yuv420p"),
                                  ("-pix_fmt", "yuv420p", "-profile:v", "baseline"),
                                  ("-pix_fmt", "yuv420p", "-profile:v", "main"),
                                  ("-pix_fmt", "yuvj420p")])
async def test_playable_video_is_copied(render: Render, media_dir: Path, song: Path,
                                        x264: tuple[str, ...]) -> None:
    clip = encoded(media_dir, "plays-" + "-".join(x264[1::2]), *x264)
    assert playback_problem(probe_sync(clip)) is None
    out, plan = await render(make_draft(2000, {"volume": 0.3}), clip, song)
    assert plan.copy_video and video_packets(out) == video_packets(clip)


PROBLEMS = [
    ({}, None),
    ({"pixel_format": "yuv420p", "profile": "High", "level": 40}, None),
    ({"pixel_format": "yuvj420p", "profile": "Main", "level": 51}, None),
    ({"pixel_format": "yuv420p", "profile": "Constrained Baseline", "level": 30}, None),
    ({"pixel_format": "yuv444p", "profile": "High 4:4:4 Predictive"}, "4:4:4"),
    ({"pixel_format": "yuv420p10le", "profile": "High 10"}, "High 10"),
    ({"pixel_format": "yuv422p", "profile": "High 4:2:2"}, "4:2:2"),
    ({"pixel_format": "yuv420p", "profile": "High 10 Intra"}, "High 10 Intra"),
    ({"pixel_format": "gbrp", "profile": "High 4:4:4 Predictive"}, "gbrp"),
    ({"pixel_format": "yuv420p", "profile": "High", "level": 52}, "level 5.2"),
    ({"pixel_format": "yuv420p", "profile": "High", "width": 1919}, "odd size"),
    ({"video_codec": "hevc", "pixel_format": "yuv420p", "profile": "Main"}, "HEVC"),
    ({"video_codec": "vp9"}, "VP9"),
    ({"pixel_format": "yuv420p", "profile": "High", "interlaced": True}, "interlaced"),
]


@pytest.mark.parametrize(("facts", "words"), PROBLEMS)
def test_playback_problem_table(facts: dict[str, object], words: str | None) -> None:
    info = dataclasses.replace(video_info(), **facts)  # type: ignore[arg-type]
    problem = playback_problem(info)
    if words is None:
        assert problem is None and playback_note(info) is None
    else:
        assert problem is not None and words in problem
        note = playback_note(info)
        assert note is not None and "re-encoded" in note and words in note


def test_the_chat_says_so(tmp_path: Path, media_dir: Path) -> None:
    """`backtrack chat` with a High 4:4:4 clip: the reply says the video was re-encoded, and
    the delivered file is 4:2:0 8-bit H.264."""
    clip = encoded(media_dir, "high444", *INPUTS["high444"])
    song = make_audio(tmp_path / "song.mp3", seconds=3)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BACKTRACK_", "NEMO_"))}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-m", "bots.cli", "chat", "--data-dir", str(tmp_path / "data")],
        input=f"{song}\n{clip} add music at 30%\n", capture_output=True, text=True,
        timeout=120, cwd=tmp_path, env=env, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4:4:4" in done.stdout and "re-encoded it to H.264" in done.stdout
    line = next(x for x in done.stdout.splitlines() if x.startswith("Video: "))
    out = Path(line[len("Video: "):].rsplit(" (", 1)[0])
    profile, fmt, decoded = stream_facts(out)
    assert profile in PLAYS and fmt == "yuv420p" and decoded == {"yuv420p"}


def hdr_clip(media_dir: Path, transfer: str) -> tuple[Path, Path]:
    """An SDR test picture (BT.709) and the same picture made HDR the way phones store it:
    10-bit HEVC, BT.2020, HLG (iPhones) or PQ (HDR10, SDR white at 203 nits as BT.2408
    grades it)."""
    sdr = media_dir / "sdr-709.mp4"
    if not sdr.exists():
        ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=1",
               "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
               "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709",
               str(sdr))
    hdr = media_dir / f"hdr-{transfer}.mp4"
    if not hdr.exists():
        trc, white = {"hlg": ("arib-std-b67", 100), "pq": ("smpte2084", 203)}[transfer]
        ffmpeg("-i", str(sdr), "-vf", f"zscale=tin=bt709:min=bt709:pin=bt709:t={trc}:m=bt2020nc"
               f":p=bt2020:npl={white},format=yuv420p10le", "-c:v", "libx265", "-x265-params",
               f"colorprim=bt2020:transfer={trc}:colormatrix=bt2020nc:log-level=error",
               "-tag:v", "hvc1", str(hdr))
    return sdr, hdr


def plane_diffs(a: Path, b: Path) -> tuple[float, float]:
    """Mean absolute difference of the luma and of the chroma planes (8-bit levels)."""
    def planes(path: Path) -> list[np.ndarray]:
        with av.open(str(path)) as container:
            return [frame.reformat(format="yuv420p").to_ndarray().astype(float)
                    for frame in container.decode(video=0)]
    pa, pb = planes(a), planes(b)
    h = pa[0].shape[0] * 2 // 3
    luma = float(np.mean([np.abs(x[:h] - y[:h]).mean() for x, y in zip(pa, pb, strict=False)]))
    chroma = float(np.mean([np.abs(x[h:] - y[h:]).mean() for x, y in zip(pa, pb, strict=False)]))
    return luma, chroma


@pytest.mark.parametrize("transfer", ["hlg", "pq"])
async def test_hdr_video_is_brought_to_standard_range(render: Render, media_dir: Path,
                                                      song: Path, transfer: str) -> None:
    """iPhone (HLG) and HDR10 (PQ) clips: named in words, re-encoded to 8-bit BT.709 H.264
    whose picture matches the SDR original within a few levels, where the HDR values copied
    as they are would be far off (a phone without HDR shows them washed out)."""
    sdr, hdr = hdr_clip(media_dir, transfer)
    info = probe_sync(hdr)
    assert info.hdr == transfer
    note = playback_note(info)
    assert note is not None and f"HDR ({transfer.upper()})" in note and "standard range" in note
    out, plan = await render(make_draft(1000, {"volume": 0.3}), hdr, song)
    assert not plan.copy_video
    with av.open(str(out)) as container:
        context = container.streams.video[0].codec_context
        assert (context.pix_fmt, context.color_trc, context.color_primaries) == ("yuv420p", 1, 1)
    assert probe_sync(out).hdr is None
    luma, chroma = plane_diffs(out, sdr)
    assert luma < 12 and chroma < 18, (luma, chroma)
    raw_luma, raw_chroma = plane_diffs(hdr, sdr)  # what a copy would show
    assert raw_luma > 20 and raw_chroma > 30, (raw_luma, raw_chroma)
