"""Who may use the bot and how much: allowlists, admins, a per-user rate limit, a daily quota.

Allowlists (empty means everyone):
- Telegram: a message is allowed when its chat is in `telegram_allowed_chats` OR its sender is
  in `telegram_allowed_users`. Listing a group lets everyone in it use the bot; listing a person
  lets them use it anywhere (their private chat included). When only one list is set, the other
  grants nothing.
- Discord: the same with `discord_allowed_guilds` and `discord_allowed_users`; a DM has no guild,
  so only the user list can admit it once any list is set.
Admins (`admins`, ids on any platform) are always allowed and exempt from every limit.
The console (`console:` persons) is exempt too: it is the operator at their own terminal, on
their own machine and data folder, often scripting many lines a minute; the limits protect a
shared bot from strangers, and nobody else can type into that terminal.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

from core.config import Settings
from core.errors import RateLimited
from core.ports import RenderStore

DAY = 86400.0
MINUTE = 60.0
CONSOLE = "console:"
"""The person prefix of `backtrack chat` (the operator's own terminal): never limited."""


def _as_int(value: str | int | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, int):
        return value
    try:
        return int(value)
    except ValueError:
        return None


def user_of(person: str) -> str:
    """The platform user id in a `ConversationKey.person` ("telegram:42" -> "42")."""
    return person.rsplit(":", 1)[-1]


def wait_words(seconds: float) -> str:
    """A short human duration, rounded up: "40 s", "4 min", "3 h"."""
    # The quota's search is exact to a few hundredths of a second; do not let that round up.
    slack = 0.05
    if seconds < MINUTE:
        return f"{max(1, math.ceil(seconds - slack))} s"
    if seconds < 3600:
        return f"{math.ceil((seconds - slack) / MINUTE)} min"
    return f"{math.ceil((seconds - slack) / 3600)} h"


class SlidingWindow:
    """At most `limit` events per `window` seconds per key, in memory.

    One process only: `Gate` uses the store's window instead when given one (`rates`). Keys
    that went quiet are dropped, so memory stays bounded by
    the people active in the last window.
    """

    def __init__(self, limit: int, window: float, clock: Callable[[], float]) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock
        self._events: dict[str, deque[float]] = {}
        self._last_prune = clock()

    def hit(self, key: str) -> float:
        """Record an event; returns 0 when it was allowed, else seconds until one is allowed
        (a refused event is not recorded)."""
        now = self._clock()
        self._prune(now)
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - self._window:
            events.popleft()
        if len(events) >= self._limit:
            return events[0] + self._window - now
        events.append(now)
        return 0.0

    def _prune(self, now: float) -> None:
        if now - self._last_prune < self._window:
            return
        self._last_prune = now
        for key in [k for k, ev in self._events.items() if not ev or ev[-1] <= now - self._window]:
            del self._events[key]

    def __len__(self) -> int:
        return len(self._events)


class RateStore(Protocol):
    """Where the rate limit's window lives when several processes share it (the store)."""

    async def hit_rate(self, key: str, limit: int, window: float, now: float) -> float: ...


class Gate:
    """Allowlists, admins, rate limit and daily quota, all from settings; 0 means unlimited.

    With `rates` (the store) the rate limit's window is kept there, so every bot process
    sharing the store counts the same messages; without, in this process's memory."""

    def __init__(
        self, settings: Settings, store: RenderStore, clock: Callable[[], float] = time.time,
        rates: RateStore | None = None,
    ) -> None:
        self._settings = settings
        self._store = store
        self._clock = clock
        self._rates = rates
        self._turns = SlidingWindow(settings.turns_per_minute, MINUTE, clock)

    def is_exempt(self, person: str) -> bool:
        """Admins and the console operator are not limited (see the module docstring)."""
        return person.startswith(CONSOLE) or self.is_admin(person)

    def is_admin(self, user: str | int) -> bool:
        """Admins are listed by numeric id; "telegram:42" style persons are accepted too."""
        uid = _as_int(user if isinstance(user, int) else user_of(user))
        return uid is not None and uid in self._settings.admins

    def allowed(
        self, platform: str, chat: str | int, user: str | int, guild: str | int | None = None
    ) -> bool:
        """Whether this chat/user (and guild, on Discord) may use the bot at all."""
        if self.is_admin(user):
            return True
        s = self._settings
        place: str | int | None
        if platform == "telegram":
            places, people, place = s.telegram_allowed_chats, s.telegram_allowed_users, chat
        elif platform == "discord":
            places, people, place = s.discord_allowed_guilds, s.discord_allowed_users, guild
        else:  # the console and anything local: the operator is at the keyboard
            return True
        if not places and not people:
            return True
        place_id, user_id = _as_int(place), _as_int(user)
        return (place_id is not None and place_id in places) or (
            user_id is not None and user_id in people
        )

    async def check_turn(self, person: str) -> None:
        """Per-user rate limit on incoming turns; raises RateLimited with when to try again."""
        if self._settings.turns_per_minute == 0 or self.is_exempt(person):
            return
        limit = self._settings.turns_per_minute
        wait = (await self._rates.hit_rate(f"turns:{person}", limit, MINUTE, self._clock())
                if self._rates is not None else self._turns.hit(person))
        if wait > 0:
            raise RateLimited(
                f"You're sending messages quickly; try again in {wait_words(wait)}."
            )

    async def check_render(self, person: str) -> None:
        """Daily render quota (rolling 24 h, counted in the store so restarts do not reset it)."""
        limit = self._settings.renders_per_day
        if limit == 0 or self.is_exempt(person):
            return
        now = self._clock()
        used = await self._store.count_renders(person, since=now - DAY)
        if used < limit:
            return
        wait = await self._seconds_until_free(person, now, limit)
        raise RateLimited(
            f"You've made {used} video{'' if used == 1 else 's'} in the last 24 hours "
            f"(the limit is {limit}); "
            f"you can render again in {wait_words(wait)}."
        )

    async def _seconds_until_free(self, person: str, now: float, limit: int) -> float:
        """When the oldest render that keeps the person at the limit leaves the 24 h window.

        The store only counts, so binary-search the earliest `since` with fewer than `limit`
        renders after it (about 24 queries, and only for people who hit the quota).
        """
        lo, hi = now - DAY, now + 1.0
        while hi - lo > 0.01:
            mid = (lo + hi) / 2
            if await self._store.count_renders(person, since=mid) < limit:
                hi = mid
            else:
                lo = mid
        return hi + DAY - now
