"""`moods`: the list in English and Chinese, and a preview of each mood, measured."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.conversation.moods import moods_text, previews
from core.conversation.routing import route
from core.conversation.turn import Audio, Message, Problem
from core.music import cache
from core.music.moods import MOODS, NAMES
from core.music.previews import preview, preview_name
from tests.media import audio_samples, level_db, measure


def preview_seconds(path: Path) -> float:
    samples, rate = audio_samples(path)
    return samples.size / rate


@pytest.mark.parametrize("mood", NAMES)
def test_each_preview_is_an_mp3_of_about_ten_seconds_with_music_in_it(
        mood_previews: Path, mood: str) -> None:
    path = mood_previews / preview_name(mood)
    assert measure(path).audio_codec in ("mp3", "mp3float")  # the name of the decoder
    assert preview_seconds(path) == pytest.approx(cache.PREVIEW_SECONDS, abs=0.1)
    assert level_db(path, 1.0, 6.0) > -30  # music, not silence
    assert path.stat().st_size < 250_000  # small enough to send right away


async def test_a_preview_is_made_once_then_kept(mood_previews: Path, tmp_path: Path) -> None:
    folder = tmp_path / "music"
    folder.mkdir()
    target = folder / preview_name("jazz")
    target.write_bytes((mood_previews / preview_name("jazz")).read_bytes())
    os.utime(target, (1_000_000, 1_000_000))
    assert await preview("jazz", folder) == target
    assert target.stat().st_mtime == 1_000_000  # found, not made again
    assert not list(folder.glob("*.wav"))  # nothing composed for it


async def test_the_answer_lists_every_mood_then_sends_one_preview_each(
        mood_previews: Path, tmp_path: Path) -> None:
    import shutil

    shutil.copytree(mood_previews, tmp_path / "music")
    replies = [r async for r in previews(tmp_path / "music", "en")]
    first, *audio = replies
    assert isinstance(first, Message)
    assert all(f"• {name} (" in first.text for name in NAMES)
    assert [a.path.name for a in audio if isinstance(a, Audio)] == [
        preview_name(n) for n in NAMES]
    assert all(isinstance(a, Audio) and a.duration == cache.PREVIEW_SECONDS for a in audio)


def test_chinese_names_and_descriptions() -> None:
    text = moods_text("zh")
    for m in MOODS.values():
        assert m.zh_blurb and f"{m.zh}（{m.name}）：{m.zh_blurb}" in text
    assert "试听" in text and "Built-in" not in text


async def test_no_ffmpeg_means_words_not_a_traceback(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("core.music.previews.FfmpegRunner",
                        lambda **kw: __import__("core.local.runner", fromlist=["x"]).FfmpegRunner(
                            executable=str(tmp_path / "no-ffmpeg"), **kw))
    replies = [r async for r in previews(tmp_path / "music", "zh")]
    assert isinstance(replies[-1], Problem) and "试听" in replies[-1].text
    assert not [r for r in replies if isinstance(r, Audio)]


@pytest.mark.parametrize("text", ["moods", "/moods", "/moods@backtrack_bot", "show moods",
                                  "What moods?", "风格", "/风格", "试听", "有哪些风格"])
def test_routing(text: str) -> None:
    assert route(text).action == "moods"


@pytest.mark.parametrize("text", ["add lofi music", "a calmer mood please", "风格换成爵士"])
def test_mood_edits_stay_edits(text: str) -> None:
    assert route(text).action == "edit"
