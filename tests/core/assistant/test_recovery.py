"""After a restart nothing is silently lost: renders are resumed or reported to their chat."""

from __future__ import annotations

import asyncio
from pathlib import Path

from core.config import Settings
from core.conversation.assistant import Assistant
from core.conversation.recovery import INTERRUPTED
from core.conversation.turn import Message, Notice, Problem, Turn, Video
from core.ports import RenderRecord
from tests.core.assistant.conftest import KEY, attach, collect, fake_probe, wait_until
from tests.fakes.fake_engine import FakeEngine
from tests.fakes.memory_store import MemoryStore


def left_running(render_id: str, *, remote_id: str | None = None, engine: str = "fake",
                 state: str = "running", conversation: str = "telegram:100") -> RenderRecord:
    return RenderRecord(id=render_id, conversation=conversation, person=conversation,
                        session_id="s1", engine=engine, state=state,  # type: ignore[arg-type]
                        progress=40.0, remote_id=remote_id, created_at=1.0, updated_at=1.0)


class Inbox:
    def __init__(self) -> None:
        self.notices: list[Notice] = []

    async def __call__(self, notice: Notice) -> None:
        self.notices.append(notice)


async def test_local_render_left_running_is_reported_as_interrupted(
        assistant: Assistant, store: MemoryStore) -> None:
    await store.save_render(left_running("r1"))
    await store.save_render(left_running("r2", state="queued", conversation="discord:5:9"))
    await store.save_render(left_running("r3", state="done"))
    inbox = Inbox()
    assistant.add_notifier("telegram", inbox)
    await assistant.recover()
    assert inbox.notices == [Notice(KEY, [Message(INTERRUPTED)])]
    assert store.renders["r1"].state == "interrupted"
    # Discord has no notifier yet: the notice waits, and the record keeps its state so that a
    # crash before delivery reports it again on the next start.
    assert store.renders["r2"].state == "queued"
    discord = Inbox()
    assistant.add_notifier("discord", discord)
    await wait_until(lambda: store.renders["r2"].state == "interrupted")
    assert [str(n.key) for n in discord.notices] == ["discord:5:9"]
    assert store.renders["r3"].state == "done"
    await assistant.recover()  # idempotent
    assert len(inbox.notices) == 1 and len(discord.notices) == 1


async def test_remote_render_is_resumed_and_delivered(settings: Settings, store: MemoryStore,
                                                      tmp_path: Path) -> None:
    engine = FakeEngine(tmp_path, remote=True)
    bot = Assistant(settings, store, engine, probe=fake_probe)
    await store.save_render(left_running("r1", remote_id="job-9"))
    inbox = Inbox()
    bot.add_notifier("telegram", inbox)
    await bot.recover()
    await wait_until(lambda: bool(inbox.notices))
    (notice,) = inbox.notices
    assert notice.replies[0] == Message("Your render finished after a restart.")
    video = notice.replies[1]
    assert isinstance(video, Video) and video.url == "https://cdn.example.test/job-9.mp4"
    assert ("resume_export", "s1", "job-9") in engine.calls
    assert store.renders["r1"].state == "done"
    assert store.renders["r1"].output_url == video.url
    await bot.aclose()


async def test_remote_resume_that_fails_is_reported(settings: Settings, store: MemoryStore,
                                                    tmp_path: Path) -> None:
    engine = FakeEngine(tmp_path, remote=True)
    engine.fail["resume_export"] = RuntimeError("gone")
    bot = Assistant(settings, store, engine, probe=fake_probe)
    await store.save_render(left_running("r1", remote_id="job-9"))
    inbox = Inbox()
    bot.add_notifier("telegram", inbox)
    await bot.recover()
    await wait_until(lambda: bool(inbox.notices))
    (problem,) = inbox.notices[0].replies
    assert isinstance(problem, Problem) and "send 'export' to try again" in problem.text
    assert store.renders["r1"].state == "failed"
    await bot.aclose()


async def test_render_of_another_engine_is_not_resumed(assistant: Assistant, engine: FakeEngine,
                                                       store: MemoryStore) -> None:
    await store.save_render(left_running("r1", remote_id="job-9", engine="nemo"))
    inbox = Inbox()
    assistant.add_notifier("telegram", inbox)
    await assistant.recover()
    assert inbox.notices == [Notice(KEY, [Message(INTERRUPTED)])]
    assert engine.count("resume_export") == 0


async def test_restart_in_the_middle_of_a_render_tells_the_chat(
        settings: Settings, store: MemoryStore, tmp_path: Path, clip_file: Path) -> None:
    """The first process dies mid-render (its task never finishes); the next one recovers."""
    first_engine = FakeEngine(tmp_path)
    first = Assistant(settings, store, first_engine, probe=fake_probe)
    await collect(first, Turn(KEY, "", (attach(clip_file),)))
    first_engine.export_gate = asyncio.Event()
    stream = first.handle(Turn(KEY, "add calm music"))
    async for _reply in stream:
        if first_engine.export_started.is_set():
            break
    (render,) = store.renders.values()
    assert render.state in ("queued", "running")

    second = Assistant(settings, store, FakeEngine(tmp_path), probe=fake_probe)
    inbox = Inbox()
    await second.recover()  # before any notifier: kept
    second.add_notifier("telegram", inbox)
    await wait_until(lambda: bool(inbox.notices))
    assert inbox.notices == [Notice(KEY, [Message(INTERRUPTED)])]
    assert store.renders[render.id].state == "interrupted"
    await second.aclose()
    await stream.aclose()
    await first.aclose()


async def test_recover_leaves_renders_of_this_process_alone(
        assistant: Assistant, engine: FakeEngine, store: MemoryStore, clip_file: Path) -> None:
    await collect(assistant, Turn(KEY, "", (attach(clip_file),)))
    engine.export_gate = asyncio.Event()
    stream = assistant.handle(Turn(KEY, "add calm music"))
    async for _reply in stream:
        if engine.export_started.is_set():
            break
    inbox = Inbox()
    assistant.add_notifier("telegram", inbox)
    await assistant.recover()
    assert inbox.notices == []
    engine.export_gate.set()
    replies = [reply async for reply in stream]
    assert any(isinstance(r, Video) for r in replies)
