"""Bad and odd files: each gets a clear answer, nothing crashes, the next turn still works."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bots.bootstrap import App
from core.conversation.intake import PHOTOS_REFUSED
from core.conversation.turn import Attachment
from tests.hostile.conftest import Talk, attach
from tests.media import ffmpeg

Hostile = Callable[[str], Path]


async def still_works(talk: Talk, chat: str) -> None:
    """The conversation is not stuck: the next turn is answered at once."""
    said = await talk(chat, "help", timeout=10)
    assert said.words and not said.problems, said.words


# corpus name, name the user's app gives it, mime, words the user must see
REFUSED = [
    ("zero", "empty.mp4", "video/mp4", "is empty"),
    # Random bytes sometimes look like a container to ffprobe (a stray sync word), with no
    # streams in it: that refusal is as right as the other.
    ("random", "random.mp4", "video/mp4",
     "doesn't look like a video or audio file|has neither pictures nor sound"),
    ("truncated", "truncated.mp4", "video/mp4", "doesn't look like a video or audio file"),
    ("ten_hours", "ten-hours.mp4", "video/mp4",
     "is 600:00 long; the longest video I take is 30:00"),
    ("mov_16000", "huge.mov", "video/quicktime", "16000x16000; that is more pixels than I take"),
    ("long_audio", "long-song.mp3", "audio/mpeg", "is 0:20 long; the longest music I take is 0:15"),
]


@pytest.mark.parametrize(("name", "shown", "mime", "words"), REFUSED,
                         ids=[case[0] for case in REFUSED])
async def test_refused_with_words(talk: Talk, hostile: Hostile, app: App, name: str, shown: str,
                                  mime: str, words: str) -> None:
    said = await talk(name, files=[attach(hostile(name), shown, mime)])
    said.no_traceback()
    assert len(said.problems) == 1, said.words
    assert any(w in said.problems[0] for w in words.split("|")), said.problems[0]
    # Nothing was kept: no media record, no file left in the data folder.
    media = list((app.settings.data_dir / "media").rglob("*.*"))
    assert media == [], media
    await still_works(talk, name)


@pytest.mark.parametrize(("name", "mime"), [("random", "video/mp4"), ("truncated", "video/mp4"),
                                            ("png_20000", "image/png")])
async def test_refusal_names_the_users_file(talk: Talk, hostile: Hostile, name: str,
                                            mime: str) -> None:
    said = await talk(name, files=[attach(hostile(name), "My Holiday.mp4", mime)])
    assert "My Holiday.mp4" in said.problems[0], said.problems[0]


async def test_empty_file_refusal_names_the_users_file(talk: Talk, hostile: Hostile) -> None:
    said = await talk("zero", files=[attach(hostile("zero"), "My Holiday.mp4", "video/mp4")])
    assert said.problems == ["My Holiday.mp4 is empty."]


async def test_ten_hours_is_refused_without_decoding(talk: Talk, hostile: Hostile) -> None:
    path = hostile("ten_hours")
    assert path.stat().st_size < 100_000
    started = time.monotonic()
    said = await talk("10h", files=[attach(path, "ten-hours.mp4", "video/mp4")])
    assert time.monotonic() - started < 5
    assert "long; the longest video I take" in said.problems[0]


async def test_a_20000_pixel_square_image_is_refused(talk: Talk, hostile: Hostile) -> None:
    """ffmpeg itself will not hold a 20000x20000 picture; the user still gets words."""
    said = await talk("png", files=[attach(hostile("png_20000"), "huge.png", "image/png")])
    said.no_traceback()
    assert len(said.problems) == 1, said.words
    await still_works(talk, "png")


async def test_mp3_sent_first_becomes_the_music(talk: Talk, hostile: Hostile) -> None:
    said = await talk("mp3", files=[attach(hostile("mp3"), "song.mp3", "audio/mpeg")])
    said.no_traceback()
    assert not said.problems, said.words
    assert "song.mp3" in said.words and "music" in said.words.lower()
    assert "video" in said.words.lower()  # it asks for the clip


async def test_mp3_named_as_a_video_becomes_the_music(talk: Talk, hostile: Hostile) -> None:
    said = await talk("mp3v", files=[attach(hostile("mp3_named_mp4"), "holiday.mp4",
                                            "video/mp4")])
    said.no_traceback()
    assert not said.problems, said.words
    assert "holiday.mp4" in said.words and "music" in said.words.lower()


# Odd but valid videos are taken.
ACCEPTED = ["no_audio", "portrait", "vfr", "hevc_mov", "vp9_webm", "two_audio_mkv",
            "truncated_faststart"]


@pytest.mark.parametrize("name", ACCEPTED)
async def test_odd_videos_are_taken(talk: Talk, hostile: Hostile, name: str) -> None:
    path = hostile(name)
    said = await talk(name, files=[attach(path)])
    said.no_traceback()
    assert not said.problems, said.words
    assert path.name in said.words


NAMES = [
    "../../../etc/passwd.mp4",
    "..\\..\\windows\\system32\\clip.mp4",
    'my "best" clip\'s.mp4',
    "line one\nline two\r\n.mp4",
    "🎬 holiday 🎵.mp4",
    "\u202egnp.mp4",
    "a" * 300 + ".mp4",
]


@pytest.mark.parametrize("shown", NAMES, ids=range(len(NAMES)))
async def test_file_names_are_stored_safely(talk: Talk, hostile: Hostile, app: App,
                                            shown: str) -> None:
    said = await talk("names", files=[attach(hostile("no_audio"), shown, "video/mp4")])
    said.no_traceback()
    assert not said.problems, said.words
    media_root = (app.settings.data_dir / "media").resolve()
    stored = [p for p in media_root.rglob("*") if p.is_file()]
    assert len(stored) == 1
    assert stored[0].resolve().is_relative_to(media_root)
    assert stored[0].suffix == ".mp4" and stored[0].stem.isalnum()
    assert not list(app.settings.data_dir.parent.glob("etc*"))
    await still_works(talk, "names")


@pytest.mark.parametrize("shown", NAMES, ids=range(len(NAMES)))
async def test_file_names_are_shown_sanitised(talk: Talk, hostile: Hostile, shown: str) -> None:
    said = await talk("names", files=[attach(hostile("no_audio"), shown, "video/mp4")])
    for reply_words in (said.words.split("\n")):
        assert "../" not in reply_words and "..\\" not in reply_words
        assert "\r" not in reply_words and "\u202e" not in reply_words
        assert len(reply_words) < 400
    # One line per reply: the name did not break a reply into several lines.
    assert said.words.count("\n") == len(said.replies) - 1, said.words


async def test_size_limit_is_checked_before_any_byte_is_fetched(talk: Talk, app: App) -> None:
    fetched: list[Path] = []

    async def fetch(dest: Path) -> None:
        fetched.append(dest)

    huge = Attachment(name="movie.mp4", size=app.settings.max_file_bytes + 1,
                      mime="video/mp4", fetch=fetch)
    said = await talk("big", files=[huge])
    said.no_traceback()
    assert len(said.problems) == 1 and "the limit is" in said.problems[0], said.words
    assert fetched == []
    await still_works(talk, "big")


async def test_unaccepted_types_are_refused_before_fetching(talk: Talk) -> None:
    fetched: list[Path] = []

    async def fetch(dest: Path) -> None:
        fetched.append(dest)

    said = await talk("exe", files=[Attachment(name="setup.exe", size=1000,
                                               mime="application/x-msdownload", fetch=fetch)])
    assert len(said.problems) == 1 and "Send a video" in said.problems[0], said.words
    assert fetched == []


async def test_a_photo_gets_words_from_the_local_engine(talk: Talk, app: App,
                                                        tmp_path: Path) -> None:
    photo = tmp_path / "beach.jpg"
    ffmpeg("-f", "lavfi", "-i", "color=blue:s=64x48", "-frames:v", "1", str(photo))
    said = await talk("photo", files=[attach(photo, "beach.jpg", "image/jpeg")])
    assert said.problems == [PHOTOS_REFUSED], said.words
    assert not list((app.settings.data_dir / "media").rglob("*.*"))
    await still_works(talk, "photo")
