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
