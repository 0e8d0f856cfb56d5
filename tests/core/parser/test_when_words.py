"""When in the video, in the words people use (issue 10's "wrong edits" family, found by trying
phrasings that were not in the tests): a level from a time to the end ("louder after 0:10"),
"only" that is about a time and not about the original sound ("music only from 0:05 to 0:20"),
a music end counted back from the video's end ("stop the music 3 s before the end"), halves of
the video ("the second half", "halfway through") and "then back to normal" after a dip.
Before the fix "louder after 0:10" moved the music's start to 0:10 and raised all of it, "music
only from..." muted the person's own sound, and the rest were not understood."""

from __future__ import annotations

from typing import Any

import pytest

from core.draft import AUDIO, TEXT, Draft
from core.errors import NotUnderstood
from core.parser.instructions import Context, apply_instruction


def lofi(ms: int = 30_000, trim: tuple[int, int] | None = None) -> Draft:
    draft = Draft({"t": [{"tt": 0, "sg": [{"s": 0, "d": ms, "m": {"name": "b.mp4",
                                                                   "media_id": "v1"}}]},
                         {"tt": AUDIO, "sg": [{"s": 0, "d": ms, "m": {
                             "name": "built-in lofi", "mood": "lofi", "volume": 0.5,
                             "fit": "loop"}}]}], "m": {}})
    if trim is not None:
        draft.meta["trim"] = list(trim)
    return draft


def no_music() -> Draft:
    return Draft({"t": [{"tt": 0, "sg": [{"s": 0, "d": 30_000, "m": {"name": "b.mp4"}}]}],
                  "m": {}})


def parse(text: str, ms: int | None = 30_000, draft: Draft | None = None
          ) -> tuple[Draft, dict[str, Any], list[str]]:
    parsed = apply_instruction(draft or lofi(ms or 30_000), text, Context(ms, True, None))
    seg = parsed.draft.first_segment(AUDIO)
    assert seg is not None
    music = dict(seg.meta) | {"s": seg.start_ms, "d": seg.duration_ms}
    return parsed.draft, music, list(parsed.understood)


def understood_whole(said: list[str]) -> bool:
    return not any(s.startswith(("not understood", "not done")) for s in said)


LEVEL_TO_THE_END = [  # text, from (ms), louder (>) or quieter (<)
    ("louder after 0:10", 10_000, ">"),
    ("make the music louder after 10 seconds", 10_000, ">"),
    ("music quieter after 0:20", 20_000, "<"),
    ("music quieter from 0:12 on", 12_000, "<"),
    ("turn the music down from 0:08 onwards", 8_000, "<"),
    ("lower the music to 10% after 0:20", 20_000, "<"),
    ("a bit louder starting at 0:05", 5_000, ">"),
    ("the music should be softer past 25s", 25_000, "<"),
    ("0:10以后音乐大声一点", 10_000, ">"),
    ("music louder in the second half", 15_000, ">"),
    ("后半段音乐小声一点", 15_000, "<"),
]


@pytest.mark.parametrize(("text", "a", "way"), LEVEL_TO_THE_END)
def test_a_level_from_a_time_to_the_end_is_a_lift_or_dip_not_a_new_start(
        text: str, a: int, way: str) -> None:
    _, music, said = parse(text)
    assert (music["s"], music["d"], music.get("until")) == (0, 30_000, None), said
    assert music["volume"] == 0.5, said  # the rest of the music keeps its level
    [[start, end, level]] = music["envelope"]
    assert (start, end) == (a, 30_000)
    assert level < 0.9 if way == "<" else level > 1.1
    assert understood_whole(said), said


@pytest.mark.parametrize("text", ["louder after 0:10", "stop the music 3 s before the end"])
def test_with_the_video_length_unknown_it_says_so(text: str) -> None:
    draft = lofi()
    draft.data["t"][0]["sg"][0]["d"] = 0  # a clip whose length was never measured
    try:
        said = list(apply_instruction(draft, text, Context(None, True, None)).understood)
    except NotUnderstood as refused:  # nothing else in the request: the refusal says why
        said = [f"not done: {refused.user_message}"]
    assert said == ["not done: I don't know the video's length for that"]


ONLY_A_TIME = [  # "only" about when the music plays: the person's own sound stays
    ("music only from 0:05 to 0:20", 5_000, 20_000),
    ("only music between 5s and 20s", 5_000, 20_000),
    ("music for the first 15 seconds only", 0, 15_000),
    ("just the music from 0:05 until 0:25", 5_000, 25_000),
    ("music only in the first half", 0, 15_000),
]


@pytest.mark.parametrize(("text", "a", "b"), ONLY_A_TIME)
def test_only_about_a_time_keeps_the_original_sound(text: str, a: int, b: int) -> None:
    draft, music, said = parse(text)
    assert draft.meta.get("original") != "mute", said
    assert (music["s"], music["s"] + music["d"]) == (a, b), said
    assert not any("muted" in s for s in said), said


@pytest.mark.parametrize("text", ["only music", "music only", "just music please",
                                  "music only, no voice", "只要音乐"])
def test_only_music_with_no_time_still_replaces_the_original_sound(text: str) -> None:
    draft, _, said = parse(text)
    assert draft.meta.get("original") == "mute", said


BEFORE_THE_END = [  # text, seconds before the end
    ("music stops 3 seconds before the end", 3_000),
    ("stop the music 5s before the end", 5_000),
    ("end the music 2 seconds early", 2_000),
    ("end the song 2 seconds earlier", 2_000),
    ("the music should end 4 s before the video ends", 4_000),
    ("cut the music 1.5 seconds before the end of the video", 1_500),
    ("音乐在结束前3秒停", 3_000),
    ("音乐提前5秒结束", 5_000),
]


@pytest.mark.parametrize(("text", "back"), BEFORE_THE_END)
@pytest.mark.parametrize("trim", [None, (10_000, 20_000)])
def test_a_music_end_counted_back_from_the_video_end(text: str, back: int,
                                                     trim: tuple[int, int] | None) -> None:
    length = 30_000 if trim is None else trim[1] - trim[0]
    _, music, said = parse(text, draft=lofi(trim=trim))
    assert music["until"] == length - back and music["s"] == 0, said
    assert understood_whole(said), said


def test_an_earlier_start_is_not_an_end() -> None:
    draft = lofi()
    draft.data["t"][1]["sg"][0]["s"] = 5_000
    _, music, said = parse("start the music 2 seconds earlier", draft=draft)
    assert music["s"] == 3_000 and music.get("until") is None, said


HALVES = [  # text, (music start, music end) or ("trim", a, b)
    ("start the music halfway", (15_000, 30_000)),
    ("start the music halfway through the video", (15_000, 30_000)),
    ("stop the music at the halfway point", (0, 15_000)),
    ("add music from halfway", (15_000, 30_000)),
    ("music for the last half", (15_000, 30_000)),
    ("音乐从一半开始", (15_000, 30_000)),
    ("keep the first half", ("trim", 0, 15_000)),
    ("cut the second half", ("trim", 0, 15_000)),
    ("只要前半段", ("trim", 0, 15_000)),
]


@pytest.mark.parametrize(("text", "expected"), HALVES)
def test_halves_of_the_video_are_times(text: str, expected: tuple[Any, ...]) -> None:
    draft, music, said = parse(text)
    if expected[0] == "trim":
        assert draft.meta.get("trim") == list(expected[1:]), said
    else:
        assert (music["s"], music["s"] + music["d"]) == expected, said
    assert understood_whole(said), said


def test_a_half_of_the_song_is_not_a_half_of_the_video() -> None:
    with pytest.raises(NotUnderstood):
        parse("skip the first half of the song")


@pytest.mark.parametrize("text", ["music quieter for the first 3s then normal",
                                  "quieter for the first 3s, then back to normal",
                                  "music softer at the start and back to normal after",
                                  "前3秒音乐小声一点，然后恢复正常"])
def test_back_to_normal_after_a_dip_is_understood(text: str) -> None:
    _, music, said = parse(text)
    [[start, _end, level]] = music["envelope"]
    assert start == 0 and level < 0.9
    assert understood_whole(said), said


def test_back_to_normal_alone_is_not_an_edit() -> None:
    with pytest.raises(NotUnderstood):
        parse("back to normal")


BOTH_ENDS = [  # cuts at both ends: before, the second end was "not understood" or unread
    ("cut the first 5 seconds and the last 5 seconds", (5_000, 25_000)),
    ("cut 5s from the start and 5s from the end", (5_000, 25_000)),
    ("remove 3s from the beginning and 3s from the end", (3_000, 27_000)),
    ("cut the last 5 seconds and the first 3 seconds", (3_000, 25_000)),
    ("trim 2 seconds off both ends", (2_000, 28_000)),
    ("trim 2s from each end", (2_000, 28_000)),
    ("两头各剪掉2秒", (2_000, 28_000)),
    ("去掉前3秒，再去掉最后5秒", (3_000, 25_000)),
]


@pytest.mark.parametrize(("text", "span"), BOTH_ENDS)
def test_cuts_at_both_ends(text: str, span: tuple[int, int]) -> None:
    draft, _, said = parse(text)
    assert tuple(draft.meta["trim"]) == span, said
    assert understood_whole(said), said


def test_both_ends_of_a_trimmed_video_cut_inside_its_trim() -> None:
    draft, _, said = parse("trim 1 second off both ends", draft=lofi(trim=(10_000, 20_000)))
    assert draft.meta["trim"] == [11_000, 19_000], said


@pytest.mark.parametrize(("text", "start", "span"), [
    ('title "Hi" in the last 3 seconds', 27_000, 3_000),
    ('add the title "Bye" for the last 4 seconds', 26_000, 4_000),
    ("最后3秒显示标题“再见”", 27_000, 3_000),
])
def test_a_title_in_the_last_seconds_is_at_the_end(text: str, start: int, span: int) -> None:
    draft, _, said = parse(text)
    title = draft.first_segment(TEXT)
    assert title is not None, said
    assert (title.start_ms, title.duration_ms) == (start, span), said


@pytest.mark.parametrize(("text", "fade"), [("ad music and fadeout at end", "fade_out"),
                                            ("add music, fade in at start", "fade_in")])
def test_at_end_without_the_is_read(text: str, fade: str) -> None:
    draft = no_music()
    _, music, said = parse(text, draft=draft)
    assert music.get(fade), said
    assert understood_whole(said), said


@pytest.mark.parametrize("text", ["louder voice", "boost my voice",
                                  "make my voice louder than the music"])
def test_a_louder_voice_at_full_volume_with_no_music_is_said_not_done(text: str) -> None:
    draft = no_music()
    said = list(apply_instruction(draft, text, Context(30_000, True, None)).understood)
    assert said == ["not done: your own sound is already at full volume (I don't raise it "
                    "above how it was recorded)"]


@pytest.mark.parametrize(("text", "check"), [
    ("cut the first second", lambda d, m: d.meta["trim"] == [1000, 30_000]),
    ("music for the last minute", lambda d, m: m["s"] == 0),  # the clip is 30 s: all of it
    ("fade out over the last second", lambda d, m: m["fade_out"] == 1000),
    ("quieter for the first second", lambda d, m: m["envelope"] == [[0, 1000, 0.45]]),
])
def test_first_and_last_second_without_a_number(text: str, check: Any) -> None:
    draft, music, said = parse(text)
    assert check(draft, music), (said, music)
