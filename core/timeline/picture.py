"""The timeline as a picture (pure): a `Timeline` and a few video frames in, PNG bytes out.

One row per part, under a time ruler: the video with thumbnails where they come from, the
title's span, each music track as a bar whose height follows its level over time (fades,
level changes, ducking noted), the clip's own sound. The header gives the length and the
output's shape. Drawn for a phone: 1080 px wide, big type, few colours, well under 300 KB.

`layout()` gives the geometry the drawing uses (`x` of a time, each row's box), so tests can
sample pixels where an element must be.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from core.timeline.model import Ms, MusicTrack, Timeline

WIDTH = 1080
LEFT, RIGHT = 170, 1050
"""The plotted time runs from x=LEFT to x=RIGHT; row names sit left of it."""
HEADER_H, RULER_H = 74, 52
VIDEO_H, TITLE_H, MUSIC_H, SOUND_H = 124, 60, 116, 76
GAP = 10
LEVEL_TOP = 1.5
"""The level drawn at a row's full height (150%); higher levels are clipped there."""
MAX_BYTES = 300 * 1024

BACKGROUND = (21, 23, 28)
ROW = (34, 37, 45)
INK = (235, 237, 242)
MUTED_INK = (150, 156, 170)
RULER = (110, 116, 130)
TITLE = (242, 178, 51)
MUSIC = (43, 179, 163)
SOUND = (108, 142, 255)
SILENT = (70, 74, 86)

Thumbnail = tuple[Ms, Image.Image]
"""A frame of the output at a time (ms on the output's timeline)."""


@dataclass(frozen=True)
class Box:
    top: int
    bottom: int

    @property
    def height(self) -> int:
        return self.bottom - self.top


@dataclass(frozen=True)
class Layout:
    """Where everything goes: `x(ms)` and the box of each row."""

    length: Ms
    height: int
    ruler: Box
    video: Box
    title: Box | None
    music: tuple[Box, ...]
    sound: Box

    def x(self, ms: float) -> int:
        share = min(max(ms / self.length, 0.0), 1.0) if self.length > 0 else 0.0
        return round(LEFT + share * (RIGHT - LEFT))

    def level_y(self, box: Box, level: float) -> int:
        """The y of a level inside a row (its bottom is silence)."""
        share = min(max(level, 0.0), LEVEL_TOP) / LEVEL_TOP
        return round(box.bottom - 4 - share * (box.height - 8))


def layout(timeline: Timeline) -> Layout:
    length = timeline.length or max((m.end for m in timeline.music), default=0) or 1
    y = HEADER_H
    ruler = Box(y, y + RULER_H)
    y = ruler.bottom + GAP
    video = Box(y, y + VIDEO_H)
    y = video.bottom + GAP
    title = None
    if timeline.title is not None:
        title = Box(y, y + TITLE_H)
        y = title.bottom + GAP
    music = []
    for _ in timeline.music:
        music.append(Box(y, y + MUSIC_H))
        y += MUSIC_H + GAP
    sound = Box(y, y + SOUND_H)
    return Layout(length, sound.bottom + GAP + 6, ruler, video, title, tuple(music), sound)


def music_level(track: MusicTrack, at: Ms, length: Ms) -> float:
    """The music's level at a time of the output: its gain, its fades and its level spans."""
    end = track.end if track.length > 0 else length
    if at < track.start or at > end:
        return 0.0
    level = track.gain
    if track.fade_in > 0 and at < track.start + track.fade_in:
        level *= (at - track.start) / track.fade_in
    if track.fade_out > 0 and at > end - track.fade_out:
        level *= max(0.0, (end - at) / track.fade_out)
    for span in track.envelope:
        level *= span.at(at)
    return level


def _ruler_step(length: Ms) -> Ms:
    """A tick every 1, 2, 5, 10, 15, 30 or 60 s… so that 4 to 10 labels show."""
    for step in (1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000):
        if length / step <= 10:
            return step
    return 1_800_000


def clock(ms: float) -> str:
    total = max(0, round(ms / 1000))
    return f"{total // 60}:{total % 60:02d}"


class _Fonts:
    def __init__(self, font_file: Path | None) -> None:
        self.label = self._load(font_file, 30)
        self.small = self._load(font_file, 24)

    @staticmethod
    def _load(font_file: Path | None, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
        if font_file is not None:
            try:
                return ImageFont.truetype(str(font_file), size)
            except OSError:
                pass  # a font the settings name but Pillow cannot read: the built-in one
        return ImageFont.load_default(size)


def shape_words(timeline: Timeline, size: tuple[int, int] | None) -> str:
    """`1080×1920 · 9:16 (blur)`, as much as is known of the output's shape."""
    words = []
    if size is not None:
        words.append(f"{size[0]}x{size[1]}")
    picture = timeline.picture
    if picture.aspect:
        words.append(f"{picture.aspect} ({picture.fill or 'blur'})")
    elif picture.resolution:
        words.append(f"{picture.resolution}p")
    return " · ".join(words) or "original shape"


def draw(timeline: Timeline, thumbnails: Sequence[Thumbnail] = (),
         size: tuple[int, int] | None = None, font_file: Path | None = None) -> bytes:
    """The PNG of the timeline; `size` is the output's size in pixels when known."""
    place = layout(timeline)
    image = Image.new("RGB", (WIDTH, place.height), BACKGROUND)
    pen = ImageDraw.Draw(image)
    fonts = _Fonts(font_file)
    pen.text((24, 20), f"Timeline · {clock(place.length)} · {shape_words(timeline, size)}",
             font=fonts.label, fill=INK)
    _draw_ruler(pen, place, fonts)
    _draw_video(image, pen, place, timeline, thumbnails, fonts)
    if timeline.title is not None and place.title is not None:
        title = timeline.title
        end = title.start + title.length if title.length > 0 else place.length
        _row(pen, place.title, "Title", fonts)
        pen.rectangle((place.x(title.start), place.title.top + 8, place.x(end),
                       place.title.bottom - 8), fill=TITLE)
        pen.text((place.x(title.start) + 8, place.title.top + 16), title.text[:40],
                 font=fonts.small, fill=BACKGROUND)
    for track, box in zip(timeline.music, place.music, strict=True):
        _draw_music(pen, place, box, track, timeline.original.duck is True, fonts)
    _draw_sound(pen, place, timeline, fonts)
    return _png(image)


def _row(pen: ImageDraw.ImageDraw, box: Box, name: str, fonts: _Fonts) -> None:
    pen.rectangle((LEFT, box.top, RIGHT, box.bottom), fill=ROW)
    pen.text((16, box.top + box.height // 2), name, font=fonts.label, fill=MUTED_INK,
             anchor="lm")


def _draw_ruler(pen: ImageDraw.ImageDraw, place: Layout, fonts: _Fonts) -> None:
    box = place.ruler
    pen.line((LEFT, box.bottom - 4, RIGHT, box.bottom - 4), fill=RULER, width=2)
    step = _ruler_step(place.length)
    for at in range(0, place.length + 1, step):
        x = place.x(at)
        pen.line((x, box.bottom - 16, x, box.bottom - 4), fill=RULER, width=2)
        anchor = "rs" if x > RIGHT - 30 else "ms" if x > LEFT + 30 else "ls"
        pen.text((x, box.bottom - 20), clock(at), font=fonts.small, fill=MUTED_INK,
                 anchor=anchor)


def _draw_video(image: Image.Image, pen: ImageDraw.ImageDraw, place: Layout,
                timeline: Timeline, thumbnails: Sequence[Thumbnail], fonts: _Fonts) -> None:
    box = place.video
    _row(pen, box, "Video", fonts)
    inner = box.height - 8
    for at, frame in thumbnails:
        thumb = frame.copy()
        thumb.thumbnail((inner * 2, inner))
        x = min(max(place.x(at) - thumb.width // 2, LEFT), RIGHT - thumb.width)
        image.paste(thumb.convert("RGB"), (x, box.top + 4 + (inner - thumb.height) // 2))
    clip = timeline.clip
    if not thumbnails:
        name = clip.name if clip is not None else "no video yet"
        pen.text((LEFT + 12, box.top + box.height // 2), name[:48], font=fonts.label,
                 fill=INK, anchor="lm")


def _draw_music(pen: ImageDraw.ImageDraw, place: Layout, box: Box, track: MusicTrack,
                ducks: bool, fonts: _Fonts) -> None:
    _row(pen, box, "Music", fonts)
    points = [(place.x(0), box.bottom - 4)]
    for x in range(LEFT, RIGHT + 1, 2):
        at = (x - LEFT) / (RIGHT - LEFT) * place.length
        points.append((x, place.level_y(box, music_level(track, round(at), place.length))))
    points.append((RIGHT, box.bottom - 4))
    pen.polygon(points, fill=MUSIC)
    words = [track.source.label[:28], f"{round(track.gain * 100)}%"]
    if track.fade_in:
        words.append(f"fade in {track.fade_in / 1000:g}s")
    if track.fade_out:
        words.append(f"fade out {track.fade_out / 1000:g}s")
    if ducks:
        words.append("ducks under speech")
    pen.text((LEFT + 10, box.top + 8), " · ".join(words), font=fonts.small, fill=INK)


def _draw_sound(pen: ImageDraw.ImageDraw, place: Layout, timeline: Timeline,
                fonts: _Fonts) -> None:
    box = place.sound
    _row(pen, box, "Sound", fonts)
    clip = timeline.clip
    if clip is not None and clip.has_audio is False:
        pen.text((LEFT + 10, box.top + box.height // 2), "the clip has no sound",
                 font=fonts.small, fill=MUTED_INK, anchor="lm")
        return
    gain = timeline.original.gain
    if gain <= 0:
        pen.line((LEFT, box.bottom - 5, RIGHT, box.bottom - 5), fill=SILENT, width=3)
        words = "original sound muted"
    else:
        pen.rectangle((LEFT, place.level_y(box, gain), RIGHT, box.bottom - 4), fill=SOUND)
        words = f"original sound {round(gain * 100)}%"
    pen.text((LEFT + 10, box.top + 6), words, font=fonts.small, fill=INK)


def _png(image: Image.Image) -> bytes:
    """PNG bytes under MAX_BYTES: full colour when it fits, else a 256-colour palette."""
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    if out.tell() <= MAX_BYTES:
        return out.getvalue()
    out = io.BytesIO()
    image.quantize(256, dither=Image.Dither.NONE).save(out, "PNG", optimize=True)
    return out.getvalue()
