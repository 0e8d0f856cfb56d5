"""Songs named by their place among those sent: "use the second song", "remove the first song",
in English and Chinese (table rows), applied to the typed timeline."""

from __future__ import annotations

import pytest

from core.draft import Draft
from core.errors import NotUnderstood
from core.parser.instructions import Context, MusicRef, apply_instruction
from core.timeline.convert import draft_of, timeline_of
from core.timeline.model import MusicTrack, Song

A = MusicRef("song-a", "a.mp3", 60_000)
B = MusicRef("song-b", "b.mp3", 90_000)
C = MusicRef("song-c", "c.mp3", 45_000)
TWO = Context(30_000, True, B, songs=(A, B))
THREE = Context(30_000, True, C, songs=(A, B, C))


def video() -> Draft:
    return Draft({"t": [{"tt": 0, "sg": [{"s": 0, "d": 30_000, "m": {"name": "beach.mp4",
                                                                  "media_id": "v1"}}]}], "m": {}})


def with_tracks(*songs: MusicRef) -> Draft:
    """A video whose music is the given songs, one after the other, 10 s each."""
    timeline = timeline_of(video())
    tracks = tuple(MusicTrack(Song(s.name, s.media_id, length=round(s.duration_ms)), level=0.5,
                              start=10_000 * i, length=10_000) for i, s in enumerate(songs))
    return draft_of(timeline.__class__(**{**timeline.__dict__, "music": tracks}))


def media_ids(draft: Draft) -> list[str | None]:
    return [track.source.media_id for track in timeline_of(draft).music]


USE_ROWS = [
    # text, context, music before, songs on the timeline after
    ("use the second song", TWO, (A,), ["song-b"]),
    ("use the first song", TWO, (B,), ["song-a"]),
    ("switch to the 2nd song", THREE, (A,), ["song-b"]),
    ("play the third song", THREE, (), ["song-c"]),
    ("use song 2", THREE, (A,), ["song-b"]),
    ("use song number one", THREE, (C,), ["song-a"]),
    ("use the last song I sent", THREE, (A,), ["song-c"]),
    ("go back to the first one", TWO, (B,), ["song-a"]),
    ("use the second song", TWO, (A, B), ["song-b"]),  # replaces all the music
    ("用第二首歌", TWO, (A,), ["song-b"]),
    ("换成第一首", TWO, (B,), ["song-a"]),
    ("用第3首歌", THREE, (A,), ["song-c"]),
    ("改用最后一首歌", THREE, (A,), ["song-c"]),
    ("remove the first song", TWO, (A, B), ["song-b"]),
    ("delete the second song", TWO, (A, B), ["song-a"]),
    ("get rid of the 1st track", TWO, (A,), []),
    ("删除第一首歌", TWO, (A, B), ["song-b"]),
    ("去掉第二首", TWO, (A, B), ["song-a"]),
]


@pytest.mark.parametrize(("text", "ctx", "before", "after"), USE_ROWS)
def test_song_by_place(text: str, ctx: Context, before: tuple[MusicRef, ...],
                       after: list[str]) -> None:
    parsed = apply_instruction(with_tracks(*before), text, ctx)
    assert media_ids(parsed.draft) == after
    assert not any(line.startswith("not understood") for line in parsed.understood)


def test_used_song_keeps_the_level_and_starts_from_its_beginning() -> None:
    start = with_tracks(A)
    parsed = apply_instruction(start, "use the second song", TWO)
    track = timeline_of(parsed.draft).music[0]
    assert track.gain == 0.5 and track.offset == 0
    assert track.source.name == "b.mp3" and track.source.length == 90_000
    assert "b.mp3 (your song)" in " ".join(parsed.understood)


@pytest.mark.parametrize("text", ["use the third song", "用第三首歌", "remove the fifth song"])
def test_a_song_not_sent_is_said(text: str) -> None:
    start = with_tracks(A)
    try:
        parsed = apply_instruction(start, text, TWO)
    except NotUnderstood as refused:
        assert "only 2 songs" in str(refused)
        return
    assert media_ids(parsed.draft) == ["song-a"]
    assert any("only 2 songs" in line for line in parsed.understood)


def test_removing_a_song_not_in_the_music_says_so() -> None:
    parsed = apply_instruction(with_tracks(A), "remove the second song", TWO)
    assert media_ids(parsed.draft) == ["song-a"]
    assert any("b.mp3 is not in the music" in line for line in parsed.understood)


def test_plain_remove_music_still_removes_every_song() -> None:
    parsed = apply_instruction(with_tracks(A, B), "remove the music", TWO)
    assert media_ids(parsed.draft) == []


def test_status_lists_the_songs_in_the_order_sent() -> None:
    from core.conversation.intake import songs_sent
    from core.ports import MediaRecord

    newest_first = [MediaRecord("b", "s", "audio", "b.mp3", "b", 1, 90.0),
                    MediaRecord("v", "s", "video", "clip.mp4", "v", 1, 5.0),
                    MediaRecord("a", "s", "audio", "a.mp3", "a", 1, 61.5)]
    assert songs_sent(newest_first, "en") == "Songs sent: 1. a.mp3 (1:01.5), 2. b.mp3 (1:30)"
    assert songs_sent(newest_first, "zh") == "已收到的歌曲：1. a.mp3 (1:01.5), 2. b.mp3 (1:30)"
    assert songs_sent(newest_first[1:2], "en") is None


def test_status_shows_every_music_track_with_times_and_levels() -> None:
    summary = with_tracks(A, B).summary()
    assert "BGM: a.mp3 (0-10s, 50%); b.mp3 (10-20s, 50%)" in summary


SHORT = MusicRef("song-s", "short.mp3", 12_000)
IN_TURN = Context(30_000, True, B, songs=(SHORT, B))

TURN_ROWS = [
    # text, context, music before, [(song, start, end)] after (ms; 1 s crossfade at the change)
    ("play both songs one after the other", IN_TURN, (), [("song-s", 0, 12_500),
                                                          ("song-b", 11_500, 30_000)]),
    ("use the two songs back to back", IN_TURN, (SHORT,), [("song-s", 0, 12_500),
                                                           ("song-b", 11_500, 30_000)]),
    ("两首歌依次播放", IN_TURN, (), [("song-s", 0, 12_500), ("song-b", 11_500, 30_000)]),
    # the first song outlasts the video: half each
    ("play both songs one after the other", TWO, (), [("song-a", 0, 15_500),
                                                      ("song-b", 14_500, 30_000)]),
    ("the first song until 0:10, then the second", TWO, (), [("song-a", 0, 10_500),
                                                              ("song-b", 9500, 30_000)]),
    ("first song until 20s then the second song", TWO, (B,), [("song-a", 0, 20_500),
                                                              ("song-b", 19_500, 30_000)]),
    ("use the second song until 0:08, then the first one", TWO, (), [("song-b", 0, 8500),
                                                                     ("song-a", 7500, 30_000)]),
    ("第一首歌放到0:10，然后放第二首", TWO, (), [("song-a", 0, 10_500),
                                             ("song-b", 9500, 30_000)]),
    ("switch to the other song at 0:20", TWO, (A,), [("song-a", 0, 20_500),
                                                    ("song-b", 19_500, 30_000)]),
    ("switch to the other song at 0:20", TWO, (B,), [("song-b", 0, 20_500),
                                                    ("song-a", 19_500, 30_000)]),
    ("at 15s change to the next song", TWO, (A,), [("song-a", 0, 15_500),
                                                  ("song-b", 14_500, 30_000)]),
    ("在0:20切换到第二首歌", TWO, (A,), [("song-a", 0, 20_500), ("song-b", 19_500, 30_000)]),
    ("20秒后换成另一首歌", TWO, (A,), [("song-a", 0, 20_500), ("song-b", 19_500, 30_000)]),
]


@pytest.mark.parametrize(("text", "ctx", "before", "after"), TURN_ROWS)
def test_songs_in_turn(text: str, ctx: Context, before: tuple[MusicRef, ...],
                       after: list[tuple[str, int, int]]) -> None:
    parsed = apply_instruction(with_tracks(*before), text, ctx)
    music = timeline_of(parsed.draft).music
    assert [(t.source.media_id, t.start, t.end) for t in music] == after
    assert (music[0].fade_out, music[1].fade_in) == (1000, 1000)
    assert not any(line.startswith(("not understood", "not done")) for line in parsed.understood)


def test_songs_in_turn_keep_the_level_and_say_what_plays_when() -> None:
    parsed = apply_instruction(with_tracks(A), "switch to the other song at 0:20", TWO)
    assert [t.gain for t in timeline_of(parsed.draft).music] == [0.5, 0.5]
    assert "music: a.mp3 until 0:20, then b.mp3 (1 s crossfade)" in parsed.understood


@pytest.mark.parametrize(("text", "ctx", "words"), [
    ("play both songs one after the other", Context(30_000, True, A, songs=(A,)),
     "send me the songs first"),
    ("switch to the other song at 0:20", Context(30_000, True, A, songs=(A,)),
     "no other song"),
    ("switch to the other song at 0:40", TWO, "leaves no room for both songs"),
])
def test_songs_in_turn_that_cannot_be_done_are_said(text: str, ctx: Context, words: str) -> None:
    try:
        parsed = apply_instruction(with_tracks(A), text, ctx)
    except NotUnderstood as refused:
        assert words in str(refused)
        return
    assert media_ids(parsed.draft) == ["song-a"]
    assert any(words in line for line in parsed.understood), parsed.understood


def test_songs_in_turn_share_the_level_and_fade_out_at_the_end() -> None:
    turned = apply_instruction(with_tracks(A), "switch to the other song at 0:20", TWO).draft
    parsed = apply_instruction(turned, "music at 30% and fade out 3s", TWO)
    first, second = timeline_of(parsed.draft).music
    assert (first.gain, second.gain) == (0.3, 0.3)
    assert first.fade_out == 1000  # the crossfade stays
    assert (second.fade_in, second.fade_out, second.end) == (1000, 3000, 30_000)
    assert [t.source.media_id for t in (first, second)] == ["song-a", "song-b"]
