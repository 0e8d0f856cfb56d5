"""Understanding "end the song with the video" (back-timing) in English and Chinese: the song
is placed by its own ending (rendered and measured in tests/core/local/test_back_time.py)."""

from __future__ import annotations

import pytest

from core.parser.instructions import Context, MusicRef, apply_instruction
from core.timeline.convert import timeline_of
from tests.core.local.drafts import make_draft


@pytest.mark.parametrize("text", [
    "end the song with the video", "make the music end when the video ends", "back-time the song",
    "音乐和视频一起结束", "让音乐在视频结束时结束", "让音乐在视频结束的时候结束",
])
def test_phrasings_back_time_the_song(text: str) -> None:
    ctx = Context(10_000, True, MusicRef("a1", "song.mp3", 30_000))
    parsed = apply_instruction(make_draft(10_000, {"source_ms": 30_000}), text, ctx)
    song = timeline_of(parsed.draft).song
    assert song is not None and song.align == "end", parsed.understood
    assert (song.start, song.offset, song.length) == (0, 20_000, 10_000)
    assert not any(u.startswith("not understood") for u in parsed.understood), parsed.understood
