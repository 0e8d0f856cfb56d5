"""Issue 10: quick actions follow the timeline (every button offered changes something), and
emoji-only or sticker-like messages are answered with what the bot can do."""

from __future__ import annotations

import pytest

from core.conversation.delivery import quick_actions
from core.draft import Draft
from core.errors import NotUnderstood
from core.local.render_job import put_video
from core.parser.answers import answer
from core.parser.instructions import Context, apply_instruction
from core.timeline.convert import draft_of, timeline_of
from core.timeline.model import Timeline

CTX = Context(30_000, True, None)


def after(*steps: str) -> Draft:
    draft = draft_of(put_video(Timeline(), "clip.mp4", "v1", 30.0))
    for step in steps:
        draft = apply_instruction(draft, step, CTX).draft
    return draft


@pytest.mark.parametrize("steps", [
    (), ("add calm music",), ("add calm music", "remove the music"),
    ("add music and fade it out",), ("add music", "fade out", "no fade out"),
    ("add music at 10%",), ("vertical 9:16",), ("add music", "vertical 9:16", "remove the music"),
    ("add music, quieter for the first 5 seconds",), ("去掉音乐",),
])
def test_every_quick_action_changes_the_timeline(steps: tuple[str, ...]) -> None:
    draft = after(*steps)
    buttons = quick_actions(timeline_of(draft), 640, 360 if "vertical 9:16" not in steps else 1138)
    assert buttons[-1] == "Undo"
    for label in buttons[:-1]:
        try:
            changed = apply_instruction(draft, label, CTX).draft
        except NotUnderstood as caught:
            raise AssertionError(f"{label!r} is not understood after {steps}") from caught
        assert changed != draft, f"{label!r} changes nothing after {steps}"


def test_no_fade_out_after_the_music_is_removed() -> None:
    removed = timeline_of(after("add music", "remove the music"))
    assert "Fade out" not in quick_actions(removed, 640, 360)


@pytest.mark.parametrize("text", ["👍", "🎵🎶", "❤️", "😂😂", "🙏", "🔥🔥🔥", "🤔", "👌🏽", "✨"])
def test_emoji_only_is_answered_with_what_i_can_do(text: str) -> None:
    words = answer(text)
    assert words is not None and "Glad" not in words and "music" in words
    with pytest.raises(NotUnderstood) as caught:
        apply_instruction(after(), text, CTX)
    assert "Glad" not in caught.value.user_message and "music" in caught.value.user_message
