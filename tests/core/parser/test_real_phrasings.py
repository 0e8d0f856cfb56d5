"""Phrasings found by trying the bot as people do (casual, polite, negated, follow-ups, Chinese).

Each row was a misunderstanding before it was fixed: a wrong edit, a silent no-op or a bare
"didn't understand". Rows reuse the drafts and the `facts` view of test_instructions.py.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

import pytest

from core.draft import Draft
from core.errors import NotUnderstood
from core.parser.instructions import apply_instruction
from tests.core.parser.test_instructions import ABSENT, CTX, START, facts, video

ROWS: list[tuple[str, str, str, dict[str, Any]]] = [
    # negations must never do the opposite
    ("don't mute my voice", "muted", "plain", {"m.original": "keep"}),
    ("don't mute my voice", "lofi", "plain", {"m.original": ABSENT}),
    ("add music and don't mute my voice", "video", "plain",
     {"m.original": ABSENT, "bgm.volume": 0.4}),
    ("please do not remove the original audio", "muted", "plain", {"m.original": "keep"}),
    ("don't remove the music, just make it quieter", "lofi", "plain",
     {"bgm": True, "bgm.volume": 0.35}),
    ("不要淡入", "faded", "plain", {"bgm.fade_in": 0, "bgm.fade_out": 3000}),
    ("vertical without blur", "video", "plain", {"m.aspect": "9:16", "m.fill": "pad"}),
    # levels: relative percentages, "can't hear", numbers that are not levels
    ("make music 20% quieter", "lofi", "plain", {"bgm.volume": 0.4}),
    ("lower the music by 20%", "lofi", "plain", {"bgm.volume": 0.4}),
    ("raise the music by 50 percent", "lofi", "plain", {"bgm.volume": 0.75}),
    ("turn it down to 10 %", "lofi", "plain", {"bgm.volume": 0.1}),
    ("lower bgm to 10", "lofi", "plain", {"bgm.volume": 0.1}),
    ("music to half", "lofi", "plain", {"bgm.volume": 0.5}),
    ("barely audible music", "lofi", "plain", {"bgm.volume": 0.15}),
    ("the song is drowning out my voice", "lofi", "plain", {"bgm.volume": 0.35}),
    ("cant hear the music", "lofi", "plain", {"bgm.volume": 0.714}),
    ("the music is too quiet, i can barely hear it", "lofi", "plain", {"bgm.volume": 0.714}),
    ("i can't hear my voice", "lofi", "plain", {"bgm.volume": 0.35, "m.original": ABSENT}),
    ("my voice is too quiet", "lofi", "plain", {"bgm.volume": 0.35}),
    ("背景音乐太吵了", "lofi", "plain", {"bgm.volume": 0.35}),
    ("convert to 720", "lofi", "plain", {"m.resolution": 720, "bgm.volume": 0.5}),
    ("lower resolution", "lofi", "plain", {"m.resolution": 720, "bgm.volume": 0.5}),
    ("music should start at 5", "lofi", "plain", {"bgm.s": 5000, "bgm.volume": 0.5}),
    # replacing the original sound
    ("replace my audio with lofi music", "video", "plain",
     {"m.original": "mute", "bgm.mood": "lofi", "bgm.volume": 1.0}),
    ("put music instead of the original sound", "video", "plain",
     {"m.original": "mute", "bgm": True}),
    ("only music, no original sound", "video", "plain", {"m.original": "mute", "bgm": True}),
    ("music only", "video", "plain", {"m.original": "mute", "bgm": True}),
    ("保留我的声音", "muted", "plain", {"m.original": "keep"}),
    # fades: lengths, paces, where the music ends
    ("fade in for 1m5s", "lofi", "plain", {"bgm.fade_in": 30_000}),
    ("fade out 2,5 seconds", "lofi", "plain", {"bgm.fade_out": 2500}),
    ("fadeout at the end 4s", "lofi", "plain", {"bgm.fade_out": 4000}),
    ("gentle fade in", "lofi", "plain", {"bgm.fade_in": 5000, "bgm.mood": "lofi"}),
    ("slow fade out", "lofi", "plain", {"bgm.fade_out": 5000}),
    ("fade out slower", "lofi", "plain", {"bgm.fade_out": 5000}),
    ("quick fade in", "lofi", "plain", {"bgm.fade_in": 1000}),
    ("fade out at 0:20", "lofi", "plain", {"bgm.until": 20_000, "bgm.s": 0, "bgm.d": 20_000,
                                           "bgm.fade_out": 3000}),
    ("fade both ends", "lofi", "plain", {"bgm.fade_in": 2000, "bgm.fade_out": 3000}),
    ("fade at the start and the end", "lofi", "plain",
     {"bgm.fade_in": 2000, "bgm.fade_out": 3000}),
    # start, trim
    ("start the music 2 seconds later", "lofi", "plain", {"bgm.s": 2000}),
    ("start music at 1m5s", "song", "song", {"bgm.offset": 65_000}),
    ("make it 20 seconds", "video", "plain", {"m.trim": [0, 20_000]}),
    ("cut 2s from the start", "video", "plain", {"m.trim": [2000, 30_000]}),
    ("remove 3 seconds at the end", "video", "plain", {"m.trim": [0, 27_000]}),
    # picture
    ("square for instagram", "video", "plain", {"m.aspect": "1:1"}),
    # titles without quotes
    ("add a title saying Happy Birthday", "video", "plain",
     {"title.text": "Happy Birthday", "bgm": False}),
    ("add title Summer Vibes and calm music", "video", "plain",
     {"title.text": "Summer Vibes", "bgm.mood": "calm"}),
    ("put a caption that says Day 1", "video", "plain", {"title.text": "Day 1"}),
    ("text saying Welcome Home for 4 seconds", "video", "plain",
     {"title.text": "Welcome Home", "title.d": 4000}),
    # the song
    ("swap to my track", "lofi", "song", {"bgm.media_id": "song-1"}),
    ("keep the music but lower it a bit", "lofi", "plain", {"bgm.volume": 0.425}),
    ("use the ogg i sent", "lofi", "song", {"bgm.media_id": "song-1"}),
    ("put the mp3 on it", "video", "song", {"bgm.media_id": "song-1"}),
    # typos and shorthand
    ("ad music", "video", "plain", {"bgm.mood": "lofi"}),
    ("add msuic and fad out", "video", "plain", {"bgm.mood": "lofi", "bgm.fade_out": 3000}),
    ("bg music pls", "video", "plain", {"bgm.mood": "lofi"}),
    ("add muisc at 3o%", "video", "plain", {"bgm.volume": 0.3}),
    ("fadout 3s", "lofi", "plain", {"bgm.fade_out": 3000}),
    ("add clam music", "video", "plain", {"bgm.mood": "calm"}),
    ("add upbeet music", "video", "plain", {"bgm.mood": "upbeat"}),
    ("lowr the music", "lofi", "plain", {"bgm.volume": 0.35}),
    ("music: lofi, volume: 25%, fade out: 4s", "video", "plain",
     {"bgm.mood": "lofi", "bgm.volume": 0.25, "bgm.fade_out": 4000}),
    ("1) add music 2) fade out 3) vertical", "video", "plain",
     {"bgm": True, "bgm.fade_out": 3000, "m.aspect": "9:16"}),
    ("vlog music", "video", "plain", {"bgm.mood": "acoustic"}),
    ("add lofi at 30% fade in 2 fade out 3 mute original vertical 720p", "video", "plain",
     {"bgm.volume": 0.3, "bgm.fade_in": 2000, "bgm.fade_out": 3000, "m.original": "mute",
      "m.aspect": "9:16", "m.resolution": 720}),
    ("music 30% voice 80%", "lofi", "plain", {"bgm.volume": 0.3, "m.original_volume": 0.8}),
    # levels said in words
    ("add quiet music", "video", "plain", {"bgm.volume": 0.28}),
    ("add music, quieter than my voice", "video", "plain",
     {"bgm.volume": 0.28, "m.original": ABSENT}),
    ("make it 50/50", "lofi", "plain", {"bgm.volume": 1.0}),
    ("把背景音乐声音调低一点", "lofi", "plain", {"bgm.volume": 0.35}),
    # where the music is silent, fades over the first seconds, playing twice
    ("silence the music for the first 5 seconds", "lofi", "plain",
     {"bgm.s": 5000, "bgm.until": ABSENT}),
    ("no music in the first 3 seconds", "lofi", "plain", {"bgm": True, "bgm.s": 3000}),
    ("fade in over the first 5 seconds", "lofi", "plain", {"bgm.fade_in": 5000}),
    ("play the song twice", "lofi", "plain", {"bgm.fit": "loop"}),
    ("music twice as loud", "lofi", "plain", {"bgm.volume": 1.0}),
    ("add music from 1990s", "video", "plain", {"bgm.offset": ABSENT, "bgm.s": 0}),
    ("music from 0:05 until the end", "lofi", "plain", {"bgm.s": 5000, "bgm.offset": ABSENT}),
    ("no music after 0:20", "lofi", "plain", {"bgm": True, "bgm.until": 20_000}),
    ("stop music at 20", "lofi", "plain", {"bgm.until": 20_000, "bgm.volume": 0.5}),
    ("music until 25", "lofi", "plain", {"bgm.until": 25_000}),
    # bare sound words, numbers after their word, pleasantries around a request
    ("mute audio", "lofi", "plain", {"m.original": "mute"}),
    ("remove sound", "lofi", "plain", {"m.original": "mute"}),
    ("turn off sound", "lofi", "plain", {"m.original": "mute"}),
    ("unmute", "muted", "plain", {"m.original": "keep"}),
    ("original 50", "lofi", "plain", {"m.original_volume": 0.5}),
    ("music 10", "lofi", "plain", {"bgm.volume": 0.1}),
    ("fade out music 5", "lofi", "plain", {"bgm.volume": 0.5, "bgm.fade_out": 5000}),
    ("fade out the music 5 seconds", "lofi", "plain", {"bgm.fade_out": 5000}),
    ("fade music out 5s", "lofi", "plain", {"bgm.fade_out": 5000}),
    ("add music 2", "video", "plain", {"bgm.volume": 0.4}),
    ("music for the last 10 seconds", "lofi", "plain", {"bgm.s": 20_000, "bgm.d": 10_000}),
    ("music for the last 4 seconds", "trimmed", "plain", {"bgm.s": 6000, "bgm.d": 4000}),
    ("cut the music volume in half", "lofi", "plain", {"bgm.volume": 0.25}),
    ("music 30%, original 70%", "lofi", "plain", {"bgm.volume": 0.3, "m.original_volume": 0.7}),
    ("perfect but a little louder", "lofi", "plain", {"bgm.volume": 0.588}),
    ("good, now fade it out", "lofi", "plain", {"bgm.fade_out": 3000}),
    ("ok that's good, just trim the last 2 seconds", "video", "plain", {"m.trim": [0, 28_000]}),
    # Chinese, the way people type it
    ("加背景音乐，音量三十", "video", "plain", {"bgm.volume": 0.3}),
    ("声音太大了", "lofi", "plain", {"bgm.volume": 0.35}),
    ("我的声音太小了", "lofi", "plain", {"bgm.volume": 0.35}),
    ("听不清我说话", "lofi", "plain", {"bgm.volume": 0.35}),
    ("音乐在10秒结束", "lofi", "plain", {"bgm.until": 10_000}),
    ("剪成前20秒", "video", "plain", {"m.trim": [0, 20_000]}),
    ("改成9:16", "video", "plain", {"m.aspect": "9:16"}),
    ("改成720p", "video", "plain", {"m.resolution": 720}),
    ("换一首", "lofi", "plain", {"bgm.mood": "lofi", "bgm.seed": 1}),
    ("换个风格", "lofi", "plain", {"bgm.mood": "upbeat"}),
    ("说话时降低音乐", "lofi", "plain", {"m.duck": True}),
    ("来点音乐", "video", "plain", {"bgm.mood": "lofi"}),
    # the video's start and end are a trim, not the music's
    ("start the video at 0:05", "lofi", "plain", {"m.trim": [5000, 30_000], "bgm.s": 0}),
    ("video should start at 3 seconds", "lofi", "plain", {"m.trim": [3000, 30_000]}),
    ("end the video at 0:20", "lofi", "plain", {"m.trim": [0, 20_000], "bgm.until": ABSENT}),
    ("first 5 seconds without music", "lofi", "plain", {"bgm": True, "bgm.s": 5000}),
    # fades said as changes
    ("change fade out to 4 seconds", "faded", "plain", {"bgm.fade_out": 4000}),
    ("fade out should be 6s not 3s", "faded", "plain", {"bgm.fade_out": 6000}),
    ("set fade in to 0", "faded", "plain", {"bgm.fade_in": 0, "bgm.volume": 0.5}),
    ("the fade is too long", "faded", "plain", {"bgm.fade_out": 1500}),
    ("the fade in is too short", "faded", "plain", {"bgm.fade_in": 4000}),
    # the song ends too early: play to the end
    ("the song ends too early", "stopped", "plain", {"bgm.until": ABSENT, "bgm.d": 30_000}),
    ("there's silence at the end", "stopped", "plain", {"bgm.fit": "loop", "bgm.d": 30_000}),
    # loudness of the whole mix
    ("loudness -16", "lofi", "plain", {"m.loudness": -16.0}),
    ("make everything louder", "lofi", "plain", {"m.loudness": -14.0, "bgm.volume": 0.5}),
    ("make the whole thing quieter", "lofi", "plain", {"m.loudness": -23.0, "bgm.volume": 0.5}),
    # moods by taste
    ("I don't like this music", "lofi", "plain", {"bgm.mood": "lofi", "bgm.seed": 1}),
    ("next song", "lofi", "plain", {"bgm.mood": "lofi", "bgm.seed": 1}),
    ("a different song", "lofi", "plain", {"bgm.mood": "lofi", "bgm.seed": 1}),
    ("another one", "lofi", "plain", {"bgm.mood": "lofi", "bgm.seed": 1}),
    ("next mood", "lofi", "plain", {"bgm.mood": "upbeat"}),
    ("try another mood", "lofi", "plain", {"bgm.mood": "upbeat"}),
    ("less epic", "lofi", "plain", {"bgm.mood": "calm"}),
    ("something sadder", "lofi", "plain", {"bgm.mood": "sad"}),
    ("something happier", "lofi", "plain", {"bgm.mood": "upbeat"}),
    # times and places said in words
    ("add music at the 3 second mark", "video", "plain", {"bgm.s": 3000}),
    ('title "Bye" at the end', "video", "plain", {"title.s": 27_000, "title.d": 3000}),
    ('title "Day One" in the middle', "video", "plain", {"title.s": 13_500}),
    ("1920x1080", "video", "plain", {"m.aspect": "16:9", "m.resolution": 1080}),
    ("don't crop", "video", "plain", {"m.fill": "blur"}),
    ("配个音乐", "video", "plain", {"bgm.mood": "lofi"}),
]


@pytest.mark.parametrize(("text", "start", "ctx", "expected"), ROWS,
                         ids=[f"{i}-{r[0][:40]}" for i, r in enumerate(ROWS)])
def test_real_phrasings(text: str, start: str, ctx: str, expected: dict[str, Any]) -> None:
    parsed = apply_instruction(START[start](), text, CTX[ctx])
    got = facts(parsed.draft)
    for key, value in expected.items():
        if value is ABSENT:
            assert key not in got, (key, got)
        elif isinstance(value, float):
            assert got.get(key) == pytest.approx(value, abs=0.002), (key, got)
        else:
            assert got.get(key) == value, (key, got)
    said = " | ".join(parsed.understood)
    assert "not understood" not in said and "is not a built-in mood" not in said, said


@pytest.mark.parametrize("text", ["reduce music by 3db", "set music volume to 30 percent",
                                  "start music at 1m5s", "lower bgm to 10", "make music quieter"])
def test_verbs_are_not_called_genres(text: str) -> None:
    parsed = apply_instruction(START["lofi"](), text, CTX["song"])
    assert not any("built-in mood" in u for u in parsed.understood), parsed.understood


@pytest.mark.parametrize(("text", "genre"), [("add some metal music", "metal"),
                                             ("i want rock music", "rock"),
                                             ("put reggae music on it", "reggae")])
def test_real_genres_are_said(text: str, genre: str) -> None:
    parsed = apply_instruction(START["video"](), text, CTX["plain"])
    assert any(f'"{genre}" is not a built-in mood' in u for u in parsed.understood)


def test_a_bit_more_repeats_the_last_step() -> None:
    first = apply_instruction(START["lofi"](), "quieter", CTX["plain"]).draft
    assert facts(first)["bgm.volume"] == pytest.approx(0.35)
    more = apply_instruction(first, "even more", CTX["plain"]).draft
    assert facts(more)["bgm.volume"] == pytest.approx(0.245, abs=0.002)
    bit = apply_instruction(more, "a bit more", CTX["plain"]).draft
    assert facts(bit)["bgm.volume"] == pytest.approx(0.245 * 0.7 ** 0.5, abs=0.002)
    again = apply_instruction(bit, "a bit more", CTX["plain"]).draft  # the same small step
    assert facts(again)["bgm.volume"] == pytest.approx(0.245 * 0.7, abs=0.002)


@pytest.mark.parametrize(("text", "start", "span"), [
    ("make the title last 5 seconds", 0, 5000), ("move the title to 0:10", 10_000, 3000),
    ("show the title at 3s for 4 seconds", 3000, 4000), ("标题显示5秒", 0, 5000)])
def test_the_title_keeps_its_words_when_its_time_changes(text: str, start: int,
                                                          span: int) -> None:
    titled = apply_instruction(video(), 'add the title "Hi" for 3s', CTX["plain"]).draft
    got = facts(apply_instruction(titled, text, CTX["plain"]).draft)
    assert (got["title.text"], got["title.s"], got["title.d"]) == ("Hi", start, span)


def test_a_partial_mute_mutes_only_that_part() -> None:
    # Was "muted for the whole video (I can't mute just a part)" until the original sound
    # got parts of its own (tests/core/local/test_own_sound_parts.py).
    parsed = apply_instruction(START["lofi"](), "mute my audio for the first 5 seconds",
                               CTX["plain"])
    assert "m.original" not in facts(parsed.draft)
    assert facts(parsed.draft)["m.original_envelope"] == [[0, 5000, 0.0]]
    assert parsed.understood == ("your sound muted from 0:00 to 0:05",)


def test_my_voice_louder_at_full_lowers_the_music_and_says_why() -> None:
    parsed = apply_instruction(START["lofi"](), "make my voice louder", CTX["plain"])
    assert parsed.understood == ("music quieter: 35%", "your own sound is already at full volume")


@pytest.mark.parametrize(("text", "words"), [
    ("thanks!", "Glad to help"), ("thank you so much", "Glad to help"),
    ("👍", "I put music under videos"),
    ("谢谢", "Glad to help"), ("谢谢你", "Glad to help"),
    ("hello", "Hi! Tell me what to do with your video"),
    ("no", "say \"undo\""), ("a bit more", "More of what?"),
    ("what can you do?", "for example"), ("undo that", 'send just "undo"'),
    ("where is my video?", 'Say "export"'),
    ("change the video colour to black and white", "can't change the picture's colours"),
    ("add subtitles automatically", "can't make subtitles"), ("加字幕", "can't make subtitles"),
    ("make it brighter", "colours"), ("speed up the video", "speed"),
    ("kill the background noise", "noise"), ("add stickers", "stickers"),
    ("make it smaller file", "720p"), ("make it shorter", "trim to the first 20 seconds"),
    ("add the title for 3 seconds", "Put the words in quotes"),
    ("don't remove the music", "The music stays as it is"),
    ("20", "music at 20%"), ("make the music 2x faster", "speed"),
    ("make the title bigger", "can't change the title's size"),
    ("stretch to fill", "don't stretch"),
    ("use the previous music", 'Say "undo"'), ("wait, undo", 'send just "undo"'),
    ("great, export it", 'Say "export"'), ("yes do it", "Glad to help"),
    ("add music from spotify", "can't fetch songs"),
    ('add "Blinding Lights" by the weeknd', "can't fetch songs"),
    ("use a trending tiktok sound", "can't fetch songs"),
    ("the clip is too long", "Tell me how long"),
    ("can you make the music match the beat?", "to the beat"),
    ("redo", "can't redo"), ("redo that", "can't redo"), ("重做", "can't redo"),
    ("make it smaller", "720p"), ("10 seconds", "What should happen then?"),
    ("0:10", "What should happen then?"), ("10秒", "What should happen then?"),
])
def test_messages_without_an_edit_get_a_useful_answer(text: str, words: str) -> None:
    with pytest.raises(NotUnderstood) as err:
        apply_instruction(START["lofi"](), text, CTX["plain"])
    assert words in err.value.user_message
    assert "Sorry, I didn't understand" not in err.value.user_message or words == "for example"


def test_greeting_before_a_video_asks_for_one() -> None:
    with pytest.raises(NotUnderstood, match="Send me a video"):
        apply_instruction(Draft(), "hi", CTX["plain"])


def test_the_parser_stays_fast() -> None:
    texts = [row[0] for row in ROWS] * 5
    began = time.perf_counter()
    for text in texts:
        with contextlib.suppress(NotUnderstood):
            apply_instruction(START["lofi"](), text, CTX["song"])
    per_message = (time.perf_counter() - began) / len(texts)
    assert per_message < 0.02, per_message  # a message is read in well under 20 ms
