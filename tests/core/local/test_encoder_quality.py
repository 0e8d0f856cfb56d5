"""The x264 settings of every re-encode (`core.local.plan.X264`) against the plain command a
person would write (x264 `veryfast`, CRF 23, the same filters): the clip's own picture must
stay as close as the bench's gate (SSIM >= 0.97 over the same frames), and the output is
still H.264 4:2:0 of the right length. Speed is measured in bench/, not here."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from core.local.probe import probe_sync
from tests.core.local.conftest import Render
from tests.core.local.drafts import make_draft
from tests.media import FFMPEG, ffmpeg

SECONDS = 2.0


@pytest.fixture(scope="module")
def grainy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2 s of 640x360 with light moving grain (a clean pattern is an unfairly easy encode)."""
    out = tmp_path_factory.mktemp("grain") / "grainy.mp4"
    ffmpeg("-f", "lavfi", "-i", f"testsrc2=size=640x360:rate=25:duration={SECONDS}",
           "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={SECONDS}",
           "-vf", "noise=alls=4:allf=t", "-c:v", "libx264", "-preset", "veryfast", "-crf", "18",
           "-pix_fmt", "yuv420p", "-c:a", "aac", "-t", str(SECONDS), str(out))
    return out


def ssim(ours: Path, theirs: Path, region: str) -> float:
    """Mean SSIM (All) of the same region of both files, frame by frame from the start."""
    done = subprocess.run(
        [FFMPEG, "-hide_banner", "-i", str(ours), "-i", str(theirs), "-lavfi",
         f"[0:v]{region},setpts=PTS-STARTPTS[a];[1:v]{region},setpts=PTS-STARTPTS[b];"
         "[a][b]ssim", "-f", "null", "-"], capture_output=True, text=True, check=True)
    return float(re.findall(r"All:([0-9.]+)", done.stderr)[-1])


def plain(source: Path, out: Path, graph: str) -> Path:
    ffmpeg("-i", str(source), "-filter_complex", graph, "-c:v", "libx264", "-preset",
           "veryfast", "-crf", "23", "-pix_fmt", "yuv420p", "-an", str(out))
    return out


def blur_fill(w: int, h: int) -> str:
    """The usual recipe: the whole picture scaled to cover, cropped and box-blurred at full
    size, the picture scaled to the width on top."""
    return (f"[0:v]split[a][b];[a]scale={w}:{h}:force_original_aspect_ratio=increase,"
            f"crop={w}:{h},boxblur=20:5[bg];[b]scale={w}:-2[fg];[bg][fg]overlay=(W-w)/2:(H-h)/2")


@pytest.mark.parametrize(("meta", "size", "fg_height"), [
    ({"resolution": 240}, (426, 240), None),
    ({"aspect": "9:16", "fill": "blur"}, (640, 1138), 360),
    ({"aspect": "1:1", "fill": "blur"}, (640, 640), 360),
], ids=["resize", "vertical-blur", "square-blur"])
async def test_reencode_matches_the_plain_command(
    render: Render, grainy: Path, tmp_path: Path, meta: dict[str, object],
    size: tuple[int, int], fg_height: int | None,
) -> None:
    out, plan = await render(make_draft(SECONDS * 1000, None, **meta), grainy)
    assert not plan.copy_video
    info = probe_sync(out)
    assert (info.video_codec, info.pixel_format, (info.width, info.height)) == (
        "h264", "yuv420p", size)
    assert abs(info.duration - SECONDS) <= 0.05
    w, h = size
    if fg_height is None:
        graph, region = f"[0:v]scale={w}:{h}", "crop=iw:ih:0:0"
    else:  # the blurred fill may differ: only the clip's own picture is compared
        graph, region = blur_fill(w, h), f"crop={w}:{fg_height}:0:{(h - fg_height) // 2}"
    reference = plain(grainy, tmp_path / "plain.mp4", graph)
    assert ssim(out, reference, region) >= 0.97


FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"  # render_job's first choice


def plain_full(source: Path, out: Path, graph: str, seek: float = 0.0) -> Path:
    """The plain command for a full-frame path: optional input seek, one -vf chain."""
    before = ["-ss", f"{seek:g}"] if seek else []
    ffmpeg(*before, "-i", str(source), "-vf", graph, "-c:v", "libx264", "-preset", "veryfast",
           "-crf", "23", "-pix_fmt", "yuv420p", "-an", str(out))
    return out


async def test_title_path_matches_the_plain_command(render: Render, grainy: Path,
                                                    tmp_path: Path) -> None:
    """Drawing a title re-encodes the whole 640x360 frame: its SSIM against the plain
    `drawtext` command (same font, size, border and window) stays >= 0.97 over every frame."""
    out, plan = await render(make_draft(SECONDS * 1000, None, title="Summer",
                                        title_ms=(0, 1000)), grainy)
    assert plan.reasons == ("title",)
    info = probe_sync(out)
    assert (info.video_codec, info.pixel_format, (info.width, info.height)) == (
        "h264", "yuv420p", (640, 360))
    assert abs(info.duration - SECONDS) <= 0.05
    # ours: fontsize min(360 // 10, 640 * 0.9 / (0.6 * 6)) = 36, border max(1, 360 // 270)
    graph = (f"drawtext=fontfile={FONT}:text=Summer:fontsize=36:fontcolor=white:borderw=1"
             ":bordercolor=black@0.8:x=(w-text_w)/2:y=h/10:enable='between(t,0,1)'")
    reference = plain_full(grainy, tmp_path / "plain.mp4", graph)
    assert ssim(out, reference, "crop=iw:ih:0:0") >= 0.97


async def test_mid_gop_trim_matches_the_plain_command(render: Render, grainy: Path,
                                                      tmp_path: Path) -> None:
    """A cut between keyframes (the grainy clip has one, at 0 s) re-encodes from the cut: same
    frames as `ffmpeg -ss 0.5 -i clip` at veryfast CRF 23, SSIM >= 0.97, and every frame of
    ours decodes."""
    out, plan = await render(make_draft(SECONDS * 1000, None, trim=[500, 2000]), grainy)
    assert plan.reasons == ("trim start",)
    info = probe_sync(out)
    assert abs(info.duration - 1.5) <= 0.05
    reference = plain_full(grainy, tmp_path / "plain.mp4", "null", seek=0.5)
    assert ssim(out, reference, "crop=iw:ih:0:0") >= 0.97
    assert decoded_frames(out) == decoded_frames(reference) == 37  # 25 fps: 0.52 s to 1.96 s


def decoded_frames(path: Path) -> int:
    """Frames of the video stream, every one decoded (a decoding error fails the test)."""
    done = subprocess.run(
        [FFMPEG, "-v", "error", "-i", str(path), "-map", "0:v", "-f", "framemd5", "-"],
        capture_output=True, text=True, check=True)
    assert done.stderr == ""
    return len(re.findall(r"^0,", done.stdout, re.M))
