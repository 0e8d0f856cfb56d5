"""Built-in music placed by time lands on its own grid, measured in the rendered audio: the
entry of "start the music at 0:05" and "music for the last 8 seconds" is the piece's first
note, and a change of song after a built-in piece comes in on that piece's final chord (a bar
line) near the time asked. Uploads are not moved. Each render is a silent 12 s clip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.local.probe import probe_sync
from core.local.render_job import (
    compose_to_length,
    mood_lookup,
    render_timeline,
    resolve_more_music,
    resolve_music,
)
from core.local.runner import FfmpegRunner
from core.music import cache
from core.parser.instructions import Context, MusicRef, apply_instruction
from core.timeline.convert import draft_of, timeline_of
from core.timeline.model import Clip, Timeline
from core.words import localise
from tests.media import audio_samples, make_audio, make_video

RATE = 48000
SEED = 11
LENGTH = 12_000
SONG = MusicRef("tone", "tone.wav", 20_000)
TONE_HZ = 3000


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("on_the_bar")


@pytest.fixture(scope="module")
def clip(folder: Path) -> Path:
    return make_video(folder / "quiet12.mp4", seconds=LENGTH / 1000, audio=False)


@pytest.fixture(scope="module")
def tone(folder: Path) -> Path:
    return make_audio(folder / "tone.wav", seconds=20, freq=TONE_HZ)


def edit(*texts: str) -> tuple[Timeline, list[str]]:
    draft = draft_of(Timeline(clips=(Clip("v", "quiet12.mp4", LENGTH),)))
    ctx = Context(LENGTH, False, SONG, songs=(SONG,), seed=SEED)
    said: list[str] = []
    for text in texts:
        parsed = apply_instruction(draft, text, ctx)
        draft, said = parsed.draft, [*said, *parsed.understood]
    return timeline_of(draft), said


async def render(timeline: Timeline, clip: Path, tone: Path, out: Path) -> np.ndarray:
    """The mix as the engine renders it: pieces composed for their stretches, the song sent."""
    timeline = compose_to_length(timeline, SEED)

    async def uploads(media_id: str) -> Path | None:
        return tone if media_id == SONG.media_id else None

    lookup = mood_lookup(uploads, out.parent / "music")
    music = await resolve_music(timeline, lookup)
    more = await resolve_more_music(timeline, lookup)
    await render_timeline(timeline, probe_sync(clip), music, out, FfmpegRunner(timeout=120),
                          more_music=more)
    return audio_samples(out)[0]


def onset(samples: np.ndarray, after: float = 0.0, floor_db: float = -50.0) -> float:
    """The first 1 ms window after `after` whose level passes `floor_db` (silence before)."""
    win = RATE // 1000
    start = int(after * RATE) // win * win
    n = (len(samples) - start) // win
    level = np.sqrt(np.mean(samples[start:start + n * win].reshape(n, win) ** 2, axis=1))
    loud = np.nonzero(level > 10 ** (floor_db / 20))[0]
    return start / RATE + float(loud[0]) * win / RATE


def lag_of(out: np.ndarray, piece: np.ndarray, near: float, within: float = 0.6) -> float:
    """Where `piece` sits in `out` (seconds): the lag near `near` at which its first 2 s
    correlate best with the output, to the sample (not normalised by the output's level: that
    favours quiet stretches, where the other piece's ringing chord matches anything)."""
    chunk = piece[: 2 * RATE].astype(np.float64)
    lo = max(int((near - within) * RATE), 0)
    seg = out[lo: int((near + within) * RATE) + len(chunk)].astype(np.float64)
    size = 1 << (len(seg) + len(chunk)).bit_length()
    corr = np.fft.irfft(np.fft.rfft(seg, size) * np.conj(np.fft.rfft(chunk, size)), size)
    return (lo + int(np.argmax(corr[: len(seg) - len(chunk) + 1]))) / RATE


def piece_file(folder: Path, mood: str, length_ms: int) -> np.ndarray:
    return audio_samples(folder / "music" / cache.filename(mood, SEED, length_ms))[0]


def nearest_beat_ms(grid: cache.Grid, origin: float, at: float) -> float:
    return min(abs(origin + b - at) for b in grid.beats()) * 1000


@pytest.mark.parametrize(("text", "start"), [("add lofi music and start the music at 0:05", 5.0),
                                             ("lofi music from 0:07", 7.0),
                                             ("lofi music for the last 8 seconds", 4.0),
                                             ("add lofi music, only for the last 10 s", 2.0)])
async def test_the_entry_is_the_pieces_first_note(text: str, start: float, clip: Path,
                                                  tone: Path, tmp_path: Path) -> None:
    timeline, _ = edit(text)
    (track,) = timeline.music
    assert track.start == start * 1000 and track.end == LENGTH
    out = await render(timeline, clip, tone, tmp_path / "out.mp4")
    length_ms = LENGTH - round(start * 1000)
    piece = piece_file(tmp_path, "lofi", length_ms)
    grid = cache.grid("lofi", SEED, length_ms)
    first_note = onset(piece)
    assert first_note < 0.015  # the piece's own first note is its start (its downbeat)
    entry = onset(out)
    assert abs(entry - start) < 0.02, entry  # silence, then the music at the time asked...
    assert nearest_beat_ms(grid, start, entry) < 20  # ...on the piece's first downbeat
    assert lag_of(out, piece, start, 0.1) == pytest.approx(start, abs=0.002)
    # The ending rings out to silence at the last frame.
    tail = out[int((LENGTH / 1000 - 0.02) * RATE): int(LENGTH / 1000 * RATE)]
    assert float(np.sqrt(np.mean(tail ** 2))) < 10 ** (-50 / 20)


@pytest.mark.parametrize(("texts", "first", "second"), [
    (("lofi until 0:06, then upbeat",), "lofi", "upbeat"),
    (("add jazz music", "switch to calm at 0:07"), "jazz", "calm"),
    (("轻松放到0:06，然后欢快",), "calm", "upbeat"),
])
async def test_a_change_between_moods_comes_in_on_the_bar(texts: tuple[str, ...], first: str,
                                                          second: str, clip: Path, tone: Path,
                                                          tmp_path: Path) -> None:
    timeline, said = edit(*texts)
    a, b = timeline.music
    assert (a.source.mood, b.source.mood) == (first, second)
    grid = cache.grid(first, SEED, a.length)
    bar = a.start / 1000 + grid.ending
    assert grid.ending in grid.downbeats()
    asked = float(texts[-1].split(":")[-1][:2])
    out = await render(timeline, clip, tone, tmp_path / "out.mp4")
    # Searched around the time asked (where the song would come in without snapping too).
    entry = lag_of(out, piece_file(tmp_path, second, b.length), asked, 1.0)
    assert entry == pytest.approx(bar, abs=0.003), (entry, bar)  # the next piece on the bar
    assert abs(bar - asked) <= grid.beat * 4  # the bar nearest the time asked
    assert abs(bar - asked) <= grid.beat or any("change of song moved" in s for s in said)


async def test_built_in_then_the_song_sent(clip: Path, tone: Path, tmp_path: Path) -> None:
    timeline, _ = edit("lofi until 0:06, then my song")
    a, b = timeline.music
    grid = cache.grid("lofi", SEED, a.length)
    bar = a.start / 1000 + grid.ending
    assert b.start / 1000 == pytest.approx(bar, abs=0.001)
    out = await render(timeline, clip, tone, tmp_path / "out.mp4")
    entry = tone_entry(out, bar)
    assert entry == pytest.approx(bar, abs=0.02), (entry, bar)  # the song comes in on the bar


def tone_entry(out: np.ndarray, near: float) -> float:
    """Where the song's tone starts: its amplitude in 20 ms windows rises in a straight line
    (the linear fade-in); the line fitted to the rise meets zero at the entry."""
    win, t0 = RATE // 50, near - 0.5
    times, amps = [], []
    for k in range(100):
        a = int((t0 + k * 0.02) * RATE)
        seg = out[a: a + win].astype(np.float64)
        phase = np.exp(-2j * np.pi * TONE_HZ * np.arange(win) / RATE)
        times.append(t0 + (k + 0.5) * 0.02)
        amps.append(2 * abs(np.dot(seg, phase)) / win)
    peak = max(amps)
    rising = [(t, v) for t, v in zip(times, amps, strict=True) if 0.15 * peak < v < 0.85 * peak]
    slope, intercept = np.polyfit([t for t, _ in rising], [v for _, v in rising], 1)
    return float(-intercept / slope)


async def test_the_song_sent_then_built_in_is_not_moved(clip: Path, tone: Path,
                                                      tmp_path: Path) -> None:
    timeline, said = edit("my song until 0:06 then calm")
    a, b = timeline.music
    assert (a.source.media_id, a.end, b.source.mood, b.start) == ("tone", 6500, "calm", 5500)
    out = await render(timeline, clip, tone, tmp_path / "out.mp4")
    entry = lag_of(out, piece_file(tmp_path, "calm", b.length), 6.0, 1.0)
    assert entry == pytest.approx(5.5, abs=0.003)  # the piece's first downbeat where it starts
    assert not any("moved" in s for s in said)


def test_a_long_move_is_said_in_english_and_chinese() -> None:
    # Find a change whose nearest bar is more than a beat away (the grid depends on the length).
    for at in range(40, 90):
        timeline, said = edit(f"lofi until 0:{at // 10:02d}.{at % 10}, then upbeat")
        a, b = timeline.music
        grid = cache.grid("lofi", SEED, a.length)
        moved = abs(b.start - at * 100)
        if moved > grid.beat * 1000 + 1:
            way = "earlier" if b.start < at * 100 else "later"
            words = f"change of song moved {moved / 1000:.1f} s {way} to land on the bar"
            assert words in said
            zh = localise(words, "zh")
            way_zh = "提前" if way == "earlier" else "推后"
            assert zh == f"换歌{way_zh} {moved / 1000:.1f} 秒，落在小节线上"
            return
        assert not any("moved" in s for s in said)
    pytest.fail("no change of song moved more than a beat")


def test_re_editing_does_not_move_a_change_again() -> None:
    timeline, _ = edit("lofi until 0:06, then upbeat")
    again, said = edit("lofi until 0:06, then upbeat", "music at 50%")
    assert [(t.start, t.end) for t in again.music] == [(t.start, t.end) for t in timeline.music]
    assert not any("moved" in s for s in said[1:])


@pytest.mark.parametrize("text", ["add lofi music, louder after 0:01", "lofi, fade in 0.5s",
                                  "add calm music and make it quieter from 1s to 2s"])
def test_a_piece_too_short_for_a_bar_moves_nothing(text: str) -> None:
    """A 3 s clip's piece is one chord (a grid with a single beat at 0): before, every edge
    snapped to 0:00, so "louder after 0:01" made all of the music louder."""
    draft = draft_of(Timeline(clips=(Clip("v", "short.mp4", 3000),)))
    parsed = apply_instruction(draft, text, Context(3000, False, None, seed=SEED))
    [track] = timeline_of(parsed.draft).music
    assert cache.grid(track.source.mood or "", SEED, 3000).bars == 0
    assert not any("moved" in s for s in parsed.understood), parsed.understood
    if track.envelope:
        [span] = track.envelope
        assert span.start == 1000 and span.end in (2000, 3000), track.envelope
    else:
        assert track.fade_in == 500
