"""Each turn logs a start and an end line (key, turn id, timing; never the text) and leaves a
journal entry; after a restart, turns an earlier process was killed in are told, once."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from core.config import Settings
from core.conversation.assistant import Assistant
from core.conversation.journal import describe_work, interrupted_words
from core.conversation.recovery import INTERRUPTED
from core.conversation.turn import Attachment, ConversationKey, Message, Notice, Turn
from core.ports import RenderRecord, TurnRecord
from tests.core.assistant.conftest import KEY, attach, collect, fake_probe, wait_until
from tests.fakes.fake_engine import FakeEngine
from tests.fakes.memory_store import MemoryStore

SECRET_TEXT = "add calm music for my secret wedding"


class Inbox:
    def __init__(self) -> None:
        self.notices: list[Notice] = []

    async def __call__(self, notice: Notice) -> None:
        self.notices.append(notice)


def turn_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "backtrack.turns"]


async def test_a_turn_logs_a_start_and_an_end_line_with_its_fields(
        assistant: Assistant, clip_file: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    await collect(assistant, Turn(KEY, SECRET_TEXT, (attach(clip_file),)))
    start, end = turn_lines(caplog)
    assert (start.getMessage(), end.getMessage()) == ("turn started", "turn ended")
    for line in (start, end):
        assert line.key == str(KEY)  # type: ignore[attr-defined]
        assert line.turn == start.turn and len(line.turn) == 8  # type: ignore[attr-defined]
        assert line.route == "edit"  # type: ignore[attr-defined]
    assert (start.text_length, start.attachments, start.links) == (  # type: ignore[attr-defined]
        len(SECRET_TEXT), 1, 0)
    assert end.outcome == "ok"  # type: ignore[attr-defined]
    assert isinstance(end.elapsed_ms, int) and end.elapsed_ms >= 0  # type: ignore[attr-defined]
    # Privacy: the words of the message reach no log line.
    for record in caplog.records:
        assert "wedding" not in record.getMessage()
        assert all("wedding" not in str(v) for v in vars(record).values())


async def test_the_end_line_says_how_a_turn_ended(
        assistant: Assistant, clip_file: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    await collect(assistant, Turn(KEY, "add calm music"))  # no clip yet: a problem
    gate = asyncio.Event()

    async def stuck(dest: Path) -> None:
        await gate.wait()

    slow = Attachment(name="clip.mp4", size=10, mime="video/mp4", fetch=stuck)
    running = asyncio.create_task(collect(assistant, Turn(KEY, "", (slow,))))
    await wait_until(lambda: len(turn_lines(caplog)) == 3)
    await collect(assistant, Turn(KEY, "cancel"))
    await running
    ends = [r for r in turn_lines(caplog) if r.getMessage() == "turn ended"]
    assert [r.outcome for r in ends] == [  # type: ignore[attr-defined]
        "NothingToEdit", "cancelled by the user"]


async def test_each_turn_is_journaled_and_done_however_it_ends(
        assistant: Assistant, store: MemoryStore, clip_file: Path) -> None:
    await collect(assistant, Turn(KEY, "", (attach(clip_file, name="../My Clip.mp4"),)))
    await collect(assistant, Turn(ConversationKey("telegram", "7"), "export"))  # a problem
    done = await store.turns_in_state("done")
    assert [(t.conversation, t.what, t.boot) for t in done] == [
        (str(KEY), "receiving My Clip.mp4", assistant.journal.boot),
        ("telegram:7", "making your video", assistant.journal.boot)]
    assert await store.turns_in_state("running") == []


@pytest.mark.parametrize(("text", "names", "what"), [
    ("", ["clip.mp4"], "receiving clip.mp4"),
    ("https://x.test/a/Holiday%20Clip.mp4?sig=SECRET", [], "downloading Holiday Clip.mp4"),
    ("https://x.test/watch?v=1", [], "downloading your linked file"),
    ("export", [], "making your video"),
    ("make it louder", [], "working on your edit"),
])
def test_describe_work(text: str, names: list[str], what: str) -> None:
    from core.conversation.fetch import find_links
    from core.conversation.routing import route

    async def nothing(dest: Path) -> None: ...

    turn = Turn(KEY, text, tuple(Attachment(n, 1, None, nothing) for n in names))
    links = find_links(text)
    action = "edit" if links else route(text).action
    assert describe_work(turn, action, links) == what


def left(tid: str, *, boot: str = "old", at: float = 1.0, what: str = "receiving clip.mp4",
         conversation: str = "telegram:100") -> TurnRecord:
    return TurnRecord(id=tid, conversation=conversation, person=conversation, boot=boot,
                      what=what, started_at=at)


async def test_turns_cut_short_by_a_restart_are_told_once(
        settings: Settings, store: MemoryStore, engine: FakeEngine, tmp_path: Path) -> None:
    await store.start_turn(left("t1"))
    await store.start_turn(left("t2", what="downloading your linked file",
                                conversation="discord:5:9"))
    await store.start_turn(left("t3", what="working on your edit", conversation="bad key"))
    bot = Assistant(settings, store, engine, probe=fake_probe)
    await store.start_turn(left("mine", boot=bot.journal.boot))  # this process's own turn
    await store.start_turn(left("later", at=bot.journal.started_at + 5))  # another live one
    inbox = Inbox()
    bot.add_notifier("telegram", inbox)
    try:
        await bot.recover()
        assert inbox.notices == [Notice(KEY, [Message(
            "Backtrack restarted while it was receiving clip.mp4 — please send it again.")])]
        assert store.turns["t1"].state == "interrupted"
        assert store.turns["t3"].state == "interrupted"  # unusable: marked, not told
        assert store.turns["t2"].state == "running"  # told when Discord registers
        discord = Inbox()
        bot.add_notifier("discord", discord)
        await wait_until(lambda: store.turns["t2"].state == "interrupted")
        assert discord.notices[0].replies == [Message(interrupted_words(
            "downloading your linked file"))]
        assert store.turns["mine"].state == "running" and store.turns["later"].state == "running"
        await bot.recover()  # idempotent
        assert len(inbox.notices) == 1 and len(discord.notices) == 1
    finally:
        await bot.aclose()
    again = Assistant(settings, store, engine, probe=fake_probe)
    later = Inbox()
    again.add_notifier("telegram", later)
    try:
        await again.recover()  # a later start: the earlier notices are not repeated
    finally:
        await again.aclose()
    # "mine" is from a boot that is gone now; "later" started after this process: left alone.
    assert [n.replies for n in later.notices] == [[Message(interrupted_words(
        "receiving clip.mp4"))]]
    assert store.turns["mine"].state == "interrupted" and store.turns["later"].state == "running"


async def test_a_turn_whose_render_is_reported_is_not_told_twice(
        settings: Settings, store: MemoryStore, engine: FakeEngine) -> None:
    await store.start_turn(left("t1", what="working on your edit", at=10.0))
    await store.save_render(RenderRecord(
        id="r1", conversation=str(KEY), person=str(KEY), session_id="s1", engine="fake",
        state="running", created_at=11.0, updated_at=11.0))
    bot = Assistant(settings, store, engine, probe=fake_probe)
    inbox = Inbox()
    bot.add_notifier("telegram", inbox)
    try:
        await bot.recover()
    finally:
        await bot.aclose()
    assert inbox.notices == [Notice(KEY, [Message(INTERRUPTED)])]
    assert store.turns["t1"].state == "interrupted"


async def test_old_finished_turns_are_forgotten_at_start(
        settings: Settings, store: MemoryStore, engine: FakeEngine) -> None:
    await store.start_turn(left("old", at=1.0))
    await store.finish_turn("old", "done")
    await store.start_turn(left("recent", at=1e12))
    await store.finish_turn("recent", "done")
    bot = Assistant(settings, store, engine, probe=fake_probe)
    try:
        await bot.recover()
    finally:
        await bot.aclose()
    assert set(store.turns) == {"recent"}
