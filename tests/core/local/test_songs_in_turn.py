"""Songs in turn beyond the first pair, rendered and measured by pitch: three songs one after
the other, the last of several back-timed ("end the song with the video"), and a dip that
covers two songs. Each song is a tone of its own pitch under a video without sound."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.local.probe import probe_sync
from core.local.render_job import render_timeline
from core.local.runner import FfmpegRunner
from core.parser.instructions import Context, MusicRef, apply_instruction
from core.timeline.convert import draft_of, timeline_of
from core.timeline.model import Clip, Timeline
from tests.media import ffmpeg, make_audio, make_video, measure, tone_level_db

A_HZ, B_HZ, C_HZ = 440, 660, 990
TAIL_HZ = 1320


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("in_turn")


@pytest.fixture(scope="module")
def clip9(folder: Path) -> Path:
    return make_video(folder / "quiet9.mp4", seconds=9, audio=False)


@pytest.fixture(scope="module")
def songs(folder: Path) -> list[Path]:
    """Three 10 s songs at 440, 660 and 990 Hz."""
    return [make_audio(folder / f"s{hz}.mp3", seconds=10, freq=hz) for hz in (A_HZ, B_HZ, C_HZ)]


@pytest.fixture(scope="module")
def tailed(folder: Path) -> Path:
    """8 s: 6.5 s at 660 Hz, then a 1.5 s ending at 1320 Hz."""
    out = folder / "tailed.m4a"
    ffmpeg("-f", "lavfi", "-i", f"sine=frequency={B_HZ}:sample_rate=48000:duration=6.5",
           "-f", "lavfi", "-i", f"sine=frequency={TAIL_HZ}:sample_rate=48000:duration=1.5",
           "-filter_complex", "[0:a][1:a]concat=n=2:v=0:a=1", "-c:a", "aac", str(out))
    return out


REFS = (MusicRef("a", "a.mp3", 10_000), MusicRef("b", "b.mp3", 10_000),
        MusicRef("c", "c.mp3", 10_000))


def _edit(texts: list[str], refs: tuple[MusicRef, ...], length: int = 9000) -> Timeline:
    draft = draft_of(Timeline(clips=(Clip("v", "quiet.mp4", length),)))
    ctx = Context(length, False, refs[-1], songs=refs)
    for text in texts:
        parsed = apply_instruction(draft, text, ctx)
        draft = parsed.draft
    return timeline_of(draft)


async def _render(timeline: Timeline, video: Path, files: list[Path], out: Path) -> None:
    infos = [probe_sync(path) for path in files]
    await render_timeline(timeline, probe_sync(video), infos[0], out, FfmpegRunner(timeout=60),
                          more_music=tuple(infos[1:]))


@pytest.mark.parametrize("text", [
    "play all three songs one after the other", "play all the songs one after the other",
    "all my songs in a row", "三首歌依次播放", "所有歌曲依次播放",
])
def test_phrasings_put_three_songs_in_turn(text: str) -> None:
    timeline = _edit([text], REFS)
    # Each 10 s song outlasts its share of the 9 s video: a third each, 1 s crossfades.
    assert [(t.source.media_id, t.start, t.end) for t in timeline.music] == [
        ("a", 0, 3500), ("b", 2500, 6500), ("c", 5500, 9000)]


async def test_three_songs_sound_in_turn(clip9: Path, songs: list[Path],
                                        tmp_path: Path) -> None:
    timeline = _edit(["play all three songs one after the other"], REFS)
    out = tmp_path / "three.mp4"
    await _render(timeline, clip9, songs, out)
    assert abs(measure(out).duration - 9.0) < 0.15
    windows = {A_HZ: (0.3, 2.3), B_HZ: (3.7, 5.3), C_HZ: (6.7, 8.7)}
    for hz, (a, b) in windows.items():
        full = tone_level_db(songs[[A_HZ, B_HZ, C_HZ].index(hz)], 1, 2, hz)
        assert abs(tone_level_db(out, a, b, hz) - full) < 1.0, hz
        for other in windows:
            if other != hz:
                assert tone_level_db(out, a, b, other) < -60, (hz, other)


async def test_the_last_of_two_songs_is_back_timed(clip9: Path, songs: list[Path],
                                                  tailed: Path, tmp_path: Path) -> None:
    refs = (MusicRef("a", "a.mp3", 10_000), MusicRef("t", "tailed.m4a", 8000))
    timeline = _edit(["play both songs one after the other", "end the song with the video"],
                     refs)
    first, last = timeline.music
    assert (first.source.media_id, last.source.media_id, last.align) == ("a", "t", "end")
    # The 8 s song ends with the 9 s video from the crossfade at 4.5 s: it starts 3.5 s in.
    assert (last.start, last.offset, last.end) == (4000, 3000, 9000)
    out = tmp_path / "backtimed.mp4"
    await _render(timeline, clip9, [songs[0], tailed], out)
    assert tone_level_db(out, 7.6, 8.9, TAIL_HZ) > -30  # the song's own ending, at the end
    assert tone_level_db(out, 5.0, 7.3, TAIL_HZ) < -60
    assert tone_level_db(out, 0.3, 3.8, A_HZ) > -30 > -60 > tone_level_db(out, 5.0, 8.9, A_HZ)


def test_a_short_last_song_starts_late_and_the_one_before_plays_on() -> None:
    refs = (MusicRef("a", "a.mp3", 10_000), MusicRef("s", "s.mp3", 2500))
    timeline = _edit(["play both songs one after the other and end the song with the video"],
                     refs)
    first, last = timeline.music
    assert (last.start, last.offset, last.end, last.align) == (6500, 0, 9000, "end")
    assert first.end == last.start + first.fade_out  # still a crossfade, no silence


async def test_a_dip_covers_every_song_it_spans(clip9: Path, songs: list[Path],
                                               tmp_path: Path) -> None:
    timeline = _edit(["play all three songs one after the other",
                      "make the music quieter from 0:01 to 0:08"], REFS)
    assert all(t.envelope for t in timeline.music)
    out = tmp_path / "dipped.mp4"
    await _render(timeline, clip9, songs, out)
    full = tone_level_db(songs[1], 1, 2, B_HZ)
    assert tone_level_db(out, 3.7, 5.3, B_HZ) < full - 3  # the middle song dips too
    assert tone_level_db(out, 6.7, 7.4, C_HZ) < tone_level_db(songs[2], 1, 2, C_HZ) - 3


def test_the_status_shows_every_song_with_its_times_and_level() -> None:
    timeline = _edit(["play all three songs one after the other", "music at 50%"], REFS)
    summary = draft_of(timeline).summary()
    assert ("BGM: a.mp3 (0-3.5s, 50%, fade out 1s); b.mp3 (2.5-6.5s, 50%, fade in 1s, "
            "fade out 1s); c.mp3 (5.5-9s, 50%, fade in 1s)") in summary, summary
