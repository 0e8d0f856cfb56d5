"""An edit plan applied to the typed timeline: `apply_edit` makes the changed `Timeline`
(core/timeline/model.py) and says, in short phrases, what it did. The plan and its defaults
are in core/local/edit_plan.py, the music's part in core/local/edit_music.py."""

from __future__ import annotations

from dataclasses import replace

from core.draft import Draft
from core.local import envelope
from core.local.edit_music import apply_music, fit_all, window_span
from core.local.edit_plan import (
    DEFAULT,
    TITLE_AT_END,
    TITLE_IN_MIDDLE,
    TITLE_WHOLE,
    Context,
    EditPlan,
    MusicRef,
)
from core.music.snap import on_the_beat
from core.parser.phrases import say_clock, say_percent, say_time
from core.timeline.convert import draft_of, timeline_of
from core.timeline.model import (
    LOWERED_LEVEL,
    MAX_LEVEL_FACTOR,
    LevelSpan,
    OriginalSound,
    Step,
    Timeline,
    Title,
)

__all__ = ["DEFAULT", "TITLE_AT_END", "TITLE_IN_MIDDLE", "Context", "EditPlan", "MusicRef",
           "apply_edit", "apply_plan"]


def _join(timeline: Timeline, ctx: Context, said: list[str]) -> Timeline:
    """Every clip of the conversation in the order sent, one after the other; the trim goes
    (it was about one clip). The newest clip stays the one edited."""
    if len(ctx.videos) < 2:
        said.append("not done: there is only one clip to join; send the others first")
        return timeline
    total = sum(clip.duration for clip in ctx.videos)
    names = ", ".join(clip.name for clip in ctx.videos)
    said.append(f"joined {len(ctx.videos)} clips in the order sent ({names}): "
                f"{say_clock(total)} in all")
    known = {clip.media_id: clip.has_audio for clip in timeline.clips}
    clips, at = [], 0
    for clip in ctx.videos:  # one after the other on the timeline
        clips.append(replace(clip, start=at, has_audio=known.get(clip.media_id)))
        at += clip.duration
    return replace(timeline, clips=tuple(clips), trim=None)


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
    elif kind == "cut_out":  # "delete 0:00 to 0:05": a part at either end
        if a < 100:
            span = (b, length)
        elif b >= length - 50:
            span = (0.0, a)
        else:
            return None
    elif kind == "middle":  # "keep the middle 10 seconds"
        span = ((length - a) / 2, (length + a) / 2)
    elif kind == "drop_both":  # a off the start, b off the end
        span = (a, length - b)
    else:  # drop_last
        span = (0.0, length - a)
    start, end = max(span[0], 0.0), span[1] if length is None else min(span[1], length)
    return (start, end) if end - start >= 100 else None


def apply_plan(plan: EditPlan, draft: Draft, ctx: Context) -> list[str]:
    """`apply_edit` on a draft, written back into it (in place); what was done, in words."""
    timeline, said = apply_edit(plan, timeline_of(draft), ctx)
    draft.data = draft_of(timeline).data
    return said


def apply_edit(plan: EditPlan, timeline: Timeline, ctx: Context) -> tuple[Timeline, list[str]]:
    """The timeline with the plan applied, and what was done, in words."""
    said: list[str] = []
    if plan.reset:
        timeline = Timeline(clips=timeline.clips)
        said.append("back to your video as you sent it: no music, title, trim or other change")
    if plan.join:
        timeline = _join(timeline, ctx, said)
    full = (timeline.full_length if timeline.joined else ctx.video_duration_ms
            or timeline.full_length or None)
    timeline, length = _apply_trim(plan, timeline, full, said)
    timeline = _apply_original(plan, timeline, said)
    timeline = _original_window(plan, timeline, length, said)
    if (plan.volume_factor is not None or plan.original_factor is not None) and not plan.repeat:
        step = Step("music" if plan.volume_factor is not None else "original",
                    plan.volume_factor or plan.original_factor or 1.0)
        timeline = replace(timeline, last_step=step)
    if plan.duck is not None:
        original = replace(timeline.original, duck=plan.duck)
        said.append("music ducks under speech" if plan.duck else "no ducking")
        if plan.duck and original.mode == "mute":
            original = replace(original, mode="keep")
            said.append("original sound kept (ducking needs it)")
        timeline = replace(timeline, original=original)
    if plan.touches_music():
        timeline = on_the_beat(timeline, apply_music(plan, timeline, ctx, length, said),
                               ctx.seed, said)
    elif timeline.music and (plan.trim is not None or plan.join):
        timeline = on_the_beat(timeline, fit_all(timeline, ctx, length), ctx.seed, said)
    if plan.loudness is not None or plan.loudness_off:
        timeline = replace(timeline, loudness=None if plan.loudness_off else plan.loudness)
        said.append("no loudness normalisation" if plan.loudness_off
                    else f"loudness {plan.loudness:g} LUFS")
    timeline = _apply_picture(plan, timeline, said)
    timeline = _apply_title(plan, timeline, length, said)
    return timeline, said + plan.notes


def _apply_trim(plan: EditPlan, timeline: Timeline, full: float | None,
                said: list[str]) -> tuple[Timeline, float | None]:
    """The trimmed (or cut) timeline and the output's length after it (ms, None when
    unknown). Times asked are on the output; the timeline keeps them in the clip's own time,
    through the trim and the cuts already made."""
    if plan.more_cuts and plan.trim is not None:  # the latest part first: the earlier
        parts = sorted([*plan.more_cuts, (plan.trim[1], plan.trim[2])], reverse=True)  # keep
        length: float | None = None  # their times as said
        for a, b in parts:
            one = replace(plan, trim=("cut_out", a, b), more_cuts=[])
            timeline, length = _apply_trim(one, timeline, full, said)
        return timeline, length
    whole = timeline.trim or ((0, round(full)) if full is not None else None)
    known = replace(timeline, trim=whole)
    length = known.length if whole is not None else None
    if plan.trim is None:
        return timeline, length
    kind, a, b = plan.trim
    if kind == "reset":
        said.append("whole video (no trim)")
        return replace(timeline, trim=None, cuts=()), full
    if kind in ("cut_out", "range") and b <= a:
        said.append("not done: that part ends before it starts")
        return timeline, length
    if kind == "cut_out" and length is not None and a >= 100 and b < length - 50:
        a_clip, b_clip = round(known.clip_time(a)), round(known.clip_time(b))
        cut = replace(known, cuts=_merged((*timeline.cuts, (a_clip, b_clip))))
        said.append(f"cut out {say_clock(a)}-{say_clock(b)} (the video is now "
                    f"{say_clock(cut.length or 0)} long)")
        return replace(timeline, cuts=cut.cuts), cut.length
    if (span := _trim_span(kind, a, b, length)) is None:
        said.append("not done: that trim does not fit the video")
    elif length is not None and span[0] <= 0 and span[1] >= length - 50:
        # Asked for more than there is: say so, never report the whole clip as trimmed.
        said.append(f"not done: the video is only {say_clock(length)} long, so nothing was "
                    "trimmed")
    else:
        trim = (round(known.clip_time(span[0])), round(known.clip_time(span[1])))
        said.append(f"video trimmed to {say_clock(trim[0])}-{say_clock(trim[1])}")
        cuts = tuple((max(x, trim[0]), min(y, trim[1])) for x, y in timeline.cuts
                     if x < trim[1] and y > trim[0])
        trimmed = replace(timeline, trim=trim, cuts=cuts)
        return trimmed, trimmed.length
    return timeline, length


def _merged(cuts: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    """Cuts in order, overlapping or touching ones made one."""
    out: list[tuple[int, int]] = []
    for a, b in sorted(cuts):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return tuple(out)


def _original_window(plan: EditPlan, timeline: Timeline, length: float | None,
                     said: list[str]) -> Timeline:
    """The clip's own sound muted or changed for part of the video; it comes back after."""
    if plan.original_window is None:
        return timeline
    anchor, a, b, how, value = plan.original_window
    if (placed := window_span(anchor, a, b, length, said)) is None:
        return timeline
    a, b = placed
    gain = timeline.original.gain
    if gain <= 0 and how == "abs" and value > 0 and length is not None:
        return _heard_only(timeline, a, b, length, said)
    if gain <= 0:
        said.append("not done: your sound is muted for the whole video already")
        return timeline
    factor = value if how == "factor" else min(value / gain, MAX_LEVEL_FACTOR)
    original = replace(timeline.original,
                       envelope=envelope.add(timeline.original.envelope, a, b, factor))
    where = (f"from {say_clock(a)} to the end" if length is not None and b >= length
             else f"from {say_clock(a)} to {say_clock(b)}")
    said.append(f"your sound muted {where}" if factor <= 0 else
                f"your sound at {say_percent(min(gain * factor, 1.0))} {where}")
    return replace(timeline, original=original)


def _heard_only(timeline: Timeline, a: float, b: float, length: float,
                said: list[str]) -> Timeline:
    """ "unmute the first 5 seconds" of a muted clip: its sound back there, muted elsewhere."""
    spans = tuple(LevelSpan(round(x), round(y), 0.0) for x, y in ((0, a), (b, length))
                  if y - x >= 100)
    said.append(f"your sound only from {say_clock(a)} to {say_clock(b)} (muted elsewhere)")
    return replace(timeline, original=OriginalSound("keep", None, timeline.original.duck, spans))


def _apply_original(plan: EditPlan, timeline: Timeline, said: list[str]) -> Timeline:
    if plan.original is None and plan.original_factor is None:
        return timeline
    current = timeline.original.gain
    if plan.original == "mute":
        volume = 0.0
    elif plan.original_volume is not None:
        volume = plan.original_volume
    elif plan.original_factor is not None and plan.original_factor < 1:
        volume = (LOWERED_LEVEL if current >= 1.0 and not plan.original_factor_said
                  else current * plan.original_factor)
    elif plan.original_factor is not None and current >= 1.0 and timeline.music:
        # Your sound is already at full: "my voice is too quiet" means the music is too loud.
        if plan.volume_factor is None and plan.volume is None:
            plan.volume_factor = 1 / plan.original_factor
            plan.notes.append("your own sound is already at full volume")
        return timeline
    elif plan.original_factor is not None and current >= 1.0:
        said.append("not done: your own sound is already at full volume (I don't raise it above "
                    "how it was recorded)")
        return timeline
    elif plan.original_factor is not None:
        volume = max(current, 0.2) * plan.original_factor
    else:
        volume = 1.0
    volume = round(min(max(volume, 0.0), 1.0), 3)
    was = timeline.original
    if volume <= 0.0:
        now = OriginalSound("mute", None, was.duck)  # a whole mute: no parts left
        said.append("original sound muted")
    elif volume >= 1.0:  # kept is the default: "don't mute my voice" changes nothing
        now = OriginalSound("keep" if was.mode is not None else None, None, was.duck,
                            () if plan.original == "keep" else was.envelope)  # "unmute": all
        said.append("original sound kept")
    else:
        now = OriginalSound("lower", volume, was.duck, was.envelope)
        said.append(f"original sound at {say_percent(volume)}")
    return replace(timeline, original=now)


FILLS = {"blur": "blurred background", "crop": "cropped", "pad": "black bars"}


def _apply_picture(plan: EditPlan, timeline: Timeline, said: list[str]) -> Timeline:
    picture = timeline.picture
    if plan.aspect == "none":
        picture = replace(picture, aspect=None)
        said.append("original aspect ratio")
    elif plan.aspect is not None:
        fill = plan.fill or picture.fill or "blur"
        picture = replace(picture, aspect=plan.aspect, fill=fill)
        said.append(f"aspect {plan.aspect} ({FILLS.get(fill, fill)})")
    elif plan.fill is not None:
        picture = replace(picture, fill=plan.fill)
        said.append(f"fill: {FILLS[plan.fill]}" + ("" if picture.aspect else
                                                   " (used when the shape changes)"))
    if plan.resolution is not None:
        upscale = bool(plan.upscale) or plan.resolution > 1080
        picture = replace(picture, resolution=plan.resolution, upscale=upscale)
        said.append(f"{plan.resolution}p" + (" (upscaled if the video is smaller)"
                                             if upscale else ""))
    elif plan.upscale is not None:
        picture = replace(picture, upscale=plan.upscale)
        said.append("upscaling allowed" if plan.upscale else "no upscaling")
    if plan.max_mb is not None:
        picture = replace(picture, max_mb=plan.max_mb or None)
        said.append(f"file at most {plan.max_mb:g} MB" if plan.max_mb else "no size limit")
    return replace(timeline, picture=picture)


def _apply_title(plan: EditPlan, timeline: Timeline, length: float | None,
                 said: list[str]) -> Timeline:
    if plan.remove_title and plan.title is None:
        said.append("title removed" if timeline.title is not None else "no title to remove")
        timeline = replace(timeline, title=None)
    if plan.title is None:
        return timeline
    text, start, span = plan.title
    if span < 100:
        said.append("not done: a title needs some time on screen (say e.g. \"for 3 seconds\")")
        return timeline
    if not text.strip():
        said.append('not done: the title has no words; put them in the quotes: add the title '
                    '"Summer 2024"')
        return timeline
    if start < 0:
        whole = length or span
        start = max(whole - span, 0.0) if start == TITLE_AT_END else max((whole - span) / 2, 0.0)
    if length is not None:
        start = min(start, max(length - 500, 0.0))
        span = min(span, length - start)
    elif span >= TITLE_WHOLE:
        span = 3000.0  # the video's length is not known: the usual 3 s
    where = f" at {say_clock(start)}" if start else ""
    said.append(f'title "{text}" for {say_time(span)}{where}')
    return replace(timeline, title=Title(text, round(start), round(span)))
