"""Every mood composed and rendered once per test session (short pieces keep it fast)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.music import cache
from core.music.moods import NAMES

SECONDS = 9.0
SEED = 1


@pytest.fixture(scope="session")
def pieces(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pieces")
    out = {}
    for name in NAMES:
        out[name] = folder / cache.filename(name, SEED, round(SECONDS * 1000))
        cache.write(name, SEED, SECONDS, out[name])
    return out
