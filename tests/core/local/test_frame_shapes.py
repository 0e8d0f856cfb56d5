"""Every frame size the intake accepts renders in every shape (9:16, 1:1, 4:5, 16:9; blurred
fill, pad, crop): tiny frames (1x1, 2x2, 64x64), odd sizes and extreme aspects once ended in
"ffmpeg exited with code 234" because the background blur was wider than the picture."""

from __future__ import annotations

from pathlib import Path

import av
import pytest

from core.local.picture import ASPECTS
from tests.core.local.conftest import Render
from tests.core.local.drafts import make_draft
from tests.media import ffmpeg, measure

SIZES = [(1, 1), (2, 2), (3, 5), (64, 64), (65, 33), (17, 301), (4000, 10), (10, 4000),
         (320, 240)]


@pytest.fixture(scope="session")
def shaped(media_dir: Path) -> dict[tuple[int, int], Path]:
    """0.4 s clips of each size. Odd sizes cannot be 4:2:0, so every clip is H.264 4:4:4
    (also a stream that must be re-encoded to play on phones)."""
    clips = {}
    for width, height in SIZES:
        path = media_dir / f"shape-{width}x{height}.mp4"
        ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=10:duration=0.4",
               "-vf", f"scale={width}:{height}", "-c:v", "libx264", "-preset", "ultrafast",
               "-pix_fmt", "yuv444p", str(path))
        clips[(width, height)] = path
    return clips


def ratio_of(aspect: str) -> float:
    w, h = ASPECTS[aspect]
    return w / h


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize(("aspect", "fill"), [("9:16", "blur"), ("1:1", "blur"),
                                              ("4:5", "blur"), ("16:9", "blur"),
                                              ("9:16", "pad"), ("9:16", "crop")])
async def test_every_size_renders_in_every_shape(
    render: Render, shaped: dict[tuple[int, int], Path], size: tuple[int, int], aspect: str,
    fill: str,
) -> None:
    out, plan = await render(make_draft(400, aspect=aspect, fill=fill), shaped[size])
    m = measure(out)
    assert m.video_codec == "h264" and abs(m.duration - 0.4) < 0.15
    assert (m.width, m.height) == (plan.width, plan.height)
    assert m.width is not None and m.height is not None
    assert m.width % 2 == 0 and m.height % 2 == 0
    if min(m.width, m.height) >= 16:  # big enough to have a shape: the asked one
        assert abs(m.width / m.height - ratio_of(aspect)) < 0.05
    with av.open(str(out)) as container:
        frames = list(container.decode(video=0))
        assert frames and all(f.format.name == "yuv420p" for f in frames)


@pytest.mark.parametrize("size", [(64, 64), (160, 120), (72, 56), (48, 48)],
                         ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("aspect", ["9:16", "1:1", "4:5", "16:9"])
async def test_4_2_0_clips_render_with_the_blurred_fill(render: Render, media_dir: Path,
                                                        size: tuple[int, int], aspect: str) -> None:
    """The common pixel format: its chroma planes are half the size, so the blur radius of the
    small background must be smaller than for 4:4:4 (a 64x64 or 160x120 phone clip made 9:16
    failed with code 234: 'Invalid chroma_param radius value 2, must be >= 0 and < 2')."""
    width, height = size
    clip = media_dir / f"shape420-{width}x{height}.mp4"
    if not clip.exists():
        ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=10:duration=0.4", "-vf",
               f"scale={width}:{height}", "-c:v", "libx264", "-preset", "ultrafast",
               "-pix_fmt", "yuv420p", str(clip))
    out, plan = await render(make_draft(400, aspect=aspect, fill="blur"), clip)
    m = measure(out)
    assert (m.width, m.height) == (plan.width, plan.height) and abs(m.duration - 0.4) < 0.15
