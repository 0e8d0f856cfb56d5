"""Squeezed pixels (HDV, DV, some camera modes): a 16:9 picture stored 1440x1080 with 4:3
pixels. Before, every re-encode read the stored 1440x1080 as the picture, so a trim or a
title came out 4:3 with everything squeezed and "vertical" put a 4:3 picture in the frame.
Measured on a square drawn in the picture as shown: it stays a square on every path."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from core.local.probe import probe_sync
from tests.core.local.conftest import Render
from tests.core.local.drafts import make_draft
from tests.media import ffmpeg

SHOWN = (480, 270)
SIDE = 135  # the square, as shown


@pytest.fixture(scope="module")
def squeezed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2 s, stored 360x270 with 4:3 pixels (shown 480x270): black with a white square."""
    out = tmp_path_factory.mktemp("squeezed") / "hdv.mp4"
    x, y = (SHOWN[0] - SIDE) // 2, (SHOWN[1] - SIDE) // 2
    ffmpeg("-f", "lavfi", "-i", f"color=black:size={SHOWN[0]}x{SHOWN[1]}:rate=25:duration=2",
           "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=2",
           "-vf", f"drawbox=x={x}:y={y}:w={SIDE}:h={SIDE}:color=white:t=fill,scale=360:270,"
           "setsar=4/3", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
           "-g", "50", "-c:a", "aac", "-shortest", str(out))
    return out


def square_shape(path: Path, band: bool = False) -> float:
    """Width over height of the white square in the first frame, as shown (pixel shape
    included); with `band`, only in the clip's own picture across the middle of a taller
    frame (the blurred fill above and below has a blurred square of its own)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        sar = float(stream.sample_aspect_ratio or 1)
        frame = next(container.decode(stream))
    luma = frame.to_ndarray(format="gray")
    if band:
        height = round(luma.shape[1] * SHOWN[1] / SHOWN[0])
        top = (luma.shape[0] - height) // 2
        luma = luma[top + 2:top + height - 2]
    rows = np.flatnonzero((luma > 200).sum(axis=1) > 2)
    cols = np.flatnonzero((luma > 200).sum(axis=0) > 2)
    return (cols[-1] - cols[0] + 1) * sar / (rows[-1] - rows[0] + 1)


def test_the_probe_gives_the_picture_as_shown(squeezed: Path) -> None:
    info = probe_sync(squeezed)
    assert (info.width, info.height) == SHOWN and info.sar == pytest.approx(4 / 3)
    assert square_shape(squeezed) == pytest.approx(1.0, abs=0.05)


@pytest.mark.parametrize("meta", [
    {"trim": [500, 2000]},  # mid-GOP: re-encoded
    {"aspect": "9:16", "fill": "blur"},
    {"aspect": "1:1", "fill": "crop"},
    {"aspect": "1:1", "fill": "pad"},
    {"resolution": 1080, "upscale": True},
    {},  # only the sound changes: copied, the pixel shape kept with it
], ids=["trim", "vertical", "square-crop", "square-pad", "1080p", "copy"])
async def test_a_square_stays_square_on_every_path(render: Render, squeezed: Path,
                                                  meta: dict[str, object]) -> None:
    draft = make_draft(2000, {"volume": 0.3}, **meta)
    out, plan = await render(draft, squeezed)
    assert plan.copy_video == (meta == {})
    assert square_shape(out, band="fill" in meta) == pytest.approx(1.0, abs=0.05)
    if not plan.copy_video:
        with av.open(str(out)) as container:
            assert float(container.streams.video[0].sample_aspect_ratio or 1) == 1.0
