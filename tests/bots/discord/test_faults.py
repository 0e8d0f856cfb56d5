"""Faults survived: the fake Discord API and CDN answer 5xx, hang up and stall; the bot tries
again with backoff and puts it in words when Discord never takes the video."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import discord
import pytest

from bots.adapter import upload_failed_text
from bots.discord_bot import CANNOT_FETCH, BacktrackBot
from bots.discord_replies import on_the_way
from bots.retry import Backoff
from core.conversation.turn import Reply, Turn, Video
from tests.bots.discord.conftest import BotFactory, FakeAssistant, FakeGate
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.sleep import Waits

GUILD, CHANNEL, ALICE, DM = 900, 901, 11, 777
NO_LINK = "Sorry, I couldn't send the video (Discord didn't answer); say 'export' to try again."


@pytest.fixture
def waits() -> Waits:
    return Waits()


@pytest.fixture
async def bot(make_bot: BotFactory, settings, assistant: FakeAssistant, gate: FakeGate,
              waits: Waits) -> BacktrackBot:
    built: BacktrackBot = await make_bot(settings, assistant, gate,
                                         backoff=Backoff(sleep=waits, attempt_timeout=0.5))
    return built


def slash_music(bot: BacktrackBot, fake: FakeDiscord, clip: Path) -> dict:
    video = fake.attachment(CHANNEL, "clip.mp4", clip.read_bytes())
    payload = fake.slash("music", user_id=ALICE, channel_id=CHANNEL, guild_id=GUILD, video=video)
    bot._connection.parse_interaction_create(payload)
    return payload


def dm(bot: BacktrackBot, fake: FakeDiscord, clip: Path) -> None:
    video = fake.attachment(DM, "clip.mp4", clip.read_bytes())
    bot._connection.parse_message_create(
        fake.message(user_id=ALICE, channel_id=DM, content="add music", attachments=[video]))


def video_of(clip: Path, url: str | None = None):  # type: ignore[no-untyped-def]
    async def script(turn: Turn) -> AsyncIterator[Reply]:
        yield Video(clip, url, clip.stat().st_size, 4.0, "Done.")
    return script


class Response:
    """Just enough of an aiohttp response for discord.py's HTTPException."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.reason = "x"


@pytest.mark.parametrize(("error", "wait"), [
    (discord.DiscordServerError(Response(503), {"message": "x", "code": 0}), 0.7),  # type: ignore[arg-type]
    (aiohttp.ServerDisconnectedError(), 0.7),
    (aiohttp.ClientConnectionError(), 0.7),
    (TimeoutError(), 0.7),
    (aiohttp.ClientResponseError(None, (), status=502), 0.7),  # type: ignore[arg-type]
    (aiohttp.ClientResponseError(None, (), status=404), None),  # type: ignore[arg-type]
    (discord.HTTPException(Response(413), {"message": "x", "code": 40005}), None),  # type: ignore[arg-type]
    (ValueError("a bug"), None),
])
def test_judge(error: Exception, wait: float | None) -> None:
    assert on_the_way(error, 0.7) == wait


async def test_channel_messages_survive_5xx_and_hang_ups(
        bot: BacktrackBot, fake: FakeDiscord, clip: Path, waits: Waits) -> None:
    fake.fail_next("channel_message", 503)  # discord.py does not try 503 again: we do
    fake.drop_next("channel_message")
    fake.fail_next("edit_message", 503)
    dm(bot, fake, clip)
    sent = await fake.wait_for(lambda: [m for m in fake.channel_messages(DM) if m.files])
    assert sent[0].files[0][1] == clip.read_bytes()
    status = fake.channel_messages(DM)[0]
    assert status.history == [
        "Rendering… ▱▱▱▱▱▱▱▱ 0%", "Rendering… ▰▰▰▰▱▱▱▱ 50%"]
    assert len(fake.channel_messages(DM)) == 2  # each sent once
    assert fake.faulted == [("channel_message", 503), ("channel_message", 499),
                            ("edit_message", 503)]
    assert waits.seen == [0.5, 1.0, 0.5]


async def test_follow_up_survives_hang_ups(bot: BacktrackBot, fake: FakeDiscord,
                                           clip: Path) -> None:
    fake.drop_next("followup", times=2)
    fake.drop_next("edit_original")
    payload = slash_music(bot, fake, clip)
    interaction = fake.interaction(payload)
    (followup,) = await fake.wait_for(lambda: interaction.followups)
    assert followup.files[0][1] == clip.read_bytes() and followup.content == "Done."
    assert interaction.original is not None
    assert interaction.original.history[1:] == [
        "Rendering… ▱▱▱▱▱▱▱▱ 0%", "Rendering… ▰▰▰▰▱▱▱▱ 50%"]
    assert fake.faulted.count(("followup", 499)) == 2


async def test_a_dropped_acknowledgement_is_sent_again(bot: BacktrackBot, fake: FakeDiscord,
                                                       clip: Path) -> None:
    fake.drop_next("callback")
    payload = slash_music(bot, fake, clip)
    interaction = fake.interaction(payload)
    (followup,) = await fake.wait_for(lambda: interaction.followups)
    assert [c["type"] for c in interaction.callbacks] == [5]  # deferred, once
    assert fake.faulted == [("callback", 499)] and followup.content == "Done."


async def test_upload_never_taken_is_said_in_words(bot: BacktrackBot, fake: FakeDiscord,
                                                   assistant: FakeAssistant, clip: Path) -> None:
    assistant.script = video_of(clip)
    fake.drop_next("followup", times=4)
    payload = fake.slash("export", user_id=ALICE, channel_id=CHANNEL, guild_id=GUILD)
    bot._connection.parse_interaction_create(payload)
    interaction = fake.interaction(payload)
    (followup,) = await fake.wait_for(lambda: interaction.followups)
    assert followup.content == NO_LINK and followup.files == []


async def test_upload_stalled_past_the_timeout_gives_the_link(
        bot: BacktrackBot, fake: FakeDiscord, assistant: FakeAssistant, clip: Path) -> None:
    url = "https://links.example/r/abc"
    assistant.script = video_of(clip, url)
    fake.stall_next("followup", 5.0, times=4)
    started = asyncio.get_running_loop().time()
    payload = fake.slash("export", user_id=ALICE, channel_id=CHANNEL, guild_id=GUILD)
    bot._connection.parse_interaction_create(payload)
    interaction = fake.interaction(payload)
    (followup,) = await fake.wait_for(lambda: interaction.followups)
    took = asyncio.get_running_loop().time() - started
    assert followup.content == upload_failed_text(Video(clip, url, None, None), "Discord")
    assert url in (followup.content or "") and followup.custom_ids == []
    assert took < 12.0  # four tries cut at 0.5 s; waiting out the four 5 s stalls takes 20 s


async def test_cdn_download_survives_a_5xx_and_a_hang_up(
        bot: BacktrackBot, fake: FakeDiscord, assistant: FakeAssistant, clip: Path) -> None:
    fake.fail_next("cdn", 503)
    fake.drop_next("cdn")
    payload = slash_music(bot, fake, clip)
    interaction = fake.interaction(payload)
    await fake.wait_for(lambda: interaction.followups)
    assert assistant.fetched[0].read_bytes() == clip.read_bytes()
    assert fake.faulted == [("cdn", 503), ("cdn", 499)]


async def test_cdn_that_never_answers_is_said_in_words(
        bot: BacktrackBot, fake: FakeDiscord, assistant: FakeAssistant, clip: Path) -> None:
    fake.fail_next("cdn", 502, times=4)
    payload = slash_music(bot, fake, clip)
    interaction = fake.interaction(payload)
    (followup,) = await fake.wait_for(lambda: interaction.followups)
    assert followup.content == CANNOT_FETCH and followup.flags & 64  # ephemeral
    assert interaction.original is not None and interaction.original.deleted
    assert len(fake.faulted) == 4
