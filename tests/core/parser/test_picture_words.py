"""The picture in the words people use (issue 10's families, session 5): a shape taken back
("undo vertical", "not vertical" set 9:16 before), "higher quality" (it added music at 57%:
"higher" was read as louder), a size limit said as an app's ("small enough for Discord"), and
negations ("don't add music" added music, "undo the fade" set a 3 s fade out, "don't make it
louder" made it louder)."""

from __future__ import annotations

from typing import Any

import pytest

from core.errors import NotUnderstood
from core.timeline.convert import timeline_of
from core.words import localise
from tests.core.parser.test_gaps_and_ends import bare, lofi, parse


@pytest.mark.parametrize("text", ["undo vertical", "not vertical", "no longer square",
                                  "remove the 9:16", "取消竖屏", "don't make it vertical"])
def test_a_shape_taken_back_is_the_clips_own(text: str) -> None:
    vertical, _ = parse("make it vertical", bare())
    draft, said = parse(text, vertical)
    assert timeline_of(draft).picture.aspect is None, said
    assert said == ["original aspect ratio"]


@pytest.mark.parametrize("text", ["higher quality", "best quality", "better video quality",
                                  "make it high quality", "8k please", "画质高一点"])
def test_quality_is_answered_never_a_music_level(text: str) -> None:
    with pytest.raises(NotUnderstood, match="as sharp as it came") as err:
        parse(text, bare())
    assert localise(err.value.user_message, "zh").startswith("你的视频画质会保持原样")


def test_lower_quality_is_a_smaller_picture_not_quieter_music() -> None:
    draft, said = parse("lower the resolution")
    timeline = timeline_of(draft)
    assert timeline.picture.resolution == 720 and timeline.music[0].gain == 0.5, said


@pytest.mark.parametrize(("text", "mb"), [("small enough for discord", 10.0),
                                          ("make it fit on whatsapp", 16.0),
                                          ("compress it for email", 25.0),
                                          ("under 8mb for discord", 8.0)])
def test_a_size_said_as_an_apps_limit(text: str, mb: float) -> None:
    draft, said = parse(text, bare())
    assert timeline_of(draft).picture.max_mb == mb, said
    assert all(not s.startswith("not") for s in said), said
    assert "MB" in localise("; ".join(said), "zh")


NEGATIONS = [  # text, start, what must hold afterwards
    ("don't add music", "bare", lambda t: t.music == ()),
    ("undo the fade", "faded", lambda t: (t.music[0].fade_in, t.music[0].fade_out) == (0, 0)),
    ("cancel the fade out", "faded", lambda t: t.music[0].fade_out == 0),
    ("cancel the trim", "trimmed", lambda t: t.trim is None),
    ("don't touch my voice", "lofi", lambda t: t.original.gain == 1.0 and not t.original.envelope),
    ("not louder, quieter", "lofi", lambda t: t.music[0].gain < 0.5),
]


@pytest.mark.parametrize(("text", "start", "holds"), NEGATIONS)
def test_negations_do_not_do_the_thing(text: str, start: str, holds: Any) -> None:
    draft = {"bare": bare, "lofi": lofi, "faded": faded, "trimmed": trimmed}[start]()
    try:
        after, said = parse(text, draft)
    except NotUnderstood:
        after, said = draft, []
    assert holds(timeline_of(after)), said


@pytest.mark.parametrize("text", ["don't make it louder", "not louder",
                                  "do not make the music quieter"])
def test_a_level_not_to_change_is_left_and_said(text: str) -> None:
    with pytest.raises(NotUnderstood, match="the level stays as it is") as err:
        parse(text)
    assert localise(err.value.user_message, "zh").startswith("好的，音量保持不变")


@pytest.mark.parametrize(("text", "kept"), [
    ('keep everything and add a title "Hi"', 'title "Hi" for 3 s'),
    ("same but vertical", "aspect 9:16 (blurred background)"),
    ("the music is fine, just fade it out", "fade out 3 s"),
])
def test_words_that_keep_things_are_not_reported_as_not_understood(text: str,
                                                                   kept: str) -> None:
    _, said = parse(text)
    assert said == [kept]


def faded() -> Any:
    draft = lofi()
    draft.data["t"][1]["sg"][0]["m"].update(fade_in=2000, fade_out=3000)
    return draft


def trimmed() -> Any:
    draft = bare()
    draft.meta["trim"] = [5000, 20_000]
    return draft


def test_a_level_past_the_most_is_said() -> None:
    draft, said = parse("music at 300%")
    assert timeline_of(draft).music[0].gain == 2.0
    assert said == ["music volume 200% (the most I go to: 200%)"]
    assert localise(said[0], "zh").endswith("（最高 200%）")
