"""Cuts, trims and things Backtrack does not do, as people say them (session 6). Before:
"cut 0:10 to 0:20 out" kept exactly 0:10-0:20 (the opposite), "take 0:10 to 0:20 out" and
"delete seconds 10 to 20" were not understood, "I only want the first 10 seconds" was not
understood, "start at 0:05 and end at 0:25" cut the end and started new music at 0:05,
"skip the first 10 seconds of the song" on built-in music moved its start, and "add a beat
drop at 0:10" started the music at 0:10."""

from __future__ import annotations

import pytest

from core.errors import NotUnderstood
from core.parser.instructions import Context, apply_instruction
from core.timeline.convert import timeline_of
from core.words import localise
from tests.core.parser.test_gaps_and_ends import bare, lofi

CTX = Context(30_000, True, None)
LONG = Context(720_000, True, None)


def long_clip() -> object:
    draft = bare()
    draft.data["t"][0]["sg"][0]["d"] = 720_000
    return draft


@pytest.mark.parametrize(("text", "cuts"), [
    ("cut 0:10 to 0:20 out", ((10_000, 20_000),)), ("take 0:10 to 0:20 out", ((10_000, 20_000),)),
    ("delete seconds 10 to 20", ((10_000, 20_000),)), ("chop 5s-8s out", ((5000, 8000),)),
    ("cut the part from 0:10 to 0:20 out", ((10_000, 20_000),)),
])
def test_a_part_taken_out_is_cut_out(text: str, cuts: tuple[tuple[int, int], ...]) -> None:
    parsed = apply_instruction(bare(), text, CTX)
    timeline = timeline_of(parsed.draft)
    assert timeline.cuts == cuts and timeline.trim is None, parsed.understood


@pytest.mark.parametrize(("text", "trim", "music"), [
    ("I only want the first 10 seconds", (0, 10_000), False),
    ("i just need the last 10 seconds", (20_000, 30_000), False),
    ("start at 0:05 and end at 0:25", (5000, 25_000), False),
    ("begin at 5s, stop at 25s", (5000, 25_000), False),
    ("start the video at 0:05 and end it at 0:25", (5000, 25_000), False),
])
def test_the_part_wanted_is_kept(text: str, trim: tuple[int, int], music: bool) -> None:
    parsed = apply_instruction(bare(), text, CTX)
    timeline = timeline_of(parsed.draft)
    assert timeline.trim == trim and bool(timeline.music) == music, parsed.understood


def test_start_alone_with_music_still_moves_the_music() -> None:
    parsed = apply_instruction(lofi(), "start at 0:05", CTX)
    timeline = timeline_of(parsed.draft)
    assert timeline.music[0].start == 5000 and timeline.trim is None


def test_times_past_ten_minutes_in_a_wanted_part() -> None:
    parsed = apply_instruction(long_clip(), "start at 0:45 and end at 9:10", LONG)  # type: ignore[arg-type]
    assert timeline_of(parsed.draft).trim == (45_000, 550_000)
    parsed = apply_instruction(long_clip(), "I only want the first minute", LONG)  # type: ignore[arg-type]
    assert timeline_of(parsed.draft).trim == (0, 60_000)


def test_skipping_into_built_in_music_is_said_not_done() -> None:
    parsed = apply_instruction(lofi(), "skip the first 10 seconds of the song", CTX)
    [track] = timeline_of(parsed.draft).music
    assert (track.start, track.offset) == (0, 0)
    note = next(s for s in parsed.understood if s.startswith("not done"))
    assert "no part to skip" in note and "没有可以跳过" in localise(note, "zh")


@pytest.mark.parametrize("text", ["less bass", "more treble", "add a beat drop at 0:10",
                                  "make the beat drop at 0:10", "boost the bass", "低音多一点"])
def test_the_sound_s_tone_is_said_not_done_and_nothing_moves(text: str) -> None:
    with pytest.raises(NotUnderstood) as refused:
        apply_instruction(bare(), text, CTX)
    assert "tone" in refused.value.user_message
    assert "音色" in localise(refused.value.user_message, "zh")


def test_the_tone_is_named_beside_what_was_done() -> None:
    parsed = apply_instruction(bare(), "add calm music with more bass", CTX)
    assert timeline_of(parsed.draft).music[0].source.mood == "calm"
    assert any("tone" in s for s in parsed.understood), parsed.understood


@pytest.mark.parametrize(("text", "words", "zh"), [
    ("make it 30 fps", "frame rate", "帧率"), ("make it mp3", "not sound files", "音频"),
    ("only the audio", "not sound files", "音频"), ("extract the music", "not sound files", "音频"),
])
def test_what_backtrack_does_not_make_is_said(text: str, words: str, zh: str) -> None:
    with pytest.raises(NotUnderstood) as refused:
        apply_instruction(bare(), text, CTX)
    assert words in refused.value.user_message
    assert zh in localise(refused.value.user_message, "zh")


@pytest.mark.parametrize(("text", "title", "note"), [
    ("title Hello for 5s", ("Hello", 5000), None),
    ("title My Trip", ("My Trip", 3000), None),
    ('add the titles "A" and "B"', ("B", 3000), "one title at a time"),
])
def test_titles_as_typed(text: str, title: tuple[str, int], note: str | None) -> None:
    """Before: "title Hello for 5s" asked for quotes; two titles kept the last silently."""
    parsed = apply_instruction(bare(), text, CTX)
    shown = timeline_of(parsed.draft).title
    assert shown is not None and (shown.text, shown.length) == title
    notes = [s for s in parsed.understood if s.startswith("not done")]
    assert (note is None and not notes) or (note is not None and note in notes[0])


@pytest.mark.parametrize(("text", "fill", "note"), [
    ("pad to square with blur", "blur", False), ("make it 1:1 with white background", "blur", True),
    ("vertical with black bars", "pad", False),
])
def test_the_fill_as_said(text: str, fill: str, note: bool) -> None:
    """Before: "pad … with blur" gave black bars, "white background" was dropped silently."""
    parsed = apply_instruction(bare(), text, CTX)
    assert timeline_of(parsed.draft).picture.fill == fill
    said = " ".join(parsed.understood)
    assert ("not a colour" in said) == note
    assert "颜色" in localise(said, "zh") or not note


@pytest.mark.parametrize(("text", "cuts", "trim"), [
    ("cut out 0:05-0:08 and 0:15-0:18", ((5000, 8000), (15_000, 18_000)), None),
    ("delete 0:05 to 0:08 and 0:15 to 0:18", ((5000, 8000), (15_000, 18_000)), None),
    ("trim the first and last 3 seconds", (), (3000, 27_000)),
    ("cut the first and the last 2 s", (), (2000, 28_000)),
])
def test_several_parts_cut_in_one_message(text: str, cuts: tuple[tuple[int, int], ...],
                                          trim: tuple[int, int] | None) -> None:
    """Before: "cut out 0:05-0:08 and 0:15-0:18" kept only 0:15-0:18, "trim the first and
    last 3 seconds" kept only the last 3 seconds."""
    parsed = apply_instruction(bare(), text, CTX)
    timeline = timeline_of(parsed.draft)
    assert (timeline.cuts, timeline.trim) == (cuts, trim), parsed.understood
    if cuts:
        assert timeline.length == 30_000 - sum(b - a for a, b in cuts)


@pytest.mark.parametrize(("text", "spans"), [
    ("mute the music from 0:05 to 0:10 and from 0:20 to 0:25",
     [(5000, 10_000, 0.0), (20_000, 25_000, 0.0)]),
    ("lower the music between 0:05 and 0:10 and between 0:20 and 0:25",
     [(5000, 10_000, 0.45), (20_000, 25_000, 0.45)]),
    ("music a little quieter at the start and louder at the end",
     [(0, 5000, 0.7), (25_000, 30_000, 1.8)]),
])
def test_several_parts_of_the_music_in_one_message(text: str,
                                                   spans: list[tuple[int, int, float]]) -> None:
    """Before: the second part was a trim of the video ("video trimmed to 0:20-0:25") or the
    first part was dropped."""
    parsed = apply_instruction(lofi(), text, CTX)
    timeline = timeline_of(parsed.draft)
    assert timeline.trim is None and timeline.cuts == (), parsed.understood
    got = [(s.start, s.end, s.factor) for s in timeline.music[0].envelope]
    assert got == spans, parsed.understood


@pytest.mark.parametrize(("text", "trim"), [
    ("keep minutes 2 to 4", (120_000, 240_000)),
    ("keep from minute 2 to minute 4", (120_000, 240_000)),
    ("keep seconds 10 to 20", (10_000, 20_000)),
    ("remove everything before 1:00 and after 2:00", (60_000, 120_000)),
    ("start at 2m and stop at 3m30s", (120_000, 210_000)),
    ("cut 2:00 → 2:30", (120_000, 150_000)),
    ("keep from 0:30 to the end", (30_000, 720_000)),
])
def test_parts_of_a_long_clip_as_typed(text: str, trim: tuple[int, int]) -> None:
    """Before: "keep minutes 2 to 4" kept 0:02-0:04, "remove everything before 1:00 and
    after 2:00" kept 1:00-12:00 and started music at 2:00, "start at 2m and stop at 3m30s" cut
    at 3:30 and started music at 2:00, "cut 2:00 → 2:30" was not understood."""
    parsed = apply_instruction(long_clip(), text, LONG)  # type: ignore[arg-type]
    timeline = timeline_of(parsed.draft)
    assert timeline.trim == trim and not timeline.music, parsed.understood


def test_a_start_past_the_end_adds_no_music() -> None:
    """Before: "keep from 1h to the end" on a 12-minute clip added music ("music fits the
    video")."""
    parsed = apply_instruction(long_clip(), "keep from 30 minutes to the end", LONG)  # type: ignore[arg-type]
    timeline = timeline_of(parsed.draft)
    assert timeline.trim is None and not timeline.music, parsed.understood
    assert any(s.startswith("not done") for s in parsed.understood)
