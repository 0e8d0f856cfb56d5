"""What each part plays in one bar, by style: chords, bass, pad and drums.

Every function returns notes on an absolute clock in beats; `Bar.at` is the bar's first beat.
Randomness comes only from the `random.Random` passed in, so a seed gives one piece.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from core.music.moods import Mood, Part
from core.music.theory import Chord, near, swung, voicing

CHORDS, BASS, LEAD, PAD, DRUMS = 0, 1, 2, 3, 9
QUIET_FEELS = ("none", "chimes")
"""Drum feels without a beat: the pad plays throughout instead of only in full sections."""


@dataclass(frozen=True)
class Note:
    channel: int
    pitch: int
    start: float
    """Beats from the piece's start."""
    length: float
    velocity: int


@dataclass(frozen=True)
class Bar:
    at: float
    chords: tuple[tuple[float, Chord], ...]
    next_root: int
    energy: int
    """0 intro, 1 a calm section, 2 a full one."""
    fill: bool
    """Last bar of a section: the drums play a fill."""


def _vel(rng: random.Random, base: int, spread: int = 6) -> int:
    return max(1, min(127, base + rng.randint(-spread, spread)))


def _spans(bar: Bar) -> list[tuple[float, float, Chord]]:
    """(start beat in bar, length in beats, chord) for each chord of the bar."""
    starts = [s for s, _ in bar.chords] + [4.0]
    return [(s, starts[i + 1] - s, c) for i, (s, c) in enumerate(bar.chords)]


def chords(mood: Mood, bar: Bar, rng: random.Random) -> list[Note]:
    part = mood.chords
    low = 53 + 12 * part.octave
    notes: list[Note] = []

    def hit(beat: float, length: float, c: Chord, vel: int, low_note: int = low) -> None:
        at = bar.at + swung(beat, mood.swing)
        notes.extend(Note(CHORDS, p, at, length, _vel(rng, vel)) for p in voicing(c, low_note))

    for start, span, c in _spans(bar):
        style = part.style
        if style == "lofi":
            hit(start, min(span, 1.9), c, part.velocity)
            if span > 2:
                hit(start + 2.5, 1.4, c, part.velocity - 8)
        elif style == "stabs":
            stabs = (0, 1.5, 2.5) if bar.energy < 2 else (0, 0.5, 1.5, 2, 2.5, 3.5)
            for b in (r for r in stabs if r < span):
                hit(start + b, 0.45 if b % 1 else 0.9, c, part.velocity - (8 if b % 1 else 0))
        elif style in ("arp", "arp16"):
            step = 0.5 if style == "arp" else 0.25
            tones = voicing(c, low - 12, 6 if style == "arp" else 4)
            order = list(tones) + list(reversed(tones[1:-1]))
            if style == "arp16" and bar.energy == 2:
                order = [p + 12 * (i % 2) for i, p in enumerate(order)]
            for i in range(int(span / step)):
                ring = 1.5 if style == "arp" else 0.22
                beat = start + i * step
                notes.append(Note(CHORDS, order[i % len(order)], bar.at + swung(beat, mood.swing),
                                  min(ring, 4 - beat), _vel(rng, part.velocity - 6 * (i % 2))))
        elif style == "strum":
            pattern: tuple[tuple[float, int], ...] = (
                (0.0, 1), (1.0, 1), (1.5, 0), (2.5, 0), (3.0, 1), (3.5, 0))
            for b, down in (p for p in pattern if p[0] < span):
                strings = voicing(c, low - 5, 5)
                strings = strings if down else tuple(reversed(strings[1:]))
                nxt = min([p[0] for p in pattern if p[0] > b] + [span])
                vel = part.velocity - 12 * (1 - down)
                for k, pitch in enumerate(strings):  # a strum: strings 25 ms of a beat apart
                    notes.append(Note(CHORDS, pitch, bar.at + start + b + 0.025 * k,
                                      nxt - b - 0.025 * k, _vel(rng, vel)))
        elif style == "comp":
            rhythm: tuple[float, ...] = rng.choice(((0.0, 1.5), (1.5, 0.5), (0.5, 1.0), (1.0, 1.5)))
            for b in (r for r in rhythm if r < span):
                hit(start + b, 0.9, c, part.velocity, low + 2)
        elif style == "ostinato":
            root = near(c.root, low - 5)
            fifth = root + c.tones[2]
            figure = (root, root + 12, fifth, root + 12) if bar.energy < 2 else (
                root, fifth, root + 12, fifth + 12 if fifth + 12 < 84 else fifth)
            for i in range(int(span / 0.5)):
                notes.append(Note(CHORDS, figure[i % 4], bar.at + start + i * 0.5, 0.45,
                                  _vel(rng, part.velocity + (10 if i % 4 == 0 else 0))))
        else:
            raise ValueError(f"unknown chord style {style!r}")
    return notes


def bass(mood: Mood, bar: Bar, rng: random.Random) -> list[Note]:
    part: Part = mood.bass
    low = 40 + 12 * (part.octave + 1) - 12
    notes: list[Note] = []
    for start, span, c in _spans(bar):
        root = low + (c.root - low) % 12
        fifth = root + 7 if root + 7 < low + 14 else root - 5
        hits: list[tuple[float, float, int]]
        if part.style == "lofi":
            hits = [(0, 1.5, root), (2.5, 1.2, fifth if rng.random() < 0.5 else root)]
        elif part.style == "pulse8":
            step = 0.5 if bar.energy == 2 else 1.0
            hits = [(i * step, step * 0.85, root + (12 if bar.energy == 2 and i % 4 == 3 else 0))
                    for i in range(int(4 / step))]
        elif part.style == "root":
            hits = [(0, 1.9, root), (2, 1.4, fifth), (3.5, 0.5, root)]
        elif part.style == "walk":
            target = low + (bar.next_root - low) % 12
            third = root + c.tones[1]
            beats = int(span)
            line = [root, third, fifth, target + (1 if rng.random() < 0.5 else -1)]
            if beats == 2:
                line = [root, target + (1 if rng.random() < 0.5 else -1)]
            hits = [(i, 0.95, p) for i, p in enumerate(line)]
        elif part.style == "sustain":
            hits = [(0, 3.95, root)]
            if bar.energy == 2:
                hits = [(0, 2.4, root), (2.5, 1.45, root)]
        else:
            raise ValueError(f"unknown bass style {part.style!r}")
        for b, length, pitch in hits:
            if b < span:
                notes.append(Note(BASS, pitch, bar.at + start + swung(b, mood.swing),
                                  min(length, span - b), _vel(rng, part.velocity)))
    return notes


def pad(mood: Mood, bar: Bar, rng: random.Random) -> list[Note]:
    if mood.pad is None or (bar.energy < 2 and mood.drums not in QUIET_FEELS):
        return []
    low = 55 + 12 * mood.pad.octave
    return [Note(PAD, p, bar.at + start, span - 0.05, _vel(rng, mood.pad.velocity, 3))
            for start, span, c in _spans(bar) for p in voicing(c, low)]


# Drum kits: (GM note, beat, velocity) per bar, by feel; "fill" replaces the last two beats.
_KICK, _STICK, _SNARE, _CLAP, _HAT, _PEDAL, _OPEN, _RIDE = 36, 37, 38, 39, 42, 44, 46, 51
_LOW_TOM, _MID_TOM, _HIGH_TOM, _FLOOR, _SHAKER, _TAMB = 45, 47, 50, 41, 82, 54


Hit = tuple[int, float, int]


def _groove(feel: str, energy: int, rng: random.Random) -> list[Hit]:
    eighths = [i * 0.5 for i in range(8)]
    kick: list[float]
    if feel == "lofi":
        kick = [0.0, 2.5] + ([1.75] if rng.random() < 0.4 else [])
        return ([(_KICK, b, 92) for b in kick] + [(_SNARE, b, 70) for b in (1, 3)]
                + [(_HAT, b, 50 if b % 1 else 62) for b in eighths])
    if feel == "pop":
        hats = [(_HAT, b, 56 if b % 1 else 68) for b in eighths]
        kick = [0.0, 1.5, 2.0] if energy < 2 else [0.0, 1.0, 2.0, 3.0]
        extra = [(_TAMB, b + 0.5, 48) for b in range(4)] if energy == 2 else []
        return [(_KICK, b, 96) for b in kick] + [(_CLAP, b, 82) for b in (1, 3)] + hats + extra
    if feel == "four":
        hats = [(_OPEN, b + 0.5, 58) for b in range(4)]
        if energy == 2:
            hats += [(_HAT, b * 0.25, 40) for b in range(16) if b % 2 == 0 and b % 4]
        return [(_KICK, b, 104) for b in range(4)] + [(_CLAP, b, 80) for b in (1, 3)] + hats
    if feel == "acoustic":
        shaker = [(_SHAKER, b * 0.25, 44 if b % 2 else 58) for b in range(16)] if energy == 2 \
            else [(_SHAKER, b, 50) for b in eighths]
        return [(_KICK, b, 80) for b in (0, 2.5)] + [(_STICK, b, 66) for b in (1, 3)] + shaker
    if feel == "jazz":
        ride = [(_RIDE, b, 62 if b % 1 else 74) for b in (0, 1, 1.5, 2, 3, 3.5)]
        comp = [(_SNARE, rng.choice((1.5, 2.5, 3.5)), 34)] if rng.random() < 0.6 else []
        return ride + [(_PEDAL, b, 54) for b in (1, 3)] + [(_KICK, 0, 40)] + comp
    if feel == "cinematic":
        hits: list[Hit] = [(_FLOOR, 0.0, 96)]
        if energy == 2:
            hits += [(_FLOOR, 1.5, 72), (_LOW_TOM, 2.5, 80), (_FLOOR, 3, 70)]
        return hits
    if feel == "epic":
        base: list[Hit] = [(_KICK, 0.0, 110), (_FLOOR, 0.5, 70), (_FLOOR, 1.5, 80),
                           (_KICK, 2.5, 96)]
        if energy == 2:
            base += [(_SNARE, 2.0, 100)] + [(_FLOOR, b + 0.25, 56) for b in (0, 1, 2, 3)]
        return base
    if feel == "chimes":  # a soft triangle now and then, for air above the piano
        return [(81, 0.0, 36)] + ([(81, 2.5, 28)] if energy == 2 else [])
    if feel == "none":
        return []
    raise ValueError(f"unknown drum feel {feel!r}")


def drums(mood: Mood, bar: Bar, rng: random.Random) -> list[Note]:
    if mood.drums == "none" or bar.energy == 0:
        return []
    hits = _groove(mood.drums, bar.energy, rng)
    if bar.fill:
        hits = [h for h in hits if h[1] < 2]
        toms = (_HIGH_TOM, _MID_TOM, _LOW_TOM, _FLOOR) if mood.drums != "jazz" else (_SNARE,) * 4
        step = 0.5 if mood.drums in ("jazz", "cinematic", "acoustic") else 0.25
        hits += [(toms[int(i * step) % 4] if mood.drums != "lofi" else _SNARE, 2 + i * step,
                  70 + 6 * i) for i in range(int(2 / step))]
    return [Note(DRUMS, n, bar.at + swung(b, mood.swing), 0.25, _vel(rng, min(v, 118), 5))
            for n, b, v in hits]
