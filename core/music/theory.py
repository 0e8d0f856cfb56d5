"""Chord symbols, voicings and swing: the small amount of music theory the parts share."""

from __future__ import annotations

import re
from dataclasses import dataclass

_DEGREES = {"i": 0, "ii": 2, "iii": 4, "iv": 5, "v": 7, "vi": 9, "vii": 11}
_SYMBOL = re.compile(r"(b?)(vii|vi|v|iv|iii|ii|i)(maj9|maj7|add9|sus2|sus4|dim|7|9|6)?",
                     re.IGNORECASE)


@dataclass(frozen=True)
class Chord:
    root: int
    """Pitch class of the root (0 = C)."""
    tones: tuple[int, ...]
    """Intervals above the root, the third (or its suspension) second."""

    def pitch_classes(self) -> tuple[int, ...]:
        return tuple((self.root + t) % 12 for t in self.tones)


def chord(symbol: str, tonic: int) -> Chord:
    """ "ii7" in F -> G minor seventh; "bVI" in A minor -> F major."""
    m = _SYMBOL.fullmatch(symbol)
    if m is None:
        raise ValueError(f"not a chord symbol: {symbol!r}")
    flat, numeral, colour = m.group(1), m.group(2), (m.group(3) or "").lower()
    minor = numeral.islower()
    tones = [0, 3 if minor else 4, 7]
    if colour == "dim":
        tones = [0, 3, 6]
    elif colour == "sus2":
        tones[1] = 2
    elif colour == "sus4":
        tones[1] = 5
    tones += {"7": [10], "maj7": [11], "9": [10, 14], "maj9": [11, 14], "add9": [14],
              "6": [9]}.get(colour, [])
    root = (tonic + _DEGREES[numeral.lower()] - (1 if flat else 0)) % 12
    return Chord(root, tuple(tones))


def bar_chords(bar: str, tonic: int) -> tuple[tuple[float, Chord], ...]:
    """ "ii7/V7" -> ((0, ii7), (2, V7)): the beat each chord of a four-beat bar starts on."""
    symbols = bar.split("/")
    step = 4 / len(symbols)
    return tuple((i * step, chord(s, tonic)) for i, s in enumerate(symbols))


def voicing(c: Chord, low: int, size: int = 0) -> tuple[int, ...]:
    """The chord's tones packed into the octave from `low` up (so consecutive chords move by
    small steps), or `size` tones climbing through the chord from `low` when size is given."""
    pcs = c.pitch_classes()
    if not size:
        return tuple(sorted(low + (pc - low) % 12 for pc in pcs))
    start = low + (c.root - low) % 12
    out = []
    for i in range(size):
        octave, k = divmod(i, len(c.tones))
        out.append(start + (c.tones[k] % 12) + 12 * octave + (12 if c.tones[k] >= 12 else 0))
    return tuple(sorted(out))


def near(pitch_class: int, target: int) -> int:
    """The pitch of `pitch_class` closest to the MIDI note `target`."""
    return target + ((pitch_class - target + 6) % 12) - 6


def swung(beat: float, swing: float) -> float:
    """Moves off-beat eighths (and the sixteenths around them) later by the swing share."""
    whole = int(beat // 1)
    x = beat - whole
    if swing == 0.5:
        return beat
    if x < 0.5:
        return whole + x * swing / 0.5
    return whole + swing + (x - 0.5) * (1 - swing) / 0.5
