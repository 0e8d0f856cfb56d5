"""Issue 10 edits, rendered and measured: a dip in the music for part of the video, an explicit
1080p from a 720p clip, and "vertical 9:16" on a 12-minute clip (a shape, not a trim)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from core.draft import Draft
from core.local.plan import RenderOptions
from core.parser.instructions import Context, MusicRef, apply_instruction
from tests.core.local.conftest import Render
from tests.media import make_video, measure, tone_level_db

MUSIC_HZ = 880
FRAME = 1 / 25


def clip_draft(ms: int) -> Draft:
    return Draft({"t": [{"tt": 0, "sg": [{"s": 0, "d": ms, "m": {"name": "c.mp4",
                                                                  "media_id": "v1"}}]}], "m": {}})


def parsed(text: str, ms: int, song: MusicRef | None = None) -> Draft:
    return apply_instruction(clip_draft(ms), text, Context(ms, True, song)).draft


@pytest.mark.parametrize("text", ["use my song, quieter for the first 1.5 seconds",
                                  "use my song and make it quieter at the start"])
async def test_quieter_for_the_first_seconds_dips_and_comes_back(render: Render, clip: Path,
                                                                  song: Path, text: str) -> None:
    draft = parsed(text, 4000, MusicRef("s", "song.mp3", 10_000))
    out, _ = await render(draft, clip, song)
    assert abs(measure(out).duration - 4.0) <= 2 * FRAME  # not a cut
    song_level = tone_level_db(song, 0.5, 3.5, MUSIC_HZ)
    under_voice, dip = 20 * math.log10(0.4), 20 * math.log10(0.45)  # music at 40%, dip 0.45
    assert tone_level_db(out, 0.1, 1.0, MUSIC_HZ) == pytest.approx(
        song_level + under_voice + dip, abs=1.5)
    if "1.5" in text:  # back to the music's own level after the dip (and its 0.5 s ramp)
        assert tone_level_db(out, 2.3, 3.8, MUSIC_HZ) == pytest.approx(
            song_level + under_voice, abs=1.0)


@pytest.fixture(scope="module")
def clip_720p(media_dir: Path) -> Path:
    return make_video(media_dir / "hd720.mp4", seconds=1, width=1280, height=720)


async def test_add_music_and_export_1080p_upscales_a_720p_clip(render: Render, clip_720p: Path,
                                                              song: Path) -> None:
    out, _ = await render(parsed("add music and export 1080p", 1000), clip_720p, song)
    m = measure(out)
    assert (m.width, m.height) == (1920, 1080)


async def test_export_1080p_as_an_option_upscales_too(render: Render, clip_720p: Path,
                                                       song: Path) -> None:
    out, _ = await render(parsed("add music", 1000), clip_720p, song,
                          RenderOptions(resolution=1080))
    m = measure(out)
    assert (m.width, m.height) == (1920, 1080)


async def test_no_upscaling_by_default(render: Render, clip_720p: Path, song: Path) -> None:
    out, _ = await render(parsed("add music", 1000), clip_720p, song)
    assert (measure(out).width, measure(out).height) == (1280, 720)


async def test_vertical_9_16_on_a_12_minute_clip_is_a_shape_not_a_trim(
        render: Render, media_dir: Path) -> None:
    long_clip = make_video(media_dir / "twelve.mp4", seconds=720, width=320, height=180, fps=1,
                           audio=False)
    out, _ = await render(parsed("make it vertical 9:16", 720_000), long_clip)
    m = measure(out)
    assert m.duration == pytest.approx(720, abs=1.5)
    assert m.width is not None and m.height is not None
    assert m.width / m.height == pytest.approx(9 / 16, abs=0.02)


async def test_quieter_after_a_time_dips_to_the_end_not_a_later_start(
        render: Render, clip: Path, song: Path) -> None:
    draft = parsed("use my song, quieter after 2 seconds", 4000, MusicRef("s", "song.mp3", 10_000))
    out, _ = await render(draft, clip, song)
    song_level = tone_level_db(song, 0.5, 3.5, MUSIC_HZ)
    under_voice, dip = 20 * math.log10(0.4), 20 * math.log10(0.45)
    assert tone_level_db(out, 0.2, 1.8, MUSIC_HZ) == pytest.approx(song_level + under_voice,
                                                                    abs=1.0)  # from 0:00
    assert tone_level_db(out, 2.6, 3.9, MUSIC_HZ) == pytest.approx(
        song_level + under_voice + dip, abs=1.5)


async def test_music_stopped_before_the_end_is_silent_in_the_last_second(
        render: Render, clip: Path, song: Path) -> None:
    draft = parsed("use my song and stop it 1 second before the end", 4000,
                   MusicRef("s", "song.mp3", 10_000))
    out, _ = await render(draft, clip, song)
    assert abs(measure(out).duration - 4.0) <= 2 * FRAME  # the video keeps its length
    playing = tone_level_db(out, 0.5, 2.5, MUSIC_HZ)
    assert playing > -40
    assert tone_level_db(out, 3.2, 3.95, MUSIC_HZ) < playing - 40
