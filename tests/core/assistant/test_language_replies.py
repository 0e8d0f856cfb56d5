"""Issue 10: a Chinese message gets Chinese replies (statuses, captions, buttons, help,
errors); an English one stays English whatever the app language."""

from __future__ import annotations

import re
from pathlib import Path

from core.conversation.assistant import Assistant
from core.conversation.turn import Message, Problem, Status, Turn, Video
from tests.core.assistant.conftest import KEY, attach, collect

HAN = re.compile(r"[\u4e00-\u9fff]")


async def test_a_chinese_message_gets_chinese_replies(assistant: Assistant,
                                                      clip_file: Path) -> None:
    replies = await collect(assistant, Turn(KEY, "加舒缓音乐", (attach(clip_file),)))
    statuses = [r.text for r in replies if isinstance(r, Status)]
    assert statuses and all(HAN.search(s) for s in statuses), statuses
    (video,) = [r for r in replies if isinstance(r, Video)]
    assert HAN.search(video.caption) and all(HAN.search(b) for b in video.buttons)
    assert any(m.text.startswith("完成") for m in replies if isinstance(m, Message))


async def test_chinese_help_and_errors(assistant: Assistant) -> None:
    (helped,) = await collect(assistant, Turn(KEY, "帮助"))
    assert isinstance(helped, Message) and "命令" in helped.text and "Send me" not in helped.text
    problem = (await collect(assistant, Turn(KEY, "加音乐")))[-1]
    assert isinstance(problem, (Problem, Message)) and problem.text.startswith("请先发一个视频")


async def test_an_english_message_stays_english(assistant: Assistant, clip_file: Path) -> None:
    replies = await collect(assistant, Turn(KEY, "add calm music", (attach(clip_file),),
                                            language="zh"))
    assert not any(HAN.search(r.text) for r in replies if isinstance(r, (Status, Message)))
    (video,) = [r for r in replies if isinstance(r, Video)]
    assert video.buttons[-1] == "Undo"
