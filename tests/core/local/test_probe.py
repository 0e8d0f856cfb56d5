"""Probing: facts of good files, clear words for bad ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import BadMedia
from core.local.probe import probe, probe_sync, require_video
from tests.media import make_video


def test_video_with_sound(clip: Path) -> None:
    info = probe_sync(clip)
    assert (info.has_video, info.has_audio, info.video_codec, info.audio_codec) == (
        True, True, "h264", "aac")
    assert (info.width, info.height, info.rotation, info.fps) == (320, 240, 0, 25.0)
    assert abs(info.duration - 4.0) < 0.05
    assert info.audio_streams == 1 and info.size == clip.stat().st_size
    assert require_video(info) is info


def test_video_without_sound(silent_clip: Path) -> None:
    info = probe_sync(silent_clip)
    assert info.has_video and not info.has_audio and info.audio_codec is None


async def test_audio_file_is_probed_but_is_not_a_video(song: Path) -> None:
    info = await probe(song)
    assert (info.has_video, info.has_audio, info.width) == (False, True, None)
    assert abs(info.duration - 10.0) < 0.1
    with pytest.raises(BadMedia, match=r"^song\.mp3 has no video stream"):
        require_video(info)  # the file's own name by default (backward compatible)
    with pytest.raises(BadMedia, match=r"^My holiday\.mp4 has no video stream") as caught:
        require_video(info, name="My holiday.mp4")  # how the user knows the stored copy
    assert "song.mp3" not in caught.value.user_message


def test_rotation_swaps_width_and_height(rotated_clip: Path) -> None:
    info = probe_sync(rotated_clip)
    assert (info.rotation, info.width, info.height) == (90, 240, 320)


def test_other_codecs(media_dir: Path) -> None:
    webm = make_video(media_dir / "clip.webm", seconds=1, vcodec="libvpx", acodec="libopus")
    info = probe_sync(webm)
    assert (info.video_codec, info.audio_codec) == ("vp8", "opus")


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda p, clip: p.write_bytes(b""), "is empty"),
        (lambda p, clip: p.write_bytes(bytes(range(256)) * 400), "doesn't look like"),
        (lambda p, clip: p.write_bytes(b"hello, I am a text file\n" * 50), "doesn't look like"),
        (lambda p, clip: p.write_bytes(clip.read_bytes()[: clip.stat().st_size // 3]),
         "doesn't look like|damaged|cut short"),
        (lambda p, clip: None, "can't find"),
    ],
    ids=["empty", "random", "text", "truncated", "missing"],
)
def test_bad_files(tmp_path: Path, clip: Path, make: object, words: str) -> None:
    path = tmp_path / "bad.mp4"
    make(path, clip)  # type: ignore[operator]
    with pytest.raises(BadMedia, match=words) as caught:
        probe_sync(path)
    assert "Traceback" not in caught.value.user_message and "bad.mp4" in caught.value.user_message


def test_truncated_faststart_file(tmp_path: Path, media_dir: Path) -> None:
    """Headers first, data cut off: the header alone must not pass for a video."""
    whole = make_video(media_dir / "fast.mp4", seconds=2, extra=("-movflags", "+faststart"))
    cut = tmp_path / "cut.mp4"
    data = whole.read_bytes()
    mdat = data.find(b"mdat")
    assert mdat > data.find(b"moov") > 0
    cut.write_bytes(data[: mdat + 16])
    with pytest.raises(BadMedia):
        probe_sync(cut)


async def test_words_use_the_name_the_user_knows(tmp_path: Path) -> None:
    stored = tmp_path / "f771c707f5581108.mp4"
    stored.write_bytes(bytes(range(256)) * 100)
    with pytest.raises(BadMedia) as caught:
        await probe(stored, "My Holiday.mp4")
    assert "My Holiday.mp4" in caught.value.user_message
    assert "f771c707" not in caught.value.user_message
