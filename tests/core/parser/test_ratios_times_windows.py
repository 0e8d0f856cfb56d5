"""Issue 10, wrong edits reported as if right: ratios read as times, times in every written
form on clips of any length, a level for part of the video, music added for a music setting,
and an explicit resolution. Tables of phrasing in, draft fields out."""

from __future__ import annotations

from typing import Any

import pytest

from core.draft import AUDIO, Draft
from core.errors import NotUnderstood
from core.parser.instructions import Context, MusicRef, apply_instruction
from core.parser.phrases import normalise

SONG = MusicRef("song-1", "sunset.mp3", 200_000)
TWELVE_MIN = 720_000


def clip(ms: int) -> Draft:
    return Draft({"t": [{"tt": 0, "sg": [{"s": 0, "d": ms, "m": {"name": "b.mp4",
                                                                  "media_id": "v1"}}]}], "m": {}})


def parse(text: str, ms: int = 30_000, song: MusicRef | None = None) -> tuple[Draft, list[str]]:
    parsed = apply_instruction(clip(ms), text, Context(ms, True, song))
    return parsed.draft, list(parsed.understood)


def music(draft: Draft) -> dict[str, Any]:
    seg = draft.first_segment(AUDIO)
    assert seg is not None, draft.data
    return dict(seg.meta) | {"s": seg.start_ms, "d": seg.duration_ms}


RATIOS = [
    ("make it vertical 9:16", "9:16"), ("9:16", "9:16"), ("make it 9 by 16", "9:16"),
    ("16:9 please", "16:9"), ("9/16 for tiktok", "9:16"), ("vertical 9x16", "9:16"),
    ("square 1:1", "1:1"), ("4:5 for instagram", "4:5"), ("竖屏9:16", "9:16"),
    ("9比16", "9:16"), ("make it 16 by 9 and add music", "16:9"),
]


@pytest.mark.parametrize("length", [30_000, TWELVE_MIN, 3_600_000])
@pytest.mark.parametrize(("text", "aspect"), RATIOS)
def test_a_ratio_is_never_a_time(text: str, aspect: str, length: int) -> None:
    draft, said = parse(text, length)
    assert draft.meta.get("aspect") == aspect
    assert draft.meta.get("trim") is None, said
    assert not any("trim" in s or "music starts" in s or "stops" in s for s in said), said


@pytest.mark.parametrize("text", ["4:3", "make it 4:3", "21:9 cinema", "3:2 please"])
def test_a_ratio_backtrack_does_not_make_is_said_not_trimmed(text: str) -> None:
    with pytest.raises(NotUnderstood) as caught:
        parse(text, TWELVE_MIN)
    assert "9:16" in caught.value.user_message and ":" in caught.value.user_message


TIMES = [
    ("keep the first 90s", 90_000), ("keep the first 1:30", 90_000),
    ("keep the first 1m30", 90_000), ("keep the first 1m30s", 90_000),
    ("keep the first 0:01:30", 90_000), ("keep the first 1.5 min", 90_000),
    ("keep the first 1 min 30", 90_000), ("keep the first a minute and a half", 90_000),
    ("keep the first one and a half minutes", 90_000), ("保留前1分30秒", 90_000),
    ("保留前一分半", 90_000), ("保留前90秒", 90_000), ("trim to 10:30", 630_000),
    ("trim to the first 11 minutes", 660_000), ("keep the first 1 minute and 30 seconds", 90_000),
    ("keep the first 2 and a half minutes", 150_000), ("trim to 0:11:00", 660_000),
]


@pytest.mark.parametrize(("text", "end"), TIMES)
def test_times_in_every_written_form_on_a_12_minute_clip(text: str, end: int) -> None:
    draft, said = parse(text, TWELVE_MIN)
    assert draft.meta.get("trim") == [0, end], said


@pytest.mark.parametrize(("text", "expected"), [
    ("1m30", "90s"), ("1分30秒", "90s"), ("a minute and a half", "90s"), ("9:16", "9x16"),
    ("2 minutes 5 times", "2 minutes 5 times"), ("music at 30%", "music at 30%"),
    ("from 0:10 to 0:20", "from 0:10 to 0:20"), ("半分钟", "30s"),
])
def test_normalise_writes_times_and_ratios_once(text: str, expected: str) -> None:
    assert normalise(text) == expected


@pytest.mark.parametrize("text", ["keep the first 1:30", "trim to 12:30"])
def test_a_trim_longer_than_the_clip_is_not_reported_as_trimmed(text: str) -> None:
    draft, said = parse(text, 30_000)
    assert draft.meta.get("trim") is None
    assert any(s.startswith("not done") and "0:30" in s for s in said), said


WINDOWS = [  # text, dip start ms, dip end ms, level below 1 (dip) or above (lift)
    ("add chill music, quieter for the first 5 seconds", 0, 5000, "<"),
    ("put some chill music on this and make it quieter at the start", 0, 5000, "<"),
    ("add music and make it softer at the beginning", 0, 5000, "<"),
    ("music quieter from 0:10 to 0:20", 10_000, 20_000, "<"),
    ("music louder in the last 10 seconds", 20_000, 30_000, ">"),
    ("lower the music to 10% for the first 5 s", 0, 5000, "<"),
    ("前5秒音乐小一点", 0, 5000, "<"),
    ("add music, a bit quieter during the first 1:00", 0, 30_000, "<"),
    ("add music and make it quieter in the middle", 10_000, 20_000, "<"),  # the middle third
    ("中间部分音乐大一点", 10_000, 20_000, ">"),
    ("add music, louder from the middle on", 15_000, 30_000, ">"),
]


@pytest.mark.parametrize(("text", "a", "b", "way"), WINDOWS)
def test_a_level_for_part_of_the_video_is_a_dip_not_a_cut(text: str, a: int, b: int,
                                                          way: str) -> None:
    draft, said = parse(text)
    m = music(draft)
    assert m["d"] == 30_000 and "until" not in m and m["s"] == 0, (m, said)
    [[start, end, level]] = m["envelope"]
    assert (start, end) == (a, b)
    assert level < 0.9 if way == "<" else level > 1.1
    assert not any(s.startswith("not understood") for s in said), said


@pytest.mark.parametrize(("text", "left"), [
    ("add music and make it quieter in the muddle", "muddle"),
    ("add music and make it quieter during the sunset scene", "sunset scene"),
    ("add music at 2x speed", "2x speed"),  # the music is added; the speed is not changed
    ("add music, make it sparkle at the end", "sparkle"),
    ("fade out and make it wobble for 3 seconds", "wobble"),
])
def test_the_part_not_understood_is_named(text: str, left: str) -> None:
    _, said = parse(text)
    assert any(s.startswith("not understood") and left in s for s in said), said


@pytest.mark.parametrize("text", [
    "lower the music when I talk", "duck the music under my voice", "fade out the music",
    "music quieter for the first 5 seconds", "start the music at 0:05", "loop the music",
    "说话时降低音乐",
])
@pytest.mark.parametrize("song", [None, SONG])
def test_a_music_setting_with_no_music_adds_the_music_first(text: str,
                                                            song: MusicRef | None) -> None:
    draft, said = parse(text, song=song)
    m = music(draft)
    assert m.get("media_id") == "song-1" if song else m.get("mood") == "lofi"
    assert any(s.startswith("music: ") for s in said), said


@pytest.mark.parametrize(("text", "resolution"), [
    ("add music and export 1080p", 1080), ("1080p", 1080), ("in 1080", 1080),
    ("full hd please", 1080), ("4k", 2160), ("1920x1080", 1080),
])
def test_an_explicit_resolution_allows_upscaling(text: str, resolution: int) -> None:
    draft, _ = parse(text)
    assert draft.meta["resolution"] == resolution and draft.meta["upscale"] is True


def test_an_explicit_resolution_without_upscaling_stays_small() -> None:
    draft, _ = parse("1080p but don't upscale")
    assert draft.meta["resolution"] == 1080 and draft.meta["upscale"] is False


@pytest.mark.parametrize("text", ["加舒缓音乐，结尾淡出", "加音乐，在结尾淡出",
                                  "add music and fade it out at the end",
                                  "fade out the music at the very end"])
def test_fade_out_at_the_end_is_read_whole(text: str) -> None:
    draft, said = parse(text)
    assert music(draft).get("fade_out"), said
    assert not any(s.startswith("not understood") for s in said), said
