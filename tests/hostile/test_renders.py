"""Odd but valid videos render; a title full of filter characters shows as written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import pytest

from bots.bootstrap import App
from core.local.probe import probe_sync
from core.timeline import stored
from tests.hostile.conftest import Said, Talk, attach
from tests.media import make_audio, measure, tone_level_db

Hostile = Callable[[str], Path]


def delivered(said: Said) -> Path:
    said.no_traceback()
    assert not said.problems, said.words
    [video] = said.videos
    assert video.path is not None and video.path.is_file()
    return video.path


# corpus name, (width, height) the result must have
ODD = [
    ("no_audio", (320, 240)),
    ("portrait", (240, 320)),  # phone portrait stays portrait
    ("vfr", (320, 240)),
    ("hevc_mov", (320, 240)),
    ("vp9_webm", (320, 240)),
    ("two_audio_mkv", (320, 240)),
    # containers camcorders, DVDs and old phones write (before: refused as "unsupported type")
    ("camcorder_mts", (320, 240)),
    ("dvd_mpg", (320, 240)),
    ("old_phone_3gp", (176, 144)),
]


@pytest.mark.parametrize(("name", "size"), ODD, ids=[case[0] for case in ODD])
async def test_odd_videos_get_music(talk: Talk, hostile: Hostile, name: str,
                                    size: tuple[int, int]) -> None:
    source = hostile(name)
    out = delivered(await talk(name, "add calm music", files=[attach(source)]))
    facts, before = measure(out), measure(source)
    assert facts.video_codec == "h264" and facts.audio_streams == 1
    shown = probe_sync(out)  # the size as players show it, after any rotation tag
    assert (shown.width, shown.height) == size
    assert abs(facts.duration - before.duration) < 0.35, (facts.duration, before.duration)


async def test_mp3_first_then_the_clip(talk: Talk, hostile: Hostile, clip: Path) -> None:
    first = await talk("mp3-first", files=[attach(hostile("mp3"), "song.mp3", "audio/mpeg")])
    assert not first.problems
    out = delivered(await talk("mp3-first", "use my song", files=[attach(clip)]))
    assert tone_level_db(out, 1, 2, 880) > -40  # the song's tone is under the clip


async def test_after_a_run_of_bad_files_the_next_render_works(
        talk: Talk, hostile: Hostile, clip: Path) -> None:
    for name in ("zero", "random", "truncated", "ten_hours", "mov_16000"):
        said = await talk("stubborn", files=[attach(hostile(name), "clip.mp4", "video/mp4")])
        assert said.problems, name
    out = delivered(await talk("stubborn", "add lofi music", files=[attach(clip)]))
    assert measure(out).audio_streams == 1


TITLES = [
    "It's 5:30 \\ 100% ; done",
    "a:b=c\\,d'e\"f%{pts}%{localtime}",
    "'; movie=/etc/passwd [x]; [x] overlay",
    "%{eif\\:1/0\\:d} :fontfile=/etc/passwd",
]


def frame_at(path: Path, seconds: float) -> np.ndarray:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            if frame.time is not None and frame.time >= seconds:
                return frame.to_ndarray(format="gray").astype(np.int16)
    raise AssertionError("no frame there")


def title_area_change(a: Path, b: Path, seconds: float) -> float:
    """Mean change in the middle band of the picture, where titles are drawn."""
    fa, fb = frame_at(a, seconds), frame_at(b, seconds)
    return float(np.abs(fa - fb).mean())


async def test_titles_with_filter_characters_show_as_written(
        talk: Talk, app: App, clip: Path) -> None:
    plain = delivered(await talk("titles", "add calm music", files=[attach(clip)]))
    conversation = await app.store.get_conversation("telegram:titles")
    assert conversation is not None
    for title in TITLES:
        quoted = title.replace('"', "'")  # the parser reads the text between double quotes
        titled = delivered(await talk("titles", f'add the title "{quoted}" for 2 seconds'))
        draft = await app.store.current_draft(conversation.session_id)
        assert draft is not None
        shown = stored.loads(draft).title  # as the local engine stores its timeline
        assert shown is not None and shown.text == quoted, shown
        # Drawn while the title shows (0-2 s), gone after it.
        during = title_area_change(titled, plain, 1.0)
        after = title_area_change(titled, plain, 3.0)
        assert during > after + 1.0, (title, during, after)


async def test_portrait_stays_portrait_when_the_picture_is_re_encoded(
        talk: Talk, hostile: Hostile) -> None:
    said = await talk("portrait-title", 'add calm music and the title "Hi" for 1 second',
                      files=[attach(hostile("portrait"))])
    out = delivered(said)
    shown = probe_sync(out)
    assert shown.height is not None and shown.width is not None
    assert shown.height > shown.width, (shown.width, shown.height, shown.rotation)


@pytest.mark.parametrize(("shown", "mime"), [("voice.ogg", "audio/ogg"),
                                             ("voice-note.opus", "audio/opus"),
                                             ("audio", "audio/ogg; codecs=opus")])
async def test_a_telegram_voice_note_becomes_the_music(
        talk: Talk, tmp_path: Path, clip: Path, shown: str, mime: str) -> None:
    """Telegram voice notes are OGG/Opus (mono, 48 kHz)."""
    voice = make_audio(tmp_path / "voice.ogg", seconds=6, freq=660, codec="libopus")
    assert measure(voice).audio_codec == "opus"
    first = await talk("voice", files=[attach(voice, shown, mime)])
    first.no_traceback()
    assert not first.problems, first.words
    assert "music" in first.words.lower()
    out = delivered(await talk("voice", "use my song", files=[attach(clip)]))
    facts = measure(out)
    assert facts.audio_streams == 1 and abs(facts.duration - 4) < 0.35
    assert tone_level_db(out, 1, 2, 660) > -40  # the voice note's tone is under the clip
    assert tone_level_db(out, 1, 2, 440) > -30  # and the clip keeps its own sound
