"""One turn at a time per conversation; different conversations at once; cancel; shutdown."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.config import Settings
from core.conversation import leases
from core.conversation.assistant import Assistant
from core.conversation.turn import ConversationKey, Message, Reply, Turn, Video
from tests.core.assistant.conftest import KEY, attach, collect, fake_probe, wait_until
from tests.fakes.fake_engine import FakeEngine
from tests.fakes.memory_store import MemoryStore


async def until_the_video(assistant: Assistant, turn: Turn) -> AsyncIterator[Reply]:
    """The turn's replies read up to its video, as an adapter sending it would; the rest of
    the turn (its bookkeeping) is left running. Close the returned generator at the end."""
    replies = assistant.handle(turn)
    async with asyncio.timeout(10):
        async for reply in replies:
            if isinstance(reply, Video):
                return replies
    raise AssertionError("the turn ended without a video")


def start(assistant: Assistant, turn: Turn) -> asyncio.Task[list[Reply]]:
    async def run() -> list[Reply]:
        return [reply async for reply in assistant.handle(turn)]
    return asyncio.create_task(run())


async def test_second_message_while_rendering_gets_busy_answer_and_no_engine_call(
        assistant: Assistant, engine: FakeEngine, clip_file: Path) -> None:
    await collect(assistant, Turn(KEY, "", (attach(clip_file),)))
    engine.export_gate = asyncio.Event()
    first = start(assistant, Turn(KEY, "add calm music"))
    await asyncio.wait_for(engine.export_started.wait(), 5)

    for text in ("fade out", "export", "status"):
        busy = await collect(assistant, Turn(KEY, text), timeout=1)
        assert len(busy) == 1 and isinstance(busy[0], Message)
        assert busy[0].text.startswith("Still working on your last request (rendering")
        assert busy[0].text.endswith("— send 'cancel' to stop it.")
    # The running turn read its draft once (to find an identical render); the busy answers
    # called nothing.
    assert (engine.count("edit"), engine.count("export"), engine.count("draft")) == (1, 1, 1)

    engine.export_gate.set()
    replies = await asyncio.wait_for(first, 5)
    assert any(isinstance(r, Video) for r in replies)
    # Free again: the next message is a turn of its own.
    again = await collect(assistant, Turn(KEY, "status"))
    assert "Timeline" in again[0].text  # type: ignore[union-attr]
    assert [type(r).__name__ for r in again] == ["Message", "Photo"]  # the words, the picture


async def test_cancel_stops_the_running_turn(assistant: Assistant, engine: FakeEngine,
                                             store: MemoryStore, clip_file: Path) -> None:
    await collect(assistant, Turn(KEY, "", (attach(clip_file),)))
    engine.export_gate = asyncio.Event()
    first = start(assistant, Turn(KEY, "add calm music"))
    await asyncio.wait_for(engine.export_started.wait(), 5)

    answer = await collect(assistant, Turn(KEY, "取消"), timeout=1)
    assert [type(r) for r in answer] == [Message]
    assert answer[0].text.startswith("正在停止你上一个请求")  # a Chinese message: Chinese words
    replies = await asyncio.wait_for(first, 5)
    assert isinstance(replies[-1], Message) and replies[-1].text == "Cancelled."
    assert engine.cancelled == ["export"]
    (render,) = store.renders.values()
    assert render.state == "cancelled"
    nothing = await collect(assistant, Turn(KEY, "cancel"))
    assert nothing == [Message("Nothing is running right now.")]


async def test_two_conversations_render_at_once(assistant: Assistant, engine: FakeEngine,
                                                clip_file: Path) -> None:
    other = ConversationKey("discord", "5", "9")
    for key in (KEY, other):
        await collect(assistant, Turn(key, "", (attach(clip_file),)))
    engine.export_gate = asyncio.Event()
    first = start(assistant, Turn(KEY, "add calm music"))
    second = start(assistant, Turn(other, "add upbeat music"))
    await wait_until(lambda: engine.count("export") == 2)
    engine.export_gate.set()
    for task in (first, second):
        replies = await asyncio.wait_for(task, 5)
        assert sum(isinstance(r, Video) for r in replies) == 1


async def test_shutdown_records_running_renders_as_interrupted(
        assistant: Assistant, engine: FakeEngine, store: MemoryStore, clip_file: Path) -> None:
    await collect(assistant, Turn(KEY, "", (attach(clip_file),)))
    engine.export_gate = asyncio.Event()
    first = start(assistant, Turn(KEY, "add calm music"))
    await asyncio.wait_for(engine.export_started.wait(), 5)
    await asyncio.wait_for(assistant.aclose(), 5)
    (render,) = store.renders.values()
    assert render.state == "interrupted"
    assert engine.cancelled == ["export"]
    replies = await asyncio.wait_for(first, 5)
    assert any("restarting" in getattr(r, "text", "") for r in replies)
    late = await collect(assistant, Turn(KEY, "status"))
    assert "restarting" in late[0].text  # type: ignore[union-attr]

    # The chat may not have heard the goodbye: the next start tells it, once.
    from core.conversation.recovery import INTERRUPTED
    from core.conversation.turn import Notice
    from tests.core.assistant.conftest import fake_probe

    notices: list[Notice] = []

    async def inbox(notice: Notice) -> None:
        notices.append(notice)

    for _ in range(2):
        restarted = Assistant(assistant.settings, store, engine, probe=fake_probe)
        restarted.add_notifier("telegram", inbox)
        await restarted.recover()
        await restarted.aclose()
    assert notices == [Notice(KEY, [Message(INTERRUPTED)])]
    assert store.renders[render.id].state == "interrupted"


async def test_adapter_that_stops_listening_stops_the_turn(
        assistant: Assistant, engine: FakeEngine, store: MemoryStore, clip_file: Path) -> None:
    await collect(assistant, Turn(KEY, "", (attach(clip_file),)))
    engine.export_gate = asyncio.Event()
    stream = assistant.handle(Turn(KEY, "add calm music"))
    async for _reply in stream:
        if engine.export_started.is_set():
            break
    await stream.aclose()
    await wait_until(lambda: engine.cancelled == ["export"])
    await wait_until(lambda: next(iter(store.renders.values())).state == "cancelled")
    assert (await collect(assistant, Turn(KEY, "credits")))[0] == Message(
        "Fake engine: 42 credits.")


async def test_a_turn_past_its_deadline_is_stopped_with_words(
        settings, store: MemoryStore, engine: FakeEngine, clip_file: Path) -> None:
    from core.conversation.turn import Problem
    from tests.core.assistant.conftest import fake_probe

    bot = Assistant(settings, store, engine, probe=fake_probe, turn_seconds=0.3)
    await collect(bot, Turn(KEY, "", (attach(clip_file),)))
    engine.export_gate = asyncio.Event()
    replies = await collect(bot, Turn(KEY, "add calm music"))
    assert isinstance(replies[-1], Problem)
    assert replies[-1].text.startswith("That took too long and was stopped (ref ")
    (render,) = store.renders.values()
    assert render.state == "failed" and render.error == "the turn ran past its deadline"
    assert engine.cancelled == ["export"]
    await bot.aclose()


async def test_two_processes_on_one_store_run_one_turn_and_cancel_across(
        assistant: Assistant, engine: FakeEngine, store: MemoryStore, settings: Settings,
        clip_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A second bot process (its own Assistant, the same store) answers 'still working' for
    a turn the first one runs, and its 'cancel' stops that turn through the lease."""
    monkeypatch.setattr(leases, "RENEW_SECONDS", 0.05)
    other = Assistant(settings, store, engine, probe=fake_probe)
    try:
        await collect(assistant, Turn(KEY, "", (attach(clip_file),)))
        engine.export_gate = asyncio.Event()
        first = start(assistant, Turn(KEY, "add calm music"))
        await asyncio.wait_for(engine.export_started.wait(), 5)

        busy = await collect(other, Turn(KEY, "fade out"), timeout=2)
        assert len(busy) == 1 and isinstance(busy[0], Message)
        assert busy[0].text.startswith("Still working on your last request (")
        stopping = await collect(other, Turn(KEY, "cancel"), timeout=2)
        assert stopping[0].text.startswith("Stopping your last request")  # type: ignore[union-attr]
        replies = await asyncio.wait_for(first, 5)
        assert isinstance(replies[-1], Message) and replies[-1].text == "Cancelled."
        assert engine.cancelled == ["export"]
        assert store.leases == {}  # released: either process may take the next turn
        assert await collect(other, Turn(KEY, "cancel")) == [
            Message("Nothing is running right now.")]
    finally:
        await other.aclose()


async def test_a_message_right_after_the_video_waits_for_the_bookkeeping_not_busy(
        assistant: Assistant, engine: FakeEngine, store: MemoryStore, clip_file: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The video is in the chat while the turn still writes its journal (a slow store): the
    # person's next edit must be done, not answered "Still working" about a finished video.
    await collect(assistant, Turn(KEY, "", (attach(clip_file),)))
    journal_open = asyncio.Event()
    finish_turn = store.finish_turn

    async def slow_finish(turn_id: str, state: str) -> None:
        await journal_open.wait()
        await finish_turn(turn_id, state)  # type: ignore[arg-type]
    monkeypatch.setattr(store, "finish_turn", slow_finish)

    first = await until_the_video(assistant, Turn(KEY, "add calm music"))
    # Cancel has nothing left to stop: the video is delivered.
    assert await collect(assistant, Turn(KEY, "cancel")) == [
        Message("Nothing is running right now.")]
    second = start(assistant, Turn(KEY, "fade out the music"))
    await asyncio.sleep(0.3)
    assert not second.done()  # waiting for the first turn's bookkeeping, not answered busy
    journal_open.set()
    replies = await asyncio.wait_for(second, 5)
    texts = [r.text for r in replies if isinstance(r, Message)]
    assert not any(t.startswith("Still working") for t in texts), texts
    assert any(isinstance(r, Video) for r in replies), replies
    assert engine.count("edit") == 2
    await first.aclose()


async def test_a_turn_stuck_in_its_bookkeeping_is_reported_busy_after_the_wait(
        assistant: Assistant, store: MemoryStore, clip_file: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from core.conversation import assistant as module
    monkeypatch.setattr(module, "FINISHING_WAIT_SECONDS", 0.3)
    await collect(assistant, Turn(KEY, "", (attach(clip_file),)))
    never = asyncio.Event()

    async def stuck_finish(turn_id: str, state: str) -> None:
        await never.wait()
    monkeypatch.setattr(store, "finish_turn", stuck_finish)
    first = await until_the_video(assistant, Turn(KEY, "add calm music"))
    busy = await collect(assistant, Turn(KEY, "fade out the music"), timeout=3)
    assert len(busy) == 1 and isinstance(busy[0], Message)
    assert busy[0].text.startswith("Still working on your last request")
    never.set()
    await first.aclose()


async def test_a_renewal_that_turns_its_cancellation_into_an_error_still_ends_the_turn(
        assistant: Assistant, engine: FakeEngine, store: MemoryStore, clip_file: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # A database driver can answer the cancellation of a query in flight with an error of its
    # own: the renewer took it for an outage and renewed for ever, holding the turn open
    # after its video (every later message "Still working"; bench_scale's lost chats).
    monkeypatch.setattr(leases, "RENEW_SECONDS", 0.01)
    await collect(assistant, Turn(KEY, "", (attach(clip_file),)))
    renewals: list[float] = []

    async def driver_like_renew(*args: object) -> bool:
        renewals.append(asyncio.get_running_loop().time())
        try:
            await asyncio.sleep(0.2)  # a query in flight
        except asyncio.CancelledError:
            raise RuntimeError("query cancelled") from None  # not a CancelledError
        return False
    monkeypatch.setattr(store, "renew_turn", driver_like_renew)
    engine.export_gate = asyncio.Event()

    async def later() -> None:
        await asyncio.sleep(0.1)  # the renewer is inside a renewal when the turn ends
        engine.export_gate.set()  # type: ignore[union-attr]
    waiter = asyncio.create_task(later())
    replies = await collect(assistant, Turn(KEY, "add calm music"), timeout=5)
    await waiter
    assert any(isinstance(r, Video) for r in replies)
    assert renewals, "the renewer never ran: the test proves nothing"
    count = len(renewals)
    await asyncio.sleep(0.3)
    assert len(renewals) == count  # no renewal after the turn ended
    assert all(t.state == "done" for t in store.turns.values())
    again = await collect(assistant, Turn(KEY, "fade out the music"), timeout=5)
    assert any(isinstance(r, Video) for r in again), again
