"""The Discord adapter end to end against the fake REST API, with a scripted assistant."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from pydantic import SecretStr

from bots.discord_bot import BacktrackBot
from core.conversation.turn import ConversationKey, Message, Notice, Photo, Video
from core.timeline.model import Clip, Timeline
from core.timeline.picture import draw
from tests.bots.discord.conftest import BotFactory, FakeAssistant, FakeGate
from tests.fakes.discord_api import MIB, FakeDiscord
from tests.media import measure

GUILD, CHANNEL, ALICE, BOB = 900, 901, 11, 12


def inject(bot: BacktrackBot, payload: dict) -> None:
    bot._connection.parse_interaction_create(payload)  # what the gateway would do


async def test_setup_syncs_every_command_globally(bot: BacktrackBot, fake: FakeDiscord) -> None:
    names = {c["name"] for c in fake.commands[None]}
    assert names == {"music", "edit", "export", "status", "settings", "credits", "new", "undo",
                     "cancel", "help", "moods", "Add music"}
    music = next(c for c in fake.commands[None] if c["name"] == "music")
    assert [(o["name"], o["type"], o.get("required", False)) for o in music["options"]] == [
        ("video", 11, True), ("music", 11, False), ("mood", 3, False), ("prompt", 3, False)]


async def test_guild_setting_syncs_to_that_guild(make_bot: BotFactory, settings, assistant,
                                                 gate, fake: FakeDiscord) -> None:
    await make_bot(settings.model_copy(update={"discord_guild_id": GUILD}), assistant, gate)
    assert None not in fake.commands
    assert len(fake.commands[GUILD]) == 12


async def test_slash_music_defers_downloads_edits_and_uploads_the_video(
        bot: BacktrackBot, fake: FakeDiscord, assistant: FakeAssistant, clip: Path) -> None:
    video = fake.attachment(CHANNEL, "clip.mp4", clip.read_bytes())
    payload = fake.slash("music", user_id=ALICE, channel_id=CHANNEL, guild_id=GUILD,
                         video=video, prompt="calm music")
    inject(bot, payload)
    interaction = fake.interaction(payload)
    followup = (await fake.wait_for(lambda: interaction.followups))[0]

    assert interaction.callbacks[0]["type"] == 5  # deferred ("thinking…") at once
    assert fake.cdn_hits == [video["url"].split("?")[0].removeprefix(fake.base)]
    assert interaction.original is not None
    assert interaction.original.history[1:] == [
        "Rendering… ▱▱▱▱▱▱▱▱ 0%", "Rendering… ▰▰▰▰▱▱▱▱ 50%"]
    (name, data), = followup.files
    assert name.endswith("clip.mp4") and data == clip.read_bytes()
    out = Path(str(clip) + ".uploaded.mp4")
    out.write_bytes(data)
    measured = measure(out)
    assert measured.duration == pytest.approx(4, abs=0.2) and measured.audio_streams == 1
    assert followup.content == "Done."
    assert followup.custom_ids == ["backtrack:say:Fade out", "backtrack:say:Undo"]

    turn, = assistant.turns
    assert turn.key == ConversationKey("discord", str(CHANNEL), str(ALICE))
    assert turn.text == "calm music" and turn.upload_limit == 10 * MIB
    assert [(a.name, a.size, a.mime) for a in turn.attachments] == [
        ("clip.mp4", clip.stat().st_size, "video/mp4")]


async def test_dm_with_an_attachment_is_its_own_conversation(
        bot: BacktrackBot, fake: FakeDiscord, assistant: FakeAssistant, clip: Path) -> None:
    dm = 777
    video = fake.attachment(dm, "clip.mp4", clip.read_bytes())
    bot._connection.parse_message_create(
        fake.message(user_id=ALICE, channel_id=dm, content="add music", attachments=[video]))
    sent = await fake.wait_for(lambda: [m for m in fake.channel_messages(dm) if m.files])

    turn, = assistant.turns
    assert turn.key == ConversationKey("discord", f"dm-{ALICE}")
    assert turn.text == "add music" and turn.upload_limit == 10 * MIB
    assert sent[0].files[0][1] == clip.read_bytes()
    status = fake.channel_messages(dm)[0]
    assert status.history == [
        "Rendering… ▱▱▱▱▱▱▱▱ 0%", "Rendering… ▰▰▰▰▱▱▱▱ 50%"]
    assert status.reference is not None  # a reply to the person's message


async def test_mention_in_a_channel_is_a_turn_but_chatter_is_not(
        bot: BacktrackBot, fake: FakeDiscord, assistant: FakeAssistant) -> None:
    bot._connection.parse_message_create(fake.message(
        user_id=ALICE, channel_id=CHANNEL, guild_id=GUILD, content="just chatting"))
    bot._connection.parse_message_create(fake.message(
        user_id=ALICE, channel_id=CHANNEL, guild_id=GUILD, content="<@4242> help",
        mention_bot=True))
    await fake.wait_for(lambda: fake.channel_messages(CHANNEL))
    assert [t.text for t in assistant.turns] == ["help"]
    assert assistant.turns[0].key == ConversationKey("discord", str(CHANNEL), str(ALICE))


async def test_oversized_attachment_is_refused_without_downloading(
        bot: BacktrackBot, fake: FakeDiscord, assistant: FakeAssistant) -> None:
    big = fake.attachment(CHANNEL, "huge.mp4", b"\0" * 1000, size=6 * MIB)
    payload = fake.slash("music", user_id=ALICE, channel_id=CHANNEL, guild_id=GUILD, video=big)
    inject(bot, payload)
    interaction = fake.interaction(payload)
    (followup,) = await fake.wait_for(lambda: interaction.followups)
    # It concerns only the person: the public "thinking…" goes, the words are ephemeral.
    assert "huge.mp4 is over the size limit" in (followup.content or "")
    assert followup.flags & 64 and interaction.original and interaction.original.deleted
    assert fake.cdn_hits == [] and assistant.fetched == []


async def test_video_over_the_upload_limit_goes_out_as_the_link(
        bot: BacktrackBot, fake: FakeDiscord, assistant: FakeAssistant, tmp_path: Path) -> None:
    render = tmp_path / "render.mp4"
    render.write_bytes(b"\0" * 3000)

    async def script(turn):
        yield Video(path=render, url="https://links.example/r/abc/123/sig", size=3000,
                    duration=4.0, caption="Done.", buttons=("Undo",))

    assistant.script = script
    payload = fake.slash("export", user_id=ALICE, channel_id=CHANNEL, guild_id=GUILD,
                         size_limit=2000)
    inject(bot, payload)
    interaction = fake.interaction(payload)
    await fake.wait_for(lambda: interaction.original and len(interaction.original.history) > 1)
    assert interaction.original.content == "Done.\nYour video is ready: https://links.example/r/abc/123/sig"
    assert interaction.original.custom_ids == ["backtrack:say:Undo"]
    assert not any(m.files for m in fake.messages.values())
    assert assistant.turns[0].upload_limit == 2000


async def test_discord_refusing_the_size_falls_back_to_the_link(
        bot: BacktrackBot, fake: FakeDiscord, assistant: FakeAssistant, tmp_path: Path) -> None:
    render = tmp_path / "render.mp4"
    render.write_bytes(b"\0" * 3000)

    async def script(turn):  # the file claims to fit, but Discord says 413 (code 40005)
        yield Video(path=render, url="https://links.example/r/x", size=1000, duration=4.0)

    assistant.script = script
    payload = fake.slash("export", user_id=ALICE, channel_id=CHANNEL, guild_id=GUILD,
                         size_limit=2000)
    inject(bot, payload)
    interaction = fake.interaction(payload)
    followup = (await fake.wait_for(lambda: interaction.followups))[0]
    assert followup.content == "Your video is ready: https://links.example/r/x"
    assert "POST" in " ".join(fake.requests)


async def test_render_outliving_the_token_arrives_as_a_channel_message(
        make_bot: BotFactory, settings, assistant: FakeAssistant, gate: FakeGate,
        fake: FakeDiscord, clip: Path) -> None:
    fake.token_ttl = 1.0
    bot = await make_bot(settings, assistant, gate, token_lifetime=1.0)
    assistant.render_delay = 1.3
    video = fake.attachment(CHANNEL, "clip.mp4", clip.read_bytes())
    payload = fake.slash("music", user_id=ALICE, channel_id=CHANNEL, guild_id=GUILD,
                         video=video)
    inject(bot, payload)
    sent = await fake.wait_for(lambda: fake.channel_messages(CHANNEL))
    assert sent[0].files[0][1] == clip.read_bytes()
    assert sent[0].content == f"<@{ALICE}> Done."  # pings its owner
    assert fake.interaction(payload).followups == []


async def test_expired_token_reported_by_discord_also_falls_back(
        make_bot: BotFactory, settings, assistant: FakeAssistant, gate: FakeGate,
        fake: FakeDiscord, clip: Path) -> None:
    fake.token_ttl = 1.0  # Discord ends the token before the bot's own clock says so
    bot = await make_bot(settings, assistant, gate, token_lifetime=900)
    assistant.render_delay = 1.3
    video = fake.attachment(CHANNEL, "clip.mp4", clip.read_bytes())
    inject(bot, fake.slash("music", user_id=ALICE, channel_id=CHANNEL, guild_id=GUILD,
                           video=video))
    sent = await fake.wait_for(lambda: fake.channel_messages(CHANNEL))
    assert sent[0].files[0][1] == clip.read_bytes()


async def test_two_people_in_one_channel_have_separate_timelines(
        bot: BacktrackBot, fake: FakeDiscord, assistant: FakeAssistant) -> None:
    first = fake.slash("edit", user_id=ALICE, channel_id=CHANNEL, guild_id=GUILD, prompt="a")
    second = fake.slash("edit", user_id=BOB, channel_id=CHANNEL, guild_id=GUILD, prompt="b")
    inject(bot, first)
    inject(bot, second)
    await fake.wait_for(lambda: len(assistant.turns) == 2)
    keys = {t.text: t.key for t in assistant.turns}
    assert keys == {"a": ConversationKey("discord", str(CHANNEL), str(ALICE)),
                    "b": ConversationKey("discord", str(CHANNEL), str(BOB))}


async def test_button_press_sends_its_label_as_a_turn(
        bot: BacktrackBot, fake: FakeDiscord, assistant: FakeAssistant, clip: Path) -> None:
    video = fake.attachment(CHANNEL, "clip.mp4", clip.read_bytes())
    payload = fake.slash("music", user_id=ALICE, channel_id=CHANNEL, guild_id=GUILD,
                         video=video)
    inject(bot, payload)
    delivered = (await fake.wait_for(lambda: fake.interaction(payload).followups))[0]

    press = fake.button(delivered, "backtrack:say:Fade out", user_id=ALICE, guild_id=GUILD)
    inject(bot, press)
    await fake.wait_for(lambda: fake.interaction(press).followups)
    await bot.idle()
    assert len(assistant.turns) == 2  # dispatched once (dynamic items are not stored twice)
    turn = assistant.turns[1]
    assert turn.text == "Fade out" and not turn.attachments
    assert turn.key == ConversationKey("discord", str(CHANNEL), str(ALICE))
    assert fake.interaction(press).callbacks[0]["type"] == 5


async def test_plain_commands_send_their_keyword(
        bot: BacktrackBot, fake: FakeDiscord, assistant: FakeAssistant) -> None:
    async def script(turn):
        yield Message("x" * 2500)  # longer than one Discord message

    assistant.script = script
    payload = fake.slash("help", user_id=ALICE, channel_id=CHANNEL, guild_id=GUILD)
    inject(bot, payload)
    interaction = fake.interaction(payload)
    followups = await fake.wait_for(lambda: interaction.followups)
    assert assistant.turns[0].text == "help"
    assert len(interaction.original.content) == 2000 and len(followups[0].content) == 500


async def test_not_allowed_gets_a_short_ephemeral_answer(
        bot: BacktrackBot, fake: FakeDiscord, assistant: FakeAssistant, gate: FakeGate) -> None:
    gate.denied_users.add(ALICE)
    payload = fake.slash("help", user_id=ALICE, channel_id=CHANNEL, guild_id=GUILD)
    inject(bot, payload)
    interaction = fake.interaction(payload)
    callback = (await fake.wait_for(lambda: interaction.callbacks))[0]
    assert callback["type"] == 4 and callback["data"]["flags"] == 64
    assert assistant.turns == []


async def test_a_bug_gets_an_ephemeral_apology_and_a_logged_traceback(
        bot: BacktrackBot, fake: FakeDiscord, assistant: FakeAssistant,
        caplog: pytest.LogCaptureFixture) -> None:
    async def script(turn):
        raise RuntimeError("boom")
        yield  # pragma: no cover

    assistant.script = script
    payload = fake.slash("status", user_id=ALICE, channel_id=CHANNEL, guild_id=GUILD)
    inject(bot, payload)
    interaction = fake.interaction(payload)
    apology = (await fake.wait_for(lambda: interaction.followups))[0]
    assert apology.flags == 64 and "Sorry, something went wrong" in (apology.content or "")
    assert "RuntimeError: boom" in caplog.text


async def test_tokens_never_reach_the_log(
        make_bot: BotFactory, settings, assistant: FakeAssistant, gate: FakeGate,
        fake: FakeDiscord, clip: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    bot = await make_bot(settings, assistant, gate)
    video = fake.attachment(CHANNEL, "clip.mp4", clip.read_bytes())
    payload = fake.slash("music", user_id=ALICE, channel_id=CHANNEL, guild_id=GUILD, video=video)
    inject(bot, payload)
    await fake.wait_for(lambda: fake.interaction(payload).followups)
    assert "discord.http" in caplog.text  # discord.py did log its requests at DEBUG
    assert "/webhooks/4242/[REDACTED]" in caplog.text
    assert fake.token not in caplog.text
    assert payload["token"] not in caplog.text  # interaction tokens are secrets too


def test_interaction_tokens_in_urls_are_redacted() -> None:
    from bots.tokens import RedactTokens

    record = logging.LogRecord("discord.webhook", logging.DEBUG, __file__, 1,
                               "Webhook ID %s with %s %s", ("1", "PATCH",
                               "http://x/api/v10/webhooks/42/itoken-1-secret/messages/@original"),
                               None)
    RedactTokens().filter(record)
    assert "itoken" not in record.getMessage()
    assert "/webhooks/42/[REDACTED]/messages/@original" in record.getMessage()


async def test_notices_reach_the_channel_and_dms(
        bot: BacktrackBot, fake: FakeDiscord, assistant: FakeAssistant) -> None:
    await assistant.notify(Notice(ConversationKey("discord", str(CHANNEL), str(BOB)),
                                  [Message("Your render was interrupted by a restart.")]))
    await assistant.notify(Notice(ConversationKey("discord", f"dm-{ALICE}"),
                                  [Message("Back online.")]))
    assert [m.content for m in fake.channel_messages(CHANNEL)] == [
        f"<@{BOB}> Your render was interrupted by a restart."]
    dm = fake.dm_channels[ALICE]
    assert [m.content for m in fake.channel_messages(dm)] == ["Back online."]


async def test_ready_starts_recovery_once(bot: BacktrackBot, assistant: FakeAssistant) -> None:
    bot.dispatch("ready")
    await asyncio.wait_for(assistant.recovered.wait(), 5)
    bot.dispatch("ready")  # a reconnect
    await asyncio.sleep(0.05)
    await bot.idle()
    assert assistant.recoveries == 1


def test_run_refuses_to_start_without_a_token(capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    from bots.cli import main

    monkeypatch.chdir(tmp_path)  # no .env here
    assert main(["discord"]) == 2
    assert "DISCORD_BOT_TOKEN is not set" in capsys.readouterr().err


def test_run_reports_a_bad_setting_in_one_line(capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    from bots.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISCORD_GUILD_ID", "not-a-number")
    assert main(["discord"]) == 2
    err = capsys.readouterr().err
    assert "DISCORD_GUILD_ID" in err and len(err.strip().splitlines()) == 1


async def test_message_content_setting_turns_on_the_intent_and_channel_files(
        make_bot: BotFactory, settings, assistant: FakeAssistant, gate: FakeGate,
        fake: FakeDiscord, clip: Path) -> None:
    off = await make_bot(settings, assistant, gate)
    on = await make_bot(settings.model_copy(update={"discord_message_content": True}),
                        assistant, gate)
    assert not off.intents.message_content and on.intents.message_content
    video = fake.attachment(CHANNEL, "clip.mp4", clip.read_bytes())
    on._connection.parse_message_create(fake.message(
        user_id=BOB, channel_id=CHANNEL, guild_id=GUILD, content="", attachments=[video]))
    await fake.wait_for(lambda: [m for m in fake.channel_messages(CHANNEL) if m.files])
    assert assistant.turns[0].key == ConversationKey("discord", str(CHANNEL), str(BOB))


async def test_serve_says_so_when_discord_refuses_the_token(
        fake: FakeDiscord, settings, capsys: pytest.CaptureFixture[str]) -> None:
    from bots.discord_bot import serve

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        wrong = SecretStr("wrong-token")
        code = await serve(settings.model_copy(update={"discord_bot_token": wrong}))
    finally:  # serve installs the process-wide log setup; give the test runner its own back
        root.handlers[:] = handlers
        root.setLevel(level)
    assert code == 2
    assert "Discord refused DISCORD_BOT_TOKEN" in capsys.readouterr().err
    assert fake.requests[-1] == "GET /api/v10/users/@me"


async def test_a_bug_in_a_message_event_gets_an_apology_in_the_chat(
        bot: BacktrackBot, fake: FakeDiscord, assistant: FakeAssistant,
        caplog: pytest.LogCaptureFixture) -> None:
    async def script(turn):
        raise RuntimeError("kaput")
        yield  # pragma: no cover

    assistant.script = script
    dm = 778
    bot._connection.parse_message_create(fake.message(user_id=BOB, channel_id=dm, content="hi"))
    reply = (await fake.wait_for(lambda: fake.channel_messages(dm)))[0]
    assert (reply.content or "").startswith("Sorry, something went wrong on our side (ref ")
    assert reply.reference is not None
    assert "RuntimeError: kaput" in caplog.text


async def test_status_sends_the_timeline_picture_as_an_attachment(
        bot: BacktrackBot, fake: FakeDiscord, assistant: FakeAssistant, tmp_path: Path) -> None:
    png = tmp_path / "timeline.png"
    png.write_bytes(draw(Timeline(clips=(Clip("m1", "clip.mp4", 4000),))))

    async def script(turn):
        yield Message("Timeline (1 track)")
        yield Photo(png, "The timeline")

    assistant.script = script
    payload = fake.slash("status", user_id=ALICE, channel_id=CHANNEL, guild_id=GUILD)
    inject(bot, payload)
    interaction = fake.interaction(payload)
    (followup,) = await fake.wait_for(lambda: interaction.followups)
    assert interaction.original is not None
    assert interaction.original.content == "Timeline (1 track)"
    assert followup.content == "The timeline"
    assert followup.files == [("timeline.png", png.read_bytes())]
