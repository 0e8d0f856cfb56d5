"""A part cut out of the middle of the video ("delete 0:05 to 0:12", "cut out 0:05-0:12",
"去掉5秒到12秒"): kept in the timeline as a cut in the clip's own time, said with the new
length, undone by "whole video", followed by later trims and cuts said on the output; the
render plays the parts kept one after the other, measured by the clip's own sound (a different
tone each second) and the output's duration. Before, the reply said it could not be done (and
before that, the part asked to be deleted was the only part kept)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.parser.instructions import MusicRef
from core.timeline.convert import timeline_of
from core.timeline.describe import summary
from core.timeline.stored import dumps, loads
from core.words import localise
from tests.core.local.conftest import Render
from tests.core.local.test_own_sound_parts import parse
from tests.media import ffmpeg, measure, tone_level_db

TONES = (440, 660, 880, 1100)
"""The clip's own sound: one tone per second."""


@pytest.mark.parametrize("text", ["delete 0:05 to 0:12", "delete the part between 5s and 12s",
                                  "remove 0:05 to 0:12", "cut out 0:05-0:12",
                                  "skip from 0:05 to 0:12", "去掉5秒到12秒"])
def test_a_part_out_of_the_middle_is_cut(text: str) -> None:
    draft, said = parse(text)
    timeline = timeline_of(draft)
    assert timeline.cuts == ((5000, 12_000),) and timeline.trim is None, said
    assert timeline.length == 23_000
    assert said == ["cut out 0:05-0:12 (the video is now 0:23 long)"]


def test_a_cut_is_kept_said_and_translated() -> None:
    draft, said = parse("delete 0:05 to 0:12")
    assert localise(said[0], "zh") == "剪掉 0:05-0:12（视频现在长 0:23）"
    assert loads(dumps(timeline_of(draft))).cuts == ((5000, 12_000),)
    assert "cut out 5-12s" in summary(draft.data)
    assert "剪掉 5-12s" in localise(summary(draft.data), "zh")


def test_later_times_are_on_the_output() -> None:
    draft, _ = parse("delete 0:05 to 0:12")
    # 0:10-0:12 of the output is 0:17-0:19 of the clip
    draft, said = parse("delete 0:10 to 0:12", draft)
    assert timeline_of(draft).cuts == ((5000, 12_000), (17_000, 19_000)), said
    assert timeline_of(draft).length == 21_000
    # a cut over an earlier one joins it: output 0:04-0:06 is clip 0:04-0:05 and 0:12-0:13
    draft, said = parse("delete 0:04 to 0:06", draft)
    assert timeline_of(draft).cuts == ((4000, 13_000), (17_000, 19_000)), said
    # a trim after the cuts: the first 10 s of the output (clip 0-4, 13-17, 19-21) end at
    # 0:21 of the clip, and both cuts stay inside it
    draft, said = parse("keep the first 10 seconds", draft)
    timeline = timeline_of(draft)
    assert timeline.trim == (0, 21_000), said
    assert timeline.cuts == ((4000, 13_000), (17_000, 19_000)) and timeline.length == 10_000
    draft, said = parse("keep the last 4 seconds", draft)  # output 6-10: clip 15-17, 19-21
    timeline = timeline_of(draft)
    assert timeline.trim == (15_000, 21_000) and timeline.cuts == ((17_000, 19_000),), said
    draft, said = parse("whole video", draft)
    assert (timeline_of(draft).trim, timeline_of(draft).cuts) == (None, ()), said


def test_the_music_is_refit_to_the_shorter_video() -> None:
    draft, _ = parse("add lofi music")
    draft, said = parse("delete 0:05 to 0:12", draft)
    [track] = timeline_of(draft).music
    assert track.length == 23_000, said


@pytest.mark.parametrize("text", ["cut out the middle", "remove the middle part"])
def test_a_cut_without_times_asks_which_part(text: str) -> None:
    from core.errors import NotUnderstood

    with pytest.raises(NotUnderstood, match="which part to cut out") as err:
        parse(text)
    assert localise(err.value.user_message, "zh").startswith("告诉我要剪掉哪一段")


@pytest.fixture(scope="module")
def toned_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """4 s 320x240 with its own sound a different tone each second."""
    path = tmp_path_factory.mktemp("cut") / "toned.mp4"
    tones = "".join(f"sine=frequency={f}:sample_rate=48000:duration=1[t{i}];"
                    for i, f in enumerate(TONES))
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=4",
           "-filter_complex", tones + "".join(f"[t{i}]" for i in range(4))
           + "concat=n=4:v=0:a=1[a]", "-map", "0:v", "-map", "[a]", "-c:v", "libx264",
           "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", str(path))
    return path


def heard(path: Path, start: float, end: float, tones: tuple[int, ...] = TONES) -> int:
    """The loudest of the clip's tones between two times."""
    return max(tones, key=lambda f: tone_level_db(path, start, end, f))


async def test_the_render_plays_the_parts_kept(render: Render, toned_clip: Path) -> None:
    draft, _ = parse("delete 0:01 to 0:02", ms=4000)
    out, plan = await render(draft, toned_clip)
    assert measure(out).duration == pytest.approx(3.0, abs=0.1)
    assert plan.duration == pytest.approx(3.0, abs=0.05)
    assert [heard(out, a + 0.2, a + 0.8) for a in (0, 1, 2)] == [440, 880, 1100]


async def test_a_cut_after_a_trim_with_music(render: Render, toned_clip: Path,
                                              song: Path) -> None:
    draft, _ = parse("use my song at 30%, cut the first second", ms=4000,
                     song=MusicRef("s", "song.mp3", 10_000))
    draft, _ = parse("delete 0:01 to 0:02", draft, ms=4000)  # output time: clip 0:02-0:03
    assert timeline_of(draft).cuts == ((2000, 3000),)
    out, _ = await render(draft, toned_clip, song)
    assert measure(out).duration == pytest.approx(2.0, abs=0.1)
    own = (440, 660, 1100)  # the song is 880 Hz
    assert [heard(out, a + 0.2, a + 0.8, own) for a in (0, 1)] == [660, 1100]
    music = tone_level_db(out, 0.2, 1.8, 880)
    assert music > -40  # the music plays over the whole shorter video
