"""The person's own song in the words people use (issue 10's families, session 5). Before:
"song plays once then silence" muted the clip's own sound, "start from the chorus at 1:02"
said the music could not start at 1:02, "use a built-in song instead" and "swap my song for
calm music" kept the song, "mix my song with the lofi" dropped the lofi without a word, "the
beat drops at 0:45 in the song" stopped the music, "the song should end exactly at the end"
was not understood and "use only the first 20 seconds of the song" was half read."""

from __future__ import annotations

import pytest

from core.draft import AUDIO, Draft
from core.errors import NotUnderstood
from core.parser.instructions import Context, MusicRef, apply_instruction
from core.timeline.convert import timeline_of
from core.timeline.model import Timeline
from core.words import localise

SONG = MusicRef("song-1", "sunset.mp3", 200_000)


def with_song() -> Draft:
    return Draft({"t": [{"tt": 0, "sg": [{"s": 0, "d": 30_000, "m": {"name": "b.mp4",
                                                                       "media_id": "v1"}}]},
                        {"tt": AUDIO, "sg": [{"s": 0, "d": 30_000, "m": {
                            "name": "sunset.mp3", "media_id": "song-1", "volume": 0.4}}]}],
                  "m": {}})


def parse(text: str) -> tuple[Timeline, list[str]]:
    parsed = apply_instruction(with_song(), text, Context(30_000, True, SONG))
    return timeline_of(parsed.draft), list(parsed.understood)


CASES = [  # text, a fact of the timeline that must hold
    ("song plays once then silence",
     lambda t: t.music[0].fit == "once" and t.original.mode is None),
    ("start from the chorus at 1:02",
     lambda t: t.music[0].offset == 62_000 and t.music[0].start == 0),
    ("the beat drops at 0:45 in the song", lambda t: t.music[0].offset == 45_000
     and t.music[0].until is None),
    ("use a built-in song instead", lambda t: t.music[0].source.mood == "lofi"),
    ("swap my song for calm music", lambda t: t.music[0].source.mood == "calm"),
    ("the song should end exactly at the end", lambda t: t.music[0].align == "end"),
    ("use only the first 20 seconds of the song", lambda t: t.music[0].until == 20_000
     and t.music[0].offset == 0),
    ("cut the first 10 seconds of the song", lambda t: t.music[0].offset == 10_000),
]


@pytest.mark.parametrize(("text", "holds"), CASES)
def test_song_requests(text: str, holds: object) -> None:
    timeline, said = parse(text)
    assert holds(timeline), (said, timeline.music)  # type: ignore[operator]
    assert not any(s.startswith(("not understood", "not done")) for s in said), said


@pytest.mark.parametrize(("text", "words"), [
    ("mix my song with the lofi", "one after the other, not on top of each other"),
    ("skip the song's intro", "I can't find a part of a song"),
])
def test_what_cannot_be_done_is_said(text: str, words: str) -> None:
    with pytest.raises(NotUnderstood, match=words) as err:
        parse(text)
    assert localise(err.value.user_message, "zh") != err.value.user_message
