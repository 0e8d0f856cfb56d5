"""The picture in the words people use (issue 10's families, session 5): a shape taken back
("undo vertical", "not vertical" set 9:16 before), "higher quality" (it added music at 57%:
"higher" was read as louder), a size limit said as an app's ("small enough for Discord"), and
a time alone."""

from __future__ import annotations

import pytest

from core.errors import NotUnderstood
from core.timeline.convert import timeline_of
from core.words import localise
from tests.core.parser.test_gaps_and_ends import bare, parse


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
