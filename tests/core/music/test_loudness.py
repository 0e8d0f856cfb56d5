"""The loudness measure against BS.1770's reference points and against ffmpeg's ebur128."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from core.music.loudness import integrated
from core.music.render import TARGET_LUFS, normalise, wav_bytes
from tests.core.music.test_composed import ebur128

RATE = 48000


def tone(hz: float, seconds: float, amplitude: float, channels: int = 2) -> np.ndarray:
    t = np.arange(round(seconds * RATE)) / RATE
    mono = (amplitude * np.sin(2 * np.pi * hz * t)).astype(np.float32)
    return np.repeat(mono[:, None], channels, axis=1)


def test_a_full_scale_997_hz_sine_in_one_channel_reads_minus_3_lufs() -> None:
    # BS.1770-4: a 0 dBFS 997 Hz sine in one channel of a stereo signal reads -3.01 LKFS.
    audio = tone(997, 5.0, 1.0)
    audio[:, 1] = 0
    assert integrated(audio) == pytest.approx(-3.01, abs=0.05)


@pytest.mark.parametrize("hz", [40, 1000, 8000])
def test_tones_read_as_ffmpeg_reads_them(hz: int, tmp_path: Path) -> None:
    # The K-weighting lifts highs and cuts lows; equal sines read as ffmpeg's ebur128 reads them.
    audio = tone(hz, 3.0, 0.1)
    path = tmp_path / f"{hz}.wav"
    path.write_bytes(wav_bytes(audio))
    assert integrated(audio) == pytest.approx(ebur128(path), abs=0.15)


def test_a_piece_reads_as_ffmpeg_reads_it(pieces: dict[str, Path]) -> None:
    with wave.open(str(pieces["epic"])) as w:
        raw = w.readframes(w.getnframes())
    audio = np.frombuffer(raw, dtype="<i2").reshape(-1, 2).astype(np.float32) / 32768
    assert integrated(audio) == pytest.approx(ebur128(pieces["epic"]), abs=0.15)


def test_silence_and_a_short_signal_have_no_loudness() -> None:
    assert integrated(np.zeros((RATE * 2, 2), dtype=np.float32)) == float("-inf")
    assert integrated(tone(440, 0.3, 0.5)) == float("-inf")


def test_a_quiet_gate_leaves_out_silence() -> None:
    # Half tone, half silence: the gated loudness is the tone's (less a little for the blocks
    # across the edge), not 3 dB under it.
    sound = tone(1000, 4.0, 0.1)
    gapped = np.concatenate([sound, np.zeros_like(sound)])
    assert integrated(gapped) == pytest.approx(integrated(sound), abs=0.3)


def test_normalise_reaches_the_target_under_the_ceiling() -> None:
    # Peaks every half second over a bed that needs +4 dB: the limiter takes the peaks (they
    # would reach 1.5), the level holds.
    audio = tone(220, 6.0, 0.1)
    audio[::RATE // 2] = 0.95
    out = normalise(audio)
    assert integrated(out) == pytest.approx(TARGET_LUFS, abs=0.2)
    assert np.max(np.abs(out)) <= 10 ** (-1 / 20) + 1e-6
