"""The timeline as typed, frozen values: what the local engine edits and renders.

Every time is an `int` of milliseconds (`Ms`), everywhere in the model: the draft JSON counts
in milliseconds too, so the converter never rounds twice, and only the ffmpeg plan turns
times into seconds (ffmpeg's unit) at its edge.

A value says "not set" with None where the draft JSON can leave a key out and that makes a
difference to what users see (an original sound never touched reads "kept", but the status
does not mention it). Everything else has a plain default. Each element keeps the raw dict it
was read from (`raw`, not compared) so the converter can write back only what changed and keep
every key it does not know.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

Ms = int
"""Milliseconds: the one unit of time in the model."""

Fit = Literal["loop", "trim", "once"]
"""How a song meets the timeline: repeat to fill it, cut to fit it, or play once (silence
may follow)."""
Align = Literal["start", "end"]
"""Where a song is pinned: its start at `start` (usual), or its own ending on the video's
last frame ("end the song with the video", back-timing)."""
OriginalMode = Literal["keep", "lower", "mute"]

EMPTY: Mapping[str, Any] = MappingProxyType({})

LOWERED_LEVEL = 0.3
"""The original sound's level when it is "lower" and no number was given."""


def _raw() -> Any:
    return field(default_factory=lambda: EMPTY, compare=False, repr=False)


@dataclass(frozen=True)
class Clip:
    """One video on the timeline."""

    media_id: str
    name: str
    duration: Ms
    start: Ms = 0
    has_audio: bool | None = None
    """The clip's own sound, noted on arrival (None: drafts written before that)."""
    raw: Mapping[str, Any] = _raw()


@dataclass(frozen=True)
class Song:
    """Where a music track's sound comes from: an upload (`media_id`) or a built-in mood
    (`mood`, with an optional `seed` for a different take of it)."""

    name: str | None = None
    media_id: str | None = None
    mood: str | None = None
    seed: int | None = None
    length: Ms | None = None
    """The song file's own length, when known (fitting "once" and loop choices use it)."""

    @property
    def label(self) -> str:
        return self.name or self.mood or "untitled"


MAX_LEVEL_FACTOR = 4.0
"""The highest factor a level span may have."""


@dataclass(frozen=True)
class LevelSpan:
    """A stretch of the timeline where a track's level is multiplied by `factor`
    ("quieter for the first 5 seconds": LevelSpan(0, 5000, 0.5)), after which it comes back;
    or, with `to`, a gradual change ("gradually louder": LevelSpan(0, 30000, 1.0, to=2.0)):
    the factor goes from `factor` at `start` to `to` at `end` and stays there after."""

    start: Ms
    end: Ms
    factor: float
    to: float | None = None

    def at(self, t: float) -> float:
        """The factor this span puts on the level at time `t` (ms)."""
        if self.to is None:
            return self.factor if self.start <= t < self.end else 1.0
        if t < self.start:
            return 1.0
        if t >= self.end:
            return self.to
        return self.factor + (self.to - self.factor) * (t - self.start) / (self.end - self.start)


@dataclass(frozen=True)
class MusicTrack:
    """One song placed on the timeline."""

    source: Song
    level: float | None = None
    """Gain, 0..2 (None: not set, which plays at 1.0)."""
    fade_in: Ms = 0
    fade_out: Ms = 0
    start: Ms = 0
    """Where the song starts on the timeline."""
    length: Ms = 0
    """How long it plays on the timeline (0: not known yet, i.e. to the end)."""
    until: Ms | None = None
    """Where the person asked the music to stop, kept so a new clip can refit to it."""
    offset: Ms = 0
    """How far into the song it starts."""
    fit: Fit | None = None
    align: Align = "start"
    envelope: tuple[LevelSpan, ...] = ()
    raw: Mapping[str, Any] = _raw()

    @property
    def end(self) -> Ms:
        return self.start + self.length

    @property
    def gain(self) -> float:
        return 1.0 if self.level is None else self.level


@dataclass(frozen=True)
class OriginalSound:
    """The clip's own sound: its mode and level, and whether music ducks under it."""

    mode: OriginalMode | None = None
    level: float | None = None
    """The level when `mode` is "lower" (None: the default LOWERED_LEVEL)."""
    duck: bool | None = None
    envelope: tuple[LevelSpan, ...] = ()
    """Parts of the video where the clip's own sound is muted or lowered ("mute my voice for
    the first 3 seconds"), on the output's timeline; it comes back after each."""

    @property
    def gain(self) -> float:
        if self.mode == "mute":
            return 0.0
        if self.mode == "lower":
            return LOWERED_LEVEL if self.level is None else self.level
        return 1.0


@dataclass(frozen=True)
class Picture:
    """The output's shape: aspect ("9:16"...), fill (blur/crop/pad), short side in pixels."""

    aspect: str | None = None
    fill: str | None = None
    resolution: int | None = None
    upscale: bool | None = None
    width: int | None = None
    height: int | None = None
    """The output's size in pixels, as a NemoVideo draft states it (the local engine leaves
    them unset: its plan computes the size)."""
    max_mb: float | None = None
    """The largest file asked for ("make it under 8 MB"), in MB of 1,000,000 bytes; the render
    picks the bitrate to fit it, as `backtrack render --max-mb` does."""


@dataclass(frozen=True)
class Title:
    text: str
    start: Ms
    length: Ms
    raw: Mapping[str, Any] = _raw()


@dataclass(frozen=True)
class Step:
    """The last relative volume step, so "a bit more" can repeat it."""

    target: str  # "music" | "original"
    factor: float


@dataclass(frozen=True)
class Timeline:
    """The clips in order, the songs in order, the sound, the picture and the title."""

    clips: tuple[Clip, ...] = ()
    music: tuple[MusicTrack, ...] = ()
    original: OriginalSound = OriginalSound()
    picture: Picture = Picture()
    title: Title | None = None
    loudness: float | None = None
    """Target in LUFS (None: no normalisation)."""
    trim: tuple[Ms, Ms] | None = None
    """The part of the clip kept, [start, end) in the clip's own time."""
    cuts: tuple[tuple[Ms, Ms], ...] = ()
    """Parts cut out of the middle ("delete 0:05 to 0:12"), [start, end) in the clip's own
    time, in order, apart and inside the trim: the output plays the rest one after the other."""
    last_step: Step | None = None
    raw: Mapping[str, Any] = _raw()

    @property
    def clip(self) -> Clip | None:
        """The clip being edited: the newest one (also when several are joined)."""
        return self.clips[-1] if self.clips else None

    @property
    def song(self) -> MusicTrack | None:
        """The first music track (the one most instructions are about)."""
        return self.music[0] if self.music else None

    @property
    def full_length(self) -> Ms | None:
        """The output's length before any trim: the clip's, or the sum of the clips when
        several are joined; None without a clip."""
        if len(self.clips) > 1:
            return sum(clip.duration for clip in self.clips)
        clip = self.clip
        return clip.duration if clip is not None and clip.duration > 0 else None

    @property
    def joined(self) -> bool:
        """Several clips played one after the other ("join my clips")."""
        return len(self.clips) > 1

    @property
    def length(self) -> Ms | None:
        """The output's length: the trimmed part, else the whole clip, less the cuts."""
        if self.trim is not None:
            return self.trim[1] - self.trim[0] - sum(b - a for a, b in self.cuts)
        full = self.full_length
        return None if full is None else full - sum(b - a for a, b in self.cuts)

    def kept(self) -> tuple[tuple[Ms, Ms], ...] | None:
        """The parts of the clip the output plays, in order, in the clip's own time (the trim
        without the cuts); None when the clip's length is not known."""
        span = self.trim
        if span is None:
            full = self.full_length
            if full is None:
                return None
            span = (0, full)
        parts, at = [], span[0]
        for a, b in self.cuts:
            if a > at:
                parts.append((at, min(a, span[1])))
            at = max(at, b)
        if at < span[1]:
            parts.append((at, span[1]))
        return tuple(p for p in parts if p[1] > p[0])

    def clip_time(self, output: float) -> float:
        """Where a time of the output (ms) is in the clip's own time, through the trim and
        the cuts."""
        parts = self.kept()
        if not parts:  # the clip's length is not known: the trim's start counts
            return (self.trim[0] if self.trim else 0) + output
        for a, b in parts:
            if output <= b - a:
                return a + output
            output -= b - a
        return float(parts[-1][1])
