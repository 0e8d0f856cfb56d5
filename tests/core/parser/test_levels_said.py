"""Levels said in every way people say them (session 6). Before the fixes:
- "music up 20%" set the music to 20%, "music down 6dB" / "music -6 dB" to 50% whatever it
  was, "music +3db" to 141%, "my voice +6 dB" changed nothing and said "original sound kept";
- "music volume 3/10" and "7 out of 10" gave 3% and 7%; "music to max" / "at minimum" were
  not understood;
- "lower my voice by half" / "make my voice 50% quieter" gave 30% (the plain "lower" level);
- "music at 20% for the first 10 seconds then 50%" stopped the music at 0:10;
- "music quiet for the first 10 seconds then louder" made all of it louder after the dip;
- "switch to my song at 0:15" threw the music before 0:15 away; "crossfade into my song at
  0:15" moved the music's start; "switch to calm at 0:12" with no music asked for songs;
- "quieter from the middle", "louder in the middle" changed the whole video;
- "quieter during the sunset scene" made all of it quieter and said nothing about the scene.
"""

from __future__ import annotations

from typing import Any

import pytest

from core.parser.instructions import Context, MusicRef, apply_instruction
from core.timeline.convert import draft_of, timeline_of
from core.timeline.describe import summary
from core.timeline.model import Timeline
from core.timeline.stored import dumps, loads
from core.words import localise
from tests.core.parser.test_gaps_and_ends import bare, lofi

SONG = MusicRef("song-1", "sunset.mp3", 200_000)
WITH_SONG = Context(30_000, True, SONG, songs=(SONG,))
PLAIN = Context(30_000, True, None)


def edit(text: str, start: str = "lofi", ctx: Context = PLAIN) -> tuple[Timeline, list[str]]:
    parsed = apply_instruction(lofi() if start == "lofi" else bare(), text, ctx)
    return timeline_of(parsed.draft), list(parsed.understood)


STEPS = [  # the music starts at 50%
    ("music up 20%", 0.6), ("turn the music down 20%", 0.4), ("music 10 percent quieter", 0.45),
    ("music down 6dB", 0.251), ("music -6 dB", 0.251), ("music +3db", 0.706),
    ("lower the music by 6 db", 0.251), ("music at -6 dB", 0.501), ("music to 20%", 0.2),
    ("music volume 3/10", 0.3), ("music volume 7 out of 10", 0.7), ("set the music to 8/10", 0.8),
    ("music to max", 1.0), ("turn the music all the way up", 1.0), ("music at minimum", 0.1),
    ("音乐最小声", 0.1), ("music at 0.3", 0.3),
]


@pytest.mark.parametrize(("text", "level"), STEPS)
def test_a_level_said_with_a_direction_is_a_step_from_where_it_is(text: str,
                                                                  level: float) -> None:
    timeline, said = edit(text)
    [track] = timeline.music
    assert track.level == pytest.approx(level, abs=0.002), said
    assert not any("not understood" in s for s in said), said


@pytest.mark.parametrize(("text", "level"), [("add music -20 dB", 0.1),
                                             ("add music at -6 dB", 0.501)])
def test_new_music_at_a_negative_db_is_that_level(text: str, level: float) -> None:
    timeline, said = edit(text, "video")
    assert timeline.music[0].level == pytest.approx(level, abs=0.002), said


@pytest.mark.parametrize(("text", "level"), [
    ("original sound lower by half", 0.5), ("lower my voice by half", 0.5),
    ("make my voice 50% quieter", 0.5), ("my voice 20% quieter", 0.8),
    ("my voice -6 dB", 0.501), ("lower my voice", 0.3), ("make my voice a bit quieter", 0.3),
])
def test_the_clip_s_own_sound_by_an_amount_said(text: str, level: float) -> None:
    timeline, said = edit(text)
    assert timeline.original.gain == pytest.approx(level, abs=0.002), said


def test_raising_a_voice_at_full_volume_says_so_and_lowers_the_music() -> None:
    timeline, said = edit("my voice +6 dB")
    assert timeline.original.gain == 1.0
    assert timeline.music[0].level == pytest.approx(0.251, abs=0.002)
    assert any("already at full volume" in s for s in said), said


TWO_LEVELS = [  # (text, start, music level after, (start, end, level) of the first part)
    ("add music at 20% for the first 10 seconds then 50%", "video", 0.5, (0, 10_000, 0.2)),
    ("music at 20% for the first 10 s, then 50% after that", "lofi", 0.5, (0, 10_000, 0.2)),
    ("20% for the first 10 seconds and 50% after", "lofi", 0.5, (0, 10_000, 0.2)),
    ("music 80% for the first 5 s then 30%", "lofi", 0.3, (0, 5000, 0.8)),
    ("for the first 10 seconds music at 20%, then 60%", "lofi", 0.6, (0, 10_000, 0.2)),
    ("music at 20% until 0:10 then 50%", "lofi", 0.5, (0, 10_000, 0.2)),
    ("music 20% for 10 seconds then 50% for the rest", "lofi", 0.5, (0, 10_000, 0.2)),
    ("前10秒音乐20%，然后50%", "lofi", 0.5, (0, 10_000, 0.2)),
    ("前10秒音量20%，之后50%", "lofi", 0.5, (0, 10_000, 0.2)),
    ("music at 20% for the first 10 seconds then louder", "lofi", 0.5, (0, 10_000, 0.2)),
    ("music quiet for the first 10 seconds then louder", "lofi", 0.5, (0, 10_000, None)),
    ("music quiet for the first 10 seconds then back to normal", "lofi", 0.5,
     (0, 10_000, None)),
    ("make the music quieter from the middle", "lofi", 0.5, (15_000, 30_000, None)),
    ("louder in the middle", "lofi", 0.5, (10_000, 20_000, None)),
    ("中间部分音乐小一点", "lofi", 0.5, (10_000, 20_000, None)),
]


@pytest.mark.parametrize(("text", "start", "after", "part"), TWO_LEVELS)
def test_a_level_for_a_part_then_another_is_one_track_with_a_dip(
        text: str, start: str, after: float, part: tuple[int, int, float | None]) -> None:
    timeline, said = edit(text, start)
    [track] = timeline.music
    assert (track.start, track.length, track.until) == (0, 30_000, None), said
    assert track.gain == pytest.approx(after, abs=0.002), said
    [span] = track.envelope
    assert (span.start, span.end) == part[:2], said
    if part[2] is not None:
        assert track.gain * span.factor == pytest.approx(part[2], abs=0.005), said
    else:  # said in words: quieter or louder than the rest
        assert (span.factor < 0.9) == bool("quiet" in text or "小" in text), said
    assert not any("not understood" in s for s in said), said


@pytest.mark.parametrize("text", ["crossfade into my song at 0:15", "switch to my song at 0:15",
                                  "fade into my song at 15s", "transition to my song at 0:15"])
def test_switching_into_the_song_sent_keeps_the_music_before(text: str) -> None:
    timeline, said = edit(text, ctx=WITH_SONG)
    first, second = timeline.music
    assert first.source.mood == "lofi" and second.source.media_id == "song-1", said
    assert first.start == 0 and 14_000 <= second.start <= 15_000 <= first.end, said


@pytest.mark.parametrize(("text", "ctx", "mood", "media"), [
    ("switch to calm at 0:12", PLAIN, "calm", None),
    ("crossfade into my song at 0:12", WITH_SONG, None, "song-1"),
])
def test_switching_with_no_music_yet_starts_the_music_there(text: str, ctx: Context,
                                                            mood: str | None,
                                                            media: str | None) -> None:
    timeline, said = edit(text, "video", ctx)
    [track] = timeline.music
    assert (track.source.mood, track.source.media_id, track.start) == (mood, media, 12_000), said


def _flat(parsed: Any) -> str:
    return " | ".join(parsed)


@pytest.mark.parametrize(("text", "left"), [
    ("make the music quieter during the sunset scene", "sunset scene"),
    ("music louder during the chorus", "chorus"),
    ("lower my voice when the dog barks", "dog barks"),
])
def test_a_part_of_the_video_named_in_words_is_said_not_done(text: str, left: str) -> None:
    _, said = edit(text)
    assert any(s.startswith("not understood") and left in s for s in said), _flat(said)


@pytest.mark.parametrize("text", ["duck the music when I talk",
                                  "lower my voice when the music plays",
                                  "make the music fade in when the video starts",
                                  "zoom in to fill 9:16"])
def test_words_about_when_that_the_edit_itself_means_are_not_flagged(text: str) -> None:
    _, said = edit(text)
    assert not any("not understood" in s for s in said), _flat(said)


@pytest.mark.parametrize(("text", "start", "end"), [
    ("add music at the end", 20_000, 30_000), ("add music only at the end", 20_000, 30_000),
    ("add music for the ending", 20_000, 30_000), ("music only at the start", 0, 10_000),
    ("put some calm music at the beginning", 0, 10_000), ("add music in the middle", 10_000,
                                                          20_000),
])
def test_music_placed_by_a_part_of_the_video_plays_in_that_third(text: str, start: int,
                                                                 end: int) -> None:
    """Before: the music played over the whole video and "at the end" was not understood."""
    timeline, said = edit(text, "video")
    [track] = timeline.music
    assert (track.start, track.end) == (start, end), said
    assert not any("not understood" in s for s in said), said


@pytest.mark.parametrize(("text", "fade_in", "fade_out"), [
    ("fade the music at the end", 0, 3000), ("fade it in at the start", 2000, 0),
    ("fade at the start and the end", 2000, 3000),
])
def test_a_fade_at_an_end_is_that_fade(text: str, fade_in: int, fade_out: int) -> None:
    timeline, said = edit(text)
    track = timeline.music[0]
    assert (track.fade_in, track.fade_out) == (fade_in, fade_out), said
    assert not any("not understood" in s for s in said), said


GRADUAL = [  # text, start, (a, b), level at the end (the music starts at 50%)
    ("make the music gradually louder", "lofi", (0, 30_000), 1.0),
    ("make the music slowly get louder over the whole video", "lofi", (0, 30_000), 1.0),
    ("music gets quieter gradually", "lofi", (0, 30_000), 0.2),
    ("gradually louder to 80%", "lofi", (0, 30_000), 0.8),
    ("slowly quieter over the last 10 seconds", "lofi", (20_000, 30_000), 0.2),
    ("build up the music from 0:10 to 0:20", "lofi", (10_000, 20_000), 1.0),
    ("音乐越来越大", "lofi", (0, 30_000), 1.0),
    ("music louder little by little", "lofi", (0, 30_000), 1.0),
    ("crescendo at the end", "lofi", (25_000, 30_000), 1.0),
    ("add music and make it gradually louder", "video", (0, 30_000), 0.8),
]


@pytest.mark.parametrize(("text", "start", "span", "end_level"), GRADUAL)
def test_a_gradual_change_is_a_line_not_a_step(text: str, start: str, span: tuple[int, int],
                                               end_level: float) -> None:
    """Before: one step over the whole video ("music louder: 71%")."""
    timeline, said = edit(text, start)
    [track] = timeline.music
    [ramp] = track.envelope
    assert (ramp.start, ramp.end, ramp.factor) == (*span, 1.0), said
    assert ramp.to is not None and track.gain * ramp.to == pytest.approx(end_level, abs=0.01)
    assert ramp.at(span[0]) == 1.0 and ramp.at(span[1] + 5000) == ramp.to  # holds after
    assert ramp.at((span[0] + span[1]) / 2) == pytest.approx((1 + ramp.to) / 2)
    assert any(("rising" if end_level > track.gain else "falling") in s for s in said), said
    assert not any("not understood" in s for s in said), said
    assert "逐渐" in localise(summary(draft_of(timeline).data), "zh")
    assert loads(dumps(timeline)).music[0].envelope == (ramp,)


def test_a_gradual_fade_is_the_fade() -> None:
    timeline, said = edit("gradually fade out the music")
    assert timeline.music[0].fade_out == 3000 and timeline.music[0].envelope == (), said
    assert not any("not understood" in s for s in said), said


def test_gradual_changes_and_dips_multiply_and_a_new_gradual_change_replaces_the_old() -> None:
    """Before: 'gradually louder' threw away the dip said before it, and a dip said after
    threw away the gradual change."""
    draft = apply_instruction(lofi(), "music at 20% for the first 10 seconds, then 50%",
                              PLAIN).draft
    draft = apply_instruction(draft, "make the music gradually louder", PLAIN).draft
    draft = apply_instruction(draft, "quieter in the middle", PLAIN).draft
    spans = timeline_of(draft).music[0].envelope
    assert [(s.start, s.end, s.to is not None) for s in spans] == [
        (0, 10_000, False), (0, 30_000, True), (10_000, 20_000, False)]
    draft = apply_instruction(draft, "slowly quieter over the last 10 seconds", PLAIN).draft
    spans = timeline_of(draft).music[0].envelope  # rises to 0:20, then falls under it
    assert [(s.start, s.end) for s in spans if s.to is not None] == [(0, 30_000), (20_000, 30_000)]
    draft = apply_instruction(draft, "make the music gradually quieter", PLAIN).draft
    spans = timeline_of(draft).music[0].envelope  # from 0:00 on: it replaces both
    assert [(s.start, s.end, s.to) for s in spans if s.to is not None] == [(0, 30_000, 0.4)]
    assert len([s for s in spans if s.to is None]) == 2


@pytest.mark.parametrize(("text", "level"), [
    ("make the music 2x louder", 1.0), ("music 3 times quieter", 0.167),
    ("music two times louder", 1.0), ("lower music by 10 percent", 0.45),
])
def test_times_louder_or_quieter_is_that_factor(text: str, level: float) -> None:
    """Before: "2x louder" was the plain step (71%)."""
    timeline, said = edit(text)
    assert timeline.music[0].level == pytest.approx(level, abs=0.002), said


@pytest.mark.parametrize(("text", "start", "music", "original"), [
    ("bgm off", "lofi", False, None), ("music off", "lofi", False, None),
    ("keep only my voice", "lofi", False, 1.0), ("只要原声", "lofi", False, 1.0),
    ("music off for the last 5 seconds", "lofi", True, None),
    ("music for a cooking video", "video", True, None),
    ("add some quiet piano", "video", True, None),
])
def test_music_on_or_off_as_said(text: str, start: str, music: bool,
                                 original: float | None) -> None:
    """Before: "bgm off" and "music for a cooking video" were not understood, "keep only my
    voice" kept the music."""
    timeline, said = edit(text, start)
    assert bool(timeline.music) == music, said
    if original is not None:
        assert timeline.original.gain == original, said
    assert not any("not understood" in s for s in said), said


@pytest.mark.parametrize(("text", "mood"), [("add piano music", "calm"), ("加钢琴曲", "calm"),
                                            ("add jazz piano", "jazz")])
def test_piano_is_the_calm_mood(text: str, mood: str) -> None:
    timeline, said = edit(text, "video")
    assert timeline.music[0].source.mood == mood, said
    assert not any("not a built-in mood" in s for s in said), said


def test_stopping_the_music_when_someone_talks_ducks_it() -> None:
    timeline, said = edit("stop the music when I start talking")
    assert timeline.original.duck is True and timeline.music, said


@pytest.mark.parametrize(("text", "start", "span", "level"), [
    ("music at 30% for the last 10 seconds", "lofi", (20_000, 30_000), 0.3),
    ("music full volume at the end", "lofi", (25_000, 30_000), 1.0),
    ("music at 30% from 0:10 to 0:20", "lofi", (10_000, 20_000), 0.3),
])
def test_a_level_for_a_part_of_music_already_there_is_a_dip(
        text: str, start: str, span: tuple[int, int], level: float) -> None:
    """Before: "music at 30% for the last 10 seconds" moved the music to start at 0:20 and set
    all of it to 30%; "music full volume at the end" set all of it to 100%."""
    timeline, said = edit(text, start)
    [track] = timeline.music
    assert (track.start, track.length, track.gain) == (0, 30_000, 0.5), said
    [dip] = track.envelope
    assert (dip.start, dip.end) == span and track.gain * dip.factor == pytest.approx(level)


def test_with_no_music_a_level_and_a_part_place_the_music() -> None:
    timeline, said = edit("music at 30% for the last 10 seconds", "video")
    [track] = timeline.music
    assert (track.start, track.gain, track.envelope) == (20_000, 0.3, ()), said


@pytest.mark.parametrize(("text", "check"), [
    ("add my song starting 30 seconds into it", lambda t: t.music[0].offset == 30_000),
    ("make the song fit", lambda t: t.music[0].length == 30_000),
    ("stretch the song to the video", lambda t: t.music[0].length == 30_000),
])
def test_song_placing_as_said(text: str, check: Any) -> None:
    """Before: "starting 30 seconds into it" and "make the song fit" were not understood and
    "stretch the song" got the answer about stretching the picture."""
    short = MusicRef("song-2", "jingle.mp3", 10_000)
    ctx = Context(30_000, True, short if "fit" in text or "stretch" in text else SONG,
                  songs=(SONG, short))
    timeline, said = edit(text, "video", ctx)
    assert check(timeline), said
    assert not any("not understood" in s for s in said), said
    assert "stretch" not in text or any("don't change its speed" in s for s in said), said


@pytest.mark.parametrize("text", ["duck the music by 50%", "duck it more", "less ducking",
                                  "duck more aggressively"])
def test_how_far_the_music_ducks_is_said_fixed_and_the_level_stays(text: str) -> None:
    """Before: "duck the music by 50%" set the music to 50%; "less ducking" said nothing."""
    timeline, said = edit(text)
    assert timeline.original.duck is True and timeline.music[0].level == 0.5, said
    assert any("goes down under speech is fixed" in s for s in said), said


@pytest.mark.parametrize(("text", "music_silent"), [
    ("mute everything from 0:05 to 0:07", True), ("no sound at all in the first 2 seconds", True),
    ("silence from 0:05 to 0:07", False),
])
def test_everything_silent_for_a_part_silences_the_music_too(text: str,
                                                            music_silent: bool) -> None:
    """Before: "mute everything from 0:05 to 0:07" left the music playing there."""
    timeline, said = edit(text)
    [part] = timeline.original.envelope
    assert part.factor == 0.0, said
    spans = timeline.music[0].envelope
    assert bool(spans) == music_silent and all(
        (s.start, s.end, s.factor) == (part.start, part.end, 0.0) for s in spans), said


def test_asking_for_the_voice_back_unmutes_it() -> None:
    draft = apply_instruction(lofi(), "mute my voice", PLAIN).draft
    parsed = apply_instruction(draft, "I want my voice back", PLAIN)
    assert timeline_of(parsed.draft).original.gain == 1.0, parsed.understood


@pytest.mark.parametrize(("text", "start", "level"), [
    ("music at a quarter volume", "video", 0.25), ("music to a third", "lofi", 0.33),
    ("lower it a notch", "lofi", 0.425), ("a smidge quieter", "lofi", 0.425),
    ("music a tiny bit louder", "lofi", 0.588),
])
def test_small_and_fractional_amounts(text: str, start: str, level: float) -> None:
    """Before: "a quarter volume" was not understood and "a smidge quieter" / "a notch" were
    the full step (35%)."""
    timeline, said = edit(text, start)
    assert timeline.music[0].level == pytest.approx(level, abs=0.003), said
