"""The one converter between the draft JSON (`t`, `tt`, `sg`, `d`, `m`; see core/draft.py)
and the typed `Timeline`. No other module reads or writes a raw `m` key of a draft.

Reading is tolerant (NemoVideo drafts carry other keys and spellings; `Segment` reads them
with fallbacks). Writing starts from the raw dicts the timeline was read from and writes only
the fields whose typed value changed, so a draft read and written back without a change is
byte-for-byte the same, and keys the model does not know survive every edit. A kind of track
whose elements did not change is not touched at all; one that changed is rewritten into the
first track of that kind.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast, get_args

from core.timeline.kinds import AUDIO, JSON, TEXT, VIDEO, number
from core.timeline.model import (
    EMPTY,
    MAX_LEVEL_FACTOR,
    Align,
    Clip,
    Fit,
    LevelSpan,
    MusicTrack,
    OriginalMode,
    OriginalSound,
    Picture,
    Song,
    Step,
    Timeline,
    Title,
)

if TYPE_CHECKING:
    from core.draft import Draft

T = TypeVar("T")


def blank() -> JSON:
    """An empty draft's JSON."""
    return {"t": [], "m": {}}


def settings_dict(data: JSON) -> JSON:
    """The draft's own settings dict (`m`), created when missing (a NemoVideo draft may have
    none)."""
    m = data.get("m")
    if not isinstance(m, dict):
        m = data["m"] = {}
    return m


# The raw views: tolerant readers of one segment and one track dict --------------------------


@dataclass(frozen=True)
class Segment:
    """A read-only view of one segment dict."""

    raw: Mapping[str, Any]

    @property
    def meta(self) -> Mapping[str, Any]:
        return _meta(self.raw)

    @property
    def start_ms(self) -> float:
        for key in ("s", "st", "start"):
            if key in self.raw:
                return number(self.raw[key])
        return number(self.meta.get("start"))

    @property
    def duration_ms(self) -> float:
        return number(self.raw.get("d", self.meta.get("d", 0)))

    @property
    def name(self) -> str:
        for source in (self.meta, self.raw):
            for key in ("name", "title", "mood", "filename", "n", "src", "url"):
                value = source.get(key)
                if isinstance(value, str) and value:
                    return value.rsplit("/", 1)[-1] if key in ("src", "url") else value
        return "untitled"

    @property
    def text(self) -> str:
        for source in (self.meta, self.raw):
            for key in ("text", "content", "title"):
                value = source.get(key)
                if isinstance(value, str) and value:
                    return value
        return ""

    @property
    def volume(self) -> float | None:
        for source in (self.meta, self.raw):
            for key in ("volume", "vol", "v"):
                if key in source:
                    return number(source[key], 1.0)
        return None


@dataclass(frozen=True)
class Track:
    """A read-only view of one track dict."""

    raw: Mapping[str, Any]

    @property
    def kind(self) -> int:
        return int(number(self.raw.get("tt"), -1))

    @property
    def segments(self) -> list[Segment]:
        sg = self.raw.get("sg")
        return [Segment(s) for s in sg if isinstance(s, Mapping)] if isinstance(sg, list) else []


def tracks(data: Mapping[str, Any]) -> list[Track]:
    """The draft's tracks, in order."""
    t = data.get("t")
    return [Track(x) for x in t if isinstance(x, Mapping)] if isinstance(t, list) else []


# Reading --------------------------------------------------------------------------------------


def _ms(value: Any) -> int:
    return round(number(value))


def _opt_ms(value: Any) -> int | None:
    ms = _ms(value)
    return ms if ms > 0 else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _choice(value: Any, allowed: Any) -> Any:
    return value if value in get_args(allowed) else None


def _meta(raw: Mapping[str, Any]) -> Mapping[str, Any]:
    m = raw.get("m")
    return m if isinstance(m, Mapping) else EMPTY


def read_clip(raw: Mapping[str, Any]) -> Clip:
    seg, m = Segment(raw), _meta(raw)
    return Clip(media_id=str(m.get("media_id") or ""), name=seg.name,
                duration=_ms(seg.duration_ms), start=_ms(seg.start_ms),
                has_audio=_flag(m.get("has_audio")), raw=raw)


def _envelope(value: Any) -> tuple[LevelSpan, ...]:
    if not isinstance(value, list):
        return ()
    spans = []
    for item in value:
        if not (isinstance(item, list | tuple) and len(item) in (3, 4)):
            continue
        start, end, level = number(item[0], -1), number(item[1], -1), number(item[2], -1)
        to = number(item[3], -1) if len(item) == 4 else None  # a gradual change
        if end > start >= 0 and 0 <= level <= MAX_LEVEL_FACTOR and (
                to is None or 0 <= to <= MAX_LEVEL_FACTOR):  # else dropped, as before
            spans.append(LevelSpan(round(start), round(end), level, to))
    return tuple(spans)


def read_music(raw: Mapping[str, Any]) -> MusicTrack:
    seg, m = Segment(raw), _meta(raw)
    seed = m.get("seed")
    source = Song(name=_text(m.get("name")) or (seg.name if seg.name != "untitled" else None),
                  media_id=_text(m.get("media_id")), mood=_text(m.get("mood")),
                  seed=seed if isinstance(seed, int) and not isinstance(seed, bool) else None,
                  length=_opt_ms(m.get("source_ms")))
    return MusicTrack(
        source=source, level=seg.volume, fade_in=_ms(m.get("fade_in")),
        fade_out=_ms(m.get("fade_out")), start=_ms(seg.start_ms), length=_ms(seg.duration_ms),
        until=_opt_ms(m.get("until")), offset=_ms(m.get("offset")),
        fit=cast(Fit | None, _choice(m.get("fit"), Fit)),
        align=cast(Align, _choice(m.get("align"), Align) or "start"),
        envelope=_envelope(m.get("envelope")), raw=raw)


def read_title(raw: Mapping[str, Any]) -> Title:
    seg = Segment(raw)
    return Title(seg.text, _ms(seg.start_ms), _ms(seg.duration_ms), raw=raw)


def _segments(data: Mapping[str, Any], kind: int) -> list[Mapping[str, Any]]:
    tracks = data.get("t")
    if not isinstance(tracks, list):
        return []
    views = (Track(raw) for raw in tracks if isinstance(raw, Mapping))
    return [seg.raw for track in views if track.kind == kind for seg in track.segments]


def _trim(value: Any) -> tuple[int, int] | None:
    if isinstance(value, list | tuple) and len(value) == 2:
        return _ms(value[0]), _ms(value[1])
    return None


def _cuts(value: Any) -> tuple[tuple[int, int], ...]:
    if not isinstance(value, list):
        return ()
    pairs = (_trim(item) for item in value)
    return tuple(sorted(p for p in pairs if p is not None and p[1] > p[0]))


def _step(value: Any) -> Step | None:
    if isinstance(value, Mapping) and isinstance(value.get("target"), str):
        return Step(value["target"], number(value.get("factor"), 1.0))
    return None


def _resolution(value: Any) -> int | None:
    res = int(number(value))
    return res if res > 0 else None


def timeline_of(draft: Draft | Mapping[str, Any]) -> Timeline:
    """The typed reading of a draft (its dicts are kept by reference: do not change them)."""
    data: Mapping[str, Any] = draft if isinstance(draft, Mapping) else draft.data
    m = _meta(data)
    titles = _segments(data, TEXT)
    loudness = number(m.get("loudness"), float("nan"))
    level = number(m.get("original_volume"), float("nan"))
    return Timeline(
        clips=tuple(read_clip(s) for s in _segments(data, VIDEO)),
        music=tuple(read_music(s) for s in _segments(data, AUDIO)),
        original=OriginalSound(
            mode=cast(OriginalMode | None, _choice(m.get("original"), OriginalMode)),
            level=level if level == level else None,
            duck=_flag(m.get("duck")), envelope=_envelope(m.get("original_envelope"))),
        picture=Picture(aspect=_text(m.get("aspect")), fill=_text(m.get("fill")),
                        resolution=_resolution(m.get("resolution")),
                        upscale=_flag(m.get("upscale")), width=_resolution(m.get("width")),
                        height=_resolution(m.get("height")),
                        max_mb=number(m.get("max_mb")) or None),
        title=read_title(titles[0]) if titles else None,
        loudness=loudness if loudness == loudness else None,
        trim=_trim(m.get("trim")),
        cuts=_cuts(m.get("cuts")),
        last_step=_step(m.get("last_step")),
        raw=data,
    )


# Writing --------------------------------------------------------------------------------------

Writer = tuple[str, Callable[[Any], Any], Callable[[Any], Any] | None]
"""(JSON key, how to read the field from the typed value, how to write it; None: the value
as it is). A field whose new value is None loses its key, except those in `NULLED`."""

NULLED = frozenset({"aspect", "resolution", "loudness", "trim"})
"""Settings turned off are written as null (as they always were), the rest are removed (a
song's offset back to 0 too: a point in the old song means nothing in the new one)."""


def _write(target: JSON, old: Any, new: Any, writers: list[Writer]) -> None:
    for key, get, encode in writers:
        before, after = get(old), get(new)
        if before == after:
            continue
        if after is None and key not in NULLED:
            target.pop(key, None)
        else:
            target[key] = encode(after) if encode is not None and after is not None else after


def _envelope_json(spans: tuple[LevelSpan, ...]) -> list[list[float]] | None:
    return [[s.start, s.end, s.factor] + ([s.to] if s.to is not None else [])
            for s in spans] or None


MUSIC_META: list[Writer] = [
    ("name", lambda t: t.source.name, None), ("media_id", lambda t: t.source.media_id, None),
    ("mood", lambda t: t.source.mood, None), ("seed", lambda t: t.source.seed, None),
    ("source_ms", lambda t: t.source.length, None), ("volume", lambda t: t.level, None),
    ("fade_in", lambda t: t.fade_in, None), ("fade_out", lambda t: t.fade_out, None),
    ("offset", lambda t: t.offset or None, None), ("until", lambda t: t.until, None),
    ("fit", lambda t: t.fit, None),
    ("align", lambda t: None if t.align == "start" else t.align, None),
    ("envelope", lambda t: t.envelope or None, _envelope_json),
]
CLIP_META: list[Writer] = [
    ("name", lambda c: c.name, None), ("media_id", lambda c: c.media_id, None),
    ("has_audio", lambda c: c.has_audio, None),
]
TITLE_META: list[Writer] = [("text", lambda t: t.text, None)]
PLACE: list[Writer] = [("s", lambda e: e.start, None), ("d", lambda e: e.length, None)]
CLIP_PLACE: list[Writer] = [("s", lambda e: e.start, None), ("d", lambda e: e.duration, None)]
TIMELINE_META: list[Writer] = [
    ("aspect", lambda t: t.picture.aspect, None), ("fill", lambda t: t.picture.fill, None),
    ("resolution", lambda t: t.picture.resolution, None),
    ("upscale", lambda t: t.picture.upscale, None),
    ("width", lambda t: t.picture.width, None), ("height", lambda t: t.picture.height, None),
    ("max_mb", lambda t: t.picture.max_mb, None),
    ("trim", lambda t: t.trim, list),
    ("cuts", lambda t: t.cuts or None, lambda cuts: [list(c) for c in cuts]),
    ("original", lambda t: t.original.mode, None),
    ("original_volume", lambda t: t.original.level, None),
    ("duck", lambda t: t.original.duck, None),
    ("original_envelope", lambda t: t.original.envelope or None, _envelope_json),
    ("loudness", lambda t: t.loudness, None),
    ("last_step", lambda t: t.last_step,
     lambda s: {"target": s.target, "factor": s.factor}),
]


def _segment(new: Any, read: Callable[[Mapping[str, Any]], Any], place: list[Writer],
             meta: list[Writer]) -> JSON:
    seg: JSON = copy.deepcopy(dict(new.raw))
    old = read(new.raw) if new.raw else None
    if old is None:  # a new segment: always placed, with its own meta
        seg.update(s=0, d=0, m={})
    m = seg.get("m")
    if not isinstance(m, dict):
        m = seg["m"] = {}
    _write(seg, old if old is not None else _blank(new), new, place)
    _write(m, old if old is not None else _blank(new), new, meta)
    return seg


def _blank(value: T) -> T:
    """An element with every field at its empty value, to compare a new element against."""
    if isinstance(value, MusicTrack):
        return cast(T, MusicTrack(Song()))
    if isinstance(value, Clip):
        return cast(T, Clip("", "", 0, has_audio=None))
    return cast(T, Title("", 0, 0))


def _kind(raw: Any) -> int:
    return int(number(raw.get("tt"), -1)) if isinstance(raw, dict) else -2


def _put_kind(data: JSON, kind: int, segments: list[JSON]) -> None:
    """The segments of a kind of track into its first track; other tracks of it go."""
    tracks: list[Any] = data["t"]
    where = [i for i, raw in enumerate(tracks) if _kind(raw) == kind]
    if segments and not where:
        tracks.append({"tt": kind, "sg": segments})
        return
    if segments:
        tracks[where[0]]["sg"] = segments
        where = where[1:]
    data["t"] = [raw for i, raw in enumerate(tracks) if i not in where]


def draft_of(timeline: Timeline) -> Draft:
    """The draft JSON of a timeline: its source draft with only what changed written."""
    from core.draft import Draft  # core/draft.py reads through this module: imported late

    data: JSON = copy.deepcopy(dict(timeline.raw)) if timeline.raw else blank()
    if not isinstance(data.get("t"), list):
        data["t"] = []
    base = timeline_of(timeline.raw) if timeline.raw else Timeline()
    if timeline.clips != base.clips:
        _put_kind(data, VIDEO, [_segment(c, read_clip, CLIP_PLACE, CLIP_META)
                                for c in timeline.clips])
    if timeline.music != base.music:
        _put_kind(data, AUDIO, [_segment(t, read_music, PLACE, MUSIC_META)
                                for t in timeline.music])
    if timeline.title != base.title:
        title = timeline.title
        _put_kind(data, TEXT, [] if title is None else
                  [_segment(title, read_title, PLACE, TITLE_META)])
    _write(settings_dict(data), base, timeline, TIMELINE_META)
    return Draft(data)


def written(timeline: Timeline) -> Timeline:
    """The timeline as it reads back from its draft (its `raw` dicts then match its values,
    so a second edit writes against the right base)."""
    return timeline_of(draft_of(timeline).data)

