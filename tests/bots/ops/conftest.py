"""Ops tests run in a tmp folder so no operator `.env` is read."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """An empty environment for Backtrack, with the data folder in tmp_path."""
    monkeypatch.chdir(tmp_path)
    import os

    for name in list(os.environ):
        if name.startswith(("BACKTRACK_", "TELEGRAM_", "DISCORD_", "NEMO_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("BACKTRACK_DATA_DIR", str(tmp_path / "data"))
    return monkeypatch
