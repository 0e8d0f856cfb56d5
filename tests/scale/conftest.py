"""Fixtures for the process tests: the fake Bot API and a site on SQLite or PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakes.telegram_api import FakeTelegram
from tests.scale.processes import Site


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = await FakeTelegram().start()
    yield server
    await server.stop()


@pytest.fixture
async def pg_site(tmp_path: Path, fake: FakeTelegram, request: pytest.FixtureRequest
                  ) -> AsyncIterator[Site]:
    """Processes on a fresh database of the session's PostgreSQL."""
    site = Site(tmp_path, fake, request.getfixturevalue("postgres").new_database())
    try:
        yield site
    finally:
        await site.close()


@pytest.fixture(params=["sqlite", "postgres"])
async def site(tmp_path: Path, fake: FakeTelegram, request: pytest.FixtureRequest
               ) -> AsyncIterator[Site]:
    """Processes on the data folder's SQLite file, then on PostgreSQL."""
    url = request.getfixturevalue("postgres").new_database() if request.param == "postgres" \
        else None
    site = Site(tmp_path, fake, url)
    try:
        yield site
    finally:
        await site.close()
