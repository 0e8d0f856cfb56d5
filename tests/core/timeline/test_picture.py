"""The timeline picture: elements sit at the x of their times, the PNG stays small."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from core.local.frames import frames_at
from core.timeline.model import (
    Clip,
    LevelSpan,
    MusicTrack,
    OriginalSound,
    Picture,
    Song,
    Timeline,
    Title,
)
from core.timeline.picture import (
    BACKGROUND,
    MAX_BYTES,
    MUSIC,
    ROW,
    SILENT,
    SOUND,
    TITLE,
    WIDTH,
    draw,
    layout,
    music_level,
)

Pixel = tuple[int, int, int]


def near(got: Pixel, want: Pixel, tolerance: int = 12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(got, want, strict=True))


TIMELINE = Timeline(
    clips=(Clip("m1", "beach.mp4", 10_000, has_audio=True),),
    music=(
        MusicTrack(Song(mood="calm"), level=0.6, fade_in=2000, fade_out=3000, length=10_000),
        MusicTrack(Song(name="song.mp3"), level=1.0, start=4000, length=4000,
                   envelope=(LevelSpan(5000, 6000, 0.25),)),
    ),
    original=OriginalSound(mode="lower", level=0.3, duck=True),
    picture=Picture(aspect="9:16", fill="blur"),
    title=Title("Summer", 2000, 3000),
)


def pixels(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return image.convert("RGB")


def test_music_level_follows_fades_and_spans() -> None:
    calm, song = TIMELINE.music
    assert music_level(calm, 0, 10_000) == 0.0
    assert music_level(calm, 1000, 10_000) == pytest.approx(0.3)
    assert music_level(calm, 5000, 10_000) == pytest.approx(0.6)
    assert music_level(calm, 8500, 10_000) == pytest.approx(0.3)
    assert music_level(song, 3000, 10_000) == 0.0
    assert music_level(song, 5500, 10_000) == pytest.approx(0.25)
    assert music_level(song, 8500, 10_000) == 0.0


def test_elements_sit_at_the_x_of_their_times(clip: Path) -> None:
    (frame,) = frames_at(clip, [1.0], (200, 200))
    png = draw(TIMELINE, [(1000, frame)], size=(1080, 1920))
    image = pixels(png)
    place = layout(TIMELINE)
    assert image.size == (WIDTH, place.height)
    x = place.x
    assert x(0) < x(2000) < x(10_000)

    # The title covers 2-5 s and nothing else.
    assert place.title is not None
    y = place.title.bottom - 9
    assert near(image.getpixel((x(2100), y)), TITLE)
    assert near(image.getpixel((x(4900), y)), TITLE)
    assert near(image.getpixel((x(1800), y)), ROW)
    assert near(image.getpixel((x(5200), y)), ROW)

    # The calm track: silent at 0, half way up its level after 1 s of its 2 s fade-in, full
    # level in the middle, fading out over the last 3 s.
    calm = place.music[0]
    full, half = place.level_y(calm, 0.6), place.level_y(calm, 0.3)
    assert near(image.getpixel((x(5000), full + 3)), MUSIC)
    assert near(image.getpixel((x(5000), full - 4)), ROW)
    assert near(image.getpixel((x(1000), half + 3)), MUSIC)
    assert near(image.getpixel((x(1000), half - 4)), ROW)
    assert near(image.getpixel((x(8500), half + 3)), MUSIC)
    assert near(image.getpixel((x(8500), full + 3)), ROW)  # fading: below its full level
    assert near(image.getpixel((x(9950), half + 3)), ROW)  # nearly silent at the end

    # The song plays 4-8 s, at a quarter of its level for 5-6 s.
    song = place.music[1]
    low, high = place.level_y(song, 0.25), place.level_y(song, 1.0)
    assert near(image.getpixel((x(3800), song.bottom - 6)), ROW)
    assert near(image.getpixel((x(4500), high + 3)), MUSIC)
    assert near(image.getpixel((x(5500), high + 3)), ROW)
    assert near(image.getpixel((x(5500), low + 3)), MUSIC)
    assert near(image.getpixel((x(8200), song.bottom - 6)), ROW)

    # The clip's own sound at 30%, from start to end.
    sound = place.sound
    level = place.level_y(sound, 0.3)
    assert near(image.getpixel((x(9900), level + 3)), SOUND)
    assert near(image.getpixel((x(9900), level - 4)), ROW)

    # The thumbnail is a test pattern (colourful), centred on 1 s.
    video = place.video
    middle = image.getpixel((x(1000), (video.top + video.bottom) // 2))
    assert not near(middle, ROW, 6) and not near(middle, BACKGROUND, 6)
    assert near(image.getpixel((x(9000), video.top + 10)), ROW)
    assert len(png) < MAX_BYTES


def test_a_long_busy_timeline_stays_under_the_size_limit(clip: Path) -> None:
    frames = frames_at(clip, [0.5 * i for i in range(8)], (400, 400))
    noisy = [Image.effect_noise(f.size, 90).convert("RGB") for f in frames]  # worst case
    timeline = Timeline(
        clips=(Clip("m1", "long.mp4", 3_600_000),),
        music=tuple(MusicTrack(Song(mood="calm"), level=0.3, length=3_600_000, fade_out=60_000)
                    for _ in range(4)),
        title=Title("标题 — a long title that goes on and on", 0, 3_600_000))
    png = draw(timeline, [(i * 450_000, f) for i, f in enumerate(noisy)])
    assert len(png) < MAX_BYTES
    assert pixels(png).size[0] == WIDTH


def test_muted_sound_and_no_clip() -> None:
    timeline = Timeline(original=OriginalSound(mode="mute"))
    image = pixels(draw(timeline))
    place = layout(timeline)
    assert near(image.getpixel((place.x(500), place.sound.bottom - 5)), SILENT)
    assert near(image.getpixel((place.x(500), place.level_y(place.sound, 1.0) + 3)), ROW)
    assert place.title is None and place.music == ()


def test_frames_at_times_past_the_end_give_the_last_frame(clip: Path) -> None:
    images = frames_at(clip, [0.0, 2.0, 99.0], (160, 160))
    assert [im.size for im in images] == [(160, 120)] * 3
    assert images[0].tobytes() != images[1].tobytes()
