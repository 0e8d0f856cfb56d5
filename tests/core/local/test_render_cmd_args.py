"""`backtrack render` arguments a person gets wrong, and the limits every way in applies.

Outputs are measured; refusals are one line with words and the exit code scripts rely on
(2: a bad argument, 1: the media or the instruction, 3: the render itself)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bots.cli import main
from tests.media import measure

INSTRUCTION = "add background music at 30%"


def one_line(capsys: pytest.CaptureFixture[str], argv: list[str], code: int) -> str:
    assert main(argv) == code
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert out == "" and len(lines) == 1 and lines[0].startswith("backtrack: "), err
    assert "Traceback" not in err
    return lines[0]


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.mark.parametrize("slash", ["", "/"])
def test_output_folder_gets_a_file_inside(tmp_path: Path, clip: Path, song: Path, slash: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "some" / "folder"
    folder.mkdir(parents=True)
    argv = ["render", str(clip), "--music", str(song), "-o", str(folder) + slash, "-q",
            INSTRUCTION]
    assert main(argv) == 0
    printed = Path(capsys.readouterr().out.strip())
    assert printed == folder / "clip-backtrack.mp4"
    assert tree(folder) == ["clip-backtrack.mp4"]  # no .part, no .render-* left beside it
    facts = measure(printed)
    assert (facts.video_codec, facts.audio_codec) == ("h264", "aac")
    assert abs(facts.duration - 4) < 0.08


@pytest.mark.parametrize("target", ["missing/out.mp4", "a/b/c/out.mp4", "missing/",
                                    "missing/deeper/"])
def test_missing_folders_are_refused_never_made(tmp_path: Path, clip: Path, target: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    before = tree(tmp_path)
    line = one_line(capsys, ["render", str(clip), "-o", f"{tmp_path}/{target}", INSTRUCTION], 2)
    assert "no such folder" in line
    assert tree(tmp_path) == before


@pytest.mark.parametrize("value", ["-5", "0", "-0", "nan", "inf", "-inf", "text", "", "1e999",
                                   "5MB"])
def test_bad_max_mb_is_one_line_and_code_2(tmp_path: Path, clip: Path, value: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    line = one_line(capsys, ["render", str(clip), "-o", str(tmp_path / "o.mp4"),
                             f"--max-mb={value}", INSTRUCTION], 2)
    assert "--max-mb" in line and "megabytes" in line
    assert tree(tmp_path) == []


def test_max_mb_negative_as_separate_word(tmp_path: Path, clip: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    line = one_line(capsys, ["render", str(clip), "-o", str(tmp_path / "o.mp4"), "--max-mb",
                             "-5", INSTRUCTION], 2)
    assert "'-5'" in line


@pytest.mark.parametrize(("setting", "value", "words"), [
    ("BACKTRACK_MAX_PIXELS", "50000", "more pixels than I take"),  # the clip is 320x240
    ("BACKTRACK_MAX_VIDEO_SECONDS", "2", "the longest video I take is 0:02"),  # it is 4 s
    ("BACKTRACK_MAX_AUDIO_SECONDS", "3", "the longest music I take is 0:03"),  # the song: 10 s
])
def test_the_chat_limits_apply(tmp_path: Path, clip: Path, song: Path, setting: str,
                               value: str, words: str, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    """The same check as the chat's intake (core.media_limits.check_media)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(setting, value)
    line = one_line(capsys, ["render", str(clip), "--music", str(song), "-o",
                             str(tmp_path / "o.mp4"), INSTRUCTION], 1)
    assert words in line
    assert tree(tmp_path) == []


def test_the_render_deadline_applies(tmp_path: Path, clip: Path, song: Path,
                                     monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BACKTRACK_RENDER_TIMEOUT", "0.05")
    line = one_line(capsys, ["render", str(clip), "--music", str(song), "-o",
                             str(tmp_path / "o.mp4"), "-q", "vertical 9:16 with music"], 3)
    assert "deadline" in line
    assert tree(tmp_path) == []



@pytest.mark.parametrize("which", ["video", "music"])
def test_a_folder_given_as_the_input_is_named_as_a_folder(tmp_path: Path, clip: Path,
                                                          which: str,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    folder = tmp_path / "clips"
    folder.mkdir()
    argv = (["render", str(folder), INSTRUCTION] if which == "video"
            else ["render", str(clip), "--music", str(folder), INSTRUCTION])
    line = one_line(capsys, argv, 2)
    assert "is a folder" in line and f"{which} file" in line and "no such file" not in line


def test_a_reader_that_leaves_early_gets_no_traceback(tmp_path: Path, clip: Path) -> None:
    """`backtrack render ... | head -0`: the pipe closes before the path is printed."""
    root = Path(__file__).resolve().parents[3]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BACKTRACK_", "NEMO_"))}
    env["PYTHONPATH"] = str(root)
    with subprocess.Popen([sys.executable, "-m", "bots.cli", "render", str(clip), "-o",
                           str(tmp_path / "out.mp4"), "-q", "mute my sound"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path,
                          env=env) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()
        err = proc.stderr.read().decode()
        code = proc.wait(timeout=120)
    assert code == 0 and "Traceback" not in err and "BrokenPipe" not in err, err
    assert measure(tmp_path / "out.mp4").duration > 3


def test_an_instruction_not_in_quotes_is_the_words_after_the_clips(
        tmp_path: Path, clip: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`backtrack render clip.mp4 add music and make it 9:16`: before, "no such file: add"."""
    out = tmp_path / "out.mp4"
    assert main(["render", str(clip), "-o", str(out), "-q", "add", "music", "and", "make",
                 "it", "9:16"]) == 0
    facts = measure(out)
    assert facts.height > facts.width and facts.audio_codec == "aac"  # the shape and the music


def test_a_missing_clip_is_still_named(tmp_path: Path, clip: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    line = one_line(capsys, ["render", str(clip), str(tmp_path / "gone.mp4"), "add", "music"], 1)
    assert "gone.mp4" in line
