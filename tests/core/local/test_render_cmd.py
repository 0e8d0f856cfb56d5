"""`backtrack render` end to end (in-process through bots.cli), outputs measured."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bots.cli import main
from tests.media import ffmpeg, measure, tone_level_db

INSTRUCTION = "add background music at 30% and fade it out at the end"


def refused(capsys: pytest.CaptureFixture[str], argv: list[str], code: int = 1) -> str:
    """Run, expect a refusal, return its one line."""
    assert main(argv) == code
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("backtrack: "), err
    return lines[0]


def test_renders_and_prints_the_path(tmp_path: Path, clip: Path, song: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.mp4"
    assert main(["render", str(clip), "--music", str(song), "-o", str(out), INSTRUCTION]) == 0
    printed, said = capsys.readouterr()
    assert printed.strip() == str(out)
    assert said.startswith("Got it: ") and "30%" in said and "fade out" in said
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


def test_says_what_it_did_not_understand(tmp_path: Path, clip: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.mp4"
    assert main(["render", str(clip), "-o", str(out),
                 "add calm music and make it sparkle"]) == 0
    printed, said = capsys.readouterr()
    assert printed.strip() == str(out)
    assert "calm" in said and "sparkle" in said


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


@pytest.mark.parametrize("text", ["qwzx blorp", "asdf qwerty"])
def test_nothing_understood_lists_the_examples(clip: Path, tmp_path: Path, text: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """An error that offers examples lists them (it used to end at "…for example:")."""
    assert main(["render", str(clip), "-o", str(tmp_path / "o.mp4"), text]) == 1
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert lines[0].startswith("backtrack: ")
    offer = next(i for i, line in enumerate(lines) if line.rstrip().endswith(":"))
    examples = lines[offer + 1:]
    assert len(examples) >= 3 and all(line.strip() for line in examples), err
    assert any("music" in line for line in examples)
    assert list(tmp_path.iterdir()) == []


def test_will_not_overwrite_the_input(clip: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "overwrite" in refused(capsys, ["render", str(clip), "-o", str(clip), INSTRUCTION],
                                  2)


def test_title_with_nasty_characters(tmp_path: Path, clip: Path, song: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "it's [a]: b,c;%.mp4"
    text = 'add music at 30% and a title "It\'s 50% off: C:\\new; ok [1]" for 2 seconds'
    assert main(["render", str(clip), "--music", str(song), "-o", str(out), text]) == 0
    m = measure(out)
    assert m.video_codec == "h264" and abs(m.duration - 4) < 0.08


def test_the_console_command(tmp_path: Path, clip: Path, song: Path) -> None:
    """The real entry point in its own process: stdout is only the path (no bar off a tty)."""
    out = tmp_path / "o.mp4"
    done = subprocess.run(
        [sys.executable, "-m", "bots.cli", "render", str(clip), "--music", str(song),
         "-o", str(out), INSTRUCTION],
        capture_output=True, text=True, timeout=60, cwd=Path(__file__).resolve().parents[3],
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{out}\n" and done.stderr.startswith("Got it: music: song.mp3")
    assert measure(out).audio_codec == "aac"


def test_max_mb_fits_the_file(tmp_path: Path, clip: Path, song: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "small.mp4"
    assert main(["render", str(clip), "--music", str(song), "-o", str(out), "--max-mb", "0.25",
                 "add music at 30%"]) == 0
    assert out.stat().st_size <= 250_000
    assert abs(measure(out).duration - 4) < 0.08
