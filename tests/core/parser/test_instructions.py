"""The instruction parser, as tables: phrasing in, draft fields out."""

from __future__ import annotations

from typing import Any

import pytest

from core.draft import AUDIO, TEXT, Draft
from core.errors import NotUnderstood
from core.parser.instructions import HELP_TEXT, Context, MusicRef, apply_instruction

SONG = MusicRef("song-1", "sunset.mp3", 200_000)
SHORT_SONG = MusicRef("song-2", "jingle.mp3", 10_000)
CTX = {
    "plain": Context(30_000, True, None),
    "song": Context(30_000, True, SONG),
    "short": Context(30_000, True, SHORT_SONG),
    "silent": Context(30_000, False, None),
}


def video(ms: int = 30_000) -> Draft:
    return Draft({"t": [{"tt": 0, "sg": [{"s": 0, "d": ms, "m": {"name": "beach.mp4",
                                                                  "media_id": "v1"}}]}], "m": {}})


def with_lofi(volume: float = 0.5, **extra: Any) -> Draft:
    draft = video()
    draft.data["t"].append({"tt": AUDIO, "sg": [{"s": 0, "d": 30_000, "m": {
        "name": "built-in lofi", "mood": "lofi", "source_ms": 24_000, "volume": volume,
        "fit": "loop", **extra}}]})
    return draft


def with_song() -> Draft:
    draft = video()
    draft.data["t"].append({"tt": AUDIO, "sg": [{"s": 0, "d": 30_000, "m": {
        "name": "sunset.mp3", "media_id": "song-1", "volume": 0.4}}]})
    return draft


def trimmed() -> Draft:
    draft = with_lofi()
    draft.meta["trim"] = [10_000, 20_000]
    return draft


ABSENT = object()
"""Expected for a field the instruction must not set."""

def muted() -> Draft:
    draft = with_lofi()
    draft.meta["original"] = "mute"
    return draft


START = {"video": video, "lofi": with_lofi, "song": with_song, "trimmed": trimmed,
         "stopped": lambda: with_lofi(until=20_000), "muted": muted,
         "faded": lambda: with_lofi(fade_in=2000, fade_out=3000)}


def facts(draft: Draft) -> dict[str, Any]:
    """The draft's fields as flat names: bgm.volume, m.trim, title.text..."""
    out: dict[str, Any] = {f"m.{k}": v for k, v in draft.meta.items()}
    seg = draft.first_segment(AUDIO)
    out["bgm"] = seg is not None
    if seg is not None:
        out.update({"bgm.s": seg.raw.get("s"), "bgm.d": seg.raw.get("d")})
        out.update({f"bgm.{k}": v for k, v in seg.meta.items()})
    title = draft.first_segment(TEXT)
    out["title"] = title is not None
    if title is not None:
        out.update({"title.text": title.text, "title.s": title.start_ms,
                    "title.d": title.duration_ms})
    return out


ROWS: list[tuple[str, str, str, dict[str, Any]]] = [
    # adding music: built-in moods and synonyms
    ("add lofi music", "video", "plain", {"bgm.mood": "lofi", "bgm.volume": 0.4, "bgm.d": 30_000}),
    ("add some chill music", "video", "plain", {"bgm.mood": "lofi"}),
    ("add happy music", "video", "plain", {"bgm.mood": "upbeat"}),
    ("put some energetic music on it", "video", "plain", {"bgm.mood": "upbeat"}),
    ("add relaxing background music", "video", "plain", {"bgm.mood": "calm"}),
    ("I want epic music", "video", "plain", {"bgm.mood": "epic"}),
    ("add cinematic music", "video", "plain", {"bgm.mood": "cinematic", "bgm.fit": "trim"}),
    ("make it upbeat", "lofi", "plain", {"bgm.mood": "upbeat", "bgm.volume": 0.5}),
    ("add background music", "video", "plain", {"bgm.mood": "lofi", "bgm.fit": "trim"}),
    ("add background music", "video", "silent", {"bgm.mood": "lofi", "bgm.volume": 1.0}),
    ("add background music", "video", "song", {"bgm.media_id": "song-1", "bgm.fit": "trim"}),
    ("add backround muisc", "video", "plain", {"bgm.mood": "lofi"}),
    ("add lo-fi music", "video", "plain", {"bgm.mood": "lofi"}),
    ("use this song", "video", "song", {"bgm.media_id": "song-1", "bgm.source_ms": 200_000}),
    ("use the audio I sent", "lofi", "song", {"bgm.media_id": "song-1", "bgm.volume": 0.5}),
    ("put my music under it", "video", "song", {"bgm.media_id": "song-1"}),
    ("add my song", "video", "short", {"bgm.media_id": "song-2", "bgm.fit": "loop",
                                       "bgm.d": 30_000}),
    ("add it", "video", "song", {"bgm.media_id": "song-1"}),
    ("ok use it", "lofi", "song", {"bgm.media_id": "song-1"}),
    ("add it at 30%", "video", "song", {"bgm.media_id": "song-1", "bgm.volume": 0.3}),
    ("change the music", "lofi", "plain", {"bgm.mood": "lofi", "bgm.seed": 1}),
    ("another song please", "lofi", "song", {"bgm.mood": "lofi", "bgm.seed": 1}),
    ("replace the music with something calm", "song", "song", {"bgm.mood": "calm"}),
    ("remove the music", "lofi", "plain", {"bgm": False}),
    ("no music", "lofi", "plain", {"bgm": False}),
    ("去掉背景音乐", "lofi", "plain", {"bgm": False}),
    # volume
    ("add lofi music at 30%", "video", "plain", {"bgm.volume": 0.3, "bgm.s": 0,
                                                 "bgm.offset": ABSENT}),
    ("music at 30 percent", "lofi", "plain", {"bgm.volume": 0.3}),
    ("set the volume to 0.3", "lofi", "plain", {"bgm.volume": 0.3}),
    ("volume 25", "lofi", "plain", {"bgm.volume": 0.25}),
    ("make the music quieter", "lofi", "plain", {"bgm.volume": 0.35}),
    ("Quieter music", "lofi", "plain", {"bgm.volume": 0.35}),
    ("lower the music", "lofi", "plain", {"bgm.volume": 0.35}),
    ("a bit softer", "lofi", "plain", {"bgm.volume": 0.425}),
    ("much quieter", "lofi", "plain", {"bgm.volume": 0.25}),
    ("louder", "lofi", "plain", {"bgm.volume": 0.714}),
    ("turn it up", "lofi", "plain", {"bgm.volume": 0.714}),
    ("music up a bit", "lofi", "plain", {"bgm.volume": 0.588}),
    ("turn the music down a little", "lofi", "plain", {"bgm.volume": 0.425}),
    ("turn the music up by 6 dB", "lofi", "plain", {"bgm.volume": 0.998}),
    ("make the music louder", "lofi", "plain", {"bgm.volume": 0.714}),
    ("music at -12 dB", "lofi", "plain", {"bgm.volume": 0.251}),
    ("make it 6 dB quieter", "lofi", "plain", {"bgm.volume": 0.251}),
    ("lower the music by 6 dB", "lofi", "plain", {"bgm.volume": 0.251}),
    ("music at thirty percent", "lofi", "plain", {"bgm.volume": 0.3}),
    ("half volume", "lofi", "plain", {"bgm.volume": 0.5}),
    ("quieter", "video", "plain", {"bgm.mood": "lofi", "bgm.volume": 0.28}),
    ("音量30%", "lofi", "plain", {"bgm.volume": 0.3}),
    ("音量百分之二十", "lofi", "plain", {"bgm.volume": 0.2}),
    ("音乐小一点", "lofi", "plain", {"bgm.volume": 0.35}),
    # fades
    ("fade it out at the end", "lofi", "plain", {"bgm.fade_out": 3000}),
    ("Fade out", "lofi", "plain", {"bgm.fade_out": 3000}),
    ("fade out", "video", "plain", {"bgm.mood": "lofi", "bgm.fade_out": 3000}),
    ("fade in 2s", "lofi", "plain", {"bgm.fade_in": 2000}),
    ("2 second fade in", "lofi", "plain", {"bgm.fade_in": 2000}),
    ("fade out over 5 seconds", "lofi", "plain", {"bgm.fade_out": 5000}),
    ("fade out for the last 4.5 seconds", "lofi", "plain", {"bgm.fade_out": 4500}),
    ("fadeout 5", "lofi", "plain", {"bgm.fade_out": 5000}),
    ("fade in and out over two seconds", "lofi", "plain", {"bgm.fade_in": 2000,
                                                           "bgm.fade_out": 2000}),
    ("fade in 1s fade out 4s", "lofi", "plain", {"bgm.fade_in": 1000, "bgm.fade_out": 4000}),
    ("no fade out", "faded", "plain", {"bgm.fade_out": 0, "bgm.fade_in": 2000}),
    ("no fade out", "lofi", "plain", {"bgm.fade_out": ABSENT}),  # none to remove: no change
    ("fade out 60 seconds", "lofi", "plain", {"bgm.fade_out": 30_000}),
    ("淡出", "lofi", "plain", {"bgm.fade_out": 3000}),
    ("淡入3秒", "lofi", "plain", {"bgm.fade_in": 3000}),
    ("淡入淡出", "lofi", "plain", {"bgm.fade_in": 2000, "bgm.fade_out": 3000}),
    ("fade out at the end", "trimmed", "plain", {"bgm.fade_out": 3000, "bgm.d": 10_000}),
    # start and offset
    ("start the music at 0:05", "lofi", "plain", {"bgm.s": 5000, "bgm.d": 25_000}),
    ("music after 5 seconds", "lofi", "plain", {"bgm.s": 5000}),
    ("delay the music by 3 s", "lofi", "plain", {"bgm.s": 3000}),
    ("start from 1:30 of the song", "song", "song", {"bgm.offset": 90_000, "bgm.s": 0}),
    ("skip the first 20 seconds of the song", "song", "song", {"bgm.offset": 20_000}),
    ("start the song at 1:30", "song", "song", {"bgm.offset": 90_000, "bgm.s": 0}),
    ("play the song from 45s", "song", "song", {"bgm.offset": 45_000}),
    # where the music stops
    ("stop the music at 0:20", "lofi", "plain", {"bgm.until": 20_000, "bgm.d": 20_000}),
    ("cut the music at 0:20", "lofi", "plain", {"bgm.until": 20_000, "bgm.d": 20_000}),
    ("music only in the first 10 seconds", "lofi", "plain", {"bgm.d": 10_000, "bgm.s": 0}),
    ("add lofi music from 0:05 to 0:20", "video", "plain", {"bgm.s": 5000, "bgm.d": 15_000}),
    ("add music for 10 seconds", "video", "plain", {"bgm.s": 0, "bgm.d": 10_000}),
    ("add my song and stop it at 0:12", "video", "song", {"bgm.d": 12_000}),
    ("音乐从5秒到20秒", "lofi", "plain", {"bgm.s": 5000, "bgm.d": 15_000}),
    ("stop the music at 0:05", "trimmed", "plain", {"bgm.d": 5000}),
    ("play the music till the end", "stopped", "plain", {"bgm.until": ABSENT, "bgm.d": 30_000}),
    ("fade out", "stopped", "plain", {"bgm.d": 20_000, "bgm.fade_out": 3000}),
    # fit
    ("don't loop", "lofi", "plain", {"bgm.fit": "once", "bgm.d": 24_000}),
    ("play once", "lofi", "plain", {"bgm.fit": "once"}),
    ("loop the music", "lofi", "plain", {"bgm.fit": "loop"}),
    ("add my song", "video", "song", {"bgm.fit": "trim", "bgm.d": 30_000}),
    ("不要循环", "lofi", "plain", {"bgm.fit": "once"}),
    # original sound
    ("mute my audio", "lofi", "plain", {"m.original": "mute"}),
    ("remove the original sound", "lofi", "plain", {"m.original": "mute", "bgm.volume": 0.5}),
    ("mute", "lofi", "plain", {"m.original": "mute"}),
    ("keep my voice", "muted", "plain", {"m.original": "keep"}),
    ("keep my voice", "lofi", "plain", {"m.original": ABSENT}),  # kept already: no change
    ("lower the original to 20%", "lofi", "plain", {"m.original": "lower",
                                                    "m.original_volume": 0.2}),
    ("lower my voice", "lofi", "plain", {"m.original": "lower", "m.original_volume": 0.3}),
    ("静音", "lofi", "plain", {"m.original": "mute"}),
    ("去掉原声", "lofi", "plain", {"m.original": "mute"}),
    ("保留原声", "muted", "plain", {"m.original": "keep"}),
    # ducking and loudness
    ("duck the music when I talk", "lofi", "plain", {"m.duck": True, "bgm.volume": 0.5}),
    ("lower the music while I'm speaking", "lofi", "plain", {"m.duck": True, "bgm.volume": 0.5}),
    ("no ducking", "lofi", "plain", {"m.duck": False}),
    ("mute the music when I talk", "lofi", "plain", {"m.duck": True, "bgm": True}),
    ("add music to the whole video", "trimmed", "plain", {"m.trim": [10_000, 20_000]}),
    ("normalize", "lofi", "plain", {"m.loudness": -14.0}),
    ("normalise the audio to -16 LUFS", "lofi", "plain", {"m.loudness": -16.0}),
    ("make it loud enough for YouTube", "lofi", "plain", {"m.loudness": -14.0}),
    ("-23 LUFS", "lofi", "plain", {"m.loudness": -23.0}),
    # trim
    ("trim to the first 20 seconds", "video", "plain", {"m.trim": [0, 20_000]}),
    ("trim to the first 10 seconds", "lofi", "plain", {"m.trim": [0, 10_000], "bgm.d": 10_000}),
    ("cut from 0:10 to 0:20", "video", "plain", {"m.trim": [10_000, 20_000]}),
    ("trim between 5 and 15 seconds", "video", "plain", {"m.trim": [5000, 15_000]}),
    ("only the last 15 s", "video", "plain", {"m.trim": [15_000, 30_000]}),
    ("cut the first 5 seconds", "video", "plain", {"m.trim": [5000, 30_000]}),
    ("remove the last 10 seconds", "video", "plain", {"m.trim": [0, 20_000]}),
    ("keep the first 4 seconds", "trimmed", "plain", {"m.trim": [10_000, 14_000]}),
    ("use the whole video", "trimmed", "plain", {"m.trim": None}),
    ("只要前10秒", "video", "plain", {"m.trim": [0, 10_000]}),
    # picture
    ("make it vertical", "video", "plain", {"m.aspect": "9:16", "m.fill": "blur"}),
    ("Vertical 9:16", "video", "plain", {"m.aspect": "9:16"}),
    ("for tiktok", "video", "plain", {"m.aspect": "9:16"}),
    ("instagram reels", "video", "plain", {"m.aspect": "9:16"}),
    ("make it square and crop it", "video", "plain", {"m.aspect": "1:1", "m.fill": "crop"}),
    ("1:1 with black bars", "video", "plain", {"m.aspect": "1:1", "m.fill": "pad"}),
    ("16:9", "video", "plain", {"m.aspect": "16:9"}),
    ("landscape for youtube", "video", "plain", {"m.aspect": "16:9"}),
    ("instagram portrait", "video", "plain", {"m.aspect": "4:5"}),
    ("4:5", "video", "plain", {"m.aspect": "4:5"}),
    ("竖屏", "video", "plain", {"m.aspect": "9:16"}),
    ("720p", "video", "plain", {"m.resolution": 720, "m.upscale": True}),
    ("make it 480p", "video", "plain", {"m.resolution": 480}),
    ("4k", "video", "plain", {"m.resolution": 2160, "m.upscale": True}),
    ("upscale to 1080p", "video", "plain", {"m.resolution": 1080, "m.upscale": True}),
    # titles
    ('add the title "Summer 2024" for 3 seconds', "video", "plain",
     {"title.text": "Summer 2024", "title.d": 3000, "title.s": 0, "bgm": False}),
    ("add the title 'Fade out, and mute!' for 2 s", "video", "plain",
     {"title.text": "Fade out, and mute!", "title.d": 2000, "bgm": False}),
    ("add the title “夏天 2024” at 0:05 for 4 seconds", "video", "plain",
     {"title.text": "夏天 2024", "title.s": 5000, "title.d": 4000}),
    ("title: Our Trip", "video", "plain", {"title.text": "Our Trip", "title.d": 3000}),
    ("加标题「海边」3秒", "video", "plain", {"title.text": "海边", "title.d": 3000}),
    ("music please", "video", "plain", {"bgm.mood": "lofi"}),
    ("the music is too loud", "lofi", "plain", {"bgm.volume": 0.35}),
    ("music too quiet", "lofi", "plain", {"bgm.volume": 0.714}),
    ("make the video quieter", "lofi", "plain", {"m.original": "lower", "bgm.volume": 0.5}),
    ("fade the music in over 3s and out over 4s", "lofi", "plain",
     {"bgm.fade_in": 3000, "bgm.fade_out": 4000}),
    ("add music from 0:10", "video", "plain", {"bgm.s": 10_000}),
    ("use the song from 1:30", "video", "song", {"bgm.offset": 90_000, "bgm.s": 0}),
    ("add the uploaded song but skip the first 10 s", "video", "song",
     {"bgm.offset": 10_000, "m.trim": ABSENT}),
    ("add verticle and cinematc musci", "video", "plain",
     {"m.aspect": "9:16", "bgm.mood": "cinematic"}),
    ('add a title "Hello" at the start', "video", "plain",
     {"title.text": "Hello", "title.s": 0, "bgm": False}),
    ('title "Trip" from 2s to 5s', "video", "plain", {"title.s": 2000, "title.d": 3000}),
    ("add music at 30 and fade out", "video", "plain", {"bgm.volume": 0.3, "bgm.s": 0}),
    ("keep the music low", "lofi", "plain", {"bgm.volume": 0.35}),
    ("give it some beats", "video", "plain", {"bgm.mood": "lofi"}),
    # several requests in one sentence
    ("add lofi music at 20%, fade in 2s and fade out 5s, and mute my audio", "video", "plain",
     {"bgm.mood": "lofi", "bgm.volume": 0.2, "bgm.fade_in": 2000, "bgm.fade_out": 5000,
      "bgm.s": 0, "m.original": "mute"}),
    ("add background music at 30% and fade it out at the end", "video", "song",
     {"bgm.media_id": "song-1", "bgm.volume": 0.3, "bgm.fade_out": 3000, "bgm.s": 0}),
    ("use my song, start it at 0:05 and skip the first 20 seconds of the song", "video", "song",
     {"bgm.media_id": "song-1", "bgm.s": 5000, "bgm.offset": 20_000, "bgm.d": 25_000}),
    ("add calm music, make it vertical, trim to the first 20 seconds and normalize", "video",
     "plain", {"bgm.mood": "calm", "m.aspect": "9:16", "m.trim": [0, 20_000],
               "m.loudness": -14.0, "bgm.d": 20_000}),
    ("add upbeat music at 50% then duck it under my voice", "video", "plain",
     {"bgm.mood": "upbeat", "bgm.volume": 0.5, "m.duck": True}),
    ('add the title "Hi" for 2 seconds and add epic music', "video", "plain",
     {"title.text": "Hi", "bgm.mood": "epic"}),
    ("加背景音乐，淡出3秒，音量30%", "video", "plain",
     {"bgm.mood": "lofi", "bgm.fade_out": 3000, "bgm.volume": 0.3}),
    ("加背景音乐并静音", "video", "plain", {"bgm.mood": "lofi", "m.original": "mute",
                                    "bgm.volume": 1.0}),
    ("mute my audio and duck the music", "lofi", "plain", {"m.duck": True,
                                                            "m.original": "keep"}),
]


@pytest.mark.parametrize(("text", "start", "ctx", "expected"), ROWS,
                         ids=[f"{i}-{r[0][:40]}" for i, r in enumerate(ROWS)])
def test_phrasings(text: str, start: str, ctx: str, expected: dict[str, Any]) -> None:
    draft = START[start]()
    before = draft.to_json()
    parsed = apply_instruction(draft, text, CTX[ctx])
    assert draft.to_json() == before, "the input draft must not change"
    got = facts(parsed.draft)
    for key, value in expected.items():
        if value is ABSENT:
            assert key not in got, key
            continue
        assert key in got, f"{key} missing from {got}"
        if isinstance(value, float):
            assert got[key] == pytest.approx(value, abs=0.002), key
        else:
            assert got[key] == value, key
    assert parsed.understood and all(isinstance(u, str) and u for u in parsed.understood)
    assert not any(u.startswith("not understood") for u in parsed.understood), parsed.understood


@pytest.mark.parametrize("text", ["asdf qwerty", "make it nice", "", "   ", "!!!",
                                  "what's the weather", "blorp the snazz"])
def test_gibberish_is_not_understood(text: str) -> None:
    with pytest.raises(NotUnderstood) as err:
        apply_instruction(video(), text, CTX["plain"])
    assert HELP_TEXT in err.value.user_message


def test_help_text_has_examples() -> None:
    examples = [line for line in HELP_TEXT.splitlines() if line.startswith("•")]
    assert 4 <= len(examples) <= 6
    for example in examples:  # every example in the help actually works
        apply_instruction(video(), example.lstrip("• "), CTX["song"])


def test_partly_understood_says_what_was_not() -> None:
    parsed = apply_instruction(video(), "add calm music and make it sparkle", CTX["plain"])
    assert facts(parsed.draft)["bgm.mood"] == "calm"
    assert parsed.understood[0] == "music: calm (built-in) at 40%"
    assert parsed.understood[-1] == 'not understood: "make it sparkle"'


def test_understood_reads_like_the_request() -> None:
    parsed = apply_instruction(
        video(), "add lofi music at 20%, fade in 2s and fade out 5s, and mute my audio",
        CTX["plain"])
    assert parsed.understood == ("original sound muted", "music: lofi (built-in) at 20%",
                                 "fade in 2 s", "fade out 5 s")


def test_setting_without_music_adds_music_and_says_so() -> None:
    parsed = apply_instruction(video(), "fade out", CTX["plain"])
    assert parsed.understood[0] == "music: lofi (built-in) at 40% (there was no music yet)"


def test_my_song_without_an_upload_says_how_to_send_one() -> None:
    with pytest.raises(NotUnderstood, match="send an audio file"):
        apply_instruction(video(), "use my song", CTX["plain"])


def test_unknown_keys_survive_an_edit() -> None:
    draft = with_lofi()
    draft.data["x-nemo"] = {"keep": 1}
    draft.data["t"][1]["sg"][0]["m"]["colour"] = "blue"
    parsed = apply_instruction(draft, "quieter", CTX["plain"])
    assert parsed.draft.data["x-nemo"] == {"keep": 1}
    assert parsed.draft.data["t"][1]["sg"][0]["m"]["colour"] == "blue"


def test_replacing_the_music_keeps_its_settings() -> None:
    draft = with_lofi(0.3, fade_out=4000, offset=5000)
    parsed = apply_instruction(draft, "switch to cinematic music", CTX["plain"])
    got = facts(parsed.draft)
    assert (got["bgm.mood"], got["bgm.volume"], got["bgm.fade_out"]) == ("cinematic", 0.3, 4000)
    assert "bgm.offset" not in got  # a point in the old song means nothing in the new one


def test_summary_and_diff_read_the_parsed_draft() -> None:
    before = video()
    parsed = apply_instruction(before, "add lofi music at 30% and fade out 3s", CTX["plain"])
    assert "BGM: built-in lofi (0-30s, 30%, fade out 3s)" in parsed.draft.summary()
    assert parsed.draft.diff(before)


def test_song_swapped_in_by_an_upload_is_measured_again() -> None:
    draft = with_lofi()  # source_ms 24 s, then the engine put the 10 s upload in its place
    meta = draft.data["t"][1]["sg"][0]["m"]
    del meta["mood"]
    meta.update(name="jingle.mp3", media_id="song-2")
    got = facts(apply_instruction(draft, "play once", CTX["short"]).draft)
    assert (got["bgm.source_ms"], got["bgm.d"], got["bgm.fit"]) == (10_000, 10_000, "once")


def test_an_unknown_genre_is_said() -> None:
    parsed = apply_instruction(video(), "add disco music at 20%", CTX["plain"])
    assert facts(parsed.draft)["bgm.mood"] == "lofi"
    assert any('"disco" is not a built-in mood' in u for u in parsed.understood)


@pytest.mark.parametrize("text", ["remove the background noise",
                                  "make the colours warmer", "speed it up 2x please",
                                  "slow it down"])
def test_things_it_cannot_do_are_not_misread(text: str) -> None:
    with pytest.raises(NotUnderstood):
        apply_instruction(with_lofi(), text, CTX["plain"])
