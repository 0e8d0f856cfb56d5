"""The /demo sample clip: made through the shared ffmpeg runner, failures in short words."""

from __future__ import annotations

import io
import logging
import shutil
from pathlib import Path

import pytest

from bots.console import Console, make_demo_clip
from core.config import Settings
from core.local.runner import FfmpegRunner
from tests.media import measure


async def test_the_demo_clip_is_a_real_video_with_sound_and_no_leftovers(tmp_path: Path) -> None:
    path = await make_demo_clip(tmp_path / "demo", seconds=2)
    info = measure(path)
    assert info.audio_streams == 1 and (info.width, info.height) == (640, 360)
    assert info.duration == pytest.approx(2, abs=0.2)
    assert [p.name for p in (tmp_path / "demo").iterdir()] == ["demo.mp4"]


async def test_a_failing_ffmpeg_gets_short_words_and_the_detail_goes_to_the_log(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    false = shutil.which("false")
    assert false is not None
    settings = Settings(_env_file=None, data_dir=tmp_path / "data")  # type: ignore[call-arg]
    out = io.StringIO()
    console = Console(settings, out, tty=False, runner=FfmpegRunner(executable=false))
    with caplog.at_level(logging.WARNING, logger="bots.console"):
        assert await console.line("/demo") is True
    assert "Couldn't make the sample clip: ffmpeg failed." in out.getvalue()
    assert "exited with code 1" not in out.getvalue()
    (record,) = [r for r in caplog.records if r.name == "bots.console"]
    assert "exited with code 1" in record.getMessage()
    assert console.printer.problems == 1
    assert not [p for p in (settings.data_dir / "demo").iterdir()], "no partial file is left"
