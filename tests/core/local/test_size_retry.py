"""A size-limited render is one pass at the computed bitrate, checked on the file and done
again smaller only when over (`render_job._encode`). The encoder's overshoot is forced here
(the runner asks x264 for twice the bitrate), the files are real and
measured."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from core.errors import TooLarge
from core.local.plan import RenderOptions
from core.local.probe import probe_sync
from core.local.render_job import render_timeline
from core.local.runner import FfmpegRunner
from core.timeline.convert import timeline_of
from tests.core.local.drafts import make_draft

LIMIT = 300_000


class Overshooting(FfmpegRunner):
    """Encodes at twice the asked bitrate for the first `times` renders (or losslessly every
    time); records the bitrate each render asked for and each file's size."""

    def __init__(self, times: int, lossless: bool = False) -> None:
        super().__init__(timeout=60)
        self.times, self.lossless = times, lossless
        self.asked: list[int] = []
        self.sizes: list[int] = []

    async def render(self, args: Sequence[str], output: Path, **kwargs: Any) -> Path:
        args = list(args)
        at = args.index("-b:v")
        self.asked.append(int(args[at + 1]))
        if self.lossless:  # nowhere near any limit
            args[at:at + 6] = ["-qp", "0"]
        elif len(self.asked) <= self.times:  # -b:v R -maxrate R -bufsize 2R
            args[at + 1:at + 6:2] = [str(int(args[i]) * 2) for i in (at + 1, at + 3, at + 5)]
        await super().render(args, output, **kwargs)
        self.sizes.append(output.stat().st_size)
        return output


async def test_over_the_limit_is_encoded_again_smaller(clip: Path, tmp_path: Path) -> None:
    runner = Overshooting(times=1)
    out = tmp_path / "out.mp4"
    await render_timeline(timeline_of(make_draft(4000, None, aspect="9:16")), probe_sync(clip),
                          None, out, runner, RenderOptions(max_bytes=LIMIT))
    assert len(runner.sizes) == 2 and runner.sizes[0] > LIMIT  # the forced overshoot
    assert runner.asked[1] < runner.asked[0]
    assert out.stat().st_size == runner.sizes[1] <= LIMIT
    info = probe_sync(out)
    assert (info.video_codec, info.pixel_format) == ("h264", "yuv420p")
    assert abs(info.duration - 4.0) <= 0.05


async def test_far_over_the_limit_says_so_and_leaves_nothing(clip: Path,
                                                               tmp_path: Path) -> None:
    runner = Overshooting(times=99, lossless=True)
    out = tmp_path / "out.mp4"
    with pytest.raises(TooLarge, match=r"under 0\.3 MB"):
        await render_timeline(timeline_of(make_draft(4000, None, aspect="9:16")),
                              probe_sync(clip), None, out, runner,
                              RenderOptions(max_bytes=LIMIT))
    assert runner.sizes and min(runner.sizes) > LIMIT
    assert not out.exists() and list(tmp_path.iterdir()) == []
