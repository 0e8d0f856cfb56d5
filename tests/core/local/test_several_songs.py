"""Several songs on the timeline, rendered by the ffmpeg plan and measured: two test songs of
different pitch (440 Hz and 880 Hz) under a video without sound of its own, so each pitch's
level in a time window says which song sounds there."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.local.plan import RenderPlan
from core.local.probe import probe_sync
from core.local.render_job import render_timeline
from core.local.runner import FfmpegRunner
from core.parser.instructions import Context, MusicRef, apply_instruction
from core.timeline.convert import draft_of, timeline_of
from core.timeline.model import Clip, Timeline
from tests.media import make_audio, make_video, measure, tone_level_db

LOW_HZ, HIGH_HZ = 440, 880
CHANGE = 3.0  # the middle of the crossfade, seconds
CROSSFADE = 1000  # ms


@pytest.fixture(scope="module")
def quiet_clip(media_dir: Path) -> Path:
    """6 s video without sound."""
    return make_video(media_dir / "quiet6.mp4", seconds=6, audio=False)


@pytest.fixture(scope="module")
def low_song(media_dir: Path) -> Path:
    return make_audio(media_dir / "low.mp3", seconds=10, freq=LOW_HZ)


LOW = MusicRef("low", "low.mp3", 10_000)
HIGH = MusicRef("high", "song.mp3", 10_000)
CTX = Context(6000, False, HIGH, songs=(LOW, HIGH))


def one_after_the_other() -> Timeline:
    """The low song until the change, then the high one, crossfading over 1 s around it, as
    the chat makes it."""
    video = draft_of(Timeline(clips=(Clip("v", "quiet6.mp4", 6000),)))
    parsed = apply_instruction(video, "the first song until 0:03, then the second", CTX)
    timeline = timeline_of(parsed.draft)
    half = CROSSFADE // 2
    assert [(t.source.media_id, t.start, t.end, t.fade_in, t.fade_out) for t in timeline.music] \
        == [("low", 0, 3000 + half, 0, CROSSFADE), ("high", 3000 - half, 6000, CROSSFADE, 0)]
    return timeline


async def _render(timeline: Timeline, video: Path, songs: list[Path],
                  out: Path) -> RenderPlan:
    infos = [probe_sync(path) for path in songs]
    return await render_timeline(timeline, probe_sync(video), infos[0] if infos else None, out,
                                 FfmpegRunner(timeout=60), more_music=tuple(infos[1:]))


async def test_two_songs_one_after_the_other_with_a_crossfade(
        quiet_clip: Path, low_song: Path, song: Path, tmp_path: Path) -> None:
    out = tmp_path / "both.mp4"
    plan = await _render(one_after_the_other(), quiet_clip, [low_song, song], out)
    assert len(plan.mixes) == 2 and plan.copy_video
    assert abs(measure(out).duration - 6.0) < 0.15
    full = tone_level_db(low_song, 1, 2, LOW_HZ)
    # Before the change: the first song alone, at its own level.
    assert abs(tone_level_db(out, 0.5, 2.3, LOW_HZ) - full) < 1.0
    assert tone_level_db(out, 0.5, 2.3, HIGH_HZ) < -60
    # After it: the second song alone.
    assert abs(tone_level_db(out, 3.7, 5.8, HIGH_HZ) - tone_level_db(song, 1, 2, HIGH_HZ)) < 1.0
    assert tone_level_db(out, 3.7, 5.8, LOW_HZ) < -60
    # Around the change both sound, each about 6 dB under its full level.
    low = tone_level_db(out, CHANGE - 0.1, CHANGE + 0.1, LOW_HZ)
    high = tone_level_db(out, CHANGE - 0.1, CHANGE + 0.1, HIGH_HZ)
    assert abs(low - (full - 6)) < 1.5 and abs(high - (full - 6)) < 1.5, (low, high, full)


async def test_a_removed_song_is_not_heard(quiet_clip: Path, low_song: Path, song: Path,
                                          tmp_path: Path) -> None:
    parsed = apply_instruction(draft_of(one_after_the_other()), "remove the first song", CTX)
    timeline = timeline_of(parsed.draft)
    assert [t.source.media_id for t in timeline.music] == ["high"]
    out = tmp_path / "removed.mp4"
    await _render(timeline, quiet_clip, [song], out)
    assert tone_level_db(out, 0.2, 5.8, LOW_HZ) < -60
    assert tone_level_db(out, 3.7, 5.8, HIGH_HZ) > -30


def test_render_command_takes_several_songs_in_the_order_given(
        quiet_clip: Path, low_song: Path, song: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    from bots.cli import main

    out = tmp_path / "cli.mp4"
    argv = ["render", str(quiet_clip), "--music", str(low_song), "--music", str(song),
            "-o", str(out), "play both songs one after the other"]
    assert main(argv) == 0
    printed, said = capsys.readouterr()
    assert printed.strip() == str(out)
    # Both songs outlast the 6 s video: the change is at half of it.
    assert "low.mp3 until 0:03, then song.mp3 (1 s crossfade)" in said
    assert tone_level_db(out, 0.5, 2.3, LOW_HZ) > -30 > -60 > tone_level_db(out, 0.5, 2.3, HIGH_HZ)
    assert tone_level_db(out, 3.7, 5.8, HIGH_HZ) > -30 > -60 > tone_level_db(out, 3.7, 5.8, LOW_HZ)
