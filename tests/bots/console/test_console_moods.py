"""`moods` in `backtrack chat`: the list, then a path per mood to a preview that plays ~10 s."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.music.moods import NAMES
from tests.bots.console.test_console_end_to_end import chat
from tests.conftest import with_previews
from tests.media import audio_samples


def test_moods_prints_the_list_and_a_preview_file_per_mood(tmp_path: Path,
                                                           mood_previews: Path) -> None:
    with_previews(tmp_path / "data", mood_previews)  # made once per session, found here
    done = chat(tmp_path, stdin="moods\n")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Built-in moods" in done.stdout
    found = re.findall(r"^Preview: (\w+) \(.+?\): (.+\.mp3) \(0:10\)$", done.stdout,
                       flags=re.MULTILINE)
    assert [name for name, _ in found] == list(NAMES)
    for _, path in found:
        samples, rate = audio_samples(Path(path))
        assert samples.size / rate == pytest.approx(10.0, abs=0.1)
