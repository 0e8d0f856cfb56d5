"""Showing the assistant's replies in Discord: one status line edited in place, then results.

`deliver` is platform-neutral glue over a `Surface` (a deferred interaction, or a channel: both in
`bots.discord_surfaces`); the rules it applies (throttling, splitting, file-or-link) are pure
functions tested as tables. The surfaces try calls that fail on the way (a 5xx, a dropped
connection, no answer in time) again with backoff (`bots.retry`); a video Discord never takes is
put in words.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import aiohttp
import discord

from bots import adapter
from bots.adapter import fits, status_line, upload_failed_text
from bots.retry import Backoff
from core import words
from core.conversation.turn import Audio, Menu, Message, Photo, Problem, Reply, Status, Video
from core.errors import EngineError

log = logging.getLogger(__name__)

MAX_CONTENT = 2000
"""Discord's limit on a message's text."""

SAY_PREFIX = "backtrack:say:"
"""custom_id of a quick-action button: pressing it sends the label as the next turn."""
MENU_PREFIX = "backtrack:menu:"
"""custom_id of a select menu (a setting); the chosen option's value is the turn's text."""
MAX_ROWS = 5
"""Discord's limit of component rows on a message; a select menu fills a row."""


# Pure rules ----------------------------------------------------------------------------------


@dataclass
class Throttle:
    """Decides which status lines are worth an edit: a new phase at once, percent at most
    every `interval` seconds (Discord rate-limits message edits)."""

    interval: float
    shown: str | None = None
    shown_at: float = -math.inf
    pending: Status | None = None
    """The last line held back, shown before the result so the status does not stop at 40%."""

    def should_show(self, status: Status, now: float) -> bool:
        phase_changed = self.shown is None or status.text != self.shown
        if not phase_changed and now - self.shown_at < self.interval:
            self.pending = status
            return False
        self.shown, self.shown_at, self.pending = status.text, now, None
        return True

    def take_pending(self) -> Status | None:
        pending, self.pending = self.pending, None
        return pending


def split_text(text: str, limit: int = MAX_CONTENT) -> list[str]:
    """Cut text into messages Discord accepts."""
    return adapter.split_text(text, limit)


def mib(size: float) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def link_text(video: Video, upload_limit: int | None) -> str:
    """What to write when the video goes out as a link (or cannot go out at all)."""
    caption = f"{video.caption}\n" if video.caption else ""
    if video.url:
        return caption + words.localise(f"Your video is ready: {video.url}", video.language)
    size = mib(video.size) if video.size else "too big"
    limit = f" (this chat takes {mib(upload_limit)})" if upload_limit else ""
    return caption + words.localise(
        f"Your video is ready but it is {size}, too big to upload here{limit}, and no download "
        "link is configured. Try \"export 720p\" for a smaller file.", video.language)


def say_custom_id(label: str) -> str:
    return SAY_PREFIX + label[:80]


def on_the_way(exc: BaseException, pause: float) -> float | None:
    """A `bots.retry.Judge`: a 5xx (after discord.py's own tries), a dropped connection or no
    answer in time waits the pause; Discord's refusals (4xx) are final."""
    if isinstance(exc, aiohttp.ClientResponseError):
        return pause if exc.status >= 500 else None
    if isinstance(exc, discord.DiscordServerError | aiohttp.ClientConnectionError
                  | aiohttp.ClientPayloadError | TimeoutError):
        return pause
    return None


DISCORD_BACKOFF = Backoff(attempt_timeout=300.0)
"""Four tries; each cut after 5 minutes (an upload of a large file included)."""


# Buttons -------------------------------------------------------------------------------------


class QuickAction(discord.ui.DynamicItem[discord.ui.Button[Any]],
                  template=re.compile(re.escape(SAY_PREFIX) + r"(?P<label>.{1,80})")):
    """A quick follow-up button; survives restarts because its label lives in the custom_id."""

    def __init__(self, label: str) -> None:
        super().__init__(discord.ui.Button(
            label=label, style=discord.ButtonStyle.secondary, custom_id=say_custom_id(label)))
        self.label = label

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> QuickAction:
        return cls(match["label"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.client.quick_action(interaction, self.label)


class MenuChoice(discord.ui.DynamicItem[discord.ui.Select[Any]],
                 template=re.compile(re.escape(MENU_PREFIX) + r"(?P<n>\d)")):
    """A select menu of one setting; each option's value is the words that choose it, so a
    menu from before a restart still works."""

    def __init__(self, n: int, menu: Menu | None = None) -> None:
        options = [discord.SelectOption(label=o.label[:100], value=o.say[:100], default=o.chosen)
                   for o in (menu.options[:25] if menu is not None else ())]
        super().__init__(discord.ui.Select(
            custom_id=f"{MENU_PREFIX}{n}", placeholder=menu.title[:150] if menu else None,
            options=options or [discord.SelectOption(label="-")], min_values=1, max_values=1))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> MenuChoice:
        choice = cls(int(match["n"]))
        if isinstance(item, discord.ui.Select):
            choice.item = item  # the dispatched select, with the person's choice in `values`
        return choice

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        data: Any = interaction.data or {}
        values = self.item.values or data.get("values") or []
        if values:  # the answer replaces the card in place (bots/discord_card.py)
            await interaction.client.menu_choice(interaction, str(values[0]))


def buttons_view(labels: Iterable[str], menus: tuple[Menu, ...] = ()) -> discord.ui.View | None:
    """A persistent view with one button per label, then a select menu per menu, within
    Discord's five rows (none: no view)."""
    labels = list(labels)[:25]
    if not labels and not menus:
        return None
    view = discord.ui.View(timeout=None)
    for label in labels:
        view.add_item(QuickAction(label))
    button_rows = -(-len(labels) // 5)
    for n, menu in enumerate(menus[:MAX_ROWS - button_rows]):
        view.add_item(MenuChoice(n, menu))
    return view


# Delivery ------------------------------------------------------------------------------------


class Surface(Protocol):
    """Where one turn's replies appear."""

    async def status(self, text: str) -> None:
        """Show the one status line, or edit it in place."""

    async def say(self, text: str, buttons: tuple[str, ...] = (), menus: tuple[Menu, ...] = (),
                  private: bool = False) -> None:
        """Post a message to keep; `private` ones only the person sees where the surface can
        (an interaction's ephemeral follow-up)."""

    async def upload(self, path: Path, text: str, buttons: tuple[str, ...] = ()) -> bool:
        """Post a file; False when Discord refused it as too large."""


async def deliver(replies: AsyncIterator[Reply], surface: Surface, *, upload_limit: int | None,
                  interval: float = 2.5, clock: Callable[[], float] = time.monotonic) -> None:
    """Show every reply of one turn on the surface."""
    throttle = Throttle(interval)
    async for reply in replies:
        await show(reply, surface, upload_limit=upload_limit, throttle=throttle, clock=clock)


async def show(reply: Reply, surface: Surface, *, upload_limit: int | None, throttle: Throttle,
               clock: Callable[[], float] = time.monotonic) -> None:
    if isinstance(reply, Status):
        if throttle.should_show(reply, clock()):
            await show_status(surface, status_line(reply))
    elif isinstance(reply, Message):
        await say_all(surface, reply.text, reply.buttons, reply.menus)
    elif isinstance(reply, Problem):  # concerns only the person
        await say_all(surface, reply.text, private=True)
    elif isinstance(reply, Photo):
        try:  # a PNG attachment shows inline; the text answer already went
            await surface.upload(reply.path, reply.caption[:MAX_CONTENT])
        except (EngineError, discord.HTTPException) as exc:
            log.warning("discord: timeline picture not sent (%s)", type(exc).__name__)
    elif isinstance(reply, Audio):
        try:  # an MP3 attachment gets Discord's inline player; the others still go
            text = f"**{reply.title}**" + (f": {reply.caption}" if reply.caption else "")
            await surface.upload(reply.path, text[:MAX_CONTENT])
        except (EngineError, discord.HTTPException) as exc:
            log.warning("discord: preview not sent (%s)", type(exc).__name__)
    elif isinstance(reply, Video):
        pending = throttle.take_pending()
        if pending is not None:
            await show_status(surface, status_line(pending))
        if reply.path is not None and fits(reply, upload_limit):
            try:
                if await surface.upload(reply.path, reply.caption[:MAX_CONTENT], reply.buttons):
                    return
            except EngineError:  # never answered: words (and the link), not an apology
                await say_all(surface, upload_failed_text(reply, "Discord"),
                              reply.buttons if reply.url else ())
                return
            log.info("discord refused a %s upload as too large; sending the link instead",
                     mib(reply.size or 0))
        await say_all(surface, link_text(reply, upload_limit), reply.buttons if reply.url else ())


async def show_status(surface: Surface, text: str) -> None:
    try:
        await surface.status(text)
    except EngineError:  # Discord is not answering: progress is optional, results are not
        log.warning("discord: status line skipped")


async def say_all(surface: Surface, text: str, buttons: tuple[str, ...] = (),
                  menus: tuple[Menu, ...] = (), *, private: bool = False) -> None:
    chunks = split_text(text)
    for i, chunk in enumerate(chunks):
        last = i == len(chunks) - 1
        await surface.say(chunk, buttons if last else (), menus if last else (), private)
