"""Chinese requests found by running whole Chinese conversations (issue 10): the song just
sent added with the words the bot itself suggests (加上它), a trending song asked for by
name, a kind of music that is not a built-in mood said back, and a time alone before a
fade ("2s fade out", a request on its own before)."""

from __future__ import annotations

import pytest

from core.errors import NotUnderstood
from core.local.render_job import put_video
from core.parser.instructions import Context, MusicRef, apply_instruction
from core.timeline.convert import draft_of, timeline_of
from core.timeline.model import Timeline

SONG = MusicRef("song-1", "song.mp3", 60_000)
CTX = Context(30_000, True, SONG)
CLIP = draft_of(put_video(Timeline(), "clip.mp4", "v1", 30.0))


@pytest.mark.parametrize(("text", "level"), [
    ("加上它，音量30%", 0.3), ("加上它", None), ("用它", None), ("好的，用这首歌", None),
    ("放这首歌", None), ("就用这个", None), ("配上它，音量50%", 0.5)])
def test_add_it_in_chinese_adds_the_song_just_sent(text: str, level: float | None) -> None:
    parsed = apply_instruction(CLIP, text, CTX)
    song = timeline_of(parsed.draft).song
    assert song is not None and song.source.media_id == "song-1", parsed.understood
    assert level is None or abs(song.gain - level) < 1e-9
    assert not any(s.startswith("not understood") for s in parsed.understood), parsed.understood


@pytest.mark.parametrize("text", ["加抖音上很火的歌", "加抖音热门音乐", "用最火的歌",
                                  "加网易云的歌"])
def test_a_trending_song_is_a_song_by_name_not_a_shape(text: str) -> None:
    with pytest.raises(NotUnderstood) as refused:
        apply_instruction(CLIP, text, CTX)
    assert "Spotify" in refused.value.user_message


@pytest.mark.parametrize("text", ["抖音", "做成抖音竖屏", "发抖音用"])
def test_douyin_alone_is_still_the_vertical_shape(text: str) -> None:
    assert timeline_of(apply_instruction(CLIP, text, CTX).draft).picture.aspect == "9:16"


@pytest.mark.parametrize(("text", "kind"), [("加摇滚音乐", "摇滚"), ("加点古典音乐", "古典"),
                                            ("来点说唱的歌", "说唱"), ("加流行歌", "流行")])
def test_a_kind_of_music_that_is_not_a_mood_is_said(text: str, kind: str) -> None:
    parsed = apply_instruction(CLIP, text, CTX)
    said = parsed.understood
    assert any(f'"{kind}" is not a built-in mood' in s for s in said), said


@pytest.mark.parametrize(("text", "fade_out"), [("2s fade out", 2000), ("1:30 fade out", 90_000),
                                                ("add music, 4 second fade out", 4000),
                                                ("add lofi at 30% fade out 3", 3000)])
def test_a_time_before_a_fade_is_its_length(text: str, fade_out: int) -> None:
    parsed = apply_instruction(CLIP, text, Context(720_000, True, SONG))
    song = timeline_of(parsed.draft).song
    assert song is not None and song.fade_out == fade_out, parsed.understood
    assert not any(s.startswith("not understood") for s in parsed.understood), parsed.understood
