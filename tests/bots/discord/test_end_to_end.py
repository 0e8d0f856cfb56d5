"""Slash commands through the real App (assistant, store, gate, link signer) and the fake
Discord: over a scriptable engine here, over the local ffmpeg engine with measured uploads."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bots.bootstrap import App, build_app
from bots.discord_bot import BacktrackBot
from core.config import Settings
from core.preferences import moods
from tests.bots.discord.conftest import BotFactory
from tests.fakes.discord_api import MIB, FakeDiscord, Sent
from tests.fakes.fake_engine import FakeEngine
from tests.media import level_db, measure, tone_level_db

GUILD, CHANNEL, ALICE, BOB = 900, 901, 11, 12


@pytest.fixture
def app_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", discord_bot_token="fake-bot-token",
                    engine="local", max_file_bytes=2 * MIB,
                    link_public_url="http://127.0.0.1:9/dl", link_port=0)


@pytest.fixture
async def app(app_settings: Settings) -> AsyncIterator[App]:
    """The real App with the local ffmpeg engine."""
    built = await build_app(app_settings)
    yield built
    await built.aclose()


@pytest.fixture
async def engine(tmp_path: Path) -> FakeEngine:
    renders = tmp_path / "fake-renders"
    renders.mkdir()
    return FakeEngine(renders)


@pytest.fixture
async def fake_app(app_settings: Settings, engine: FakeEngine) -> AsyncIterator[App]:
    """The real assistant, store, gate and signer over a scriptable engine."""
    built = await build_app(app_settings, engine=engine)
    yield built
    await built.aclose()


@pytest.fixture
async def live(app: App, make_bot: BotFactory) -> BacktrackBot:
    bot: BacktrackBot = await make_bot(app.settings, app.assistant, app.gate)
    return bot


@pytest.fixture
async def scripted(fake_app: App, make_bot: BotFactory) -> BacktrackBot:
    bot: BacktrackBot = await make_bot(fake_app.settings, fake_app.assistant, fake_app.gate)
    return bot


def inject(bot: BacktrackBot, payload: dict) -> None:
    bot._connection.parse_interaction_create(payload)


def saved(sent: Sent, tmp_path: Path) -> Path:
    (_name, data), = sent.files
    out = tmp_path / f"got-{sent.id}.mp4"
    out.write_bytes(data)
    return out


def said(fake: FakeDiscord, payload: dict) -> list[str]:
    """Every text the bot showed for this interaction (edits of the original, follow-ups)."""
    interaction = fake.interaction(payload)
    original = interaction.original.history if interaction.original else []
    return [t for t in [*original, *(m.content for m in interaction.followups)] if t]


async def first_video(fake: FakeDiscord, payload: dict) -> Sent:
    interaction = fake.interaction(payload)
    return await fake.wait_for(lambda: next(
        (m for m in interaction.followups if m.files), None), timeout=60)


async def test_oversized_attachment_is_refused_in_words_before_download(
        scripted: BacktrackBot, fake: FakeDiscord) -> None:
    live = scripted
    big = fake.attachment(CHANNEL, "big.mp4", b"\0" * 100, size=3 * MIB)
    payload = fake.slash("music", user_id=ALICE, channel_id=CHANNEL, guild_id=GUILD, video=big)
    inject(live, payload)
    text = await fake.wait_for(lambda: next((t for t in said(fake, payload) if "limit" in t), None))
    assert "3 MB" in text and "2 MB" in text
    assert fake.cdn_hits == []


async def test_render_over_the_upload_limit_is_sent_as_a_signed_link(
        scripted: BacktrackBot, fake: FakeDiscord, engine: FakeEngine, clip: Path,
        song: Path) -> None:
    live = scripted
    engine.render_size = 30_000
    payload = fake.slash(
        "music", user_id=ALICE, channel_id=CHANNEL, guild_id=GUILD, size_limit=20_000,
        video=fake.attachment(CHANNEL, "clip.mp4", clip.read_bytes()),
        music=fake.attachment(CHANNEL, "song.mp3", song.read_bytes(), "audio/mpeg"))
    inject(live, payload)
    interaction = fake.interaction(payload)
    every = lambda: [interaction.original, *interaction.followups]  # noqa: E731
    link = await fake.wait_for(lambda: next(
        (m for m in every() if m and "http://127.0.0.1:9/dl/" in (m.content or "")), None),
        timeout=60)
    assert not any(m.files for m in every() if m)
    assert link.custom_ids  # quick actions still offered


async def test_two_people_in_one_channel_do_not_share_a_clip(
        scripted: BacktrackBot, fake: FakeDiscord, clip: Path) -> None:
    live = scripted
    alice = fake.slash("music", user_id=ALICE, channel_id=CHANNEL, guild_id=GUILD,
                       video=fake.attachment(CHANNEL, "clip.mp4", clip.read_bytes()))
    inject(live, alice)
    await first_video(fake, alice)
    bob = fake.slash("export", user_id=BOB, channel_id=CHANNEL, guild_id=GUILD)
    inject(live, bob)
    interaction = fake.interaction(bob)
    await fake.wait_for(lambda: [t for t in said(fake, bob) if "video" in t.lower()])
    assert not any(m.files for m in interaction.followups)
    assert fake.interaction(alice).followups[-1].files


async def test_render_outliving_the_token_is_delivered_in_the_channel(
        fake_app: App, make_bot: BotFactory, fake: FakeDiscord, engine: FakeEngine,
        clip: Path) -> None:
    fake.token_ttl = 1.0
    bot = await make_bot(fake_app.settings, fake_app.assistant, fake_app.gate,
                         token_lifetime=1.0)
    engine.export_gate = asyncio.Event()
    payload = fake.slash("music", user_id=ALICE, channel_id=CHANNEL, guild_id=GUILD,
                         video=fake.attachment(CHANNEL, "clip.mp4", clip.read_bytes()))
    inject(bot, payload)
    await asyncio.wait_for(engine.export_started.wait(), 10)
    await asyncio.sleep(1.2)  # the interaction token is over now
    engine.export_gate.set()
    sent = await fake.wait_for(lambda: [m for m in fake.channel_messages(CHANNEL) if m.files])
    assert sent[0].content and sent[0].content.startswith(f"<@{ALICE}>")
    assert len(sent[0].files[0][1]) == engine.render_size
    assert not any(m.files for m in fake.interaction(payload).followups)


async def test_dm_files_then_export_renders_locally_and_uploads_the_mp4(
        live: BacktrackBot, fake: FakeDiscord, clip: Path, song: Path, tmp_path: Path) -> None:
    dm = 555
    files = [fake.attachment(dm, "clip.mp4", clip.read_bytes()),
             fake.attachment(dm, "song.mp3", song.read_bytes(), "audio/mpeg")]
    live._connection.parse_message_create(
        fake.message(user_id=ALICE, channel_id=dm, attachments=files))
    await fake.wait_for(lambda: len(fake.cdn_hits) == 2)
    await live.idle()  # the message's turn is over
    assert len(fake.channel_messages(dm)) >= 2  # a status line and the answers
    export = fake.slash("export", user_id=ALICE, channel_id=dm)  # a DM: same conversation
    inject(live, export)
    video = await first_video(fake, export)
    out = saved(video, tmp_path)
    got = measure(out)
    assert got.duration == pytest.approx(4, abs=0.3)
    assert got.video_codec == "h264" and got.audio_streams == 1
    # Files alone change nothing: the clip's own 440 Hz tone, no song until asked for.
    assert tone_level_db(out, 0.5, 3.0, 440) > -40
    assert tone_level_db(out, 0.5, 3.0, 880) < -60
async def test_music_command_returns_the_clip_with_the_song_under_it(
        live: BacktrackBot, fake: FakeDiscord, clip: Path, song: Path, tmp_path: Path) -> None:
    payload = fake.slash(
        "music", user_id=ALICE, channel_id=CHANNEL, guild_id=GUILD,
        video=fake.attachment(CHANNEL, "clip.mp4", clip.read_bytes()),
        music=fake.attachment(CHANNEL, "song.mp3", song.read_bytes(), "audio/mpeg"),
        prompt="add the music")
    inject(live, payload)
    video = await first_video(fake, payload)

    out = saved(video, tmp_path)
    got = measure(out)
    assert got.duration == pytest.approx(4, abs=0.3)
    assert got.video_codec == "h264" and got.audio_streams == 1
    assert tone_level_db(out, 0.5, 3.0, 880) > -40  # the song is there
    assert len(fake.cdn_hits) == 2
    interaction = fake.interaction(payload)
    assert interaction.callbacks[0]["type"] == 5
    assert len(interaction.original.history) >= 2  # progress edited in place
    assert video.custom_ids  # quick actions under the video


async def test_button_under_the_video_edits_it_again(
        live: BacktrackBot, fake: FakeDiscord, clip: Path, song: Path, tmp_path: Path) -> None:
    payload = fake.slash(
        "music", user_id=ALICE, channel_id=CHANNEL, guild_id=GUILD,
        video=fake.attachment(CHANNEL, "clip.mp4", clip.read_bytes()),
        music=fake.attachment(CHANNEL, "song.mp3", song.read_bytes(), "audio/mpeg"))
    inject(live, payload)
    video = await first_video(fake, payload)
    loud = tone_level_db(saved(video, tmp_path), 0.5, 3.0, 880)

    quieter = next(c for c in video.custom_ids if c.endswith("Quieter music"))
    press = fake.button(video, quieter, user_id=ALICE, guild_id=GUILD)
    inject(live, press)
    again = await first_video(fake, press)
    assert tone_level_db(saved(again, tmp_path), 0.5, 3.0, 880) < loud - 3




async def test_music_without_a_prompt_puts_built_in_music_under_a_silent_clip(
        live: BacktrackBot, fake: FakeDiscord, silent_clip: Path, tmp_path: Path) -> None:
    payload = fake.slash("music", user_id=ALICE, channel_id=CHANNEL, guild_id=GUILD,
                         video=fake.attachment(CHANNEL, "silent.mp4", silent_clip.read_bytes()))
    inject(live, payload)
    out = saved(await first_video(fake, payload), tmp_path)
    got = measure(out)
    assert got.duration == pytest.approx(3, abs=0.3) and got.audio_streams == 1
    assert level_db(out, 0.5, 2.5) > -45  # music where there was no sound at all


async def test_settings_select_menu_changes_what_is_stored(
        scripted: BacktrackBot, fake_app: App, fake: FakeDiscord, engine: FakeEngine) -> None:
    payload = fake.slash("settings", user_id=ALICE, channel_id=CHANNEL, guild_id=GUILD)
    inject(scripted, payload)
    interaction = fake.interaction(payload)
    await fake.wait_for(lambda: interaction.original and interaction.original.components)
    card = interaction.original
    assert card is not None and (card.content or "").startswith("Your settings:")
    selects = [c for row in card.components for c in row["components"]]
    # No "send videos as" menu: on Discord every video is the same untouched attachment.
    assert len(selects) == 4 and all(s["type"] == 3 for s in selects)
    assert not any("set delivery" in o["value"] for s in selects for o in s["options"])
    assert "Send videos as: an attachment, untouched" in (card.content or "")
    mood = selects[0]
    assert [o["value"] for o in mood["options"]][1:] == [
        f"set default mood {m}" for m in moods()]
    choice = fake.select(card, mood["custom_id"], ["set default mood cinematic"],
                         user_id=ALICE, guild_id=GUILD)
    inject(scripted, choice)
    answer = fake.interaction(choice)
    await fake.wait_for(lambda: "Saved" in (card.content or ""))
    # The card itself changed (UPDATE_MESSAGE), still only the person's, the tick moved.
    assert [c["type"] for c in answer.callbacks] == [7] and answer.original is card
    assert (card.content or "").startswith("Saved: Default mood: cinematic.")
    assert card.flags & 64 and answer.followups == []
    mood = card.components[0]["components"][0]
    assert [o["value"] for o in mood["options"] if o.get("default")] == [
        "set default mood cinematic"]
    prefs = await fake_app.store.get_preferences(f"discord:{ALICE}")
    assert prefs.mood == "cinematic" and engine.calls == []  # no engine work for settings
