"""`backtrack render A.mp4 B.mp4 --music X "join them and add music"`: several clips on the
command line, in the order given, through the local engine as in the chat. Measured: the
duration is the sum, frames come from each clip in order, the music runs across both."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from bots.cli import main
from bots.render_cmd import WORK_PREFIX
from tests.core.local.test_join import centre_colour, coloured, dominant
from tests.media import measure, tone_level_db


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("cli_join")
    return [coloured(folder / "red.mp4", "red", 2.0, "320x240", 25, None),
            coloured(folder / "blue.mp4", "blue", 1.5, "480x270", 30, None)]


def test_two_clips_joined_with_music_between_the_options(
        two: list[Path], song: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "joined.mp4"
    argv = ["render", str(two[0]), str(two[1]), "--music", str(song), "-o", str(out),
            "join them and add music"]
    assert main(argv) == 0
    printed, said = capsys.readouterr()
    assert printed.strip() == str(out)
    assert "joined 2 clips" in said
    facts = measure(out)
    assert abs(facts.duration - 3.5) < 0.1 and (facts.width, facts.height) == (320, 240)
    assert [dominant(centre_colour(out, t)) for t in (0.5, 1.8, 2.3, 3.3)] == \
        ["red", "red", "blue", "blue"]
    assert tone_level_db(out, 0.3, 1.7, 880) > -30 and tone_level_db(out, 2.2, 3.3, 880) > -30


def test_without_join_the_last_clip_is_edited_as_in_the_chat(
        two: list[Path], song: Path, tmp_path: Path) -> None:
    out = tmp_path / "last.mp4"
    assert main(["render", str(two[0]), str(two[1]), "-o", str(out), "--music", str(song),
                 "-q", "add music"]) == 0
    assert abs(measure(out).duration - 1.5) < 0.1
    assert dominant(centre_colour(out, 0.5)) == "blue"


def test_a_work_folder_left_by_a_killed_render_is_removed(
        two: list[Path], song: Path, tmp_path: Path) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    orphan = Path(tempfile.gettempdir()) / f"{WORK_PREFIX}{gone.stdout.strip()}-test"
    orphan.mkdir()
    (orphan / "render.sqlite3").write_bytes(b"x")
    assert main(["render", str(two[0]), "-o", str(tmp_path / "o.mp4"), "-q", "add music"]) == 0
    assert not orphan.exists()
    assert not list(Path(tempfile.gettempdir()).glob(f"{WORK_PREFIX}{os.getpid()}-*"))  # its own
