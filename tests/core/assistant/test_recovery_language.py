"""Issue 10: notices after a restart come in the chat's language. A notice has no message to
read the language from: it is the language the chat was last answered in (kept on the
conversation, updated when the person switches), or the person's language setting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.conversation.assistant import Assistant
from core.conversation.turn import Message, Turn
from core.preferences import Preferences
from tests.core.assistant.conftest import KEY, attach, collect
from tests.core.assistant.test_recovery import Inbox, left_running
from tests.fakes.memory_store import MemoryStore

HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize(("turns", "setting", "chinese"), [
    (["加音乐"], "auto", True), (["add music"], "auto", False),
    (["add music", "加音乐"], "auto", True), (["加音乐", "add music"], "auto", False),
    (["add music"], "zh", True), (["加音乐"], "en", False), ([], "zh", True), ([], "auto", False),
])
async def test_a_restart_notice_in_the_chats_language(
        assistant: Assistant, store: MemoryStore, clip_file: Path, turns: list[str],
        setting: str, chinese: bool) -> None:
    await store.save_preferences(KEY.person, Preferences(language=setting))
    if turns:
        await collect(assistant, Turn(KEY, turns[0], (attach(clip_file),)))
        for text in turns[1:]:
            await collect(assistant, Turn(KEY, text))
    await store.save_render(left_running("r1"))
    inbox = Inbox()
    assistant.add_notifier("telegram", inbox)
    await assistant.recover()
    (notice,) = inbox.notices
    (said,) = notice.replies
    assert isinstance(said, Message) and bool(HAN.search(said.text)) == chinese, said.text
