"""Composes a piece for one mood, seed and length: pure functions from words to notes and MIDI.

The form: an intro of one or two bars (chords alone), a body of four-bar sections that alternate
between two or three progressions, melodies and energies (drum fills between them), a cadence
bar, and a final resolved chord on a downbeat 1.2-3.8 s before the end. The tempo is chosen in
the mood's range so that whole bars fit before that ending; the audio stage rings it out to
silence at the last frame (core/music/render.py).
"""

from __future__ import annotations

import hashlib
import io
import random
from dataclasses import dataclass

import mido

from core.music import parts
from core.music.moods import Mood, mood
from core.music.parts import BASS, CHORDS, DRUMS, LEAD, PAD, Bar, Note
from core.music.theory import Chord, bar_chords, chord, near, swung, voicing

RING = (1.2, 3.8)
"""Seconds the final chord rings: it starts on a downbeat this long before the end."""
TICKS = 480


@dataclass(frozen=True)
class Grid:
    """Where the beats and bars of a piece fall, in seconds from its start."""

    beat: float
    bars: int
    """Whole bars before the final chord."""
    length: float

    @property
    def ending(self) -> float:
        """When the final chord starts (a downbeat)."""
        return 4 * self.bars * self.beat

    def beats(self) -> tuple[float, ...]:
        return tuple(i * self.beat for i in range(4 * self.bars + 1))

    def downbeats(self) -> tuple[float, ...]:
        return tuple(4 * i * self.beat for i in range(self.bars + 1))


@dataclass(frozen=True)
class Piece:
    mood: str
    seed: int
    seconds: float
    grid: Grid
    notes: tuple[Note, ...]

    @property
    def tempo(self) -> int:
        """Microseconds per beat, as MIDI stores it (the grid uses exactly this)."""
        return round(self.grid.beat * 1e6)


def fit(seconds: float, bpm: tuple[int, int], preferred: float) -> Grid:
    """The tempo nearest `preferred` (widened by a third when nothing fits the range) at which
    whole bars end a ring's length before `seconds`."""
    for lo, hi in ((bpm[0], bpm[1]), (bpm[0] * 0.75, bpm[1] * 1.33)):
        best: tuple[float, float, int] | None = None
        for bars in range(1, int(seconds * hi / 240) + 2):
            fast = 240 * bars / max(seconds - RING[1], 1e-6) if seconds > RING[1] else float("inf")
            slow = 240 * bars / (seconds - RING[0]) if seconds > RING[0] else float("inf")
            a, b = max(lo, slow), min(hi, fast)
            if a > b:
                continue
            pick = min(max(preferred, a), b)
            score = abs(pick - preferred)
            if best is None or score < best[0]:
                best = (score, pick, bars)
        if best is not None:
            beat = round(60e6 / best[1]) / 1e6
            return Grid(beat, best[2], seconds)
    return Grid(60 / preferred, 0, seconds)  # too short for a bar: only the final chord


def _rng(mood_name: str, seed: int, seconds: float) -> random.Random:
    digest = hashlib.sha256(f"{mood_name}:{seed}:{seconds:.3f}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _sections(m: Mood, bars: int, rng: random.Random) -> list[tuple[int, str, int]]:
    """(first bar, progression, energy) of the intro and each body section."""
    intro = 0 if bars < 3 else 1 if bars < 9 else 2
    verses = rng.sample(m.verses, 3)
    shape = rng.choice(("AB", "AAB", "ABB", "ABAC"))
    out = [(0, verses[0], 0)] if intro else []
    for k, start in enumerate(range(intro, bars, 4)):
        label = shape[k % len(shape)]
        energy = 2 if label != "A" or (bars > 8 and start + 4 >= bars) else 1
        out.append((start, verses["ABC".index(label)], energy))
    return out


def _lead_phrase(m: Mood, rng: random.Random) -> list[tuple[float, float, int]]:
    """A two-bar motif: (onset beat, length, step in scale degrees from the note before)."""
    weights = [1.0 if i % 4 == 0 else 0.7 if i % 2 == 0 else 0.4 for i in range(16)]
    onsets = [i * 0.5 for i in range(16) if rng.random() < m.lead_density * weights[i]]
    if len(onsets) < 3:
        onsets = sorted({0.0, 1.5, 4.0, *onsets})
    ends = [*onsets[1:], 8.0]
    return [(o, min(e - o, 2.0) * 0.9, rng.choice((-2, -1, -1, 0, 1, 1, 2, 3)))
            for o, e in zip(onsets, ends, strict=True)]


def _lead(m: Mood, tonic: int, at: float, motif: list[tuple[float, float, int]],
          harmony: list[tuple[float, Chord]], rng: random.Random) -> list[Note]:
    """The motif over two bars of chords: strong beats land on chord tones, in the lead's range."""
    assert m.lead is not None
    low, high = 67 + 12 * m.lead.octave, 84 + 12 * m.lead.octave
    scale = sorted({(tonic + s) % 12 for s in m.scale})
    degree = rng.randrange(len(scale)) + 2 * len(scale)
    notes = []
    for onset, length, step in motif:
        degree += step if rng.random() > 0.2 else rng.choice((-1, 1))
        pitch = 12 * (degree // len(scale)) + scale[degree % len(scale)] + 12 * (m.lead.octave + 2)
        now = [c for s, c in harmony if s <= onset][-1]
        if onset % 2 == 0:
            here = pitch
            pitch = min((near(pc, here) for pc in now.pitch_classes()), key=lambda p: abs(p - here))
        while pitch > high:
            pitch, degree = pitch - 12, degree - len(scale)
        while pitch < low:
            pitch, degree = pitch + 12, degree + len(scale)
        notes.append(Note(LEAD, pitch, at + swung(onset, m.swing), length,
                          max(1, min(127, m.lead.velocity + rng.randint(-8, 8)))))
    return notes


def grid_of(mood_name: str, seed: int, seconds: float) -> Grid:
    """The grid `compose` gives these arguments, without composing (its first draw)."""
    m = mood(mood_name)
    return fit(seconds, m.bpm, _rng(m.name, seed, seconds).uniform(*m.bpm))


def compose(mood_name: str, seed: int, seconds: float) -> Piece:
    """The notes of `mood_name` for exactly `seconds`; the same arguments give the same piece."""
    m = mood(mood_name)
    rng = _rng(m.name, seed, seconds)
    # The key comes from the seed itself, not the hash: "another one" counts the seed up, so a
    # new take is always in another key and sounds new even on a clip that is mostly its final
    # chord (two hashed takes in one key correlated 0.99 on 3 s).
    tonic = m.keys[seed % len(m.keys)]
    grid = fit(seconds, m.bpm, rng.uniform(*m.bpm))
    end_beat = (seconds - 0.03) / grid.beat
    notes: list[Note] = []
    sections = _sections(m, grid.bars, rng)
    motifs = {v: _lead_phrase(m, rng) for _s, v, _e in sections}
    for k, (start, verse, energy) in enumerate(sections):
        stop = sections[k + 1][0] if k + 1 < len(sections) else grid.bars
        symbols = verse.split()
        for b in range(start, stop):
            last = b == grid.bars - 1 and grid.bars > 1
            symbol = m.cadence if last else symbols[(b - start) % 4]
            following = m.final if b + 1 >= stop and k + 1 == len(sections) else (
                symbols[(b - start + 1) % 4])
            next_root = chord(following.split("/")[0], tonic).root
            bar = Bar(4.0 * b, bar_chords(symbol, tonic), next_root, energy,
                      fill=b == stop - 1 and stop - start >= 2 and energy > 0)
            for play in (parts.chords, parts.bass, parts.pad, parts.drums):
                if play is parts.bass and energy == 0:
                    continue
                notes += play(m, bar, rng)
            if m.lead is not None and energy > 0 and (b - start) % 2 == 0 and not last:
                harmony = [(s, c) for s, c in bar.chords]
                if b + 1 < stop:
                    harmony += [(4 + s, c) for s, c in bar_chords(symbols[(b - start + 1) % 4],
                                                                  tonic)]
                notes += [n for n in _lead(m, tonic, 4.0 * b, motifs[verse], harmony, rng)
                          if n.start < 4.0 * min(stop, grid.bars - 1) and (energy == 2 or
                                                                            rng.random() < 0.8)]
    notes += _final(m, tonic, 4.0 * grid.bars, end_beat)
    trimmed = tuple(Note(n.channel, n.pitch, n.start, min(n.length, end_beat - n.start), n.velocity)
                    for n in notes if n.start < end_beat - 0.05)
    return Piece(m.name, seed, seconds, grid, trimmed)


def _final(m: Mood, tonic: int, at: float, end: float) -> list[Note]:
    """The resolved final chord, struck together on the downbeat and held to the end."""
    c = chord(m.final, tonic)
    span = end - at
    out = [Note(CHORDS, p, at, span, min(127, m.chords.velocity + 20))
           for p in voicing(c, 53 + 12 * m.chords.octave)]
    out.append(Note(BASS, 28 + (c.root - 28) % 12 + 12 * (m.bass.octave + 1), at, span,
                    min(127, m.bass.velocity + 12)))
    if m.pad is not None:
        out += [Note(PAD, p, at, span, m.pad.velocity) for p in voicing(c, 55)]
    if m.lead is not None:
        out.append(Note(LEAD, near(c.root, 76 + 12 * m.lead.octave), at, span, m.lead.velocity))
    if m.drums not in parts.QUIET_FEELS:
        out += [Note(DRUMS, 49, at, 0.5, 110), Note(DRUMS, 36, at, 0.5, 110)]
    elif m.drums == "chimes":
        out.append(Note(DRUMS, 81, at, 0.5, 50))
    return out


def to_midi(piece: Piece) -> bytes:
    """A type-0 Standard MIDI File of the piece (programs, levels, pan and reverb set first)."""
    m = mood(piece.mood)
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("set_tempo", tempo=piece.tempo, time=0))
    setup = [(CHORDS, m.chords), (BASS, m.bass), (LEAD, m.lead), (PAD, m.pad)]
    events: list[tuple[int, int, mido.Message]] = []
    for channel, part in setup:
        if part is None:
            continue
        events += [(0, 0, mido.Message("program_change", channel=channel, program=part.program)),
                   (0, 0, mido.Message("control_change", channel=channel, control=10,
                                       value=part.pan))]
    for channel in (CHORDS, BASS, LEAD, PAD, DRUMS):
        events += [(0, 0, mido.Message("control_change", channel=channel, control=91,
                                       value=m.reverb)),
                   (0, 0, mido.Message("control_change", channel=channel, control=7, value=100))]
    for n in piece.notes:
        on = round(n.start * TICKS)
        off = max(on + 1, round((n.start + n.length) * TICKS))
        events.append((on, 2, mido.Message("note_on", channel=n.channel, note=n.pitch,
                                           velocity=n.velocity)))
        events.append((off, 1, mido.Message("note_off", channel=n.channel, note=n.pitch)))
    events.sort(key=lambda e: (e[0], e[1]))
    now = 0
    for tick, _order, msg in events:
        track.append(msg.copy(time=tick - now))
        now = tick
    song = mido.MidiFile(type=0, ticks_per_beat=TICKS)
    song.tracks.append(track)
    out = io.BytesIO()
    song.save(file=out)
    return out.getvalue()
