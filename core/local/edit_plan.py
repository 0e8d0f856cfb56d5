"""An edit plan: what one instruction asks for (`EditPlan`), the facts about the session it
is applied with (`Context`), and the defaults used when it is applied (core/local/edits.py,
core/local/edit_music.py). Choices made there:

- Music with no source named: the user's uploaded song when there is one, else the music
  already on the timeline, else the person's default mood (a setting), else DEFAULT_MOOD.
- A music setting (fade, volume, start...) with no music on the timeline adds that music first.
- New music plays at the person's default level (a setting); without one at 40% under an
  audible original sound, at 100% otherwise. With "fade out by default" set, new music fades
  out unless the instruction says how it ends.
- Default fades: 2 s in, 3 s out, at most a third of the video.
- Fit: the music loops when it is shorter than the video and is cut when longer, unless the
  user asked to play it once (then silence may follow it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.timeline.model import Clip

DEFAULT_MOOD = "lofi"
VOLUME_UNDER_VOICE = 0.4
FADE_IN_MS = 2000.0
FADE_OUT_MS = 3000.0
MAX_VOLUME = 2.0
DEFAULT = -1.0
"""A fade asked for without a length: the default length is chosen when the video is known."""
TITLE_WHOLE = 86_400_000.0
"""A title's length for "the whole video": cut to the video's length when it is placed."""
TITLE_AT_END = -1.0
TITLE_IN_MIDDLE = -2.0
"""Title starts placed when the video's length is known."""


@dataclass(frozen=True)
class MusicRef:
    """The user's uploaded song, if any."""

    media_id: str
    name: str
    duration_ms: float


@dataclass(frozen=True)
class Context:
    """Facts the parser needs about the session."""

    video_duration_ms: float | None
    has_original_audio: bool
    music: MusicRef | None
    """The newest song sent (what "add my song" means)."""
    mood: str | None = None
    """The person's default mood (core.preferences); None: DEFAULT_MOOD."""
    level: float | None = None
    """The level new music starts at; None: by the original sound."""
    fade_out: bool = False
    """New music fades out by default."""
    songs: tuple[MusicRef, ...] = ()
    """Every song sent in this conversation, oldest first ("use the second song")."""
    videos: tuple[Clip, ...] = ()
    """Every clip of the conversation in the order sent (for "join my clips")."""
    seed: int | None = None
    """The session's music seed (render_job.session_seed): with it, fades and level changes
    of built-in music land on the beat of the piece that will play (core/music/snap.py)."""


@dataclass
class EditPlan:
    """Everything one instruction asks for; None means "not mentioned". Times in ms."""

    source: str | None = None  # "upload" | "mood" | "any" | "next" | "another" | "remove"
    song: int | None = None
    """A song named by its place among those sent (1: the first, -1: the last), with source
    "upload" (use it) or "remove" (take it off the timeline)."""
    sequence: tuple[int | str | None, ...] | None = None
    """Songs in turn, by their places among those sent (-1: the last) or a built-in mood's
    name. Of two, None in the first place is the song playing now, in the second "the other
    song"; () is every song sent ("play all the songs one after the other")."""
    change: float | None = None
    """Where the second song of `sequence` takes over (None: when the first one ends)."""
    mood: str | None = None
    volume: float | None = None
    volume_factor: float | None = None
    fade_in: float | None = None
    fade_out: float | None = None
    fade_out_from: float | None = None
    """Where the fade out begins ("fade out from 0:25"): it lasts to the music's end."""
    start: float | None = None
    until: float | None = None  # 0 clears it: the music runs to the end again
    music_length: float | None = None
    offset: float | None = None
    fit: str | None = None  # "loop" | "trim" | "once"
    align: str | None = None  # "end": the song ends with the video; "start": placed by start
    original: str | None = None  # "keep" | "lower" | "mute"
    original_volume: float | None = None
    original_factor: float | None = None
    original_factor_said: bool = False
    """`original_factor` was said as an amount ("by half", "50% quieter", "-6 dB"): it scales the
    current level; a plain "lower my voice" from full goes to the usual lowered level."""
    original_window: tuple[str, float, float, str, float] | None = None
    """The clip's own sound for part of the video ("mute my voice for the first 3 s"): as
    `window`, (anchor, a, b, "abs"|"factor", value)."""
    duck: bool | None = None
    loudness: float | None = None
    loudness_off: bool = False
    trim: tuple[str, float, float] | None = None  # (kind, a, b); kinds in _trim_span
    aspect: str | None = None  # "9:16" ... or "none"
    fill: str | None = None
    resolution: int | None = None
    upscale: bool | None = None
    max_mb: float | None = None
    """A file size limit asked for, in MB; 0 removes it."""
    title: tuple[str, float, float] | None = None  # text, start ms, length ms
    window: tuple[str, float, float, str, float] | None = None
    """A level for part of the video: (anchor "range"|"last", a ms, b ms, "factor"|"abs",
    value); "last" counts b back from the end. Written as a dip (core/local/envelope.py)."""
    more_windows: list[tuple[str, float, float, str, float]] = field(default_factory=list)
    """Levels for other parts said in the same message ("lower the music from 0:05 to 0:10 and
    from 0:20 to 0:25"), applied before `window`."""
    more_cuts: list[tuple[float, float]] = field(default_factory=list)
    """Other parts cut out in the same message ("cut out 0:05-0:08 and 0:15-0:18"), in the
    video's times as said, like `trim`'s "cut_out"."""
    ramp: tuple[str, float, float, str, float] | None = None
    """A gradual change of the music's level ("gradually louder", "build up to 80%"), as
    `window`: from the level it has to the one asked, kept after."""
    offset_in_song: bool = False
    """`offset` was said as a part of the song ("skip the first 10 s of the song"), not as a
    time of the video ("music from 0:07")."""
    remove_title: bool = False
    reset: bool = False  # "revert everything": the clip as sent, before any other change said
    join: bool = False  # "join my clips": every clip of the conversation, in the order sent
    repeat: bool = False  # "a bit more": the step is the last one again, which stays the step
    notes: list[str] = field(default_factory=list)

    def touches_music(self) -> bool:
        return self.duck is True or any(v is not None for v in (
            self.source, self.song, self.sequence, self.volume, self.volume_factor,
            self.fade_in, self.fade_out, self.fade_out_from, self.start, self.until,
            self.music_length, self.offset, self.fit, self.window, self.ramp, self.align))

    def touches_music_settings(self) -> bool:
        return self.duck is True or any(v is not None for v in (
            self.fade_in, self.fade_out, self.fade_out_from, self.start, self.until,
            self.music_length, self.offset, self.fit, self.window, self.ramp, self.align))

    def is_empty(self) -> bool:
        return self == EditPlan(notes=self.notes)


