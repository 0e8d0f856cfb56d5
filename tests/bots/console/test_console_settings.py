"""Settings in the console, in plain words, applied to the next edit: the finished video is
measured (the music's level follows the default level, and it fades out by default)."""

from __future__ import annotations

import math
from pathlib import Path

from tests.bots.console.test_console_end_to_end import chat, videos_in, without_tone_db


def test_defaults_typed_in_words_shape_the_next_video(tmp_path: Path) -> None:
    for name in ("quiet", "full"):
        (tmp_path / name).mkdir()
    quiet = chat(tmp_path / "quiet", "--demo", "set default level 20%",
                 "set default fade out on", "set default mood calm", "add music", "status")
    assert quiet.returncode == 0, quiet.stdout + quiet.stderr
    out = quiet.stdout
    assert "Saved: Default music level: 20%." in out
    assert "  set default mood: auto | lofi | upbeat | [calm] | cinematic | acoustic" in out
    # status: the summary names the mood, the person's defaults follow, then the picture.
    *_, summary, defaults, picture = out.rstrip().splitlines()
    assert "built-in calm" in summary
    assert defaults.startswith("Your defaults: Default mood: calm;")
    assert picture.startswith("Picture: ") and picture.endswith(".png")
    full = chat(tmp_path / "full", "--demo", "set default level 100%",
                "set default mood calm", "add music")
    assert full.returncode == 0, full.stdout + full.stderr
    (soft,), (loud,) = videos_in(out), videos_in(full.stdout)
    # The demo clip's own sound is a 220 Hz tone: the rest is the music.
    soft_db, loud_db = without_tone_db(soft, 2, 5, 220), without_tone_db(loud, 2, 5, 220)
    assert abs((soft_db - loud_db) - 20 * math.log10(0.2)) < 3, (soft_db, loud_db)
    # Built-in pieces ring out to silence at the end on their own, so the fade is measured
    # against the piece without it: near the end it is >6 dB further down, relative to each mix.
    soft_end = without_tone_db(soft, 7.0, 7.6, 220) - soft_db
    loud_end = without_tone_db(loud, 7.0, 7.6, 220) - loud_db
    assert soft_end < loud_end - 6, ("fades out by default, not without the setting",
                                     soft_end, loud_end)


def test_the_console_does_not_offer_video_or_file(tmp_path: Path) -> None:
    """A terminal prints the file's path either way: no delivery line, menu or change there,
    and asking for one says where it applies (in the language asked)."""
    run = chat(tmp_path, "settings", "set delivery file", "设置 发送方式 文件",
               "set delivery banana", "status")
    assert run.returncode == 0, run.stdout + run.stderr
    out = run.stdout
    assert "Send videos as:" not in out and "视频发送方式：" not in out
    assert "set delivery" not in out and "设置 发送方式" not in out  # no menu, no example
    assert out.count("Send videos as (video or file) only applies on Telegram") == 2
    assert "视频发送方式（视频或文件）只在 Telegram 上有用" in out
    assert "Your defaults" not in out  # nothing was saved
    assert "Reply language: automatic" in out and "你的设置：" in out
