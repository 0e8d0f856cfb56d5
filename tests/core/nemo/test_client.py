"""Tokens, attribution and the error table, over real HTTP against the fake server."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.engine import ExportOptions, SessionRef
from core.errors import (
    NemoError,
    OutOfCredits,
    PlanBlocked,
    RateLimited,
    TooLarge,
    UnsupportedFile,
    UserError,
)
from core.nemo import NemoEngine, Timing
from core.nemo.client import CLIENT_ID_KEY, EXPIRES_KEY, TOKEN_KEY, package_version
from tests.core.nemo.conftest import RELAXED, TestClock, assert_words, collect, make_settings, start
from tests.fakes.memory_store import MemoryStore
from tests.fakes.nemo_server import FakeNemo


async def test_anonymous_token_and_client_id_are_made_once_and_persisted(
        engine: NemoEngine, store: MemoryStore, fake: FakeNemo, settings: object,
        clock: TestClock) -> None:
    await engine.new_session("console:local", "en")
    await engine.new_session("console:other", "zh")
    assert len(fake.client_ids) == 1
    assert store.values[CLIENT_ID_KEY] == fake.client_ids[0]
    assert store.values[TOKEN_KEY] in fake.tokens
    assert store.values[EXPIRES_KEY]
    # A restarted bot reuses the stored token: no new anonymous-token call.
    again = NemoEngine(settings, store, timing=RELAXED, sleep=clock.sleep)  # type: ignore[arg-type]
    await again.credits(None)
    await again.aclose()
    assert fake.count("POST", "/api/auth/anonymous-token") == 1
    for _method, path, headers in fake.seen:
        assert headers["x-skill-source"] == "add-music-to-video-online"
        assert headers["x-skill-version"] == package_version()
        assert headers["x-skill-platform"] == "backtrack"
        if path == "/api/auth/anonymous-token":
            assert headers["x-client-id"] == fake.client_ids[0]
        else:
            assert headers["authorization"].startswith("Bearer nmv_usr_")


@pytest.mark.parametrize("expires", ["past", "never"])
async def test_stored_token_expiry(engine: NemoEngine, store: MemoryStore, fake: FakeNemo,
                                   expires: str) -> None:
    await engine.credits(None)
    token = store.values[TOKEN_KEY]
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    store.values[EXPIRES_KEY] = past if expires == "past" else ""
    engine.client._token = None  # as after a restart
    await engine.credits(None)
    assert (store.values[TOKEN_KEY] != token) == (expires == "past")


async def test_1001_gets_a_new_token_and_retries_once(engine: NemoEngine, store: MemoryStore,
                                                      fake: FakeNemo) -> None:
    await engine.credits(None)
    fake.expire_tokens()
    assert "available" in await engine.credits(None)
    assert fake.count("POST", "/api/auth/anonymous-token") == 2
    assert fake.client_ids[0] == fake.client_ids[1]
    fake.fail("credits", code=1001, times=2)
    with pytest.raises(NemoError):
        await engine.credits(None)


async def test_bad_configured_token_is_reported_in_words(fake: FakeNemo, tmp_path: Path,
                                                         store: MemoryStore,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    settings = make_settings(fake, tmp_path, nemo_token="nmv_usr_configured_secret")
    engine = NemoEngine(settings, store, timing=RELAXED)
    with pytest.raises(UserError) as caught:
        await engine.credits(None)
    await engine.aclose()
    assert "NEMO_TOKEN" in caught.value.user_message
    assert "nmv_usr_configured_secret" not in caught.value.user_message
    assert fake.count("POST", "/api/auth/anonymous-token") == 0
    assert_words(caught.value.user_message)
    assert "nmv_usr_configured_secret" not in caplog.text


async def test_configured_token_is_used_as_is(fake: FakeNemo, tmp_path: Path,
                                              store: MemoryStore) -> None:
    fake.tokens.add("nmv_usr_mine")
    engine = NemoEngine(make_settings(fake, tmp_path, nemo_token="nmv_usr_mine"), store,
                        timing=RELAXED)
    await engine.credits(None)
    await engine.aclose()
    assert fake.seen[-1][2]["authorization"] == "Bearer nmv_usr_mine"
    assert TOKEN_KEY not in store.values


async def test_http_400_makes_a_new_client_id_and_retries(engine: NemoEngine, store: MemoryStore,
                                                          fake: FakeNemo) -> None:
    store.values[CLIENT_ID_KEY] = "stale-id"
    fake.fail("token", status=400, body={"code": 400, "message": "X-Client-Id required"})
    await engine.credits(None)
    assert store.values[CLIENT_ID_KEY] != "stale-id"
    assert fake.client_ids == [store.values[CLIENT_ID_KEY]]


async def test_429_waits_30_seconds_once(engine: NemoEngine, fake: FakeNemo,
                                         clock: TestClock) -> None:
    await engine.credits(None)
    fake.fail("credits", status=429)
    assert "available" in await engine.credits(None)
    assert clock.sleeps == [30]
    fake.fail("credits", status=429, times=2)
    with pytest.raises(RateLimited) as caught:
        await engine.credits(None)
    assert clock.sleeps == [30, 30]
    assert_words(caught.value.user_message)


async def test_5xx_is_retried_with_backoff_then_reported(engine: NemoEngine, fake: FakeNemo,
                                                         clock: TestClock) -> None:
    await engine.credits(None)
    fake.fail("credits", status=503, times=2)
    assert "available" in await engine.credits(None)
    assert clock.sleeps == [2, 5]
    fake.fail("credits", status=502, times=9)
    with pytest.raises(NemoError) as caught:
        await engine.credits(None)
    assert "server error 502" in str(caught.value)
    assert clock.sleeps[2:] == [2, 5, 15]


async def test_unreachable_server_is_retried_then_reported(tmp_path: Path, store: MemoryStore,
                                                           clock: TestClock) -> None:
    from core.config import Settings

    settings = Settings(_env_file=None, nemo_api_url="http://127.0.0.1:9",  # type: ignore[call-arg]
                        nemo_token="nmv_usr_x", data_dir=tmp_path)
    engine = NemoEngine(settings, store, timing=Timing(backoff=(1, 1)), sleep=clock.sleep)
    with pytest.raises(NemoError, match="could not be reached"):
        await engine.credits(None)
    await engine.aclose()
    assert clock.sleeps == [1, 1]


async def test_2001_anonymous_shows_the_claim_link_never_the_token(
        engine: NemoEngine, store: MemoryStore, fake: FakeNemo, clip: Path) -> None:
    session = await start(engine, store, clip)
    fake.fail("chat", code=2001)
    with pytest.raises(OutOfCredits) as caught:
        await collect(engine.edit(session, "add background music"))
    message = caught.value.user_message
    assert "https://web.nemo.test/workspace/claim?ct=ct_" in message
    assert store.values[TOKEN_KEY] not in message
    assert fake.claims == [{"task_id": store.values[f"nemo_task:{session.session_id}"],
                            "session_id": session.session_id}]
    assert_words(message.split("https://")[0])
    assert fake.chat_messages == []


async def test_2001_configured_says_top_up(fake: FakeNemo, tmp_path: Path,
                                           store: MemoryStore) -> None:
    fake.tokens.add("nmv_usr_mine")
    engine = NemoEngine(make_settings(fake, tmp_path, nemo_token="nmv_usr_mine"), store,
                        timing=RELAXED)
    fake.fail("session", code=2001)
    with pytest.raises(OutOfCredits, match="top up your credits"):
        await engine.new_session("console:local", "en")
    await engine.aclose()


async def test_upload_errors_from_the_server(engine: NemoEngine, store: MemoryStore,
                                             fake: FakeNemo, clip: Path) -> None:
    session = await start(engine, store)
    fake.fail("upload", code=4001)
    with pytest.raises(UnsupportedFile) as unsupported:
        await start_upload(engine, session, clip)
    assert "mp4, mov, avi, webm, mkv" in unsupported.value.user_message
    fake.fail("upload", code=4002)
    with pytest.raises(TooLarge) as large:
        await start_upload(engine, session, clip)
    assert "500 MB" in large.value.user_message and "compress" in large.value.user_message
    for error in (unsupported.value, large.value):
        assert_words(error.user_message)


async def start_upload(engine: NemoEngine, session: SessionRef, clip: Path) -> str:
    from core.engine import MediaFile

    return await engine.add_media(session, MediaFile("m", clip, clip.name, "video",
                                                     clip.stat().st_size))


async def test_402_on_export_is_the_plan_message(engine: NemoEngine, store: MemoryStore,
                                                 fake: FakeNemo, clip: Path) -> None:
    session = await start(engine, store, clip)
    fake.fail("render", status=402, body={"code": 402, "message": "plan"})
    with pytest.raises(PlanBlocked) as caught:
        await collect(engine.export(session, ExportOptions()))
    assert "Register or upgrade" in caught.value.user_message
    assert_words(caught.value.user_message)


async def test_claim_link_never_contains_the_bearer_token(engine: NemoEngine, store: MemoryStore,
                                                          clip: Path) -> None:
    session = await start(engine, store, clip)
    link = await engine.claim_link(session)
    assert link.startswith("https://web.nemo.test/workspace/claim?ct=ct_")
    assert store.values[TOKEN_KEY] not in link
