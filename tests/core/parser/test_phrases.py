"""Text helpers of the parser (times, quotes, clauses, normalising) and edge cases of edits."""

from __future__ import annotations

import pytest

from core.draft import AUDIO, Draft
from core.errors import NotUnderstood
from core.parser.instructions import Context, MusicRef, apply_instruction
from core.parser.phrases import (
    clauses,
    normalise,
    say_clock,
    say_time,
    times,
)
from core.parser.quotes import QUOTE_MARK, extract_quotes


@pytest.mark.parametrize(("text", "ms"), [
    ("0:05", 5000), ("1:30", 90_000), ("1:02:03", 3_723_000), ("0:05.5", 5500),
    ("5s", 5000), ("5 s", 5000), ("2.5 seconds", 2500), ("1 second", 1000), ("500ms", 500),
    ("2 minutes", 120_000), ("1m30s", 90_000), ("1 min 30 sec", 90_000), ("3秒", 3000),
    ("2分钟", 120_000),
])
def test_times(text: str, ms: float) -> None:
    found = times(text)
    assert len(found) == 1 and found[0].ms == ms


@pytest.mark.parametrize("text", ["30%", "720p", "5 songs", "2 music", "volume 0.3", "4k"])
def test_not_times(text: str) -> None:
    assert times(text) == []


@pytest.mark.parametrize(("raw", "quotes"), [
    ('add the title "Summer 2024"', ["Summer 2024"]),
    ("add the title “Hello, world”", ["Hello, world"]),
    ("title 'Don't stop' please", ["Don't stop"]),
    ("don't loop, it's fine", []),
    ("add 'Let's go' for 2 s and don't loop", ["Let's go"]),
    ("加标题「海边」", ["海边"]),
    ("title: Our Trip for 3 s", ["Our Trip"]),
    ('"a" and "b"', ["a", "b"]),
])
def test_quotes_are_taken_out(raw: str, quotes: list[str]) -> None:
    text, found = extract_quotes(raw)
    assert found == quotes
    assert text.count(QUOTE_MARK) == 2 * len(quotes)


@pytest.mark.parametrize(("raw", "normal"), [
    ("Fade-Out  over FIVE seconds", "fade out over 5 seconds"),
    ("thirty percent", "30 percent"),
    ("twenty-five percent", "25 percent"),
    ("half a minute", "30 seconds"),
    ("add backround muisc", "add background music"),
    ("make it a little quieter", "make it a little quieter"),
    ("volumn 30％", "volume 30%"),
    ("淡出三秒", "淡出3秒"),
    ("音量百分之五十", "音量50%"),
    ("Lo-Fi", "lofi"),
])
def test_normalise(raw: str, normal: str) -> None:
    assert normalise(raw) == normal


@pytest.mark.parametrize(("text", "parts"), [
    ("add lofi music at 20%, fade in 2s and fade out 5s, and mute my audio",
     ["add lofi music at 20%", "fade in 2s", "fade out 5s", "mute my audio"]),
    ("volume 0.3. then fade out", ["volume 0.3", "fade out"]),
    ("加背景音乐,淡出3秒然后静音", ["加背景音乐", "淡出3秒", "静音"]),
])
def test_clauses(text: str, parts: list[str]) -> None:
    assert clauses(text) == parts


@pytest.mark.parametrize(("ms", "time", "clock"), [
    (2000, "2 s", "0:02"), (2500, "2.5 s", "0:02.5"), (90_000, "1:30", "1:30"),
])
def test_saying_times(ms: float, time: str, clock: str) -> None:
    assert (say_time(ms), say_clock(ms)) == (time, clock)


def clip(ms: int) -> Draft:
    return Draft({"t": [{"tt": 0, "sg": [{"s": 0, "d": ms, "m": {"name": "a.mp4"}}]}], "m": {}})


def bgm(draft: Draft) -> dict[str, object]:
    track = draft.track_dict(AUDIO, create=False)
    assert track is not None
    seg: dict[str, object] = track["sg"][0]
    return seg


def test_default_fade_is_a_third_of_a_short_video() -> None:
    parsed = apply_instruction(clip(6000), "fade it out at the end", Context(6000, True, None))
    assert bgm(parsed.draft)["m"]["fade_out"] == 2000  # type: ignore[index]
    assert "fade out 2 s" in parsed.understood


def test_fades_never_outlast_the_music() -> None:
    parsed = apply_instruction(clip(6000), "fade in 10 s", Context(6000, True, None))
    assert bgm(parsed.draft)["m"]["fade_in"] == 6000  # type: ignore[index]


def test_unknown_video_length_still_edits() -> None:
    parsed = apply_instruction(Draft(), "add calm music and fade out", Context(None, False, None))
    seg = bgm(parsed.draft)
    assert seg["d"] == 0 and seg["m"]["fade_out"] == 3000  # type: ignore[index]


def test_trim_past_the_end_is_said_not_done() -> None:
    parsed = apply_instruction(clip(10_000), "add lofi music and cut the first 20 seconds",
                               Context(10_000, True, None))
    assert "trim" not in parsed.draft.meta
    assert "not done: that trim does not fit the video" in parsed.understood


def test_music_start_past_the_video_means_a_point_in_the_song() -> None:
    song = MusicRef("s", "song.mp3", 120_000)
    parsed = apply_instruction(clip(10_000), "start the music at 0:45", Context(10_000, True, song))
    seg = bgm(parsed.draft)
    assert seg["s"] == 0 and seg["m"]["offset"] == 45_000  # type: ignore[index]


def test_ducking_brings_back_a_muted_original() -> None:
    draft = clip(10_000)
    draft.meta["original"] = "mute"
    parsed = apply_instruction(draft, "duck the music under my voice", Context(10_000, True, None))
    assert parsed.draft.meta["original"] == "keep" and parsed.draft.meta["duck"] is True


def test_remove_and_reset_settings() -> None:
    draft = clip(10_000)
    draft.meta.update(aspect="9:16", fill="crop", loudness=-14.0)
    draft.data["t"].append({"tt": 7, "sg": [{"s": 0, "d": 3000, "m": {"text": "Hi"}}]})
    parsed = apply_instruction(draft, "original aspect ratio, no normalization, remove the title",
                               Context(10_000, True, None))
    m = parsed.draft.meta
    assert (m["aspect"], m["loudness"]) == (None, None)
    assert parsed.draft.first_segment(7) is None
    assert parsed.understood == ("no loudness normalisation", "original aspect ratio",
                                 "title removed")


def test_not_understood_never_changes_anything() -> None:
    draft = clip(10_000)
    before = draft.to_json()
    with pytest.raises(NotUnderstood):
        apply_instruction(draft, "please make it go viral", Context(10_000, True, None))
    assert draft.to_json() == before


@pytest.mark.parametrize("text", [
    "fade out " + "9" * 400 + " s", "start the music at " + "9" * 400 + " s",
    'add the title "x" for ' + "9" * 400 + " s", "volume " + "9" * 400,
    "trim to the first " + "9" * 400 + " s", "-" + "9" * 400 + " db", "9" * 400 + " lufs",
])
@pytest.mark.parametrize("length", [30_000, None])
def test_absurd_numbers_are_bounded(text: str, length: float | None) -> None:
    try:
        parsed = apply_instruction(Draft(), text, Context(length, True, None))
    except NotUnderstood:
        return
    for track in parsed.draft.tracks:
        for seg in track.segments:
            assert 0 <= seg.start_ms <= 86_400_000 and 0 <= seg.duration_ms <= 86_400_000


def test_a_very_long_message_is_refused_quickly() -> None:
    with pytest.raises(NotUnderstood, match="shorter"):
        apply_instruction(Draft(), "fade " * 3000, Context(30_000, True, None))
