"""An edit plan (what one instruction asks for) and how it is written into a draft.

The parser fills a `Plan` from the words; `apply_plan` writes it into a draft with the keys
documented in core/draft.py and says, in short phrases, what it did. Choices made here:

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
from typing import Any

from core.draft import AUDIO, TEXT, VIDEO, Draft
from core.local import envelope
from core.local.music import MOOD_DURATION_MS, MOODS
from core.parser.phrases import say_clock, say_percent, say_time

DEFAULT_MOOD = "lofi"
VOLUME_UNDER_VOICE = 0.4
FADE_IN_MS = 2000.0
FADE_OUT_MS = 3000.0
MAX_VOLUME = 2.0
DEFAULT = -1.0
"""A fade asked for without a length: the default length is chosen when the video is known."""
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
    mood: str | None = None
    """The person's default mood (core.preferences); None: DEFAULT_MOOD."""
    level: float | None = None
    """The level new music starts at; None: by the original sound."""
    fade_out: bool = False
    """New music fades out by default."""


@dataclass
class Plan:
    """Everything one instruction asks for; None means "not mentioned"."""

    source: str | None = None  # "upload" | "mood" | "any" | "next" | "remove"
    mood: str | None = None
    volume: float | None = None
    volume_factor: float | None = None
    fade_in: float | None = None
    fade_out: float | None = None
    start: float | None = None
    until: float | None = None  # 0 clears it: the music runs to the end again
    music_length: float | None = None
    offset: float | None = None
    fit: str | None = None  # "loop" | "trim" | "once"
    original: str | None = None  # "keep" | "lower" | "mute"
    original_volume: float | None = None
    original_factor: float | None = None
    duck: bool | None = None
    loudness: float | None = None
    loudness_off: bool = False
    trim: tuple[str, float, float] | None = None  # (kind, a, b); kinds in _trim_span
    aspect: str | None = None  # "9:16" ... or "none"
    fill: str | None = None
    resolution: int | None = None
    upscale: bool | None = None
    title: tuple[str, float, float] | None = None  # text, start ms, length ms
    window: tuple[str, float, float, str, float] | None = None
    """A level for part of the video: (anchor "range"|"last", a ms, b ms, "factor"|"abs",
    value); "last" counts b back from the end. Written as a dip (core/local/envelope.py)."""
    remove_title: bool = False
    repeat: bool = False  # "a bit more": the step is the last one again, which stays the step
    notes: list[str] = field(default_factory=list)

    def touches_music(self) -> bool:
        return self.duck is True or any(v is not None for v in (
            self.source, self.volume, self.volume_factor, self.fade_in, self.fade_out,
            self.start, self.until, self.music_length, self.offset, self.fit, self.window))

    def touches_music_settings(self) -> bool:
        return self.duck is True or any(v is not None for v in (
            self.fade_in, self.fade_out, self.start, self.until, self.music_length, self.offset,
            self.fit, self.window))

    def is_empty(self) -> bool:
        return self == Plan(notes=self.notes)


def _num(value: Any, default: float = 0.0) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _trim_span(kind: str, a: float, b: float, length: float | None) -> tuple[float, float] | None:
    """A trim request as [start, end] within the current output, or None when impossible."""
    if kind == "range":
        span = (a, b)
    elif kind == "first":
        span = (0.0, a)
    elif length is None:
        return None
    elif kind == "last":
        span = (length - a, length)
    elif kind == "drop_first":
        span = (a, length)
    else:  # drop_last
        span = (0.0, length - a)
    start, end = max(span[0], 0.0), span[1] if length is None else min(span[1], length)
    return (start, end) if end - start >= 100 else None


def apply_plan(plan: Plan, draft: Draft, ctx: Context) -> list[str]:
    """Write the plan into `draft` (in place); returns what was done, in words."""
    said: list[str] = []
    meta = draft.meta
    video = draft.first_segment(VIDEO)
    full = ctx.video_duration_ms or (video.duration_ms if video is not None else 0.0) or None
    trim = meta.get("trim")
    base, length = 0.0, full
    if isinstance(trim, list) and len(trim) == 2:
        base, length = _num(trim[0]), _num(trim[1]) - _num(trim[0])

    if plan.trim is not None:
        kind, a, b = plan.trim
        if kind == "reset":
            meta["trim"] = None
            base, length = 0.0, full
            said.append("whole video (no trim)")
        elif (span := _trim_span(kind, a, b, length)) is None:
            said.append("not done: that trim does not fit the video")
        elif length is not None and span[0] <= 0 and span[1] >= length - 50:
            # Asked for more than there is: say so, never report the whole clip as trimmed.
            said.append(f"not done: the video is only {say_clock(length)} long, so nothing was "
                        "trimmed")
        else:
            meta["trim"] = [round(base + span[0]), round(base + span[1])]
            length = span[1] - span[0]
            said.append(f"video trimmed to {say_clock(base + span[0])}-{say_clock(base + span[1])}")

    _apply_original(plan, draft, said)
    if (plan.volume_factor is not None or plan.original_factor is not None) and not plan.repeat:
        meta["last_step"] = {"target": "music" if plan.volume_factor is not None else "original",
                             "factor": plan.volume_factor or plan.original_factor}
    if plan.duck is not None:
        meta["duck"] = plan.duck
        said.append("music ducks under speech" if plan.duck else "no ducking")
        if plan.duck and meta.get("original") == "mute":
            meta["original"] = "keep"
            said.append("original sound kept (ducking needs it)")
    if plan.touches_music():
        _apply_music(plan, draft, ctx, length, said)
    elif draft.first_segment(AUDIO) is not None and plan.trim is not None:
        _fit_music(draft, ctx, length)
    if plan.loudness is not None or plan.loudness_off:
        meta["loudness"] = None if plan.loudness_off else plan.loudness
        said.append("no loudness normalisation" if plan.loudness_off
                    else f"loudness {plan.loudness:g} LUFS")
    _apply_picture(plan, meta, said)
    _apply_title(plan, draft, length, said)
    return said + plan.notes


def _apply_original(plan: Plan, draft: Draft, said: list[str]) -> None:
    meta = draft.meta
    if plan.original is None and plan.original_factor is None:
        return
    current = 0.0 if meta.get("original") == "mute" else (
        _num(meta.get("original_volume"), 0.3) if meta.get("original") == "lower" else 1.0)
    if plan.original == "mute":
        volume = 0.0
    elif plan.original_volume is not None:
        volume = plan.original_volume
    elif plan.original_factor is not None and plan.original_factor < 1:
        volume = 0.3 if current >= 1.0 else current * plan.original_factor
    elif plan.original_factor is not None and current >= 1.0 and _music_segment(draft):
        # Your sound is already at full: "my voice is too quiet" means the music is too loud.
        if plan.volume_factor is None and plan.volume is None:
            plan.volume_factor = 1 / plan.original_factor
            plan.notes.append("your own sound is already at full volume")
        return
    elif plan.original_factor is not None:
        volume = max(current, 0.2) * plan.original_factor
    else:
        volume = 1.0
    volume = round(min(max(volume, 0.0), 1.0), 3)
    if volume <= 0.0:
        meta["original"] = "mute"
        meta.pop("original_volume", None)
        said.append("original sound muted")
    elif volume >= 1.0:
        if "original" in meta:  # kept is the default: "don't mute my voice" changes nothing
            meta["original"] = "keep"
        meta.pop("original_volume", None)
        said.append("original sound kept")
    else:
        meta["original"] = "lower"
        meta["original_volume"] = volume
        said.append(f"original sound at {say_percent(volume)}")


def _music_segment(draft: Draft) -> dict[str, Any] | None:
    track = draft.track_dict(AUDIO, create=False)
    segments = track.get("sg") if track is not None else None
    if isinstance(segments, list) and segments and isinstance(segments[0], dict):
        return segments[0]
    return None


def _apply_music(plan: Plan, draft: Draft, ctx: Context, length: float | None,
                 said: list[str]) -> None:
    seg = _music_segment(draft)
    if plan.source == "remove":
        draft.remove_tracks(AUDIO)
        said.append("music removed" if seg is not None else "no music to remove")
        return
    source = plan.source
    added_for_setting = seg is None and source is None
    if added_for_setting:
        source = "any"
    new = seg is None
    if new and ctx.fade_out and plan.fade_out is None:
        plan.fade_out = DEFAULT
    if seg is None:
        track = draft.track_dict(AUDIO)
        assert track is not None
        seg = {"s": 0, "d": 0, "m": {}}
        track["sg"] = [seg]
    m = seg.setdefault("m", {})
    kept = m.get("mood") or (m.get("media_id") and (ctx.music is None
                                                    or m.get("media_id") == ctx.music.media_id))
    if source == "any" and not new and kept:
        source = None  # "add music" with music on the timeline: keep it, say only what changes
        if not plan.touches_music_settings() and plan.volume is None and plan.volume_factor is None:
            said.append(f"music: {m.get('name', m.get('mood'))} (kept)")
    if source is not None:
        label = _choose_source(plan, source, m, ctx)
        volume_said = plan.volume is not None or plan.volume_factor is not None
        if new:
            audible = ctx.has_original_audio and draft.meta.get("original") != "mute"
            m["volume"] = ctx.level if ctx.level is not None else (
                VOLUME_UNDER_VOICE if audible else 1.0)
        _set_volume(plan, m)
        words = f"music: {label}"
        if new or volume_said:
            words += f" at {say_percent(_num(m.get('volume'), 1.0))}"
        if added_for_setting:
            words += " (there was no music yet)"
        said.append(words)
    elif plan.volume is not None or plan.volume_factor is not None:
        before = _num(m.get("volume"), 1.0)
        _set_volume(plan, m)
        after = _num(m.get("volume"), 1.0)
        how = "music volume" if plan.volume is not None else (
            "music quieter:" if after < before else "music louder:")
        said.append(f"{how} {say_percent(after)}")
    if plan.start is not None:
        seg["s"] = round(plan.start)
        said.append(f"music starts at {say_clock(plan.start)}")
    if plan.music_length is not None:
        plan.until = _num(seg.get("s")) + plan.music_length
    if plan.until:
        m["until"] = round(plan.until)
        said.append(f"music stops at {say_clock(plan.until)}")
    elif plan.until is not None and m.pop("until", None) is not None:
        said.append("music runs to the end")
    if plan.offset is not None:
        m["offset"] = round(plan.offset)
        said.append(f"song starts {say_time(plan.offset)} in" if plan.offset else
                    "song plays from its beginning")
    if plan.fit is not None:
        m["fit"] = plan.fit
        said.append({"once": "music plays once (silence may follow)",
                     "loop": "music loops to the end", "trim": "music fits the video"}[plan.fit])
    _fit_music(draft, ctx, length)
    if plan.window is not None:
        _apply_window(plan.window, m, length, said)
    span = _num(seg.get("d")) or (length or 0.0)
    for key, asked, default, words in (("fade_in", plan.fade_in, FADE_IN_MS, "fade in"),
                                       ("fade_out", plan.fade_out, FADE_OUT_MS, "fade out")):
        if asked is None:
            continue
        value = min(default, span / 3) if asked == DEFAULT and span else (
            default if asked == DEFAULT else asked)
        value = round(min(value, span) if span else value)
        if value or m.get(key):  # "no fade in" when there is none changes nothing
            m[key] = value
        said.append(f"{words} {say_time(value)}" if value else f"no {words}")


def _apply_window(window: tuple[str, float, float, str, float], m: dict[str, Any],
                  length: float | None, said: list[str]) -> None:
    """A dip or lift of the music for part of the video; the level comes back after it."""
    anchor, a, b, how, value = window
    if anchor == "last":
        if length is None:
            said.append("not done: I don't know the video's length for that")
            return
        a, b = max(length - b, 0.0), length
    elif length is not None:
        b = min(b, length)
    if b - a < 100:
        said.append("not done: that part is not in the video")
        return
    volume = _num(m.get("volume"), 1.0)
    level = value if how == "factor" else (value / volume if volume > 0 else 1.0)
    envelope.add(m, a, b, level)
    said.append(f"music at {say_percent(volume * level)} from {say_clock(a)} to "
                f"{say_clock(b)}, {say_percent(volume)} after" if length is None or b < length
                else f"music at {say_percent(volume * level)} from {say_clock(a)} to the end")


def _choose_source(plan: Plan, source: str, m: dict[str, Any], ctx: Context) -> str:
    """Point the segment at its music; returns how to call it."""
    current_mood = m.get("mood") if isinstance(m.get("mood"), str) else None
    upload_current = ctx.music is not None and m.get("media_id") == ctx.music.media_id
    if source == "next":
        source = "upload" if ctx.music is not None and not upload_current else "mood"
        if source == "mood":
            i = MOODS.index(current_mood) if current_mood in MOODS else -1
            plan.mood = MOODS[(i + 1) % len(MOODS)]
    if source == "any":
        if ctx.music is not None and not upload_current and not current_mood:
            source = "upload"
        elif current_mood or m.get("media_id"):
            return f"{m.get('name', current_mood)} (kept)"
        else:
            source, plan.mood = "mood", ctx.mood or DEFAULT_MOOD
    changed = False
    if source == "upload" and ctx.music is not None:
        changed = not upload_current
        m.pop("mood", None)
        m.update(name=ctx.music.name, media_id=ctx.music.media_id,
                 source_ms=round(ctx.music.duration_ms))
        label = f"{ctx.music.name} (your song)"
    else:
        mood = plan.mood or ctx.mood or DEFAULT_MOOD
        changed = mood != current_mood
        m.pop("media_id", None)
        m.update(name=f"built-in {mood}", mood=mood, source_ms=round(MOOD_DURATION_MS[mood]))
        label = f"{mood} (built-in)"
    if changed and plan.offset is None:
        m.pop("offset", None)
    return label


def _set_volume(plan: Plan, m: dict[str, Any]) -> None:
    volume = _num(m.get("volume"), 1.0)
    if plan.volume is not None:
        volume = plan.volume
    if plan.volume_factor is not None:
        volume *= plan.volume_factor
    m["volume"] = round(min(max(volume, 0.0), MAX_VOLUME), 3)


def _fit_music(draft: Draft, ctx: Context, length: float | None) -> None:
    """The segment's length on the timeline: to the end of the video, or the song once."""
    seg = _music_segment(draft)
    if seg is None:
        return
    m = seg.setdefault("m", {})
    start = _num(seg.get("s"))
    if length is not None and start >= length:
        seg["s"] = start = 0.0
    if ctx.music is not None and m.get("media_id") == ctx.music.media_id:
        m["source_ms"] = round(ctx.music.duration_ms)  # the song may have been swapped in
    song = _num(m.get("source_ms"))
    available = max(song - _num(m.get("offset")), 0.0) if song else None
    end = length
    if _num(m.get("until")) > start:
        end = min(_num(m["until"]), length) if length is not None else _num(m["until"])
    needed = (end - start) if end is not None else None
    fit = m.get("fit")
    if fit != "once" and available is not None and needed is not None:
        m["fit"] = "loop" if available < needed else "trim"
    elif fit is None:
        m["fit"] = "loop"
    if needed is None:
        seg["d"] = round(available) if m["fit"] == "once" and available else 0
    elif m["fit"] == "once" and available is not None:
        seg["d"] = round(min(available, needed))
    else:
        seg["d"] = round(needed)


def _apply_picture(plan: Plan, meta: dict[str, Any], said: list[str]) -> None:
    fills = {"blur": "blurred background", "crop": "cropped", "pad": "black bars"}
    if plan.aspect == "none":
        meta["aspect"] = None
        said.append("original aspect ratio")
    elif plan.aspect is not None:
        meta["aspect"] = plan.aspect
        meta["fill"] = plan.fill or meta.get("fill") or "blur"
        said.append(f"aspect {plan.aspect} ({fills.get(meta['fill'], meta['fill'])})")
    elif plan.fill is not None:
        meta["fill"] = plan.fill
        said.append(f"fill: {fills[plan.fill]}" + ("" if meta.get("aspect") else
                                                   " (used when the shape changes)"))
    if plan.resolution is not None:
        meta["resolution"] = plan.resolution
        meta["upscale"] = bool(plan.upscale) or plan.resolution > 1080
        said.append(f"{plan.resolution}p" + (" (upscaled if the video is smaller)"
                                             if meta["upscale"] else ""))
    elif plan.upscale is not None:
        meta["upscale"] = plan.upscale
        said.append("upscaling allowed" if plan.upscale else "no upscaling")


def _apply_title(plan: Plan, draft: Draft, length: float | None, said: list[str]) -> None:
    if plan.remove_title and plan.title is None:
        had = draft.first_segment(TEXT) is not None
        draft.remove_tracks(TEXT)
        said.append("title removed" if had else "no title to remove")
    if plan.title is None:
        return
    text, start, span = plan.title
    if start < 0:
        whole = length or span
        start = max(whole - span, 0.0) if start == TITLE_AT_END else max((whole - span) / 2, 0.0)
    if length is not None:
        start = min(start, max(length - 500, 0.0))
        span = min(span, length - start)
    track = draft.track_dict(TEXT)
    assert track is not None
    track["sg"] = [{"s": round(start), "d": round(span), "m": {"text": text}}]
    where = f" at {say_clock(start)}" if start else ""
    said.append(f'title "{text}" for {say_time(span)}{where}')
