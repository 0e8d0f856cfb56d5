"""Ops tests run in a tmp folder so no operator `.env` is read."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from core import logs


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """An empty environment for Backtrack, with the data folder in tmp_path."""
    monkeypatch.chdir(tmp_path)
    import os

    for name in list(os.environ):
        if name.startswith(("BACKTRACK_", "TELEGRAM_", "DISCORD_", "NEMO_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("BACKTRACK_DATA_DIR", str(tmp_path / "data"))
    yield monkeypatch
    # Commands run in-process install the log handler; do not leave it writing to a closed
    # capture stream.
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, logs._BacktrackHandler)]:
        root.removeHandler(handler)
    logging.captureWarnings(False)
