"""Gate: allowlists, admins, per-user rate limit and daily quota, with a fake clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from core.config import Settings
from core.errors import RateLimited
from core.limits import Gate, SlidingWindow, wait_words


@dataclass
class Clock:
    now: float = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class RenderTimes:
    """Just enough of a RenderStore: when each person started renders."""

    times: dict[str, list[float]] = field(default_factory=dict)
    queries: int = 0

    async def count_renders(self, person: str, since: float) -> int:
        self.queries += 1
        return sum(1 for t in self.times.get(person, []) if t >= since)


def gate(clock: Clock | None = None, store: RenderTimes | None = None, **overrides: Any) -> Gate:
    settings = Settings(_env_file=None, **overrides)  # type: ignore[call-arg]
    return Gate(settings, store or RenderTimes(), clock=clock or Clock())  # type: ignore[arg-type]


# platform, chat, user, guild, settings, expected
ALLOW_TABLE = [
    ("telegram", 1, 2, None, {}, True),
    ("telegram", 1, 2, None, {"TELEGRAM_ALLOWED_CHATS": "1"}, True),
    ("telegram", 9, 2, None, {"TELEGRAM_ALLOWED_CHATS": "1"}, False),
    ("telegram", 9, 2, None, {"TELEGRAM_ALLOWED_USERS": "2"}, True),
    ("telegram", 9, 3, None, {"TELEGRAM_ALLOWED_USERS": "2"}, False),
    ("telegram", 1, 3, None, {"TELEGRAM_ALLOWED_CHATS": "1", "TELEGRAM_ALLOWED_USERS": "2"}, True),
    ("telegram", 9, 2, None, {"TELEGRAM_ALLOWED_CHATS": "1", "TELEGRAM_ALLOWED_USERS": "2"}, True),
    ("telegram", 9, 3, None, {"TELEGRAM_ALLOWED_CHATS": "1", "TELEGRAM_ALLOWED_USERS": "2"}, False),
    ("telegram", "-100", "2", None, {"TELEGRAM_ALLOWED_CHATS": "-100"}, True),
    ("telegram", 9, 7, None, {"TELEGRAM_ALLOWED_CHATS": "1", "BACKTRACK_ADMINS": "7"}, True),
    ("telegram", 9, 2, None, {"DISCORD_ALLOWED_USERS": "5"}, True),  # other platform's list
    ("discord", 10, 2, 50, {}, True),
    ("discord", 10, 2, 50, {"DISCORD_ALLOWED_GUILDS": "50"}, True),
    ("discord", 10, 2, 51, {"DISCORD_ALLOWED_GUILDS": "50"}, False),
    ("discord", "dm-2", 2, None, {"DISCORD_ALLOWED_GUILDS": "50"}, False),
    ("discord", "dm-2", 2, None, {"DISCORD_ALLOWED_GUILDS": "50", "DISCORD_ALLOWED_USERS": "2"},
     True),
    ("discord", 10, 2, 51, {"DISCORD_ALLOWED_USERS": "2"}, True),
    ("discord", 10, 3, 51, {"DISCORD_ALLOWED_USERS": "2", "BACKTRACK_ADMINS": "3"}, True),
    ("discord", 10, "not-a-number", 51, {"DISCORD_ALLOWED_USERS": "2"}, False),
    ("console", "local", "local", None, {"TELEGRAM_ALLOWED_CHATS": "1"}, True),
]


@pytest.mark.parametrize(("platform", "chat", "user", "guild", "env", "expected"), ALLOW_TABLE)
def test_allowed(platform: str, chat: Any, user: Any, guild: Any, env: dict[str, str],
                 expected: bool) -> None:
    assert gate(**env).allowed(platform, chat, user, guild) is expected


@pytest.mark.parametrize(("user", "expected"), [
    (7, True), ("7", True), ("telegram:7", True), ("discord:7", True), (8, False),
    ("telegram:8", False), ("console:local", False), ("", False),
])
def test_is_admin(user: Any, expected: bool) -> None:
    assert gate(BACKTRACK_ADMINS="7, 9").is_admin(user) is expected


@pytest.mark.parametrize(("seconds", "words"), [
    (0.2, "1 s"), (40, "40 s"), (40.02, "40 s"), (40.2, "41 s"),
    (60, "1 min"), (61, "2 min"), (239, "4 min"),
    (3599, "60 min"), (3600, "1 h"), (5 * 3600 + 1, "6 h"),
])
def test_wait_words(seconds: float, words: str) -> None:
    assert wait_words(seconds) == words


async def test_rate_limit_sliding_window_says_when() -> None:
    clock = Clock()
    g = gate(clock, BACKTRACK_TURNS_PER_MINUTE=3)
    for _ in range(3):
        await g.check_turn("telegram:1")
        clock.now += 5
    with pytest.raises(RateLimited) as caught:
        await g.check_turn("telegram:1")
    # first turn at t0, now t0+15: the window frees at t0+60, 45 s from now.
    assert caught.value.user_message == "You're sending messages quickly; try again in 45 s."
    await g.check_turn("telegram:2")  # someone else is not affected
    clock.now += 45
    await g.check_turn("telegram:1")  # the oldest left the window
    with pytest.raises(RateLimited):
        await g.check_turn("telegram:1")


async def test_refused_turns_do_not_extend_the_wait() -> None:
    clock = Clock()
    g = gate(clock, BACKTRACK_TURNS_PER_MINUTE=1)
    await g.check_turn("p:1")
    for _ in range(10):
        clock.now += 5
        with pytest.raises(RateLimited):
            await g.check_turn("p:1")
    clock.now += 10  # 60 s after the only accepted turn
    await g.check_turn("p:1")


@pytest.mark.parametrize("env", [{"BACKTRACK_TURNS_PER_MINUTE": "0"},
                                 {"BACKTRACK_TURNS_PER_MINUTE": "1", "BACKTRACK_ADMINS": "1"}])
async def test_unlimited_turns(env: dict[str, str]) -> None:
    g = gate(**env)
    for _ in range(100):
        await g.check_turn("telegram:1")


def test_window_forgets_quiet_people() -> None:
    clock = Clock()
    window = SlidingWindow(2, 60, clock)
    for n in range(1000):
        assert window.hit(f"p{n}") == 0
    clock.now += 61
    window.hit("fresh")
    assert len(window) == 1


async def test_daily_quota_counts_the_store_and_says_when() -> None:
    clock = Clock()
    store = RenderTimes({"telegram:1": [clock.now - 86400 + 240, clock.now - 100, clock.now - 50]})
    g = gate(clock, store, BACKTRACK_RENDERS_PER_DAY=3)
    with pytest.raises(RateLimited) as caught:
        await g.check_render("telegram:1")
    assert caught.value.user_message == (
        "You've made 3 videos in the last 24 hours (the limit is 3); "
        "you can render again in 4 min."
    )
    assert store.queries < 30
    await g.check_render("telegram:2")
    clock.now += 241
    await g.check_render("telegram:1")


async def test_daily_quota_wait_is_for_the_render_that_frees_a_slot() -> None:
    clock = Clock()
    # 5 renders, limit 3: three must leave the window; the third-oldest is 3 h old.
    times = [clock.now - h * 3600 for h in (23, 22, 3, 2, 1)]
    g = gate(clock, RenderTimes({"discord:5": times}), BACKTRACK_RENDERS_PER_DAY=3)
    with pytest.raises(RateLimited) as caught:
        await g.check_render("discord:5")
    assert caught.value.user_message.endswith("you can render again in 21 h.")


@pytest.mark.parametrize("env", [{"BACKTRACK_RENDERS_PER_DAY": "0"},
                                 {"BACKTRACK_RENDERS_PER_DAY": "1", "BACKTRACK_ADMINS": "1"}])
async def test_unlimited_renders(env: dict[str, str]) -> None:
    clock = Clock()
    g = gate(clock, RenderTimes({"telegram:1": [clock.now] * 50}), **env)
    await g.check_render("telegram:1")


async def test_the_console_operator_is_not_limited() -> None:
    """`backtrack chat` is the operator at their own terminal: scripts send many lines a
    minute and render as often as they like; other people on the same settings are limited."""
    clock = Clock()
    store = RenderTimes({"console:local": [clock.now] * 50, "telegram:1": [clock.now] * 50})
    g = gate(clock, store, BACKTRACK_TURNS_PER_MINUTE=10, BACKTRACK_RENDERS_PER_DAY=3)
    for _ in range(30):
        await g.check_turn("console:local")
    await g.check_render("console:local")
    with pytest.raises(RateLimited):
        await g.check_render("telegram:1")
    for _ in range(10):
        await g.check_turn("telegram:1")
    with pytest.raises(RateLimited):
        await g.check_turn("telegram:1")


async def test_two_gates_on_one_store_share_the_rate_window() -> None:
    """Two bot processes (two Gates) on one store count the same messages."""
    from tests.fakes.memory_store import MemoryStore

    clock, shared = Clock(), MemoryStore()
    settings = Settings(_env_file=None, BACKTRACK_TURNS_PER_MINUTE=2)  # type: ignore[call-arg]
    first, second = (Gate(settings, RenderTimes(), clock=clock, rates=shared)  # type: ignore[arg-type]
                     for _ in range(2))
    await first.check_turn("telegram:1")
    clock.now += 10
    await second.check_turn("telegram:1")
    with pytest.raises(RateLimited) as caught:
        await first.check_turn("telegram:1")
    assert caught.value.user_message.endswith("try again in 50 s.")
    clock.now += 50
    await second.check_turn("telegram:1")
