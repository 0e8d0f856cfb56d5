"""The store contract on both backends (SQLite file, PostgreSQL database): the `store` and
`opener` fixtures are parametrised in conftest.py."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from core.errors import StoreError
from core.ports import Conversation, MediaRecord, RenderRecord, Store
from storage.backend import OpenStore
from storage.postgres import PostgresStore
from storage.queries import HISTORY_LIMIT
from storage.sqlite import SqliteStore
from tests.storage.conftest import Clock, Opener


def render(
    rid: str, state: str = "queued", person: str = "telegram:1", **kw: object
) -> RenderRecord:
    return RenderRecord(id=rid, conversation="telegram:1", person=person, session_id="s1",
                        engine="local", state=state, **kw)  # type: ignore[arg-type]


def media(mid: str, kind: str = "video", session: str = "s1", at: float = 0.0) -> MediaRecord:
    return MediaRecord(id=mid, session_id=session, kind=kind, name=f"{mid}.mp4",
                       path=f"media/{mid}.mp4", size=123, duration=4.0, width=320, height=240,
                       created_at=at)


def test_both_are_stores() -> None:
    def takes(store: OpenStore) -> Store:
        return store

    takes(SqliteStore.__new__(SqliteStore))  # static check: mypy verifies the protocol
    takes(PostgresStore.__new__(PostgresStore))


async def test_reopen_is_idempotent_and_keeps_everything(opener: Opener) -> None:
    s = await opener()
    await s.save_conversation(Conversation("telegram:1", "local", "s1", "zh"))
    await s.push_draft("s1", '{"v":1}')
    await s.push_draft("s1", '{"v":2}')
    await s.add_media(media("m1"))
    await s.save_render(render("r1", "running", progress=40.0))
    await s.set_value("nemo_token", "tok")
    assert await s.mark_update("telegram", "77")
    version = await s.user_version()
    await s.close()

    s = await opener()  # a restart
    try:
        assert await s.user_version() == version == 4
        conv = await s.get_conversation("telegram:1")
        assert conv is not None and (conv.session_id, conv.language) == ("s1", "zh")
        assert await s.current_draft("s1") == '{"v":2}'
        assert await s.pop_draft("s1") == '{"v":1}'
        m1 = await s.get_media("m1")
        assert m1 is not None and m1 == media("m1", at=m1.created_at) and m1.created_at > 0
        running = await s.renders_in_state("running")
        assert [(r.id, r.progress) for r in running] == [("r1", 40.0)]
        assert await s.get_value("nemo_token") == "tok"
        assert not await s.mark_update("telegram", "77")
    finally:
        await s.close()


async def test_conversation_save_replaces_and_keeps_created_at(opener: Opener) -> None:
    clock = Clock(100.0)
    s = await opener(clock=clock)
    try:
        assert await s.get_conversation("console:local") is None
        await s.save_conversation(Conversation("console:local", "local", "a"))
        clock.now = 200.0
        await s.save_conversation(Conversation("console:local", "nemo", "b", "zh"))
        got = await s.get_conversation("console:local")
        assert got == Conversation("console:local", "nemo", "b", "zh", 100.0, 200.0)
    finally:
        await s.close()


async def test_times_keep_their_precision(opener: Opener) -> None:
    clock = Clock(1_764_000_000.123456)  # a 4-byte float would round this to minutes
    s = await opener(clock=clock)
    try:
        await s.save_conversation(Conversation("k", "local", "a"))
        got = await s.get_conversation("k")
        assert got is not None and got.created_at == clock.now
    finally:
        await s.close()


async def test_draft_history_push_pop(store: OpenStore) -> None:
    assert await store.current_draft("s") is None
    assert await store.pop_draft("s") is None  # nothing at all
    await store.push_draft("s", "A")
    assert await store.pop_draft("s") is None  # nothing to undo to
    assert await store.current_draft("s") == "A"  # ... and the current version is kept
    await store.push_draft("s", "B")
    await store.push_draft("s", "C")
    await store.push_draft("other", "X")
    assert await store.current_draft("s") == "C"
    assert await store.pop_draft("s") == "B"
    assert await store.current_draft("s") == "B"
    await store.push_draft("s", "D")  # a new branch after undo
    assert await store.pop_draft("s") == "B"
    assert await store.pop_draft("s") == "A"
    assert await store.pop_draft("s") is None
    assert await store.current_draft("s") == "A"
    assert await store.current_draft("other") == "X"


async def test_draft_history_is_bounded(store: OpenStore) -> None:
    for n in range(HISTORY_LIMIT + 5):
        await store.push_draft("s", str(n))
    undos = 0
    while await store.pop_draft("s") is not None:
        undos += 1
    assert undos == HISTORY_LIMIT - 1
    assert await store.current_draft("s") == "5"


async def test_media_newest_first_and_by_kind(store: OpenStore) -> None:
    await store.add_media(media("v1", at=10))
    await store.add_media(media("a1", kind="audio", at=20))
    await store.add_media(media("v2", at=30))
    await store.add_media(media("v3", session="s2", at=40))
    assert [m.id for m in await store.list_media("s1")] == ["v2", "a1", "v1"]
    assert [m.id for m in await store.list_media("s1", "video")] == ["v2", "v1"]
    assert [m.id for m in await store.list_media("s1", "image")] == []
    assert await store.get_media("v2") == media("v2", at=30)
    assert await store.get_media("nope") is None


async def test_media_same_time_newest_inserted_first(store: OpenStore) -> None:
    for mid in ("x", "y", "z"):
        await store.add_media(media(mid, at=5))
    assert [m.id for m in await store.list_media("s1")] == ["z", "y", "x"]


async def test_render_upsert_states_and_counts(opener: Opener) -> None:
    clock = Clock(1000.0)
    s = await opener(clock=clock)
    try:
        await s.save_render(render("r1"))
        clock.now = 1100.0
        await s.save_render(render("r2", person="telegram:2"))
        clock.now = 1200.0
        await s.save_render(render("r3", "running"))
        clock.now = 1300.0
        r1 = await s.get_render("r1")
        assert r1 is not None and r1.created_at == 1000.0
        await s.save_render(dataclasses.replace(r1, state="done", progress=100.0,
                                                output_path="renders/r1.mp4", updated_at=0.0))
        r1b = await s.get_render("r1")
        assert r1b is not None
        assert (r1b.state, r1b.output_path, r1b.created_at, r1b.updated_at) == (
            "done", "renders/r1.mp4", 1000.0, 1300.0)
        assert [r.id for r in await s.renders_in_state("queued", "running")] == ["r2", "r3"]
        assert [r.id for r in await s.renders_in_state("done")] == ["r1"]
        assert await s.renders_in_state() == []
        assert await s.count_renders("telegram:1", since=0) == 2
        assert await s.count_renders("telegram:1", since=1000.0) == 2
        assert await s.count_renders("telegram:1", since=1000.1) == 1
        assert await s.count_renders("telegram:2", since=1100.0) == 1
        assert await s.count_renders("nobody", since=0) == 0
        assert await s.get_render("nope") is None
    finally:
        await s.close()


async def test_bad_render_state_is_a_store_error(store: OpenStore) -> None:
    with pytest.raises(StoreError):
        await store.save_render(render("r", "exploded"))
    await store.save_render(render("r"))  # the store still works afterwards
    assert await store.get_render("r") is not None


async def test_mark_update_is_idempotent(store: OpenStore) -> None:
    assert await store.mark_update("telegram", "1") is True
    assert await store.mark_update("telegram", "1") is False
    assert await store.mark_update("telegram", "1") is False
    assert await store.mark_update("discord", "1") is True
    results = await asyncio.gather(*(store.mark_update("telegram", "2") for _ in range(20)))
    assert results.count(True) == 1


async def test_forget_updates(opener: Opener) -> None:
    clock = Clock(10.0)
    s = await opener(clock=clock)
    try:
        await s.mark_update("t", "old")
        clock.now = 100.0
        await s.mark_update("t", "new")
        assert await s.forget_updates(before=50.0) == 1
        assert await s.mark_update("t", "old") is True
        assert await s.mark_update("t", "new") is False
    finally:
        await s.close()


async def test_values(store: OpenStore) -> None:
    assert await store.get_value("k") is None
    await store.set_value("k", "1")
    await store.set_value("k", "2")
    assert await store.get_value("k") == "2"


async def conversation_work(store: Store, n: int) -> None:
    session = f"s{n}"
    await store.save_conversation(Conversation(f"telegram:{n}", "local", session))
    assert await store.mark_update("telegram", str(n))
    await store.push_draft(session, f'{{"n":{n},"v":1}}')
    await store.add_media(media(f"m{n}", session=session))
    await store.push_draft(session, f'{{"n":{n},"v":2}}')
    await store.save_render(render(f"r{n}", person=f"telegram:{n}"))
    assert await store.pop_draft(session) == f'{{"n":{n},"v":1}}'
    await store.save_render(render(f"r{n}", "done", person=f"telegram:{n}"))


async def test_100_concurrent_conversations(store: OpenStore) -> None:
    await asyncio.gather(*(conversation_work(store, n) for n in range(100)))
    assert len(await store.renders_in_state("done")) == 100
    for n in (0, 57, 99):
        assert await store.current_draft(f"s{n}") == f'{{"n":{n},"v":1}}'


async def test_two_stores_on_one_database_write_concurrently(opener: Opener) -> None:
    first, second = await asyncio.gather(opener(), opener())
    try:
        await asyncio.gather(
            *(conversation_work(first, n) for n in range(0, 100, 2)),
            *(conversation_work(second, n) for n in range(1, 100, 2)),
        )
        assert len(await first.renders_in_state("done")) == 100
        assert len(await second.renders_in_state("done")) == 100
        assert await first.current_draft("s1") == '{"n":1,"v":1}'
    finally:
        await first.close()
        await second.close()


async def test_closed_store_is_a_store_error(opener: Opener) -> None:
    s = await opener()
    await s.close()
    with pytest.raises(StoreError):
        await s.get_value("x")


async def test_cancelled_writes_leave_the_store_usable(store: OpenStore) -> None:
    await store.push_draft("s", "base")
    for delay_steps in range(12):
        task = asyncio.create_task(store.pop_draft("s"))
        push = asyncio.create_task(store.push_draft("s", f"v{delay_steps}"))
        for _ in range(delay_steps):
            await asyncio.sleep(0)
        task.cancel()
        push.cancel()
        await asyncio.gather(task, push, return_exceptions=True)
    # Whatever was cancelled where, the store still takes writes and transactions.
    await store.push_draft("s", "after")
    assert await store.current_draft("s") == "after"
    assert await store.pop_draft("s") is not None
