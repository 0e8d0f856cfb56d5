"""Issue 10: `backtrack chat --data-dir D --demo "..."` run twice, as real processes.

The second run sends a new sample clip: it starts from a clean timeline (its own music and
picture settings) and delivers an MP4, measured, instead of "Nothing changed" and no video.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.media import level_db, measure, tone_level_db
from tests.outside.driver import TIMEOUT, bare_env, check_words

FADE_ASK = "add background music and fade it out at the end"


def demo(tmp: Path, data: Path, text: str) -> tuple[str, list[Path]]:
    done = subprocess.run(
        [sys.executable, "-m", "bots.cli", "chat", "--data-dir", str(data), "--demo", text],
        capture_output=True, text=True, cwd=tmp, env=bare_env(tmp), timeout=TIMEOUT,
        check=False)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    check_words(out, data)
    return out, [Path(m.group(1)) for m in re.finditer(
        r"^(?:Video: |视频：)(.+?) \(", done.stdout, re.M)]


def faded_music(video: Path) -> None:
    m = measure(video)
    assert (m.width, m.height) == (640, 360) and m.duration == pytest.approx(8, abs=0.1)
    middle, end = music_db(video, 3.0, 4.0), music_db(video, 7.75, 7.95)
    assert middle > -40 and end < middle - 6, "the music fades out at the end"


def music_db(video: Path, start: float, end: float) -> float:
    """The level of everything but the sample clip's own 220 Hz tone: the music."""
    total, tone = level_db(video, start, end), tone_level_db(video, start, end, 220)
    return 10 * math.log10(max(10 ** (total / 10) - 10 ** (tone / 10), 1e-12))


def test_demo_twice_delivers_a_video_both_times(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first_out, first = demo(tmp_path, data, FADE_ASK)
    second_out, second = demo(tmp_path, data, FADE_ASK)
    assert len(first) == 1 and len(second) == 1, (first_out, second_out)
    assert "Nothing changed" not in second_out
    assert first[0] != second[0] and second[0].is_file()
    faded_music(first[0])
    faded_music(second[0])


def test_a_new_clip_does_not_inherit_the_last_clips_shape_or_music(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _, (vertical,) = demo(tmp_path, data, "vertical 9:16 and add cinematic music")
    shape = measure(vertical)
    assert shape.width is not None and shape.height is not None and shape.height > shape.width
    out, (plain,) = demo(tmp_path, data, "make the sound normalized")
    assert (measure(plain).width, measure(plain).height) == (640, 360), out
    # Only the sample clip's own 220 Hz tone: the last clip's music did not come along.
    assert level_db(plain, 1.0, 7.0) - tone_level_db(plain, 1.0, 7.0, 220) < 1.0


def test_a_chinese_demo_is_answered_in_chinese(tmp_path: Path) -> None:
    out, (video,) = demo(tmp_path, tmp_path / "data", "加舒缓音乐，结尾淡出")
    tail_lines = out.split("[ .. ] 正在处理…")[-1].splitlines()  # the Chinese turn's lines
    said = [x for x in tail_lines if x and not x.startswith("视频：")]
    assert said and all(re.search(r"[\u4e00-\u9fff]", x) for x in said), said
    assert "Rendering" not in out and "没看懂" not in out
    assert any(x.startswith("试试：") and "淡出" not in x and "撤销" in x for x in said), said
    faded_music(video)
