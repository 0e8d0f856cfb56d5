"""Built-in music measured: length, format, ending, loudness, spectrum, clicks, seeds."""

from __future__ import annotations

import math
import re
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from core.music import cache
from core.music import render as synth
from core.music.compose import compose
from core.music.moods import NAMES
from core.music.render import render
from tests.core.music.conftest import SECONDS, SEED
from tests.media import FFMPEG

RATE = 48000


def read(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (RATE, 2, 2)
        raw = w.readframes(w.getnframes())
    return np.frombuffer(raw, dtype="<i2").reshape(-1, 2).astype(np.float64) / 32768


def db(x: np.ndarray) -> float:
    rms = float(np.sqrt(np.mean(np.square(x)))) if x.size else 0.0
    return 20 * math.log10(rms) if rms > 0 else -math.inf


def test_at_least_eight_moods() -> None:
    assert len(NAMES) >= 8
    assert {"lofi", "upbeat", "calm", "cinematic", "acoustic", "electronic", "jazz",
            "epic"} <= set(NAMES)


@pytest.mark.parametrize("mood", NAMES)
def test_exact_length_48k_stereo(pieces: dict[str, Path], mood: str) -> None:
    audio = read(pieces[mood])
    assert audio.shape == (round(SECONDS * RATE), 2)
    assert db(audio[:, 0] - audio[:, 1]) > -60  # stereo, not one channel twice


@pytest.mark.parametrize("mood", NAMES)
def test_ends_on_a_downbeat_and_rings_out_to_silence(pieces: dict[str, Path], mood: str) -> None:
    grid = compose(mood, SEED, SECONDS).grid
    assert 1.0 <= SECONDS - grid.ending <= 4.0
    assert grid.ending == pytest.approx(grid.downbeats()[-1])
    audio = read(pieces[mood]).mean(axis=1)
    start = round(grid.ending * RATE)
    tenth = RATE // 10
    before, after = db(audio[start - tenth: start]), db(audio[start: start + tenth])
    assert after > before + 1.0, (before, after)  # the final chord is struck on the downbeat
    ring = [db(audio[i: i + tenth]) for i in range(start + tenth, audio.size - tenth, tenth)]
    assert max(ring) < after + 3.0, (after, ring)  # and then it only rings
    assert db(audio[-tenth:]) < after - 30  # rung out...
    assert np.all(np.abs(read(pieces[mood])[-1]) < 2 / 32768)  # ...to silence at the last frame


def ebur128(path: Path) -> float:
    err = subprocess.run([FFMPEG, "-hide_banner", "-nostats", "-i", str(path), "-af", "ebur128",
                          "-f", "null", "-"], capture_output=True, text=True, check=True).stderr
    return float(re.findall(r"I:\s+(-?[\d.]+) LUFS", err)[-1])


@pytest.mark.parametrize("mood", NAMES)
def test_loudness_is_minus_16_lufs_without_clipping(pieces: dict[str, Path], mood: str) -> None:
    assert ebur128(pieces[mood]) == pytest.approx(-16.0, abs=1.0)
    assert np.max(np.abs(read(pieces[mood]))) < 0.9  # -1 dBFS ceiling, never full scale


@pytest.mark.parametrize("mood", NAMES)
def test_sampled_instruments_reach_above_8khz(pieces: dict[str, Path], mood: str) -> None:
    mono = read(pieces[mood]).mean(axis=1)
    power = np.abs(np.fft.rfft(mono)) ** 2
    freqs = np.fft.rfftfreq(mono.size, 1 / RATE)
    share = 10 * math.log10(power[freqs > 8000].sum() / power.sum())
    assert share > -55, share  # the old sine moods had 58-98 dB less above 8 kHz


def click_ratio(audio: np.ndarray) -> float:
    """The biggest sample-to-sample step over the 99.9th percentile of steps: a cut or a gain
    jump stands out far above the attacks the instruments make again and again."""
    steps = np.abs(np.diff(audio, axis=0)).max(axis=1)
    return float(steps.max() / max(float(np.percentile(steps, 99.9)), 1e-6))


@pytest.mark.parametrize("mood", NAMES)
def test_no_clicks(pieces: dict[str, Path], mood: str) -> None:
    audio = read(pieces[mood])
    assert np.all(np.abs(audio[0]) < 0.05)  # starts from (near) silence
    assert click_ratio(audio) < 4.0
    assert float(np.abs(np.diff(audio, axis=0)).max()) < 0.5


def test_the_click_measure_finds_a_cut(pieces: dict[str, Path]) -> None:
    audio = read(pieces["calm"]).copy()
    loud = int(np.argmax(np.abs(audio[: audio.shape[0] // 2, 0])))
    audio[loud:] = 0.0  # a note stopped dead mid-cycle
    assert click_ratio(audio) > 4.0


def test_one_seed_gives_identical_samples_two_seeds_differ(pieces: dict[str, Path]) -> None:
    first = read(pieces["lofi"])
    again = render(compose("lofi", SEED, SECONDS))
    assert np.array_equal(np.round(again * 32768).clip(-32768, 32767) / 32768, first)
    other = render(compose("lofi", SEED + 1, SECONDS)).mean(axis=1)
    r = np.corrcoef(first.mean(axis=1), other)[0, 1]
    assert abs(r) < 0.3, r


@pytest.mark.parametrize("mood", NAMES)
def test_body_varies(mood: str) -> None:
    """Over a minute, most bars differ from every other bar (notes relative to the bar)."""
    piece = compose(mood, 7, 60.0)
    bars: dict[int, list[tuple[int, int, float]]] = {}
    for n in piece.notes:
        if n.start < 4 * piece.grid.bars:
            bars.setdefault(int(n.start // 4), []).append((n.channel, n.pitch,
                                                            round(n.start % 4, 2)))
    shapes = {tuple(sorted(v)) for v in bars.values()}
    assert len(shapes) >= 0.6 * len(bars), (len(shapes), len(bars))


@pytest.mark.parametrize("seconds", [2.5, 4.0, 7.3, 15.0, 31.7, 60.0, 183.4, 600.0])
@pytest.mark.parametrize("mood", NAMES)
def test_composed_to_any_length(mood: str, seconds: float) -> None:
    grid = compose(mood, 3, seconds).grid
    assert grid.length == seconds
    assert 1.2 - 1e-3 <= seconds - grid.ending <= 3.8 + 1e-3
    assert grid.bars >= 1 or seconds < 3  # shorter than a bar and a ring: the chord alone
    notes = compose(mood, 3, seconds).notes
    assert max(n.start + n.length for n in notes) <= seconds / grid.beat


def test_the_cache_renders_once_and_leaves_no_temporary_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    real = synth.render  # cache.write imports the synthesiser when it writes

    def counting(piece):  # type: ignore[no-untyped-def]
        calls.append(piece.seconds)
        return real(piece)

    monkeypatch.setattr(synth, "render", counting)
    import asyncio

    async def twice() -> tuple[Path, Path, Path]:
        a, b = await asyncio.gather(cache.ensure("calm", 5, 2500, tmp_path),
                                    cache.ensure("calm", 5, 2500, tmp_path))
        return a, b, await cache.ensure("calm", 5, 2500, tmp_path)

    a, b, c = asyncio.run(twice())
    assert a == b == c and len(calls) <= 2
    assert [p.name for p in tmp_path.iterdir()] == [a.name]
    assert read(a).shape[0] == 2500 * 48


def test_a_failed_render_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def wav_fails(_audio):  # type: ignore[no-untyped-def]
        raise MemoryError

    monkeypatch.setattr(synth, "wav_bytes", wav_fails)
    with pytest.raises(MemoryError):
        cache.write("lofi", 0, 2.0, tmp_path / "x.wav")
    assert list(tmp_path.iterdir()) == []


def test_prune_keeps_the_newest_and_the_recently_used(tmp_path: Path) -> None:
    import os
    import time

    old = time.time() - 3600
    for i in range(5):
        (tmp_path / f"p{i}.wav").write_bytes(b"x")
        os.utime(tmp_path / f"p{i}.wav", (old + i, old + i))
    (tmp_path / "fresh.wav").write_bytes(b"x")  # used a moment ago
    cache.prune(tmp_path, keep=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fresh.wav", "p4.wav"]


def test_unknown_mood() -> None:
    with pytest.raises(ValueError, match="unknown mood"):
        cache.filename("polka", 0, 1000)


def test_the_music_command_writes_one_piece(tmp_path: Path) -> None:
    from bots.cli import main

    out = tmp_path / "chill.wav"
    assert main(["music", "chill", "--seconds", "3.5", "--seed", "2", "-o", str(out)]) == 0
    assert read(out).shape == (round(3.5 * RATE), 2)
    assert main(["music", "polka", "--seconds", "3", "-o", str(tmp_path / "x.wav")]) == 2
