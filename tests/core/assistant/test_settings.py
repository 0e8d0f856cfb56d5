"""Settings per person through the assistant: shown, changed, kept per person, applied to new
edits, to delivery, to the reply language, shown in status."""

from __future__ import annotations

import asyncio
from pathlib import Path

from core.conversation.assistant import Assistant
from core.conversation.turn import ConversationKey, Message, Turn, Video
from core.preferences import Preferences
from tests.core.assistant.conftest import KEY, attach, collect, wait_until
from tests.fakes.fake_engine import FakeEngine
from tests.fakes.memory_store import MemoryStore

GROUP_ME = ConversationKey("telegram", "-100", "100")  # the same person in a group


def only_message(replies: list) -> Message:
    (reply,) = replies
    assert isinstance(reply, Message)
    return reply


async def test_settings_show_current_values_with_a_menu_each(assistant: Assistant) -> None:
    card = only_message(await collect(assistant, Turn(KEY, "/settings")))
    assert "Default mood: automatic" in card.text and "Send videos as: video" in card.text
    assert [m.title for m in card.menus] == ["Default mood", "Default music level",
                                             "Fade out by default", "Send videos as",
                                             "Reply language"]
    chosen = [o.label for m in card.menus for o in m.options if o.chosen]
    assert chosen == ["automatic", "automatic", "off", "video (streamable)", "automatic"]


async def test_a_change_is_saved_for_the_person_in_every_chat(
        assistant: Assistant, store: MemoryStore) -> None:
    card = only_message(await collect(assistant, Turn(KEY, "set default mood calm")))
    assert card.text.startswith("Saved: Default mood: calm.")
    assert store.preferences["telegram:100"] == Preferences(mood="calm")
    # The same person in a group chat (another conversation) has the same settings.
    again = only_message(await collect(assistant, Turn(GROUP_ME, "settings")))
    assert "Default mood: calm" in again.text
    assert [o.label for o in again.menus[0].options if o.chosen] == ["calm"]


async def test_a_wrong_value_says_what_is_possible(assistant: Assistant,
                                                   store: MemoryStore) -> None:
    card = only_message(await collect(assistant, Turn(KEY, "set default mood polka")))
    assert card.text.startswith("The default mood can be lofi, upbeat, calm, cinematic")
    assert store.preferences == {}


async def test_reply_language_chinese_answers_in_chinese(assistant: Assistant) -> None:
    card = only_message(await collect(assistant, Turn(KEY, "set language chinese")))
    assert card.text.startswith("已保存：回复语言：中文。") and "默认风格" in card.text
    # Buttons then speak Chinese, and what they send is understood.
    option = card.menus[4].options[0]
    assert option.say == "设置 语言 自动"
    back = only_message(await collect(assistant, Turn(KEY, option.say, language="en")))
    # "auto" follows the language of the message, here Chinese (the app's language is English).
    assert back.text.startswith("已保存：回复语言：自动。")
    english = only_message(await collect(assistant, Turn(KEY, "set language auto")))
    assert english.text.startswith("Saved: Reply language: automatic.")


async def test_new_edits_get_the_persons_settings(
        assistant: Assistant, engine: FakeEngine, clip_file: Path) -> None:
    await collect(assistant, Turn(KEY, "set default level 25%"))
    await collect(assistant, Turn(KEY, "set default fade out on"))
    await collect(assistant, Turn(KEY, "add music", (attach(clip_file),)))
    (session,) = engine.edit_sessions
    assert session.preferences == Preferences(level=0.25, fade_out=True)


async def test_delivery_as_file_marks_the_video(
        assistant: Assistant, clip_file: Path) -> None:
    first = await collect(assistant, Turn(KEY, "add music", (attach(clip_file),)))
    assert [r.as_file for r in first if isinstance(r, Video)] == [False]
    await collect(assistant, Turn(KEY, "set delivery file"))
    again = await collect(assistant, Turn(KEY, "export"))
    assert [r.as_file for r in again if isinstance(r, Video)] == [True]


async def test_status_shows_the_settings(assistant: Assistant, clip_file: Path) -> None:
    plain = await collect(assistant, Turn(KEY, "status"))
    assert "Your defaults" not in only_message(plain).text
    await collect(assistant, Turn(KEY, "set delivery file"))
    status = only_message(await collect(assistant, Turn(KEY, "status")))
    assert status.text.startswith("Timeline is empty.")
    assert "Your defaults: " in status.text and "Send videos as: file (untouched)" in status.text


async def test_settings_answer_while_a_turn_runs(
        assistant: Assistant, engine: FakeEngine, clip_file: Path) -> None:
    engine.edit_gate = asyncio.Event()
    running = asyncio.create_task(collect(assistant, Turn(KEY, "add music",
                                                          (attach(clip_file),))))
    await wait_until(engine.edit_started.is_set)
    card = only_message(await collect(assistant, Turn(KEY, "set default mood upbeat")))
    assert card.text.startswith("Saved: Default mood: upbeat.")
    engine.edit_gate.set()
    await running


DISCORD_ME = ConversationKey("discord", "901", "100")


async def test_on_discord_delivery_is_not_offered_and_not_saved(
        assistant: Assistant, store: MemoryStore) -> None:
    """Discord sends every video as the same untouched attachment: the card says so instead
    of offering a choice, and "set delivery file" saves nothing (in English and Chinese)."""
    card = only_message(await collect(assistant, Turn(DISCORD_ME, "settings")))
    assert [m.title for m in card.menus] == ["Default mood", "Default music level",
                                             "Fade out by default", "Reply language"]
    assert "Send videos as: an attachment, untouched" in card.text
    assert "set delivery" not in card.text
    asked = only_message(await collect(assistant, Turn(DISCORD_ME, "set delivery file")))
    assert asked.text.startswith("Send videos as: an attachment, untouched (Discord keeps")
    assert store.preferences == {}
    zh = only_message(await collect(assistant, Turn(DISCORD_ME, "设置 发送方式 文件",
                                                    language="zh")))
    assert zh.text.startswith("视频发送方式：附件，原样不压缩") and store.preferences == {}
    # On Telegram the same words are a real choice.
    saved = only_message(await collect(assistant, Turn(KEY, "set delivery file")))
    assert saved.text.startswith("Saved: Send videos as: file (untouched).")
    assert store.preferences["telegram:100"] == Preferences(delivery="file")
