"""The clip's own sound for part of the video ("mute my voice for the first 3 seconds", "mute
the first 5 seconds", "lower my audio to 20% from 0:10 to 0:20", "前3秒静音"): a level span on
the original sound that comes back after it, read in every form, kept in the timeline, said in
words, and measured in the rendered audio, also after a trim. Before, the whole video's sound
was muted ("I can't mute just a part") or the request was not understood."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from core.draft import Draft
from core.parser.instructions import Context, MusicRef, apply_instruction
from core.timeline.convert import timeline_of
from core.timeline.describe import summary
from core.timeline.stored import dumps, loads
from core.words import localise
from tests.core.local.conftest import Render
from tests.media import tone_level_db

OWN_HZ, MUSIC_HZ = 440, 880


def clip_draft(ms: int = 30_000) -> Draft:
    return Draft({"t": [{"tt": 0, "sg": [{"s": 0, "d": ms, "m": {"name": "c.mp4",
                                                                  "media_id": "v1"}}]}], "m": {}})


def parse(text: str, draft: Draft | None = None, ms: int = 30_000,
          song: MusicRef | None = None) -> tuple[Draft, list[str]]:
    parsed = apply_instruction(draft or clip_draft(ms), text, Context(ms, True, song))
    return parsed.draft, list(parsed.understood)


PARTS = [  # text, span (ms), level factor
    ("mute my voice for the first 3 seconds", (0, 3000), 0.0),
    ("mute the first 5 seconds", (0, 5000), 0.0),
    ("mute the sound from 0:05 to 0:10", (5000, 10_000), 0.0),
    ("mute my audio after 0:20", (20_000, 30_000), 0.0),
    ("silence my voice in the last 4 seconds", (26_000, 30_000), 0.0),
    ("lower my voice to 20% for the first 10 seconds", (0, 10_000), 0.2),
    ("my voice quieter in the last 5 seconds", (25_000, 30_000), 0.45),
    ("前3秒静音", (0, 3000), 0.0),
]


@pytest.mark.parametrize(("text", "span", "level"), PARTS)
def test_part_of_the_own_sound_is_a_span_not_the_whole(text: str, span: tuple[int, int],
                                                       level: float) -> None:
    draft, said = parse(text)
    original = timeline_of(draft).original
    assert original.mode != "mute", said  # the rest of the video keeps its sound
    [part] = original.envelope
    assert (part.start, part.end) == span and part.factor == pytest.approx(level)
    assert not any(s.startswith(("not understood", "not done")) for s in said), said
    assert timeline_of(draft).music == (), said  # no music was added for it


def test_a_part_is_kept_said_and_undone_by_unmute() -> None:
    draft, said = parse("mute my voice for the first 3 seconds")
    assert said == ["your sound muted from 0:00 to 0:03"]
    assert localise(said[0], "zh") == "0:00 到 0:03 原声静音"
    parts = timeline_of(draft).original.envelope
    assert loads(dumps(timeline_of(draft))).original.envelope == parts
    assert "original sound muted 0-3s" in summary(draft.data)
    again, _ = parse("unmute", draft)
    assert timeline_of(again).original.envelope == ()


def test_a_whole_mute_stays_a_whole_mute() -> None:
    draft, said = parse("mute my audio")
    assert timeline_of(draft).original.mode == "mute" and said == ["original sound muted"]
    _, said = parse("mute the first 2 seconds", draft)
    assert said == ["not done: your sound is muted for the whole video already"]


@pytest.mark.parametrize("text", ["mute the music for the first 5 seconds",
                                  "no music for the first 3 seconds"])
def test_the_music_for_part_of_the_video_is_still_the_musics(text: str) -> None:
    draft, said = parse(text)
    timeline = timeline_of(draft)
    assert timeline.original.envelope == () and timeline.music[0].start >= 3000, said


async def test_muted_part_is_silent_and_the_sound_comes_back(render: Render, clip: Path,
                                                            song: Path) -> None:
    draft, _ = parse("use my song, mute my voice for the first 1.5 seconds", ms=4000,
                     song=MusicRef("s", "song.mp3", 10_000))
    out, _ = await render(draft, clip, song)
    own = tone_level_db(clip, 0.5, 3.5, OWN_HZ)
    assert tone_level_db(out, 0.1, 0.9, OWN_HZ) < own - 40  # muted
    assert tone_level_db(out, 2.3, 3.8, OWN_HZ) == pytest.approx(own, abs=1.5)  # back
    music = tone_level_db(out, 0.1, 0.9, MUSIC_HZ)  # the music plays all along
    assert music > -40 and tone_level_db(out, 2.3, 3.8, MUSIC_HZ) == pytest.approx(music, abs=1.5)


async def test_a_lowered_part_after_a_trim_is_on_the_output_timeline(render: Render,
                                                                     clip: Path) -> None:
    draft, _ = parse("cut the first second", ms=4000)
    draft, _ = parse("lower my voice to 10% for the first 1 second", draft, ms=4000)
    out, _ = await render(draft, clip)
    own = tone_level_db(clip, 0.5, 3.5, OWN_HZ)
    assert tone_level_db(out, 0.05, 0.6, OWN_HZ) == pytest.approx(own + 20 * math.log10(0.1),
                                                                   abs=1.5)
    assert tone_level_db(out, 1.6, 2.8, OWN_HZ) == pytest.approx(own, abs=1.0)


UNMUTED = [  # the clip's sound was muted; these bring it back for one part only
    ("unmute the first 5 seconds", [(5000, 30_000)]),
    ("bring my sound back for the first 5 seconds", [(5000, 30_000)]),
    ("unmute from 0:05 to 0:10", [(0, 5000), (10_000, 30_000)]),
    ("unmute the last 10 seconds", [(0, 20_000)]),
    ("前5秒取消静音", [(5000, 30_000)]),
]


@pytest.mark.parametrize(("text", "muted"), UNMUTED)
def test_unmuting_a_part_keeps_the_rest_muted(text: str, muted: list[tuple[int, int]]) -> None:
    """Before: the whole video's sound came back ("original sound kept")."""
    draft, _ = parse("mute my sound")
    draft, said = parse(text, draft)
    original = timeline_of(draft).original
    assert original.gain == 1.0, said
    assert [(s.start, s.end) for s in original.envelope] == muted, said
    assert all(s.factor == 0.0 for s in original.envelope), said
    assert any("muted elsewhere" in s for s in said), said
    assert "其余部分静音" in localise(said[0], "zh"), said


async def test_an_unmuted_part_is_heard_and_the_rest_is_silent(render: Render, clip: Path) -> None:
    draft, _ = parse("mute my sound", ms=4000)
    draft, _ = parse("unmute the first 1.5 seconds", draft, ms=4000)
    out, _ = await render(draft, clip)
    own = tone_level_db(clip, 0.5, 3.5, OWN_HZ)
    assert tone_level_db(out, 0.1, 1.0, OWN_HZ) == pytest.approx(own, abs=1.5)  # heard
    assert tone_level_db(out, 2.3, 3.8, OWN_HZ) < own - 40  # still muted
