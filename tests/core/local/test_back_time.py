"""Back-timing: "end the song with the video" places the song so its own ending lands on the
video's last frame. Measured by rendering a song whose last 1.5 s is a distinct tone."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.draft import AUDIO
from core.parser.instructions import Context, MusicRef, apply_instruction
from core.timeline.convert import timeline_of
from core.timeline.fit import back_time, fit_track
from core.timeline.model import MusicTrack, Song
from tests.core.local.conftest import Render
from tests.core.local.drafts import make_draft
from tests.media import ffmpeg, tone_level_db

BODY_HZ, TAIL_HZ = 660, 1320


@pytest.fixture(scope="module")
def tailed_song(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """5.5 s: 4 s at 660 Hz, then a 1.5 s ending at 1320 Hz."""
    out = tmp_path_factory.mktemp("backtime") / "tailed.m4a"
    ffmpeg("-f", "lavfi", "-i", f"sine=frequency={BODY_HZ}:sample_rate=48000:duration=4",
           "-f", "lavfi", "-i", f"sine=frequency={TAIL_HZ}:sample_rate=48000:duration=1.5",
           "-filter_complex", "[0:a][1:a]concat=n=2:v=0:a=1", "-c:a", "aac", str(out))
    return out


@pytest.mark.parametrize(("song", "start", "end", "expected"), [
    (30_000, 0, 10_000, (0, 20_000, 10_000)),  # longer: starts part-way in
    (5_000, 0, 10_000, (5_000, 0, 5_000)),  # shorter: starts late
    (10_000, 0, 10_000, (0, 0, 10_000)),
    (30_000, 2_000, 10_000, (2_000, 22_000, 8_000)),
])
def test_back_time_table(song: int, start: int, end: int,
                         expected: tuple[int, int, int]) -> None:
    assert back_time(song, start, end) == expected


@pytest.mark.parametrize(("track", "length", "expected"), [
    (MusicTrack(Song(length=30_000), align="end"), 10_000, (0, 20_000, 10_000)),
    (MusicTrack(Song(length=4_000), align="end", start=3_000), 10_000, (6_000, 0, 4_000)),
    (MusicTrack(Song(length=30_000), align="end", until=8_000), 10_000, (0, 22_000, 8_000)),
    (MusicTrack(Song(length=30_000), align="end"), None, (0, 0, 0)),  # length unknown yet
])
def test_fit_places_a_back_timed_track_by_its_end(
        track: MusicTrack, length: int | None, expected: tuple[int, int, int]) -> None:
    fitted = fit_track(track, length)
    assert (fitted.start, fitted.offset, fitted.length) == expected


@pytest.mark.parametrize("text", [
    "end the song with the video", "make the music end when the video ends",
    "back-time the song", "backtime the music", "the song should end with the video",
    "让音乐和视频一起结束", "歌曲结尾对齐视频结尾",
])
def test_phrasings_back_time_the_song(text: str) -> None:
    ctx = Context(10_000, True, MusicRef("a1", "song.mp3", 30_000))
    parsed = apply_instruction(make_draft(10_000, {"source_ms": 30_000}), text, ctx)
    song = timeline_of(parsed.draft).song
    assert song is not None and song.align == "end", parsed.understood
    assert (song.start, song.offset, song.length) == (0, 20_000, 10_000)
    assert "the song ends with the video" in parsed.understood
    assert "ends with the video" in parsed.draft.summary()


def test_a_start_asked_later_places_the_song_by_its_start_again() -> None:
    ctx = Context(10_000, True, MusicRef("a1", "song.mp3", 30_000))
    draft = make_draft(10_000, {"source_ms": 30_000, "align": "end", "offset": 20_000})
    parsed = apply_instruction(draft, "start the music at 0:02", ctx)
    seg = parsed.draft.first_segment(AUDIO)
    assert seg is not None and "align" not in seg.meta and seg.start_ms == 2000


async def test_the_songs_ending_sounds_at_the_videos_end(
        render: Render, silent_clip: Path, tailed_song: Path) -> None:
    """A 3 s clip under a 5.5 s song: back-timed, the 1320 Hz ending fills the last 1.5 s;
    placed by its start (the control), the last second is still the 660 Hz body."""
    music = {"source_ms": 5500, "volume": 1.0}
    back, _ = await render(make_draft(3000, {**music, "align": "end"}), silent_clip,
                           tailed_song, name="back.mp4")
    plain, _ = await render(make_draft(3000, music), silent_clip, tailed_song,
                            name="plain.mp4")
    assert tone_level_db(back, 2.0, 2.9, TAIL_HZ) > tone_level_db(back, 2.0, 2.9, BODY_HZ) + 20
    assert tone_level_db(back, 0.1, 1.3, BODY_HZ) > tone_level_db(back, 0.1, 1.3, TAIL_HZ) + 20
    assert tone_level_db(plain, 2.0, 2.9, BODY_HZ) > tone_level_db(plain, 2.0, 2.9, TAIL_HZ) + 20


async def test_a_short_song_back_timed_starts_late(
        render: Render, silent_clip: Path, tailed_song: Path, tmp_path: Path) -> None:
    """A 2 s song under a 3 s clip ends on the last frame: silence first, then the song."""
    short = tmp_path / "short.m4a"
    ffmpeg("-i", str(tailed_song), "-ss", "3.5", "-c:a", "aac", str(short))
    out, _ = await render(make_draft(3000, {"source_ms": 2000, "volume": 1.0, "align": "end"}),
                          silent_clip, short)
    assert tone_level_db(out, 0.05, 0.8, BODY_HZ) < -50
    assert tone_level_db(out, 2.2, 2.9, TAIL_HZ) > -30  # the test tone is at -21 dBFS
