"""`backtrack render` end to end (in-process through bots.cli), outputs measured."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bots.cli import main
from tests.media import ffmpeg, measure, tone_level_db

INSTRUCTION = "add background music at 30% and fade it out at the end"


@pytest.fixture(autouse=True)
def parser(monkeypatch: pytest.MonkeyPatch) -> None:
    """A stand-in parser, only for these tests, until the real one is committed."""
    from tests.core.local import standin_instructions

    monkeypatch.setitem(sys.modules, "core.instructions", standin_instructions)


def refused(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """Run, expect a refusal, return its one line."""
    assert main(argv) == 1
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("backtrack: "), err
    return lines[0]


def test_renders_and_prints_the_path(tmp_path: Path, clip: Path, song: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.mp4"
    assert main(["render", str(clip), "--music", str(song), "-o", str(out), INSTRUCTION]) == 0
    printed, _ = capsys.readouterr()
    assert printed.strip() == str(out)
    m = measure(out)
    assert (m.video_codec, m.audio_codec) == ("h264", "aac") and abs(m.duration - 4) < 0.08
    music = tone_level_db(out, 0.2, 0.9, 880)
    assert abs(music - (tone_level_db(song, 0.2, 0.9, 880) - 10.46)) < 1.0
    assert tone_level_db(out, 3.6, 4.0, 880) < music - 6
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.mp4"]


def test_default_output_name(tmp_path: Path, clip: Path, song: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    video = tmp_path / "beach.mp4"
    video.write_bytes(clip.read_bytes())
    assert main(["render", str(video), "--music", str(song), "-q", "add music at 50%"]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "beach-backtrack.mp4")
    assert measure(tmp_path / "beach-backtrack.mp4").audio_codec == "aac"


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = refused(capsys, ["render", str(tmp_path / "nope.mp4"), INSTRUCTION])
    assert "no such file" in line and "nope.mp4" in line


def test_missing_music(tmp_path: Path, clip: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = refused(capsys, ["render", str(clip), "--music", str(tmp_path / "x.mp3"),
                            INSTRUCTION])
    assert "no such file" in line


@pytest.mark.parametrize("name", ["notes.txt", "photo.jpg", "song.mp3"])
def test_unsupported_type(tmp_path: Path, name: str,
                          capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / name
    path.write_bytes(b"something")
    line = refused(capsys, ["render", str(path), INSTRUCTION])
    assert "unsupported type" in line and name in line


def test_not_a_video(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake = tmp_path / "fake.mp4"
    fake.write_bytes(bytes(range(256)) * 100)
    assert "doesn't look like" in refused(capsys, ["render", str(fake), INSTRUCTION])


def test_sound_only_mp4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sound = tmp_path / "sound.mp4"
    ffmpeg("-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac", str(sound))
    assert "no video stream" in refused(capsys, ["render", str(sound), INSTRUCTION])


def test_nothing_understood(clip: Path, tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    refused(capsys, ["render", str(clip), "-o", str(tmp_path / "o.mp4"), "qwzx blorp"])
    assert list(tmp_path.iterdir()) == []


def test_will_not_overwrite_the_input(clip: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "overwrite" in refused(capsys, ["render", str(clip), "-o", str(clip), INSTRUCTION])
