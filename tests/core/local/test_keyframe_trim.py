"""A trim whose start lands exactly on a keyframe copies the video (bit-exact, no re-encode);
any other start re-encodes. Checked on the files: packets, durations, the sound's level."""

from __future__ import annotations

from pathlib import Path

import av
import pytest

from core.local.keyframes import cut_on_keyframe_sync
from tests.core.local.conftest import Render
from tests.core.local.drafts import make_draft
from tests.media import make_video, measure, tone_level_db

FRAME = 1 / 25


@pytest.fixture(scope="module")
def gop_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """4 s at 25 fps with a keyframe every second (x264 with B-frames, closed GOPs)."""
    folder = tmp_path_factory.mktemp("gop")
    return make_video(folder / "gop.mp4", seconds=4, extra=("-g", "25", "-keyint_min", "25",
                                                            "-sc_threshold", "0", "-bf", "2"))


def packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [bytes(p) for p in container.demux(container.streams.video[0]) if p.size]


@pytest.mark.parametrize(("seconds", "expected"), [(1.0, True), (2.0, True), (1.2, False),
                                                   (0.96, False), (2.04, False)])
def test_cut_on_keyframe(gop_clip: Path, seconds: float, expected: bool) -> None:
    assert cut_on_keyframe_sync(gop_clip, seconds) is expected


def test_cut_on_keyframe_unreadable(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video" * 100)
    assert cut_on_keyframe_sync(junk, 1.0) is False


async def test_trim_on_a_keyframe_to_the_end_copies(render: Render, gop_clip: Path,
                                                    song: Path) -> None:
    out, plan = await render(make_draft(4000, {}, trim=[1000, 4000]), gop_clip, song)
    assert plan.copy_video and plan.reasons == ()
    m = measure(out)
    assert abs(m.duration - 3.0) <= 2 * FRAME and m.audio_codec == "aac"
    assert packets(out) == packets(gop_clip)[25:]  # exactly the frames from 1.0 s on
    assert tone_level_db(out, 0.0, 0.5, 440) > -30  # the sound starts with the picture
    assert abs(tone_level_db(out, 0.2, 2.8, 440) - tone_level_db(gop_clip, 1.2, 3.8, 440)) < 1.0


async def test_trim_off_a_keyframe_reencodes_only_up_to_the_next_one(
    render: Render, gop_clip: Path, song: Path
) -> None:
    """Off a keyframe a copy would start early: the frames up to the next keyframe are
    re-encoded and the rest copied bit for bit (core/local/smartcut.py)."""
    out, plan = await render(make_draft(4000, {}, trim=[1200, 4000]), gop_clip, song)
    assert plan.reasons == ("trim start",) and plan.video_part is not None
    assert abs(measure(out).duration - 2.8) <= FRAME / 2
    ours, theirs = packets(out), packets(gop_clip)
    assert len(ours) == 70  # 1.2 s to 4.0 s at 25 fps
    assert ours[20:] == theirs[50:]  # from the keyframe at 2.0 s: the clip's own frames
    assert not set(ours[:20]) & set(theirs)


async def test_trim_between_two_keyframes_copies_exactly_those_frames(
        render: Render, gop_clip: Path, song: Path) -> None:
    """`-t` alone would cut a copy by decode time and keep frames past the end (B-frames):
    the copy stops before the end keyframe's packet instead (core/local/smartcut.py)."""
    out, plan = await render(make_draft(4000, {}, trim=[1000, 3000]), gop_clip, song)
    assert plan.video_part is not None
    assert abs(measure(out).duration - 2.0) <= FRAME / 2
    assert packets(out) == packets(gop_clip)[25:75]


async def test_a_short_trim_off_keyframes_reencodes(render: Render, gop_clip: Path,
                                                   song: Path) -> None:
    """Less than two seconds between the keyframes inside it: re-encoded, to the frame."""
    out, plan = await render(make_draft(4000, {}, trim=[1200, 2800]), gop_clip, song)
    assert not plan.copy_video and plan.reasons == ("trim start",)
    assert plan.video_part is None
    assert abs(measure(out).duration - 1.6) <= FRAME / 2
    assert not set(packets(out)) & set(packets(gop_clip))
