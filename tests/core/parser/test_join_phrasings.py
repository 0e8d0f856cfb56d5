"""Understanding "join my clips" in English and Chinese: every clip of the conversation, in the
order sent, one after the other, with the music refitted across the whole (rendered and
measured in tests/core/local/test_join.py)."""

from __future__ import annotations

import pytest

from core.errors import NotUnderstood
from core.parser.instructions import Context, apply_instruction
from core.timeline.convert import timeline_of
from core.timeline.model import Clip
from tests.core.local.drafts import make_draft

VIDEOS = (Clip("v1", "a.mp4", 2000), Clip("v2", "b.mp4", 1500), Clip("v3", "c.mp4", 2500))


@pytest.mark.parametrize("text", [
    "join my clips", "put all the videos together", "merge them", "combine the clips",
    "join all my videos into one", "stitch the clips together", "merge the videos please",
    "合并视频", "把视频拼在一起", "把所有视频合在一起", "拼接视频", "合并所有视频",
])
def test_phrasings_join_every_clip_in_order(text: str) -> None:
    ctx = Context(2500, True, None, videos=VIDEOS)
    parsed = apply_instruction(make_draft(2500, {"source_ms": 30_000}), text, ctx)
    timeline = timeline_of(parsed.draft)
    assert [(c.media_id, c.start) for c in timeline.clips] == [
        ("v1", 0), ("v2", 2000), ("v3", 3500)], parsed.understood
    assert timeline.length == 6000
    song = timeline.song
    assert song is not None and song.length == 6000  # the music runs across the whole
    assert not any(u.startswith("not understood") for u in parsed.understood), parsed.understood
    assert parsed.understood[0].startswith("joined 3 clips in the order sent (a.mp4, b.mp4")


def test_join_with_other_requests_in_one_message() -> None:
    ctx = Context(2500, True, None, videos=VIDEOS)
    parsed = apply_instruction(make_draft(2500, {"source_ms": 30_000}),
                               "join my clips and fade out the music 2s", ctx)
    timeline = timeline_of(parsed.draft)
    assert len(timeline.clips) == 3
    assert timeline.song is not None and timeline.song.fade_out == 2000


def test_joining_a_single_clip_says_so() -> None:
    ctx = Context(2500, True, None, videos=(Clip("v1", "a.mp4", 2500),))
    parsed = apply_instruction(make_draft(2500), "join my clips", ctx)
    assert len(timeline_of(parsed.draft).clips) == 1
    assert parsed.understood[0].startswith("not done: there is only one clip")


@pytest.mark.parametrize("text", ["split the clip in two", "把视频分割成两段"])
def test_splitting_is_answered_in_words(text: str) -> None:
    with pytest.raises(NotUnderstood, match="join my clips"):
        apply_instruction(make_draft(2500), text, Context(2500, True, None, videos=VIDEOS))
