"""Issue 10: replies in the language of the message (English and Chinese), words from one
catalogue (core/words.py), the language carried by the turn."""

from __future__ import annotations

import re

import pytest

from core import words
from core.conversation.delivery import quick_actions
from core.local.render_job import put_video
from core.parser.instructions import Context, apply_instruction
from core.timeline.convert import draft_of, timeline_of
from core.timeline.model import Timeline

HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize(("text", "fallback", "expected"), [
    ("add calm music", "en", "en"), ("加舒缓音乐", "en", "zh"), ("把music调小一点", "en", "zh"),
    ("前5秒音乐小一点", "en", "zh"), ("导出720p", "en", "zh"), ("export 720p", "zh", "en"),
    ("👍", "zh", "zh"), ("👍", "en", "en"), ("", "zh", "zh"), ("0:30", "en", "en"),
    ("/settings", "zh", "zh"), ("/export@backtrack_bot 720p", "zh", "zh"),
    ("/edit add music", "zh", "en"), ("add 音乐", "en", "zh"),
    ("make it vertical, 谢谢", "en", "en"), ("", "fr", "en"),
])
def test_detect(text: str, fallback: str, expected: str) -> None:
    assert words.detect(text, fallback) == expected


@pytest.mark.parametrize("english", [
    "Rendering…", "Working on it…", "Finished.", "Cancelled.", "Sending your video again…",
    "Nothing is running right now.", "Here is your video (1.9 MB, 0:08).",
    "Sorry, something went wrong on our side (ref ab12cd). Please try again.",
    "Got it: music: lofi (built-in) at 40%, fade out 2.7 s.",
    "Send me a video first (as a file or a link), then tell me what to do with it, e.g. \"x\".",
    "Waiting for a free renderer: next in line", "Waiting for a free renderer: 3rd in line",
])
def test_catalogue_has_chinese_for_what_users_see(english: str) -> None:
    chinese = words.localise(english, "zh")
    assert HAN.search(chinese) and chinese != english
    assert words.localise(english, "en") == english


def test_chinese_quick_actions_are_instructions_the_parser_reads() -> None:
    ctx = Context(30_000, True, None)
    draft = draft_of(put_video(Timeline(), "clip.mp4", "v1", 30.0))
    with_music = apply_instruction(draft, "add music at 50%", ctx).draft
    for start in (draft, with_music):
        for label in quick_actions(timeline_of(start), 640, 360)[:-1]:
            chinese = words.button(label, "zh")
            assert HAN.search(chinese), label
            changed = apply_instruction(start, chinese, ctx).draft
            assert changed == apply_instruction(start, label, ctx).draft, (label, chinese)
    assert words.button("Undo", "zh") == "撤销"
