"""From a composed piece to finished audio: MIDI + SoundFont -> samples (midirenderer), then
the exact length, the ring-out to silence at the last frame, and -16 LUFS without clipping.

The SoundFont is TimGM6mb.sf2 (General MIDI, 5.9 MB) as the `pretty_midi` wheel installs it; it
is read from the installed files, never downloaded (see README, "Built-in music").
"""

from __future__ import annotations

import functools
import importlib.metadata
import io
import wave
from pathlib import Path

import midirenderer
import numpy as np
import numpy.typing as npt

from core.music.compose import Piece, to_midi
from core.music.loudness import HOP_SECONDS, Audio, gated, hop_power

RATE = 48000
TARGET_LUFS = -16.0
CEILING = 10 ** (-1.0 / 20)
"""Sample peaks stay under -1 dBFS."""
_LIMIT_BLOCK = 240
"""5 ms: the limiter's gain is held per block and interpolated between blocks."""


@functools.cache
def soundfont() -> bytes:
    """The General MIDI SoundFont shipped inside the installed `pretty_midi` package."""
    try:
        path = importlib.metadata.distribution("pretty_midi").locate_file(
            "pretty_midi/TimGM6mb.sf2")
    except importlib.metadata.PackageNotFoundError:
        raise RuntimeError("the SoundFont comes with the pretty_midi package: "
                           "pip install pretty_midi") from None
    return Path(str(path)).read_bytes()


def synthesise(piece: Piece) -> Audio:
    """The piece's samples as rendered (float32, frames x 2), not yet finished."""
    data = midirenderer.render_wave_from(soundfont(), to_midi(piece))
    with wave.open(io.BytesIO(data)) as w:
        if w.getframerate() != RATE or w.getnchannels() != 2 or w.getsampwidth() != 2:
            raise RuntimeError("the MIDI renderer returned an unexpected WAV format")
        raw = w.readframes(w.getnframes())
    return np.frombuffer(raw, dtype="<i2").reshape(-1, 2).astype(np.float32) / 32768.0


def finish(audio: Audio, piece: Piece) -> Audio:
    """Exactly `piece.seconds` long; after the final chord has rung for a while it fades to
    zero at the last frame; at TARGET_LUFS with peaks under CEILING."""
    frames = round(piece.seconds * RATE)
    out = np.zeros((frames, 2), dtype=np.float32)
    n = min(frames, audio.shape[0])
    out[:n] = audio[:n]
    ring_from = piece.grid.ending + 0.4 * (piece.seconds - piece.grid.ending)
    first = min(int(ring_from * RATE), frames - 1)
    ramp = np.linspace(0.0, 1.0, frames - first, dtype=np.float32)
    out[first:] *= (np.cos(ramp * np.pi / 2) ** 2)[:, None]
    return normalise(out)


def normalise(audio: Audio) -> Audio:
    """Gain to TARGET_LUFS under a look-ahead peak limiter. The K-weighted power of each
    100 ms hop and the peak of each 5 ms limiter block are measured once: both scale with the
    gain, so the loudness a gain and its limiter reach is the hop power times the hop's mean
    squared limiter gain, and the overall gain is corrected for what the limiter took without
    touching the samples again. The samples are scaled once, at the end."""
    power = hop_power(audio, RATE)
    lufs = gated(power)
    if not np.isfinite(lufs):
        return audio
    peaks = _block_peaks(audio)
    per_hop = int(HOP_SECONDS * RATE) // _LIMIT_BLOCK
    level = 10 ** ((TARGET_LUFS - lufs) / 20)
    held = np.ones_like(peaks)
    for _ in range(6):
        held = _held_gain(peaks * level)
        squared = (held[:power.shape[0] * per_hop] ** 2).reshape(-1, per_hop).mean(axis=1)
        reached = gated(power * level**2 * squared)
        if abs(reached - TARGET_LUFS) < 0.05:
            break
        level *= 10 ** ((TARGET_LUFS - reached) / 20)
    frames = audio.shape[0]
    if held.min() < 1.0:  # interpolated between block centres so it never steps (a click)
        centres = (np.arange(peaks.shape[0]) + 0.5) * _LIMIT_BLOCK
        gain = (np.interp(np.arange(frames), centres, held) * level).astype(np.float32)
        out: Audio = audio * gain[:, None]
    else:
        out = audio * np.float32(level)
    return np.clip(out, -CEILING, CEILING).astype(np.float32, copy=False)


def _block_peaks(audio: Audio) -> npt.NDArray[np.float64]:
    """The sample peak of each limiter block (both channels)."""
    frames = audio.shape[0]
    blocks = -(-frames // _LIMIT_BLOCK)
    padded = np.zeros((blocks * _LIMIT_BLOCK, 2), dtype=np.float32)
    padded[:frames] = np.abs(audio)
    return padded.reshape(blocks, -1).max(axis=1).astype(np.float64)  # type: ignore[no-any-return]


def _held_gain(peaks: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Per block, a gain below 1 wherever the block (or a neighbour) peaks over CEILING: each
    reduction is held over two neighbours each side, attack before and release after."""
    need = np.minimum(1.0, CEILING / np.maximum(peaks, 1e-9))
    held = need.copy()
    for shift in (1, 2):
        held[shift:] = np.minimum(held[shift:], need[:-shift])
        held[:-shift] = np.minimum(held[:-shift], need[shift:])
    return held


def render(piece: Piece) -> Audio:
    return finish(synthesise(piece), piece)


def wav_bytes(audio: Audio) -> bytes:
    """16-bit stereo 48 kHz WAV."""
    pcm = np.round(np.clip(audio, -1.0, 32767 / 32768) * 32768).astype("<i2")
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.tobytes())
    return out.getvalue()
