"""A title over the first seconds and a trim off a keyframe re-encode only the frames up to the
next IDR keyframe and copy the rest (core/local/smartcut.py). Measured on the files: every
frame decodes without an error, the copied frames are the clip's own (decoded pictures
compared by checksum), the re-encoded ones carry the edit, the count and times of the frames
are the plain re-encode's, and the sound still starts with the picture. Clips made the ways
phones and cameras write them: High profile with B-frame pyramids, Baseline without B-frames,
a QuickTime file at 1/600 s, a clip already using parameter-set id 1."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from core.local.avcc import parameter_ids, parse_avcc
from core.local.probe import probe_sync
from core.local.smartcut import junction_sync
from tests.core.local.conftest import Render
from tests.core.local.drafts import make_draft
from tests.media import FFMPEG, ffmpeg, make_video, measure, tone_level_db

FPS = 25
SECONDS = 5.0
GOP = ("-g", "25", "-keyint_min", "25", "-sc_threshold", "0")  # an IDR every second

CLIPS = {
    "high-pyramid": ("mp4", ("-profile:v", "high", "-x264-params",
                             "bframes=3:b-pyramid=normal:8x8dct=1:cabac=1", *GOP)),
    "baseline": ("mp4", ("-profile:v", "baseline", *GOP)),
    "quicktime-600": ("mov", ("-profile:v", "main", "-bf", "2", "-video_track_timescale",
                              "600", *GOP)),
    "ids-taken": ("mp4", ("-x264-params", "sps-id=1:bframes=2", *GOP)),
}


@pytest.fixture(scope="module", params=sorted(CLIPS))
def phone_clip(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    suffix, extra = CLIPS[request.param]
    folder = tmp_path_factory.mktemp(request.param)
    return make_video(folder / f"clip.{suffix}", seconds=SECONDS, width=480, height=270,
                      fps=FPS, extra=extra)


def frame_sums(path: Path, seek: float = 0.0) -> list[tuple[int, str]]:
    """(time in 1/FPS units, checksum of the decoded picture) of every frame, from `seek`."""
    args = [FFMPEG, "-hide_banner", "-v", "error"]
    if seek:
        args += ["-ss", f"{seek:.3f}"]
    done = subprocess.run([*args, "-i", str(path), "-map", "0:v:0", "-f", "framemd5", "-"],
                          capture_output=True, text=True, check=True)
    rows = [line.split(",") for line in done.stdout.splitlines() if not line.startswith("#")]
    return [(int(row[2]), row[5].strip()) for row in rows]


def luma_gap(out: Path, clip: Path, seek: float) -> float:
    """The largest mean difference (of 255) between a frame of `out` and the clip's frame
    shown at the same time after `seek`."""
    def lumas(path: Path, skip: float) -> list[np.ndarray]:
        with av.open(str(path)) as container:
            return [f.to_ndarray(format="gray").astype(float) for f in container.decode(video=0)
                    if f.time is not None and f.time >= skip - 0.001]

    ours, theirs = lumas(out, 0.0), lumas(clip, seek)
    return max(float(np.abs(x - y).mean()) for x, y in zip(ours, theirs, strict=False))


def decode_errors(path: Path) -> str:
    done = subprocess.run([FFMPEG, "-hide_banner", "-v", "error", "-i", str(path), "-f",
                           "null", "-"], capture_output=True, text=True, check=False)
    return done.stderr.strip() + ("" if done.returncode == 0 else f" (exit {done.returncode})")


def ids(path: Path) -> tuple[set[int], set[int]]:
    with av.open(str(path)) as container:
        extradata = container.streams.video[0].codec_context.extradata
        return parameter_ids(parse_avcc(bytes(extradata or b"")))


async def test_a_title_re_encodes_only_until_the_next_keyframe(
        render: Render, phone_clip: Path) -> None:
    out, plan = await render(make_draft(SECONDS * 1000, None, title="Hi", title_ms=(0, 1200)),
                             phone_clip)
    assert plan.reasons == ("title",) and plan.video_part is not None
    assert decode_errors(out) == ""
    ours, theirs = frame_sums(out), frame_sums(phone_clip)
    assert [t for t, _ in ours] == [t for t, _ in theirs]  # every frame, at its time
    head = 2 * FPS  # the title ends at 1.2 s: re-encoded up to the keyframe at 2.0 s
    assert ours[head:] == theirs[head:]  # the clip's own pictures, bit for bit
    assert all(a != b for (_, a), (_, b) in zip(ours[:head], theirs[:head], strict=True))
    clip_sps, clip_pps = ids(phone_clip)
    sps, pps = ids(out)  # both parts' parameter sets, under different ids
    assert sps > clip_sps and pps > clip_pps and len(sps) == len(clip_sps) + 1
    m = measure(out)
    assert abs(m.duration - SECONDS) <= 1 / FPS and (m.width, m.height) == (480, 270)
    assert tone_level_db(out, 0.0, 1.0, 440) > -30 and tone_level_db(out, 3.0, 4.5, 440) > -30


async def test_a_trim_off_a_keyframe_re_encodes_only_until_the_next_one(
        render: Render, phone_clip: Path) -> None:
    out, plan = await render(make_draft(SECONDS * 1000, None, trim=[1400, 5000]), phone_clip)
    assert plan.reasons == ("trim start",) and plan.video_part is not None
    assert decode_errors(out) == ""
    ours = frame_sums(out)
    theirs = frame_sums(phone_clip, seek=1.4)  # what a full re-encode keeps: 1.4 s on
    assert [t for t, _ in ours] == [t for t, _ in theirs]
    head = 15  # 1.4 s to the keyframe at 2.0 s
    assert ours[head:] == theirs[head:]
    assert abs(measure(out).duration - 3.6) <= 1 / FPS
    assert abs(tone_level_db(out, 0.1, 3.4, 440) - tone_level_db(phone_clip, 1.5, 4.8, 440)) < 1


async def test_a_title_on_a_trimmed_clip(render: Render, phone_clip: Path) -> None:
    """The title's times are the output's: with the first 1.4 s cut, a 1 s title ends at
    2.4 s of the clip, so the copy starts at the keyframe at 3.0 s."""
    out, plan = await render(make_draft(SECONDS * 1000, None, trim=[1400, 5000],
                                        title="Hi", title_ms=(0, 1000)), phone_clip)
    assert plan.video_part is not None
    assert decode_errors(out) == ""
    ours, theirs = frame_sums(out), frame_sums(phone_clip, seek=1.4)
    assert [t for t, _ in ours] == [t for t, _ in theirs]
    assert ours[40:] == theirs[40:]  # 3.0 s of the clip on: copied
    gaps = top_gaps(out, phone_clip, 1.4)
    titled, after = max(gaps[5:20]), max(gaps[28:38])  # 0.2-0.8 s, 1.12-1.52 s
    assert titled > 2 * after, (titled, after)  # the title shows only in its second


def top_gaps(out: Path, clip: Path, seek: float) -> list[float]:
    """Per frame, the mean luma difference (of 255) in the top fifth of the picture, where
    the title is drawn, between `out` and the clip from `seek`."""
    def tops(path: Path, skip: float) -> list[np.ndarray]:
        with av.open(str(path)) as container:
            return [f.to_ndarray(format="gray")[: f.height // 5].astype(float)
                    for f in container.decode(video=0) if f.time is not None
                    and f.time >= skip - 0.001]

    return [float(np.abs(x - y).mean()) for x, y in zip(tops(out, 0.0), tops(clip, seek),
                                                         strict=False)]


@pytest.mark.parametrize(("trim", "head", "copied", "end"), [
    ((600, 4500), 10, 75, 13),  # 0.6-1.0 re-encoded, 1.0-4.0 copied, 4.0-4.5 re-encoded
    ((1000, 4000), 0, 75, 0),  # keyframes at both ends: every frame copied
])
async def test_a_part_of_the_clip_re_encodes_only_its_ends(
        render: Render, phone_clip: Path, trim: tuple[int, int], head: int, copied: int,
        end: int) -> None:
    out, plan = await render(make_draft(SECONDS * 1000, None, trim=list(trim)), phone_clip)
    assert plan.reasons == ("trim start",) and plan.video_part is not None
    assert decode_errors(out) == ""
    a, b = trim[0] / 1000, trim[1] / 1000
    ours = frame_sums(out)
    theirs = frame_sums(phone_clip, seek=a)[:head + copied + end]
    assert len(ours) == head + copied + end  # the frames from a to b, no more
    assert [t for t, _ in ours] == [t for t, _ in theirs]
    assert ours[head:head + copied] == theirs[head:head + copied]  # bit for bit
    assert abs(measure(out).duration - (b - a)) <= 1 / FPS
    assert abs(tone_level_db(out, 0.1, b - a - 0.1, 440)
               - tone_level_db(phone_clip, a + 0.1, b - 0.1, 440)) < 1
    # The re-encoded pieces show the clip's pictures (not another part of it, not garbage).
    assert luma_gap(out, phone_clip, a) < 3.0


async def test_a_portrait_phone_clip_keeps_its_rotation(
        render: Render, tmp_path: Path) -> None:
    """Phones store portrait video as landscape frames and a rotation: the re-encoded pieces
    are stored the same way, so the copied frames and they turn together."""
    landscape = make_video(tmp_path / "landscape.mp4", seconds=SECONDS, width=480, height=270,
                           fps=FPS, extra=GOP)
    clip = tmp_path / "portrait.mp4"
    ffmpeg("-display_rotation", "90", "-i", str(landscape), "-c", "copy", str(clip))
    out, plan = await render(make_draft(SECONDS * 1000, None, trim=[600, 4500]), clip)
    assert plan.video_part is not None
    info = probe_sync(out)
    assert (info.rotation % 180, info.width, info.height) == (90, 270, 480)
    assert decode_errors(out) == ""
    ours, theirs = frame_sums(out), frame_sums(clip, seek=0.6)[:98]
    assert [t for t, _ in ours] == [t for t, _ in theirs]
    assert ours[10:85] == theirs[10:85]  # 1.0 s to 4.0 s: copied
    assert luma_gap(out, clip, 0.6) < 3.0  # the pieces turned the same way


def shown(path: Path) -> list[float]:
    """When each frame is shown, in seconds (PyAV: no frame rate imposed)."""
    with av.open(str(path)) as container:
        return [round(float(f.time or 0.0), 3) for f in container.decode(video=0)]


@pytest.mark.parametrize("edit", [{"trim": [700, 4600]}, {"title": "Hi", "title_ms": (0, 1100)}],
                         ids=["trim", "title"])
async def test_a_varying_frame_rate_keeps_its_timing(
        render: Render, tmp_path: Path, edit: dict[str, Any]) -> None:
    """Phones film at a varying frame rate: every frame of the pieces and the copy is shown
    when the clip showed it (one frame in four dropped: gaps of 1/30 and 2/30 s)."""
    clip = tmp_path / "vfr.mp4"
    ffmpeg("-f", "lavfi", "-i", f"testsrc2=size=480x270:rate=30:duration={SECONDS}",
           "-vf", "select='not(eq(mod(n\\,4)\\,1))'", "-fps_mode", "vfr",
           "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
           "-force_key_frames", "expr:gte(t,n_forced*1)", "-sc_threshold", "0", str(clip))
    out, plan = await render(make_draft(SECONDS * 1000, None, **edit), clip)
    assert plan.video_part is not None
    start = edit.get("trim", [0])[0] / 1000
    end = edit.get("trim", [0, SECONDS * 1000])[1] / 1000
    expected = [round(t - start, 3) for t in shown(clip) if start - 0.0005 <= t < end - 0.0005]
    assert shown(out) == pytest.approx(expected, abs=0.002)
    assert decode_errors(out) == ""


@pytest.fixture(scope="module")
def open_gop_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Keyframes that are not IDR frames, with frames after them shown before them."""
    folder = tmp_path_factory.mktemp("open")
    return make_video(folder / "open.mp4", seconds=SECONDS, fps=FPS,
                      extra=("-x264-params", "open-gop=1:bframes=3:keyint=25:min-keyint=25"))


@pytest.mark.parametrize(("start", "after", "end", "found"), [
    (0.0, 1.2, SECONDS, (2.0, 50, None, 0)),
    (1.4, 1.41, SECONDS, (2.0, 15, None, 0)),
    (0.0, 3.1, SECONDS, None),  # the next keyframe, 4.0 s, leaves less than 2 s to copy
    (0.0, 4.5, SECONDS, None),  # no keyframe after it
    (0.5, 0.5, 4.6, (1.0, 12, 4.0, 15)),  # 1.0-4.0 copied, 4.0-4.6 re-encoded
    (1.0, 1.0, 4.0, (1.0, 0, 4.0, 0)),  # on keyframes at both ends: all copied
    (1.2, 1.21, 3.5, None),  # 2.0 to 3.0: less than 2 s to copy
])
def test_junction(phone_clip: Path, start: float, after: float, end: float,
                  found: tuple[float, int, float | None, int] | None) -> None:
    cut = junction_sync(phone_clip, start, after, end, SECONDS)
    if found is None:
        assert cut is None
    else:
        assert cut is not None
        assert (round(cut.keyframe, 3), cut.head_frames,
                cut.end_keyframe and round(cut.end_keyframe, 3), cut.end_frames) == found


def test_no_junction_in_an_open_gop(open_gop_clip: Path) -> None:
    assert junction_sync(open_gop_clip, 0.0, 1.2, SECONDS, SECONDS) is None


async def test_what_cannot_be_joined_is_re_encoded_whole(
        render: Render, open_gop_clip: Path, rotated_clip: Path) -> None:
    for clip in (open_gop_clip, rotated_clip):
        out, plan = await render(make_draft(3000, None, title="Hi", title_ms=(0, 1000)), clip)
        assert plan.video_part is None and not plan.copy_video
        assert decode_errors(out) == ""
