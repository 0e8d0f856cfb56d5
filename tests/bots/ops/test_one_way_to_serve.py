"""`backtrack telegram`, `backtrack discord` and `backtrack run` start and stop one way:
`bots.run.serve_in_words` (the app opened, signal handlers installed, the ways run, then
closed in order). Each command is run in-process with that function recorded."""

from __future__ import annotations

from typing import Any

import pytest

from bots import run as run_cmd
from bots.cli import main
from core.config import Settings


@pytest.fixture
def calls(env: pytest.MonkeyPatch) -> list[tuple[list[str] | None, dict[str, Any]]]:
    seen: list[tuple[list[str] | None, dict[str, Any]]] = []

    async def record(settings: Settings, ways: list[str] | None = None, **options: Any) -> int:
        seen.append((ways, options))
        return 0

    env.setattr(run_cmd, "serve_in_words", record)
    env.setenv("TELEGRAM_BOT_TOKEN", "1:x")
    env.setenv("DISCORD_BOT_TOKEN", "y")
    return seen


def test_each_serve_command_goes_through_the_one_helper(
        calls: list[tuple[list[str] | None, dict[str, Any]]]) -> None:
    assert main(["telegram", "--drop-pending"]) == 0
    assert main(["discord"]) == 0
    assert main(["run", "--grace", "3"]) == 0
    assert calls == [(["telegram"], {"drop_pending": True}), (["discord"], {}),
                     (None, {"grace": 3.0})]
