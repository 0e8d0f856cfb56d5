"""Discord's ways, through real discord.py against the fake REST API: commands installable by
users and servers, usable everywhere, localised for Chinese, the mood as a choice list, the
"Add music" message command, settings as ephemeral select menus, ephemeral refusals."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import discord
import pytest
from discord import app_commands

from bots.discord_bot import BacktrackBot
from bots.discord_commands import NO_VIDEO
from core.conversation.turn import Menu, Message, Option, Reply, Turn
from core.preferences import moods
from tests.bots.discord.conftest import FakeAssistant
from tests.fakes.discord_api import FakeDiscord, Refused, check_command

GUILD, CHANNEL, ALICE = 900, 901, 11
EPHEMERAL = 64


def inject(bot: BacktrackBot, payload: dict) -> None:
    bot._connection.parse_interaction_create(payload)  # what the gateway would do


def synced(fake: FakeDiscord, name: str) -> dict[str, Any]:
    return next(c for c in fake.commands[None] if c["name"] == name)


async def test_every_command_is_installable_and_usable_everywhere(
        bot: BacktrackBot, fake: FakeDiscord) -> None:
    for command in fake.commands[None]:
        assert sorted(command["integration_types"]) == [0, 1], command["name"]
        assert sorted(command["contexts"]) == [0, 1, 2], command["name"]
    add = synced(fake, "Add music")
    assert add["type"] == 3 and add["description"] == ""
    assert add["name_localizations"] == {"zh-CN": "添加音乐", "zh-TW": "添加音乐"}


async def test_names_descriptions_and_choices_in_chinese(
        bot: BacktrackBot, fake: FakeDiscord) -> None:
    music = synced(fake, "music")
    assert music["name_localizations"]["zh-CN"] == "配乐"
    assert music["description_localizations"]["zh-CN"] == "给视频配上背景音乐"
    options = {o["name"]: o for o in music["options"]}
    assert options["music"]["name_localizations"]["zh-CN"] == "歌曲"
    mood = options["mood"]
    assert [c["value"] for c in mood["choices"]] == list(moods())  # from the code, in order
    assert mood["choices"][0]["name_localizations"]["zh-CN"].endswith(moods()[0])
    assert synced(fake, "settings")["name_localizations"]["zh-TW"] == "设置"


async def test_music_with_a_mood_choice(bot: BacktrackBot, fake: FakeDiscord,
                                        assistant: FakeAssistant, clip: Path) -> None:
    video = fake.attachment(CHANNEL, "clip.mp4", clip.read_bytes())
    payload = fake.slash("music", user_id=ALICE, channel_id=CHANNEL, guild_id=GUILD,
                         video=video, mood="calm", prompt="fade out at the end")
    inject(bot, payload)
    await fake.wait_for(lambda: fake.interaction(payload).followups)
    assert assistant.turns[0].text == "add calm music, fade out at the end"


def target(fake: FakeDiscord, content: str = "", **kw: Any) -> dict[str, Any]:
    return fake.message(user_id=99, channel_id=CHANNEL, guild_id=GUILD, content=content, **kw)


async def test_add_music_on_a_message_takes_its_first_video(
        bot: BacktrackBot, fake: FakeDiscord, assistant: FakeAssistant, clip: Path) -> None:
    notes = fake.attachment(CHANNEL, "notes.txt", b"hello", content_type="text/plain")
    video = fake.attachment(CHANNEL, "holiday.mp4", clip.read_bytes())
    message = target(fake, "look https://example.com/a.mp4", attachments=[notes, video])
    payload = fake.context_menu("Add music", message, user_id=ALICE, guild_id=GUILD)
    inject(bot, payload)
    (followup,) = await fake.wait_for(lambda: fake.interaction(payload).followups)
    (turn,) = assistant.turns
    assert turn.text == "add background music"
    assert [a.name for a in turn.attachments] == ["holiday.mp4"]
    assert followup.files[0][1] == clip.read_bytes()


async def test_add_music_on_a_message_with_only_a_link(
        bot: BacktrackBot, fake: FakeDiscord, assistant: FakeAssistant) -> None:
    message = target(fake, "my clip: https://example.com/clip.mp4 and https://example.com/2")
    payload = fake.context_menu("Add music", message, user_id=ALICE, guild_id=GUILD)
    inject(bot, payload)
    await fake.wait_for(lambda: assistant.turns)
    assert assistant.turns[0].text == "add background music https://example.com/clip.mp4"


async def test_add_music_on_a_message_without_video_is_refused_privately(
        bot: BacktrackBot, fake: FakeDiscord, assistant: FakeAssistant) -> None:
    payload = fake.context_menu("Add music", target(fake, "just words"), user_id=ALICE,
                                guild_id=GUILD)
    inject(bot, payload)
    interaction = fake.interaction(payload)
    await fake.wait_for(lambda: interaction.callbacks)
    (callback,) = interaction.callbacks
    assert callback["type"] == 4 and callback["data"]["content"] == NO_VIDEO
    assert callback["data"]["flags"] & EPHEMERAL
    assert assistant.turns == []


@pytest.mark.parametrize(("guild_id", "context"), [(GUILD, 0), (None, 1), (None, 2)])
async def test_a_user_install_works_where_the_bot_is_not(
        bot: BacktrackBot, fake: FakeDiscord, assistant: FakeAssistant, clip: Path,
        guild_id: int | None, context: int) -> None:
    """A server without the bot, a DM with the bot, a group DM: all through the interaction."""
    video = fake.attachment(CHANNEL, "clip.mp4", clip.read_bytes())
    payload = fake.slash("music", user_id=ALICE, channel_id=CHANNEL, guild_id=guild_id,
                         video=video, where={"installed_by_user": True, "context": context})
    assert payload["authorizing_integration_owners"] == {"1": str(ALICE)}
    inject(bot, payload)
    (followup,) = await fake.wait_for(lambda: fake.interaction(payload).followups)
    assert followup.files and fake.channel_messages(CHANNEL) == []


async def test_settings_are_ephemeral_select_menus_that_send_their_words(
        bot: BacktrackBot, fake: FakeDiscord, assistant: FakeAssistant) -> None:
    menus = (Menu("Default mood", (Option("automatic", "set default mood auto", chosen=True),
                                   Option("calm", "set default mood calm"))),
             Menu("Send videos as", (Option("video", "set delivery video", chosen=True),
                                     Option("file", "set delivery file"))))

    async def script(turn: Turn) -> AsyncIterator[Reply]:
        yield Message(f"settings after {turn.text!r}", menus=menus)

    assistant.script = script
    payload = fake.slash("settings", user_id=ALICE, channel_id=CHANNEL, guild_id=GUILD,
                         where={"locale": "zh-CN"})
    inject(bot, payload)
    interaction = fake.interaction(payload)
    await fake.wait_for(lambda: interaction.original and interaction.original.components)
    assert interaction.callbacks[0]["type"] == 5
    assert interaction.callbacks[0]["data"]["flags"] & EPHEMERAL  # only the person sees it
    assert assistant.turns[0].language == "zh"
    card = interaction.original
    assert card is not None
    selects = [c for row in card.components for c in row["components"]]
    assert [s["type"] for s in selects] == [3, 3]
    assert [[(o["label"], o["value"], o.get("default", False)) for o in s["options"]]
            for s in selects][1] == [("video", "set delivery video", True),
                                     ("file", "set delivery file", False)]
    choice = fake.select(card, selects[0]["custom_id"], ["set default mood calm"],
                         user_id=ALICE, guild_id=GUILD)
    inject(bot, choice)
    await fake.wait_for(lambda: "calm" in (card.content or ""))
    assert assistant.turns[1].text == "set default mood calm"
    # UPDATE_MESSAGE: the answer replaced the card the choice was made on, nothing new.
    answered = fake.interaction(choice)
    assert [c["type"] for c in answered.callbacks] == [7]
    assert answered.original is card and answered.followups == []
    assert card.content == "settings after 'set default mood calm'"
    assert card.flags & EPHEMERAL and len(card.component_history) == 2  # edit, then update


async def test_a_slow_choice_is_acknowledged_then_edits_the_card(
        bot: BacktrackBot, fake: FakeDiscord, assistant: FakeAssistant) -> None:
    """Past 2 s without an answer the choice is acknowledged (DEFERRED_UPDATE_MESSAGE, before
    Discord's 3 s), and the card is edited through the response when the answer comes."""
    menus = (Menu("Default mood", (Option("calm", "set default mood calm"),)),)

    async def script(turn: Turn) -> AsyncIterator[Reply]:
        if turn.text != "settings":
            await asyncio.sleep(2.5)
        yield Message(f"settings after {turn.text!r}", menus=menus)

    assistant.script = script
    payload = fake.slash("settings", user_id=ALICE, channel_id=CHANNEL, guild_id=GUILD)
    inject(bot, payload)
    card = (await fake.wait_for(lambda: fake.interaction(payload).original
                                and fake.interaction(payload).original.components
                                and [fake.interaction(payload).original]))[0]
    select = card.components[0]["components"][0]
    choice = fake.select(card, select["custom_id"], ["set default mood calm"], user_id=ALICE,
                         guild_id=GUILD)
    inject(bot, choice)
    await fake.wait_for(lambda: "calm" in (card.content or ""), timeout=10)
    answered = fake.interaction(choice)
    assert [c["type"] for c in answered.callbacks] == [6]
    assert card.content == "settings after 'set default mood calm'"
    assert answered.followups == [] and fake.channel_messages(CHANNEL) == []


@pytest.mark.parametrize(("command", "why"), [
    ({"name": "Music", "description": "x"}, "invalid chat input name"),
    ({"name": "music", "description": ""}, "needs a description"),
    ({"name": "Add music", "type": 3, "description": "x"}, "take no description"),
    ({"name": "music", "description": "x", "contexts": [0, 5]}, "contexts are"),
    ({"name": "music", "description": "x", "integration_types": [2]}, "integration_types"),
    ({"name": "music", "description": "x", "name_localizations": {"zh": "配乐"}},
     "unknown locale"),
    ({"name": "music", "description": "x", "name_localizations": {"zh-CN": "配 乐"}},
     "invalid chat input name"),
    ({"name": "music", "description": "x", "options": [{"name": "mood", "type": 3,
      "description": "m", "choices": [{"name": str(i), "value": str(i)} for i in range(26)]}]},
     "at most 25 choices"),
])
def test_the_fake_refuses_what_discord_refuses(command: dict[str, Any], why: str) -> None:
    with pytest.raises(Refused, match=why):
        check_command(command)


async def test_a_refused_sync_reaches_discord_py_as_an_error(fake: FakeDiscord) -> None:
    class Described(app_commands.ContextMenu):
        def to_dict(self, tree: app_commands.CommandTree[Any]) -> dict[str, Any]:
            return {**super().to_dict(tree), "description": "not allowed"}

    async def callback(interaction: discord.Interaction[Any], message: discord.Message) -> None:
        ...

    client = discord.Client(intents=discord.Intents.none())
    tree = app_commands.CommandTree(client)
    tree.add_command(Described(name="Add music", callback=callback))
    await client.login(fake.token)
    try:
        with pytest.raises(discord.HTTPException) as caught:
            await tree.sync()
    finally:
        await client.close()
    assert caught.value.status == 400 and caught.value.code == 50035
    assert fake.refused == ["Add music: context-menu commands take no description or options"]


async def test_the_fake_updates_only_a_components_message(fake: FakeDiscord) -> None:
    """UPDATE_MESSAGE (7) edits the message whose component was used; Discord refuses it
    (and DEFERRED_UPDATE_MESSAGE, 6) for a slash command, which has no such message."""
    import httpx

    def callback(payload: dict[str, Any]) -> str:
        return f"{fake.api_url}/interactions/{payload['id']}/{payload['token']}/callback"

    slash = fake.slash("settings", user_id=ALICE, channel_id=CHANNEL, guild_id=GUILD)
    async with httpx.AsyncClient() as client:
        for kind in (6, 7):
            refused = await client.post(callback(slash), json={"type": kind, "data": {}})
            assert refused.status_code == 400 and refused.json()["code"] == 50035
        assert fake.interaction(slash).callbacks == []
        answered = await client.post(callback(slash), json={
            "type": 4, "data": {"content": "card", "flags": EPHEMERAL}})
        assert answered.status_code == 200
        card = fake.interaction(slash).original
        assert card is not None
        choice = fake.select(card, "backtrack:menu:0", ["set default mood calm"],
                             user_id=ALICE, guild_id=GUILD)
        updated = await client.post(callback(choice), json={
            "type": 7, "data": {"content": "saved", "components": []}})
        assert updated.status_code == 200
    assert fake.interaction(choice).original is card
    assert card.history == ["card", "saved"] and card.flags & EPHEMERAL
