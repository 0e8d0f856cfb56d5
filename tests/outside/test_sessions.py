"""Realistic sessions with the real `backtrack chat` and `backtrack render`, measured.

The phrasings are the kind people type to a music bot (casual, polite, negated, follow-ups,
Chinese) and none of them is in the parser's own tables. Levels are checked against the
tones in the generated media: the clip's own sound is 440 Hz, the user's song 660 Hz.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from core.local.probe import probe_sync
from tests.media import ffmpeg, level_db, make_audio, make_video, measure, tone_level_db
from tests.outside.driver import chat, check_words, render

VOICE, SONG = 440, 660


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("media")
    return {
        "clip": make_video(folder / "été_日本.mp4", seconds=4, freq=VOICE),
        "spaced clip": make_video(folder / "my holiday clip.mp4", seconds=3, freq=VOICE),
        "silent": make_video(folder / "silent.mp4", seconds=3, audio=False),
        "one second": make_video(folder / "one.mp4", seconds=1, freq=VOICE),
        "song": make_audio(folder / "ma chanson.mp3", seconds=2, freq=SONG),
        "m4a": make_audio(folder / "歌 曲.m4a", seconds=8, freq=SONG),
        "wav": make_audio(folder / "long song.wav", seconds=90, freq=SONG),
        "minute": make_video(folder / "minute.mp4", seconds=60, width=160, height=120, fps=10,
                             freq=VOICE),
    }


def full(path: Path, freq: int) -> float:
    """The level of a tone in the source file: 100% in the output."""
    return tone_level_db(path, 0.2, 0.8, freq)


def mid(path: Path, freq: int | None = None) -> float:
    start = measure(path).duration / 2 - 0.3
    return level_db(path, start, start + 0.6) if freq is None else tone_level_db(
        path, start, start + 0.6, freq)


def shape(path: Path) -> tuple[int, int]:
    """Width and height as players show them (after a rotation tag)."""
    info = probe_sync(path)
    return info.width or 0, info.height or 0


def tail(path: Path) -> float:
    end = measure(path).duration
    return level_db(path, end - 0.2, end - 0.02)


def test_casual_english_session_with_my_song(tmp_path: Path, media: dict[str, Path]) -> None:
    s = chat(tmp_path, [
        str(media["clip"]),
        f"'{media['song']}'",
        "yo put my song under this at 30 percent pls 🙏",
        "even quieter",
        "don't mute my voice",
        "actually replace my audio with the song",
        "fade it out at the end",
        "thanks!",
    ])
    # "don't mute my voice" changed nothing: the same file again, not a second render.
    assert len(s.videos) == 5, s.out
    at30, quieter, again, replaced, faded = s.videos
    assert again == quieter
    voice, song = full(media["clip"], VOICE), full(media["song"], SONG)
    assert mid(at30, SONG) == pytest.approx(song + 20 * math.log10(0.3), abs=1.0)
    assert mid(at30, VOICE) == pytest.approx(voice, abs=1.0)
    assert mid(quieter, SONG) == pytest.approx(song + 20 * math.log10(0.21), abs=1.0)
    assert mid(replaced, VOICE) < voice - 40, "the original sound is gone"
    assert mid(replaced, SONG) == pytest.approx(mid(quieter, SONG), abs=1.0)
    assert tail(faded) < mid(faded) - 6, "the music fades out at the end"
    assert "Nothing changed" in s.out
    assert "Glad to help" in s.out
    for video in s.videos:
        got = measure(video)
        assert (got.width, got.height, got.video_codec, got.audio_codec) == (320, 240, "h264",
                                                                              "aac")
        assert got.duration == pytest.approx(4.0, abs=0.1)


def test_chinese_session_on_a_clip_without_sound(tmp_path: Path, media: dict[str, Path]) -> None:
    s = chat(tmp_path, [str(media["silent"]), "加一点轻松的音乐，结尾淡出", "音乐小声一点", "竖屏",
                        "加字幕"])
    assert len(s.videos) == 3, s.out
    calm, softer, vertical = s.videos
    assert mid(calm) > -40, "there is music under a clip that had no sound"
    assert tail(calm) < mid(calm) - 6, "结尾淡出: it fades out"
    assert mid(softer) == pytest.approx(mid(calm) + 20 * math.log10(0.7), abs=1.0)
    shape = measure(vertical)
    assert shape.width and shape.height, shape
    assert shape.width / shape.height == pytest.approx(9 / 16, abs=0.02)
    tries = [x for x in s.out.splitlines() if x.startswith("试试：")]
    assert all("撤销" in t for t in tries), tries  # a Chinese session: Chinese buttons
    assert "淡出" not in tries[0] and "竖屏 9:16" not in tries[2], tries
    # What it cannot do is an answer, not a failure: the script exits 0.
    assert "字幕" in s.answer("生成字幕")
    assert (s.problems(), s.code) == ([], 0), s.out


def test_what_it_cannot_do_and_follow_ups(tmp_path: Path, media: dict[str, Path]) -> None:
    s = chat(tmp_path, [
        str(media["silent"]),
        "change the video colour to black and white",
        "add subtitles automatically",
        "could you please add some calm music?",
        "a bit more",
        "louder please",
        "a bit more",
        "what can you do?",
    ])
    # Answers to what it cannot do (or did not follow) are words, not problems.
    s.answer("can't change the picture's colours")
    s.answer("can't make subtitles")
    s.answer("More of what?")  # nothing to repeat yet: it asks
    assert "for example" in s.out
    assert (s.problems(), s.code) == ([], 0), s.out
    assert len(s.videos) == 3, s.out  # only the music, louder and "a bit more" render
    calm, louder, more = s.videos
    assert mid(louder) == pytest.approx(mid(calm) + 20 * math.log10(1 / 0.7), abs=1.0)
    assert mid(more) == pytest.approx(mid(louder) + 10 * math.log10(1 / 0.7), abs=1.0)


def test_render_with_spaces_unicode_and_a_longer_song(tmp_path: Path,
                                                       media: dict[str, Path]) -> None:
    out = tmp_path / "fini ça.mp4"
    done = render(tmp_path, str(media["spaced clip"]), "--music", str(media["m4a"]), "-o",
                  str(out), "music at 30%, no fade, keep the original sound")
    assert done.returncode == 0, done.stderr
    assert str(out) in done.stdout
    got = measure(out)
    assert got.duration == pytest.approx(3.0, abs=0.1), "a longer song is cut to the clip"
    assert mid(out, SONG) == pytest.approx(full(media["m4a"], SONG) - 10.46, abs=1.0)
    assert mid(out, VOICE) == pytest.approx(full(media["spaced clip"], VOICE), abs=1.0)
    assert tail(out) > mid(out) - 3, "no fade"


def test_render_a_one_second_clip(tmp_path: Path, media: dict[str, Path]) -> None:
    out = tmp_path / "short.mp4"
    done = render(tmp_path, str(media["one second"]), "-o", str(out),
                  "can you add upbeat music and mute my audio")
    assert done.returncode == 0, done.stderr
    assert measure(out).duration == pytest.approx(1.0, abs=0.1)
    assert mid(out, VOICE) < -60 and mid(out) > -40


@pytest.mark.parametrize(("instruction", "words"), [
    ("make it brighter", "colours"),
    ("add subtitles automatically", "subtitles"),
    ("asdf qwerty", "for example"),
])
def test_render_refuses_in_one_clear_line(tmp_path: Path, media: dict[str, Path],
                                          instruction: str, words: str) -> None:
    done = render(tmp_path, str(media["clip"]), "-o", str(tmp_path / "x.mp4"), instruction)
    assert done.returncode != 0
    assert words in done.stderr + done.stdout
    check_words(done.stderr + done.stdout, tmp_path / "data")
    assert not (tmp_path / "x.mp4").exists()


def test_phone_portrait_clip_stays_portrait(tmp_path: Path, media: dict[str, Path]) -> None:
    phone = tmp_path / "IMG_0042 (portrait).mp4"
    ffmpeg("-display_rotation", "90", "-i", str(media["clip"]), "-c", "copy", str(phone))
    assert shape(phone) == (240, 320)  # as the phone shows it
    copied, square = tmp_path / "copied.mp4", tmp_path / "square.mp4"
    done = render(tmp_path, str(phone), "-o", str(copied), "put some chill beats on it")
    assert done.returncode == 0, done.stderr
    done = render(tmp_path, str(phone), "-o", str(square), "make it square for insta")
    assert done.returncode == 0, done.stderr
    assert shape(copied) == (240, 320), "only the sound changed: still portrait"
    width, height = shape(square)
    assert width == height


def test_a_minute_long_clip_trimmed_with_a_long_wav(tmp_path: Path, media: dict[str, Path]) -> None:
    s = chat(tmp_path, [str(media["minute"]), f"'{media['wav']}'",
                        "use the wav, skip the first 30 seconds of the song",
                        "now keep only 0:10 to 0:25 and fade out over 2s"])
    assert len(s.videos) == 2, s.out
    whole, cut = s.videos
    assert measure(whole).duration == pytest.approx(60, abs=0.2), "the song covers the minute"
    assert tone_level_db(whole, 58.5, 59.0, SONG) > -40, "no silence at the end"
    assert measure(cut).duration == pytest.approx(15, abs=0.2)
    end = measure(cut).duration
    assert tone_level_db(cut, end - 0.25, end - 0.05, SONG) < mid(cut, SONG) - 6, "faded out"
    assert mid(cut, VOICE) == pytest.approx(full(media["minute"], VOICE), abs=1.0)


def test_undo_steps_back_edits_but_keeps_the_clip(tmp_path: Path,
                                                   media: dict[str, Path]) -> None:
    s = chat(tmp_path, [str(media["silent"]), "add calm music", "undo", "undo", "undo",
                        "add calm music"])
    assert len(s.videos) == 3, s.out  # the music, the undone clip, the music again
    music, undone, again = s.videos
    assert mid(music) > -40 and mid(again) > -40
    assert measure(undone).audio_streams == 0, "back to the clip as sent: no sound at all"
    refused = "Problem: There's nothing more to undo — your clip is as you sent it."
    assert s.out.count(refused) == 2, s.out
    assert "Send me a video first" not in s.out and "nothing to undo" not in s.out
    # The buttons follow the draft: with music it can be quieter; without, some can be added.
    assert [x for x in s.out.splitlines() if x.startswith("Try: ")] == [
        "Try: Fade out | Quieter music | Vertical 9:16 | Undo",
        "Try: Add calm music | Vertical 9:16 | Undo",  # no music: nothing to fade
        "Try: Fade out | Quieter music | Vertical 9:16 | Undo",
    ]
