"""The adapter's pure rules, as tables."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bots.discord_bot import conversation_key, strip_mentions, wants_message
from bots.discord_replies import Throttle, deliver, fits, link_text, split_text, status_line
from core.conversation.turn import ConversationKey, Message, Reply, Status, Video


@pytest.mark.parametrize(("is_dm", "mentions_me", "files", "reply", "intent", "wanted"), [
    (True, False, False, False, False, True),     # a DM, always
    (False, True, False, False, False, True),     # an @mention, always
    (False, False, True, False, False, False),    # a file in a channel, intent off: not seen
    (False, False, True, False, True, True),      # ... intent on
    (False, False, False, True, True, True),      # a reply to the bot, intent on
    (False, False, False, False, True, False),    # chatter, even with the intent
])
def test_which_messages_are_turns(is_dm: bool, mentions_me: bool, files: bool, reply: bool,
                                  intent: bool, wanted: bool) -> None:
    assert wants_message(is_dm=is_dm, mentions_me=mentions_me, has_attachments=files,
                         replies_to_me=reply, content_intent=intent) is wanted


@pytest.mark.parametrize(("channel", "user", "guild", "key"), [
    (5, 7, 9, ConversationKey("discord", "5", "7")),
    (5, 8, 9, ConversationKey("discord", "5", "8")),
    (6, 7, None, ConversationKey("discord", "dm-7")),
])
def test_conversation_keys(channel: int, user: int, guild: int | None,
                           key: ConversationKey) -> None:
    assert conversation_key(channel, user, guild) == key


@pytest.mark.parametrize(("text", "clean"), [
    ("<@42> fade out", "fade out"),
    ("<@!42>   help", "help"),
    ("louder <@43>", "louder <@43>"),
])
def test_strip_mentions(text: str, clean: str) -> None:
    assert strip_mentions(text, 42) == clean


def test_throttle_shows_new_phases_at_once_and_percent_at_most_every_interval() -> None:
    throttle = Throttle(2.5)
    seen = [(t, throttle.should_show(Status(text, pct), t)) for t, text, pct in [
        (0.0, "Waiting: number 2 in line", None),
        (0.5, "Rendering…", 0),       # new phase: at once
        (1.0, "Rendering…", 10),      # too soon
        (2.9, "Rendering…", 30),      # still too soon (2.4 s)
        (3.1, "Rendering…", 40),      # 2.6 s later
        (3.2, "Uploading…", None),    # new phase
    ]]
    assert [shown for _, shown in seen] == [True, True, False, False, True, True]


async def test_a_held_back_status_is_shown_before_the_video() -> None:
    shown: list[str] = []

    class Recorder:
        async def status(self, text: str) -> None:
            shown.append(text)

        async def say(self, text: str, buttons: tuple[str, ...] = (), menus: tuple = (),
                      private: bool = False) -> None:
            shown.append(f"say {text}")

        async def upload(self, path: Path, text: str, buttons: tuple[str, ...] = ()) -> bool:
            shown.append(f"upload {path.name}")
            return True

    async def replies() -> AsyncIterator[Reply]:
        for pct in (0, 10, 20, 100):
            yield Status("Rendering…", pct)
        yield Message("Quick note")
        yield Video(path=Path("v.mp4"), url=None, size=10, duration=1.0)

    await deliver(replies(), Recorder(), upload_limit=100, interval=60, clock=lambda: 0.0)
    assert shown == ["Rendering… ▱▱▱▱▱▱▱▱ 0%", "say Quick note", "Rendering… ▰▰▰▰▰▰▰▰ 100%",
                     "upload v.mp4"]


@pytest.mark.parametrize(("status", "line"), [
    (Status("Rendering…", 42.4), "Rendering… ▰▰▰▱▱▱▱▱ 42%"),
    (Status("Rendering…", 100.0, 3.0), "Rendering… ▰▰▰▰▰▰▰▰ 100%"),
    (Status("Waiting"), "Waiting"),
])
def test_status_line(status: Status, line: str) -> None:
    assert status_line(status) == line


@pytest.mark.parametrize(("text", "sizes"), [
    ("short", [5]),
    ("a" * 2000, [2000]),
    ("a" * 2001, [2000, 1]),
    (("line\n" * 500), [1999, 499]),  # cut at a line break, not mid-word
    ("", [1]),                        # never an empty message
])
def test_split_text(text: str, sizes: list[int]) -> None:
    assert [len(chunk) for chunk in split_text(text)] == sizes


def video(size: int | None, url: str | None = None, path: str | None = "v.mp4") -> Video:
    return Video(path=Path(path) if path else None, url=url, size=size, duration=4.0)


@pytest.mark.parametrize(("v", "limit", "fits_"), [
    (video(100), 100, True),
    (video(101), 100, False),
    (video(101), None, True),       # no limit (console-like)
    (video(None), 100, False),      # unknown size: do not risk it
    (video(10, path=None), 100, False),
])
def test_fits(v: Video, limit: int | None, fits_: bool) -> None:
    assert fits(v, limit) is fits_


def test_link_text() -> None:
    assert link_text(video(5, "https://l/x"), 1) == "Your video is ready: https://l/x"
    words = link_text(video(30 * 1024 * 1024), 10 * 1024 * 1024)
    assert "30.0 MB" in words and "10.0 MB" in words and "export 720p" in words
