"""The synthesiser the chat used before core/music (removed in b359343), kept here only so
bench_music.py can time it against the composer in the same run: its lofi mood, a 24 s loop
of sine-wave voices that ffmpeg evaluates with `aevalsrc` at 16 kHz and encodes to AAC.
Copied from core/local/music.py at b359343~1 (lofi only); not part of the product.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

RATE = 48000


def hz(midi: int) -> float:
    return 440.0 * 2 ** ((midi - 69) / 12)


@dataclass(frozen=True)
class Note:
    """One sound on a layer's local clock: `start`/`length` in seconds."""

    start: float
    length: float
    voice: str
    freq: float = 0.0
    gain: float = 1.0


@dataclass(frozen=True)
class Layer:
    """Notes that repeat every `period` seconds, mixed at `gain` into left and right."""

    period: float
    notes: tuple[Note, ...]
    left: float = 1.0
    right: float = 1.0


@dataclass(frozen=True)
class Mood:
    seconds: float
    layers: tuple[Layer, ...]
    master: str
    """Filters after the synthesis (tone, space, level)."""
    rate: int = 16000
    """Synthesis rate: the voices have little above a few kHz, and it keeps generation fast."""


# Voices: an expression of the note's own time X (seconds since its start) and length L.
def _voice(voice: str, f: float, x: str, length: float) -> str:
    ramp = f"min(1,{x}/0.006)*min(1,({length:.4f}-{x})/0.06)"
    if voice == "ep":  # electric piano: fundamental plus a bright, quickly fading overtone
        return (f"(sin({2 * f:.3f}*PI*t)+0.3*sin({4 * f:.3f}*PI*t)*exp(-5*{x}))"
                f"*exp(-1.6*{x})*{ramp}")
    if voice == "pluck":
        return f"(sin({2 * f:.3f}*PI*t)+0.4*sin({4 * f:.3f}*PI*t))*exp(-7*{x})*{ramp}"
    if voice == "bell":
        return (f"(sin({2 * f:.3f}*PI*t)+0.2*sin({6 * f:.3f}*PI*t)*exp(-3*{x}))"
                f"*exp(-1.1*{x})*{ramp}")
    if voice == "bass":
        return f"(sin({2 * f:.3f}*PI*t)+0.25*sin({4 * f:.3f}*PI*t))*exp(-1.2*{x})*{ramp}"
    if voice == "pad":  # two slightly detuned partials, slow swell in and out
        swell = f"min(1,{x}/1.2)*min(1,({length:.4f}-{x})/1.2)"
        return (f"(sin({2 * f:.3f}*PI*t)+0.5*sin({2 * f * 1.003:.3f}*PI*t)"
                f"+0.2*sin({4 * f:.3f}*PI*t))*{swell}")
    if voice == "strings":  # a saw-like tone from three partials
        swell = f"min(1,{x}/0.9)*min(1,({length:.4f}-{x})/0.9)"
        return (f"(sin({2 * f:.3f}*PI*t)+0.5*sin({4 * f * 1.002:.3f}*PI*t)"
                f"+0.33*sin({6 * f:.3f}*PI*t))*{swell}")
    if voice == "kick":  # a sine falling from ~140 Hz to 45 Hz
        return f"sin(2*PI*(45*{x}+3.3*(1-exp(-30*{x}))))*exp(-7*{x})*{ramp}"
    if voice == "boom":  # a long, low cinematic hit
        return f"sin(2*PI*(38*{x}+1.5*(1-exp(-20*{x}))))*exp(-2.2*{x})*{ramp}"
    if voice == "snare":
        return f"((2*random(9)-1)*0.6+sin(2*PI*185*{x}))*exp(-20*{x})*{ramp}"
    if voice == "hat":
        return f"(2*random(9)-1)*exp(-70*{x})*{ramp}"
    raise ValueError(f"unknown voice {voice!r}")


def _layer_expr(layer: Layer, var: int) -> str:
    """The layer's notes as a binary search over time, so a sample only evaluates the few
    notes that sound at that moment (a flat sum of `if`s is several times slower)."""
    if any(n.start < 0 or n.start + n.length > layer.period + 1e-9 for n in layer.notes):
        raise ValueError("a note runs past its layer's period, which would click at the loop")
    u = f"ld({var})"
    cuts = sorted({0.0, layer.period} | {n.start for n in layer.notes}
                  | {n.start + n.length for n in layer.notes})
    leaves = []
    for lo, hi in itertools.pairwise(cuts):
        terms = [f"{n.gain:.3f}*{_voice(n.voice, n.freq, f'({u}-{n.start:.4f})', n.length)}"
                 for n in layer.notes if n.start <= lo and n.start + n.length >= hi]
        leaves.append("+".join(terms) or "0")

    def node(i: int, j: int) -> str:
        if j - i == 1:
            return leaves[i]
        mid = (i + j) // 2
        return f"if(lt({u},{cuts[mid]:.4f}),{node(i, mid)},{node(mid, j)})"

    return f"st({var},mod(t,{layer.period:.4f}));{node(0, len(leaves))}"


def _graph(mood: Mood) -> str:
    """Each layer is synthesised once per period (mono, at the mood's synthesis rate), looped,
    panned and mixed; tone, space and level follow at 48 kHz, cut to the exact length,
    with 40 ms of fade so an echo tail never clicks at the seam."""
    chains, labels = [], []
    for i, layer in enumerate(mood.layers):
        repeats = round(mood.seconds / layer.period)
        size = round(layer.period * mood.rate)
        chain = (f"aevalsrc=exprs='{_layer_expr(layer, 0)}':s={mood.rate}:d={layer.period:g},"
                 f"aloop=loop={repeats - 1}:size={size},"
                 f"pan=stereo|c0={layer.left:.3f}*c0|c1={layer.right:.3f}*c0[l{i}]")
        chains.append(chain)
        labels.append(f"[l{i}]")
    end = round(mood.seconds * RATE)
    mix = (f"{''.join(labels)}amix=inputs={len(labels)}:normalize=0,aresample={RATE},"
           f"{mood.master},atrim=end_sample={end},"
           f"afade=t=out:st={mood.seconds - 0.04:.3f}:d=0.04,"
           f"aformat=sample_fmts=fltp:sample_rates={RATE}:channel_layouts=stereo[out]")
    return ";".join([*chains, mix])



def _chords(
    progression: Iterable[tuple[int, ...]], bar: float, hits: Iterable[tuple[float, float]],
    voice: str, gain: float,
) -> tuple[Note, ...]:
    """Every chord of the progression, one bar each, struck at (beat offset s, length s)."""
    notes = []
    hit_list = list(hits)
    for i, chord in enumerate(progression):
        for start, length in hit_list:
            for m in chord:
                notes.append(Note(i * bar + start, length, voice, hz(m), gain))
    return tuple(notes)


def _pads(progression: Iterable[tuple[int, ...]], bar: float, overlap: float,
          voice: str, gain: float, period: float) -> tuple[Note, ...]:
    """Sustained chords that cross-fade into each other but start and end the loop silent."""
    notes = []
    for i, chord in enumerate(progression):
        start = max(0.0, i * bar - overlap)
        end = min(period, (i + 1) * bar + overlap)
        notes += [Note(start, end - start, voice, hz(m), gain) for m in chord]
    return tuple(notes)


def _drums(pattern: Iterable[tuple[float, str, float, float]], beat: float) -> tuple[Note, ...]:
    """(beat, voice, length in beats, gain) -> notes."""
    return tuple(Note(b * beat, ln * beat, v, 0.0, g) for b, v, ln, g in pattern)


def _melody(line: Iterable[tuple[float, float, int]], beat: float, voice: str,
            gain: float) -> tuple[Note, ...]:
    """(start beat, length in beats, midi) -> notes."""
    return tuple(Note(s * beat, ln * beat, voice, hz(m), gain) for s, ln, m in line)


def _lofi() -> Mood:
    beat = 0.75  # 80 bpm
    bar = 4 * beat
    prog = [(53, 57, 60, 64), (52, 55, 59, 62), (50, 53, 57, 60), (48, 52, 55, 59)]
    roots = [41, 40, 38, 36]
    bass = [Note(i * bar + s * beat, ln * beat, "bass", hz(r), 1.0)
            for i, r in enumerate(roots) for s, ln in ((0, 1.8), (2.5, 1.3))]
    kit = [(0, "kick", 0.9, 1.0), (2.5, "kick", 0.9, 0.8), (1, "snare", 0.9, 0.55),
           (3, "snare", 0.9, 0.55)] + [(h / 2, "hat", 0.45, 0.22 if h % 2 else 0.35)
                                       for h in range(8)]
    tune = [(0, 1.5, 76), (1.5, 0.5, 74), (2, 2, 72), (4, 1, 69), (5, 1, 72), (6, 2, 74),
            (8, 1.5, 72), (9.5, 0.5, 69), (10, 2, 67), (12, 1, 69), (13, 1, 72), (14, 2, 71)]
    melody = _melody([(16 + s, ln, m) for s, ln, m in tune], beat, "bell", 0.35)
    return Mood(
        seconds=8 * bar,
        layers=(
            Layer(4 * bar, _chords(prog, bar, [(0, 1.9 * beat), (2.5 * beat, 1.4 * beat)],
                                   "ep", 0.2), 1.0, 0.8),
            Layer(4 * bar, tuple(bass), 0.4, 0.4),
            Layer(bar, _drums(kit, beat), 0.8, 0.9),
            Layer(8 * bar, melody, 0.7, 1.0),
        ),
        master="lowpass=f=3800,volume=0.29",
    )


def lofi_args(out: Path) -> list[str]:
    """The ffmpeg arguments (after the executable) that wrote the old lofi loop as AAC in MP4."""
    return [
        "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
        "-filter_complex", _graph(_lofi()),
        "-map", "[out]", "-c:a", "aac", "-b:a", "160k",
        "-fflags", "+bitexact", "-flags:a", "+bitexact", "-map_metadata", "-1",
        "-movflags", "+faststart", "-f", "mp4", str(out),
    ]
