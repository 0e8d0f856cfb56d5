"""Chat turns over real SSE: both shapes, chunk boundaries, silence, heartbeats, drops, limits."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from core.engine import Edited, EngineEvent, Progress, Said
from core.errors import NothingToEdit
from core.nemo import NemoEngine
from core.nemo.client import TOKEN_KEY
from tests.core.nemo.conftest import TestClock, assert_words, collect, start
from tests.fakes.memory_store import MemoryStore
from tests.fakes.nemo_server import FakeNemo, TurnPlan

MUSIC = "add background music and fade it out at the end"


def said(events: list[EngineEvent]) -> list[str]:
    return [e.text for e in events if isinstance(e, Said)]


def edited(events: list[EngineEvent]) -> Edited:
    ends = [e for e in events if isinstance(e, Edited)]
    assert len(ends) == 1 and events[-1] is ends[0]
    return ends[0]


def check_words(events: list[EngineEvent]) -> None:
    for event in events:
        if isinstance(event, Said | Progress):
            assert_words(event.text)


@pytest.mark.parametrize("plan", [
    TurnPlan(shape="typed"),
    TurnPlan(shape="agent"),
    TurnPlan(shape="typed", split=7),
    TurnPlan(shape="agent", split=23, crlf=True),
    TurnPlan(shape="typed", split=1, heartbeats=2, empty_heartbeats=True),
], ids=["typed", "agent", "typed-split", "agent-split-crlf", "bytewise-empty-heartbeats"])
async def test_a_turn_in_either_shape(engine: NemoEngine, store: MemoryStore, fake: FakeNemo,
                                      clip: Path, plan: TurnPlan) -> None:
    session = await start(engine, store, clip)
    fake.turns.append(plan)
    events = await collect(engine.edit(session, MUSIC))
    assert said(events) == ["I added background music (Lo-fi) at 35% and faded it out over the "
                            "last 2 seconds.", "Say “export” and I'll render the video for you."]
    end = edited(events)
    assert end.changes == ("added BGM: Lo-fi (0-4s, 35%, fade out 2s)",)
    assert end.draft.data["x_custom"] == {"keep": True}
    assert store.drafts[session.session_id][-1] == end.draft.to_json()
    assert fake.chat_messages == [MUSIC]
    check_words(events)


async def test_silent_completion_reports_the_state_diff(engine: NemoEngine, store: MemoryStore,
                                                        fake: FakeNemo, clip: Path) -> None:
    session = await start(engine, store, clip)
    fake.turns.append(TurnPlan(texts=[], tool_calls=False))
    events = await collect(engine.edit(session, MUSIC))
    assert said(events) == []
    assert edited(events).changes == ("added BGM: Lo-fi (0-4s, 35%, fade out 2s)",)


async def test_silent_turn_without_change_is_an_empty_edit(engine: NemoEngine,
                                                           store: MemoryStore, fake: FakeNemo,
                                                           clip: Path) -> None:
    session = await start(engine, store, clip)
    fake.turns.append(TurnPlan(texts=[], apply=False))
    events = await collect(engine.edit(session, "make it pop"))
    assert edited(events).changes == ()


async def test_trailing_temporary_issue_is_ignored(engine: NemoEngine, store: MemoryStore,
                                                   fake: FakeNemo, clip: Path) -> None:
    session = await start(engine, store, clip)
    fake.turns.append(TurnPlan(texts=["Music added."], trailing_issue=True))
    events = await collect(engine.edit(session, MUSIC))
    assert said(events) == ["Music added."]


async def test_gui_hints_become_actions(engine: NemoEngine, store: MemoryStore, fake: FakeNemo,
                                        clip: Path) -> None:
    session = await start(engine, store, clip)
    fake.turns.append(TurnPlan(texts=["Music added. Preview it in the timeline.",
                                      "Check your account billing to see credits."]))
    events = await collect(engine.edit(session, MUSIC))
    texts = said(events)
    assert texts[0] == "Music added."
    assert texts[1].startswith("Timeline (2 tracks): 1. Video: clip.mp4")
    assert texts[2].startswith("NemoVideo credits: 100 available")
    check_words(events)


async def test_error_event_without_change_is_explained(engine: NemoEngine, store: MemoryStore,
                                                       fake: FakeNemo, clip: Path,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    session = await start(engine, store, clip)
    fake.turns.append(TurnPlan(texts=[], apply=False, error='{"detail":"internal 500"}'))
    events = await collect(engine.edit(session, MUSIC))
    assert said(events) == ["NemoVideo ran into a problem with this request and nothing "
                            "changed. Please try again, perhaps worded differently."]
    assert edited(events).changes == ()
    assert "internal 500" in caplog.text  # kept for the operator, not shown


async def test_heartbeats_only_say_still_working_then_time_out(
        hurried: NemoEngine, store: MemoryStore, fake: FakeNemo, clip: Path) -> None:
    engine = hurried
    # FAST: "Still working…" every 0.15 s, 0.6 s of heartbeats only is the timeout.
    session = await start(engine, store, clip)
    # 2000 heartbeats (40 s of stream): the 0.6 s timeout must end the turn even when a loaded
    # machine delays the fake's heartbeats.
    fake.turns.append(TurnPlan(texts=[], apply=False, tool_calls=False, heartbeats=2000,
                               heartbeat_every=0.02))
    events = await collect(engine.edit(session, MUSIC))
    notices = [e for e in events if isinstance(e, Progress) and e.text == "Still working…"]
    assert 2 <= len(notices) <= 6
    assert "10 minutes without progress" in said(events)[-1]
    assert edited(events).changes == ()
    assert fake.chat_messages == [MUSIC]


async def test_a_stream_of_comments_only_times_out_too(hurried: NemoEngine, store: MemoryStore,
                                                       fake: FakeNemo, clip: Path) -> None:
    engine = hurried
    session = await start(engine, store, clip)
    fake.turns.append(TurnPlan(texts=[], apply=False, tool_calls=False, heartbeats=200,
                               heartbeat_every=0.02, comment_heartbeats=True))
    started = time.monotonic()
    events = await collect(engine.edit(session, MUSIC))
    assert time.monotonic() - started < 2
    assert "10 minutes without progress" in said(events)[-1]
    assert edited(events).changes == ()


async def test_the_turn_limit_ends_a_long_turn(hurried: NemoEngine, store: MemoryStore,
                                               fake: FakeNemo, clip: Path) -> None:
    engine = hurried
    session = await start(engine, store, clip)
    fake.turns.append(TurnPlan(texts=[f"Step {i}." for i in range(100)], text_every=0.03))
    events = await collect(engine.edit(session, MUSIC))
    assert "15 minutes" in said(events)[-1] and "It did change the timeline." in said(events)[-1]
    assert 10 < len(said(events)) < 60
    assert edited(events).changed


async def test_dropped_stream_that_went_through_is_recovered_not_resent(
        engine: NemoEngine, store: MemoryStore, fake: FakeNemo, clip: Path,
        clock: TestClock) -> None:
    session = await start(engine, store, clip)
    fake.turns.append(TurnPlan(texts=[], drop=True))
    events = await collect(engine.edit(session, MUSIC))
    assert fake.chat_messages == [MUSIC]
    assert clock.sleeps == [30]
    assert edited(events).changes == ("added BGM: Lo-fi (0-4s, 35%, fade out 2s)",)
    check_words(events)


async def test_dropped_stream_that_did_nothing_gives_up_after_five_checks(
        engine: NemoEngine, store: MemoryStore, fake: FakeNemo, clip: Path,
        clock: TestClock) -> None:
    session = await start(engine, store, clip)
    fake.turns.append(TurnPlan(texts=["Working on it"], apply=False, drop=True, split=4))
    fake.fail("state", status=503, times=1)  # the state read before the turn is retried
    events = await collect(engine.edit(session, MUSIC))
    assert fake.chat_messages == [MUSIC]
    assert clock.sleeps == [2, 30, 60, 60, 60, 60]
    assert "send the same request again" in said(events)[-1]
    assert edited(events).changes == ()
    check_words(events)


async def test_server_error_on_the_chat_call_is_never_resent(
        engine: NemoEngine, store: MemoryStore, fake: FakeNemo, clip: Path,
        clock: TestClock) -> None:
    session = await start(engine, store, clip)
    fake.fail("chat", status=502)
    events = await collect(engine.edit(session, MUSIC))
    assert fake.count("POST", "/run_sse") == 1
    assert edited(events).changes == ()
    assert len([s for s in clock.sleeps if s in (30, 60)]) == 5


async def test_429_on_the_chat_call_is_retried_once(engine: NemoEngine, store: MemoryStore,
                                                    fake: FakeNemo, clip: Path,
                                                    clock: TestClock) -> None:
    session = await start(engine, store, clip)
    fake.fail("chat", status=429)
    events = await collect(engine.edit(session, MUSIC))
    assert clock.sleeps == [30]
    assert fake.chat_messages == [MUSIC]
    assert edited(events).changed


async def test_expired_token_mid_conversation(engine: NemoEngine, store: MemoryStore,
                                              fake: FakeNemo, clip: Path) -> None:
    session = await start(engine, store, clip)
    old = store.values[TOKEN_KEY]
    fake.expire_tokens()
    events = await collect(engine.edit(session, MUSIC))
    assert edited(events).changed
    assert store.values[TOKEN_KEY] != old


async def test_lost_session_is_replaced_and_the_user_told(engine: NemoEngine, store: MemoryStore,
                                                          fake: FakeNemo, clip: Path) -> None:
    session = await start(engine, store, clip)
    fake.forget_sessions()
    events = await collect(engine.edit(session, MUSIC))
    assert "started a new, empty timeline" in said(events)[0]
    assert edited(events).changes == ()
    saved = store.conversations[session.conversation]
    assert saved.session_id != session.session_id and saved.session_id in fake.sessions
    # The stale reference now reaches the new session.
    assert (await engine.draft(session)).data["x_custom"] == {"keep": True}
    check_words(events)


async def test_undo_is_a_chat_turn(engine: NemoEngine, store: MemoryStore, fake: FakeNemo,
                                   clip: Path) -> None:
    session = await start(engine, store, clip)
    await collect(engine.edit(session, MUSIC))
    changes = await engine.undo(session)
    assert changes == ("removed BGM: Lo-fi (0-4s, 35%, fade out 2s)",)
    assert fake.chat_messages == [MUSIC, "undo the last change"]
    fake.turns.append(TurnPlan(texts=["Nothing to undo."], apply=False))
    with pytest.raises(NothingToEdit):
        await engine.undo(session)


async def test_the_token_never_reaches_a_log_record(engine: NemoEngine, store: MemoryStore,
                                                    fake: FakeNemo, clip: Path,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    session = await start(engine, store, clip)
    fake.expire_tokens()
    fake.turns.append(TurnPlan(drop=True))
    await collect(engine.edit(session, MUSIC))
    await engine.credits(session)
    tokens = {store.values[TOKEN_KEY], *fake.tokens}
    assert len(tokens) >= 1
    for record in caplog.records:
        for token in tokens:
            assert token not in record.getMessage()


async def test_the_persons_defaults_go_to_the_agent_in_words(
        engine: NemoEngine, store: MemoryStore, fake: FakeNemo, clip: Path) -> None:
    import dataclasses

    from core.preferences import Preferences

    session = await start(engine, store, clip)
    mine = dataclasses.replace(session, preferences=Preferences(mood="calm", level=0.3,
                                                                fade_out=True, delivery="file"))
    fake.turns.append(TurnPlan(shape="typed"))
    await collect(engine.edit(mine, MUSIC))
    fake.turns.append(TurnPlan(shape="typed"))
    await collect(engine.edit(dataclasses.replace(session, preferences=Preferences(
        delivery="file", language="zh")), MUSIC))  # no edit defaults: the words as typed
    assert fake.chat_messages == [
        MUSIC + " (If you add music and I did not say otherwise: use calm music, put it at 30% "
                "volume, fade it out at the end.)", MUSIC]
