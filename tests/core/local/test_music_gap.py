"""A gap in the music ("mute the music from 0:01 to 0:02.5") and a fade out said by where it
begins ("fade out from 0:02"), measured in the rendered sound: the music (an 880 Hz tone) is
gone in the gap and back at its level after, the clip's own sound (440 Hz) untouched; the fade
starts where it was asked and the music is at full level before it. Before, the first removed
all the music and the second moved the music's start (tests/core/parser/test_gaps_and_ends.py
has the phrasings)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from core.parser.instructions import Context, MusicRef, apply_instruction
from core.timeline.convert import timeline_of
from tests.core.local.conftest import Render
from tests.core.parser.test_gaps_and_ends import bare
from tests.media import tone_level_db

OWN_HZ, MUSIC_HZ = 440, 880
SONG = MusicRef("s", "song.mp3", 10_000)


def parse(text: str) -> object:
    draft = bare()
    draft.data["t"][0]["sg"][0]["d"] = 4000
    return apply_instruction(draft, text, Context(4000, True, SONG)).draft


async def test_the_music_is_silent_in_the_gap_and_back_after(render: Render, clip: Path,
                                                             song: Path) -> None:
    draft = parse("use my song, mute the music from 0:01 to 0:02.5")
    [track] = timeline_of(draft).music  # type: ignore[arg-type]
    assert [(s.start, s.end, s.factor) for s in track.envelope] == [(1000, 2500, 0.0)]
    out, _ = await render(draft, clip, song)
    before = tone_level_db(out, 0.1, 0.5, MUSIC_HZ)  # the edges ramp (no clicks)
    assert before > -40
    assert tone_level_db(out, 1.3, 2.2, MUSIC_HZ) < before - 40  # the gap
    assert tone_level_db(out, 3.2, 3.9, MUSIC_HZ) == pytest.approx(before, abs=1.0)  # back
    own = tone_level_db(clip, 0.5, 3.5, OWN_HZ)
    for start, end in ((0.1, 0.5), (1.3, 2.2), (3.2, 3.9)):  # the person's sound throughout
        assert tone_level_db(out, start, end, OWN_HZ) == pytest.approx(own, abs=1.5)


async def test_a_fade_out_begins_where_it_was_asked(render: Render, clip: Path,
                                                    song: Path) -> None:
    draft = parse("use my song, fade out from 0:02")
    [track] = timeline_of(draft).music  # type: ignore[arg-type]
    assert (track.start, track.fade_out) == (0, 2000)
    out, _ = await render(draft, clip, song)
    start = tone_level_db(out, 0.2, 0.9, MUSIC_HZ)
    assert tone_level_db(out, 1.2, 1.9, MUSIC_HZ) == pytest.approx(start, abs=1.0)  # not yet
    assert tone_level_db(out, 2.6, 3.0, MUSIC_HZ) < start - 3  # fading
    assert tone_level_db(out, 3.6, 3.95, MUSIC_HZ) < start - 12  # nearly gone at the end


async def test_two_levels_in_one_request_play_one_after_the_other(render: Render, clip: Path,
                                                                 song: Path) -> None:
    """'at 20% for the first 2 seconds, then 60%': one track, 9.5 dB apart (before: the music
    stopped at 0:02)."""
    draft = parse("use my song at 20% for the first 2 seconds, then 60%")
    [track] = timeline_of(draft).music  # type: ignore[arg-type]
    assert (track.start, track.length) == (0, 4000)
    out, _ = await render(draft, clip, song)
    first = tone_level_db(out, 0.2, 1.4, MUSIC_HZ)
    after = tone_level_db(out, 2.7, 3.9, MUSIC_HZ)
    assert after - first == pytest.approx(20 * math.log10(3), abs=1.5)


async def test_a_gradual_change_rises_in_a_line_and_holds_after(render: Render, clip: Path,
                                                               song: Path) -> None:
    """'build up the music from 0:01 to 0:03': level x1 before, a straight line to x2 (+6 dB)
    across, x2 after (before: one step up over the whole video, or not understood)."""
    draft = parse("use my song, build up the music from 0:01 to 0:03")
    [track] = timeline_of(draft).music  # type: ignore[arg-type]
    [span] = track.envelope
    assert (span.start, span.end, span.factor, span.to) == (1000, 3000, 1.0, 2.0)
    out, _ = await render(draft, clip, song)
    before = tone_level_db(out, 0.2, 0.9, MUSIC_HZ)
    rising = [tone_level_db(out, t, t + 0.3, MUSIC_HZ) for t in (1.1, 1.6, 2.1, 2.6)]
    assert all(b > a + 0.5 for a, b in zip([before, *rising], rising, strict=False))
    assert rising[1] - before == pytest.approx(20 * math.log10(1.375), abs=1.0)  # at 1.75 s
    assert tone_level_db(out, 3.1, 3.9, MUSIC_HZ) - before == pytest.approx(6.0, abs=1.0)
