"""Fades and level changes of built-in music land on the beat of the piece that plays:
the grid's rules, the words for a long move, and a render whose fade is measured."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.config import Settings
from core.engine import ExportOptions, Rendered, Said
from core.local.edit_plan import Context, EditPlan
from core.local.edits import apply_edit
from core.local.engine import LocalEngine
from core.local.render_job import session_seed
from core.local.runner import FfmpegRunner
from core.music import cache
from core.music.compose import Grid
from core.music.snap import on_the_beat, snap
from core.parser.phrases import say_time
from core.timeline.model import Clip, LevelSpan, MusicTrack, Song, Timeline
from storage.sqlite import SqliteStore
from tests.core.local.test_local_engine import collect, session_with
from tests.media import audio_samples, make_video

GRID = Grid(beat=0.5, bars=4, length=10.0)
"""120 bpm, four bars, the final chord at 8.0 s of 10."""
CLIP = Timeline(clips=(Clip("m1", "clip.mp4", 10_000),))


def on_grid(grid: Grid, seconds: float) -> bool:
    return min(abs(b - seconds) for b in grid.beats()) < 0.002


def test_nearest_beat_or_the_bar_when_hardly_further() -> None:
    assert snap(GRID, 2.7) == 2.5  # a beat
    assert snap(GRID, 3.8) == 4.0  # the bar: as near as the beat
    assert snap(GRID, 3.3) == 3.5
    assert snap(GRID, 9.5) == 8.0  # after the final chord: the final chord


def built_in(**kw: object) -> Timeline:
    return Timeline(clips=CLIP.clips, music=(MusicTrack(Song(mood="lofi"), **kw),))  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_new_fade_lands_on_the_beat_of_the_piece_that_plays(seed: int) -> None:
    said: list[str] = []
    after = on_the_beat(CLIP, built_in(fade_in=1300, fade_out=2300, length=10_000), seed, said)
    grid = cache.grid("lofi", seed, 10_000)
    (track,) = after.music
    assert on_grid(grid, track.fade_in / 1000) and track.fade_in > 0
    assert on_grid(grid, 10 - track.fade_out / 1000)
    assert abs(track.fade_out - 2300) <= grid.beat * 1000  # the nearest beat, not far off


def test_a_level_change_inside_the_piece_starts_and_ends_on_beats() -> None:
    spans = (LevelSpan(0, 3333, 0.5), LevelSpan(6100, 10_000, 1.5))
    after = on_the_beat(CLIP, built_in(envelope=spans, length=10_000), 7, [])
    grid = cache.grid("lofi", 7, 10_000)
    (first, second) = after.music[0].envelope
    assert first.start == 0 and on_grid(grid, first.end / 1000)  # the start stays at 0
    assert on_grid(grid, second.start / 1000) and second.end == 10_000


def test_a_move_of_more_than_a_beat_is_said() -> None:
    said: list[str] = []
    after = on_the_beat(CLIP, built_in(fade_out=600, length=10_000), 7, said)
    grid = cache.grid("lofi", 7, 10_000)
    start = 10 - after.music[0].fade_out / 1000
    assert start == pytest.approx(grid.ending, abs=0.002)  # on the final chord
    if 9.4 - grid.ending > grid.beat:
        assert said == [f"fade out moved {9.4 - grid.ending:.1f} s earlier to land on the beat"]


def test_uploads_an_unknown_seed_and_untouched_tracks_stay() -> None:
    song = Timeline(clips=CLIP.clips, music=(MusicTrack(Song("a.mp3", "a1", length=10_000),
                                                        fade_out=2300, length=10_000),))
    assert on_the_beat(CLIP, song, 1, []) == song
    assert on_the_beat(CLIP, built_in(fade_out=2300), None, []) == built_in(fade_out=2300)
    same = built_in(fade_out=2300, length=10_000)
    assert on_the_beat(same, same, 1, []) == same  # nothing about the music changed


def test_the_edit_snaps_only_with_the_sessions_seed() -> None:
    ctx = Context(10_000, False, None, seed=5)
    plan = EditPlan(source="mood", mood="jazz", fade_out=2300)
    timeline, _ = apply_edit(plan, CLIP, ctx)
    grid = cache.grid("jazz", 5, 10_000)
    assert on_grid(grid, 10 - timeline.music[0].fade_out / 1000)


@pytest.fixture(scope="module")
def ten_seconds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_video(tmp_path_factory.mktemp("snap") / "ten.mp4", seconds=10, audio=False)


def fade_start(out: np.ndarray, piece: np.ndarray, rate: int = 48000) -> float:
    """Where the fade-out starts, measured: the level of the output over the level of the
    piece in 20 ms windows is flat, then falls in a straight line (a linear fade); the line
    fitted to the fall meets the flat level at the fade's start."""
    win = rate // 50
    n = min(len(out), len(piece)) // win
    level = np.sqrt(np.mean(out[:n * win].reshape(n, win) ** 2, axis=1))
    source = np.sqrt(np.mean(piece[:n * win].reshape(n, win) ** 2, axis=1))
    ratio = level / np.maximum(source, 1e-9)
    flat = np.median(ratio[25:n // 2])  # 0.5 s in to the middle: before any fade
    times = (np.arange(n) + 0.5) / 50
    falling = (ratio / flat > 0.2) & (ratio / flat < 0.85) & (times > 5) & (source > 1e-3)
    slope, intercept = np.polyfit(times[falling], ratio[falling] / flat, 1)
    return float((1 - intercept) / slope)


async def test_the_rendered_fade_starts_on_the_beat(tmp_path: Path, ten_seconds: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    store = await SqliteStore.open(tmp_path / "db.sqlite3")
    try:
        engine = LocalEngine(settings, store, FfmpegRunner(timeout=120))
        ref = await session_with(engine, settings, ten_seconds)
        grid = cache.grid("lofi", session_seed(ref.session_id), 10_000)
        # Ask for a fade that starts half-way between two beats before the final chord.
        asked = round(10 - (grid.ending - 3.5 * grid.beat), 1)
        said = await collect(engine.edit(ref, f"add lofi music and fade out {asked} s"))
        done = (await collect(engine.export(ref, ExportOptions(render_id="r"))))[-1]
        assert isinstance(done, Rendered) and done.path is not None
        out, _ = audio_samples(done.path)
    finally:
        await store.close()
    (wav,) = (settings.data_dir / "music").glob("lofi-*-10000ms-*.wav")
    piece, _ = audio_samples(wav)
    start = fade_start(out, piece)
    beat = min(grid.beats(), key=lambda b: abs(b - start))
    # On a beat, to within the line fit's accuracy through AAC and the limiter: it measured up
    # to 41 ms off in 1 run of about 30 (seeds differ per run); beats are over 300 ms apart.
    assert start == pytest.approx(beat, abs=0.06), (start, grid.beat)  # on a beat...
    assert abs(start - (10 - asked)) > grid.beat / 4  # ...which is not where it was asked
    words = " ".join(s.text for s in said if isinstance(s, Said))
    assert f"fade out {say_time((10 - beat) * 1000)}" in words  # what plays, not what was asked


def test_a_change_of_song_after_built_in_music_comes_in_on_its_final_chord() -> None:
    # "lofi until 0:06, then my song" as edit_songs lays it out (the crossfade's middle at 6 s):
    # the piece is composed for the length whose final chord, a bar line, is nearest 6 s; the
    # song comes in on that chord and the chord fades out under it.
    one = MusicTrack(Song(mood="lofi"), start=0, length=6500, until=6500, fade_out=1000)
    two = MusicTrack(Song("b.mp3", "b1", length=20_000), start=5500, length=4500, fade_in=1000)
    turn = Timeline(clips=CLIP.clips, music=(one, two))
    first, second = on_the_beat(CLIP, turn, 3, []).music
    grid = cache.grid("lofi", 3, first.length)
    assert grid.ending in grid.downbeats() and first.until == first.length
    assert second.start == round(grid.ending * 1000) == first.length - first.fade_out
    assert abs(second.start - 6000) <= grid.beat * 2000 and second.end == two.end
    assert on_the_beat(CLIP, turn, 3, []).music == (first, second)  # the same every time


def test_a_trim_recomposes_the_piece_and_its_fade_lands_on_the_new_beats() -> None:
    ctx = Context(10_000, False, None, seed=5)
    timeline, _ = apply_edit(EditPlan(source="mood", mood="lofi", fade_out=2300), CLIP, ctx)
    trimmed, _ = apply_edit(EditPlan(trim=("first", 7300.0, 0.0)), timeline, ctx)
    (track,) = trimmed.music
    grid = cache.grid("lofi", 5, 7300)
    assert track.length == 7300 and on_grid(grid, 7.3 - track.fade_out / 1000)
