"""NemoVideo in a Chinese conversation: its agent answers in English (or Chinese), and every
reply's own words are Chinese; the agent's free text, which no catalogue can translate, is kept
whole and framed by a Chinese line (and the other way round in English conversations)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from core import words
from core.config import Settings
from core.conversation.assistant import Assistant
from core.conversation.turn import ConversationKey, Reply, Turn
from core.nemo import NemoEngine
from core.nemo.answers import BAD_CONFIGURED_WORDS, FORMATS_WORDS, Answer, error_for
from core.nemo.engine import RESET_WORDS, STILL_WORKING
from core.nemo.gui import translate
from core.nemo.status import credit_words
from storage.sqlite import SqliteStore
from tests.core.nemo.conftest import RELAXED, TestClock
from tests.core.nemo.test_conversation import attach, sqlite  # noqa: F401
from tests.core.words.test_chinese_conversations import english_in, shown
from tests.fakes.nemo_server import FakeNemo, RenderPlan, TurnPlan

FRAME_ZH = words.AGENT_FRAME["zh"].split("\n")[0]
FRAME_EN = words.AGENT_FRAME["en"].split("\n")[0]


def own_words(text: str) -> str:
    """A reply without the agent's framed words (the frame line stays) and the fake's mood."""
    head, _, _ = text.partition(FRAME_ZH)
    return (head + (FRAME_ZH if FRAME_ZH in text else "")).replace("Lo-fi", " ")


async def talk(assistant: Assistant, key: ConversationKey, language: str, text: str = "",
               *files: Path) -> list[str]:
    turn = Turn(key, text, tuple(attach(f) for f in files), language=language,
                upload_limit=50 * 1024 * 1024)
    replies: list[Reply] = [r async for r in assistant.handle(turn)]
    return [line for reply in replies for line in shown(reply)]


# (what the person writes, what NemoVideo's agent answers; None: the fake's English default)
CHINESE_TURNS: list[tuple[str, list[str] | None]] = [
    ("加背景音乐，结尾淡出", None),
    ("音乐小一点", ["I lowered the music to 20%. Click the Export button to download."]),
    ("音乐从 0:01 开始", ["Drag the song to where it should start."]),
    ("加一段欢快的音乐", ["Added upbeat music. Preview it in the timeline."]),
    ("音乐大一点", ["Turned the music up. Check your account billing for credits."]),
    ("淡入 1 秒", ["已添加淡入。点击导出按钮下载视频。"]),
    ("加舒缓音乐", ["Done! Tap the fade icon."]),
    ("你好", ["Hello! What would you like to change?"]),
    ("积分", None), ("状态", None), ("导出", None), ("撤销", None),
]


@pytest.fixture
async def nemo_assistant(fake: FakeNemo, settings: Settings, sqlite: SqliteStore,  # noqa: F811
                         clip: Path, clock: TestClock):  # type: ignore[no-untyped-def]
    fake.output_bytes = clip.read_bytes()
    fake.render = RenderPlan(polls=1)
    engine = NemoEngine(settings, sqlite, timing=RELAXED, sleep=clock.sleep, clock=clock)
    assistant = Assistant(settings, sqlite, engine)
    yield assistant
    await assistant.aclose()
    await engine.aclose()


async def test_a_chinese_conversation_keeps_to_chinese(
        nemo_assistant: Assistant, fake: FakeNemo, clip: Path) -> None:
    key = ConversationKey("telegram", "zh1")
    lines = await talk(nemo_assistant, key, "zh", "", clip)  # the app's language, no words
    for text, agent in CHINESE_TURNS:
        if agent is not None:
            fake.turns.append(TurnPlan(texts=agent))
        lines += await asyncio.wait_for(talk(nemo_assistant, key, "zh", text), 30)
    for line in lines:
        assert english_in(own_words(line)) == [], line
    joined = "\n".join(lines)
    assert "已把“clip.mp4”（4 s, 320x240）加入你的 NemoVideo 项目。" in joined
    assert "NemoVideo 积分：可用 100，共 100。" in joined
    # The agent's English is whole (not half-translated) under a Chinese line.
    for said in ("I added background music (Lo-fi) at 35% and faded it out over the last 2 "
                 "seconds.", "I lowered the music to 20%.", "Added upbeat music.",
                 "Hello! What would you like to change?", "Done!"):
        assert f"{FRAME_ZH}\n{said}" in joined, said
    # What the bot does instead of the agent's GUI hints, in Chinese.
    for ours in ("说“导出”，我就为你生成视频。", "用文字告诉我要怎么改，我来完成。",
                 "告诉我要改什么，我来完成。", "时间线（", "NemoVideo 积分"):
        assert ours in joined, ours
    # Chinese from the agent needs no frame.
    assert "已添加淡入。" in lines and FRAME_ZH + "\n已添加淡入。" not in joined
    assert not re.search(r"Click|Drag|Preview|billing|Tap", joined)


async def test_an_english_conversation_frames_chinese_from_the_agent(
        nemo_assistant: Assistant, fake: FakeNemo, clip: Path) -> None:
    key = ConversationKey("telegram", "en1")
    await talk(nemo_assistant, key, "en", "", clip)
    fake.turns.append(TurnPlan(texts=["已添加音乐。"]))
    fake.turns.append(TurnPlan(texts=["I added the music."]))
    first = await talk(nemo_assistant, key, "en", "add music")
    second = await talk(nemo_assistant, key, "en", "add calm music")
    assert f"{FRAME_EN}\n已添加音乐。" in first
    assert "I added the music." in second and not any(FRAME_EN in line for line in second)


def _messages() -> list[str]:
    """Every text NemoVideo's side of the bot can show a person."""
    problems = [str(error_for(Answer({}, kind), anonymous=anonymous))
                for kind in ("credits", "unsupported", "too_large", "plan", "rate")
                for anonymous in (True, False)]
    claim = problems[0] + " Open this link to claim the project and register: https://n.test/c"
    credits = [credit_words(d) for d in ({"available": 5}, {"available": 5, "total": 9},
                                         {"available": 5, "frozen": 2, "total": 9}, {})]
    engine = [RESET_WORDS + " Send your video again.",
              RESET_WORDS + " Added “a.mp4” (4 s, 320x240) to your NemoVideo project.",
              "Added “a.mp4” to your NemoVideo project.", BAD_CONFIGURED_WORDS,
              STILL_WORKING, f"{STILL_WORKING} (check 2 of 5)",
              "The connection to NemoVideo dropped; checking whether your edit went through…",
              "NemoVideo stopped answering and your edit did not go through. Nothing changed; "
              "send the same request again to retry.",
              "NemoVideo ran into a problem with this request and nothing changed. Please try "
              "again, perhaps worded differently."]
    engine += [f"NemoVideo took too long ({limit}), so I stopped waiting. {said}"
               for limit in ("15 minutes", "10 minutes without progress")
               for said in ("It did change the timeline.",
                            "Nothing changed; send the request again to retry.")]
    notes = [n for hint in ("Click Export.", "Drag it.", "Tap the icon.")
             for n in translate(hint).notes]
    return [*problems, claim, *credits, *engine, *notes]


@pytest.mark.parametrize("english", _messages())
def test_every_nemo_message_has_chinese(english: str) -> None:
    chinese = words.localise(english, "zh")
    names = chinese.replace("NEMO_TOKEN", " ").replace(FORMATS_WORDS, " ")  # file type names
    assert english_in(names) == [], chinese
