"""Requests about the whole edit, found from the outside in session 7. Before the fixes:
- "music 1/4", "volume at 1/2" were read as the picture shape 1:4 / 1:2 and refused;
- "revert everything", "undo all changes", "back to the original", "全部撤销" were not
  understood (only "undo", one step, was);
- "surprise me", "you pick", "随便" were not understood;
- "export in 60fps" was told to say "export" (it is a frame rate, which is not changed);
- "make the music end 2 seconds after the video" was not understood.
"""

from __future__ import annotations

import pytest

from core.errors import NotUnderstood
from core.music.moods import NAMES
from core.parser.answers import answer
from core.parser.instructions import Context, apply_instruction
from core.timeline.convert import draft_of, timeline_of
from core.timeline.model import Timeline
from core.words import localise
from tests.core.parser.test_gaps_and_ends import bare, lofi

CTX = Context(30_000, True, None, seed=5)


def edit(text: str, start: str = "lofi") -> tuple[Timeline, list[str]]:
    parsed = apply_instruction(lofi() if start == "lofi" else bare(), text, CTX)
    return timeline_of(parsed.draft), list(parsed.understood)


@pytest.mark.parametrize(("text", "level"), [
    ("music 1/4", 0.25), ("set the volume to 1/2", 0.5), ("music at 1/3 volume", 0.33),
    ("bgm 2/3", 0.67), ("turn the music down to 1/4", 0.25), ("music level 3/4", 0.75),
])
def test_a_fraction_of_the_music_is_its_level(text: str, level: float) -> None:
    timeline, said = edit(text)
    [track] = timeline.music
    assert track.level == pytest.approx(level, abs=0.005), said
    assert timeline.picture.aspect is None
    assert not any(s.startswith(("not done", "not understood")) for s in said), said


@pytest.mark.parametrize(("text", "aspect"), [("make it 9/16", "9:16"), ("crop to 4/5", "4:5")])
def test_a_fraction_of_the_picture_is_still_its_shape(text: str, aspect: str) -> None:
    timeline, _ = edit(text)
    assert timeline.picture.aspect == aspect


RESETS = ["revert everything", "undo all changes", "undo everything", "remove all edits",
          "go back to the original video", "restore the original", "start from scratch",
          "clear all", "全部撤销", "恢复原视频", "撤销所有修改"]


@pytest.mark.parametrize("text", RESETS)
def test_every_edit_undone_at_once(text: str) -> None:
    edited, _ = edit('add the title "Hi", trim the first 5 seconds, make it vertical, mute my '
                     "sound")
    assert edited.music and edited.title and edited.trim and edited.picture.aspect
    parsed = apply_instruction(draft_of(edited), text, CTX)
    timeline = timeline_of(parsed.draft)
    assert timeline == Timeline(clips=edited.clips), parsed.understood
    assert any(s.startswith("back to your video") for s in parsed.understood)


def test_undone_then_done_in_one_message() -> None:
    timeline, said = edit("revert everything and add calm music")
    assert [t.source.mood for t in timeline.music] == ["calm"]
    assert said[0].startswith("back to your video"), said


@pytest.mark.parametrize(("text", "music", "trimmed"), [
    ("remove all the music", False, False), ("remove everything before 0:05", True, True),
])
def test_a_part_removed_is_not_everything(text: str, music: bool, trimmed: bool) -> None:
    timeline, _ = edit(text)
    assert bool(timeline.music) is music and bool(timeline.trim) is trimmed


@pytest.mark.parametrize("text", ["surprise me", "you pick", "your choice", "pick something for me",
                                  "random music", "随便", "你来选"])
def test_leaving_the_music_to_us(text: str) -> None:
    timeline, said = edit(text, start="bare")
    [track] = timeline.music
    assert track.source.mood in NAMES, said
    again, _ = edit(text)  # music there already: another mood
    assert again.music[0].source.mood not in (None, "lofi")


@pytest.mark.parametrize(("text", "starts"), [
    ("export in 60fps", "I keep your video's frame rate"),
    ("export it at 30 fps", "I keep your video's frame rate"),
    ("make the music end 2 seconds after the video", "The video sets the length"),
    ("let the music keep playing after the video ends", "The video sets the length"),
    ("make the video as long as the song", "The video sets the length"),
    ("视频结束后音乐继续", "The video sets the length"),
    ("export it please", 'Say "export"'),
])
def test_what_is_not_done_is_said(text: str, starts: str) -> None:
    with pytest.raises(NotUnderstood) as refused:
        edit(text)
    assert str(refused.value).startswith(starts)
    assert (answer(text) or "").startswith(starts)


@pytest.mark.parametrize("english", [
    "back to your video as you sent it: no music, title, trim or other change",
    "The video sets the length: the music stops when it ends, and I can't make the video "
    'longer. I can fade the music out at the end ("fade out") or end the song with the video '
    '("end the song with the video").',
])
def test_the_new_replies_in_chinese(english: str) -> None:
    chinese = localise(english, "zh")
    assert chinese != english and not any("a" <= ch <= "z" for ch in chinese.lower())
