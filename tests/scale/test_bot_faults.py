"""Faults of a running bot on PostgreSQL, with real processes (`backtrack run` on the fake Bot
API, `backtrack worker` rendering): the bot killed -9 mid-turn and started again (the render
is resumed: one video), and PostgreSQL stopped for a few seconds mid-turn (the turn completes
after the reconnect: one video, nothing lost, no traceback in the chat)."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

from core.conversation.recovery import INTERRUPTED
from tests.fakes.telegram_api import TOKEN
from tests.media import make_video, measure
from tests.postgres import Postgres
from tests.scale.processes import Site

CHAT = 5151
RESUMED = "Your render finished after a restart."


def everything_said(site: Site) -> list[str]:
    """Every text the chat saw, status edits included."""
    said = []
    for sent in site.fake.sent(CHAT):
        said += [sent.text or "", *(text for _, text in sent.edits)]
        said.append(str(sent.params.get("caption") or ""))
    return said


def running(site: Site) -> bool:
    return any(state == "running" for _, state, _ in site.renders())


async def send_clip(site: Site, tmp_path: Path, seconds: int) -> None:
    clip = make_video(tmp_path / "long.mp4", seconds=seconds, width=640, height=360)
    stored = site.fake.add_file(clip.read_bytes())
    user = site.fake.user(CHAT)
    site.fake.push(message=site.fake.message(
        site.fake.private(user), user, caption="add calm music and make it vertical",
        video=site.fake.video(stored, duration=seconds, width=640, height=360)))


async def test_bot_killed_mid_turn_then_started_again(pg_site: Site, tmp_path: Path) -> None:
    """The render job runs on without the bot; the restarted bot follows it again and
    delivers its video, once."""
    site = pg_site
    await site.worker()
    first = await site.bot()
    await send_clip(site, tmp_path, 8)
    await site.until(lambda: running(site), 120, "the render never started")
    os.killpg(first.pid, signal.SIGKILL)  # the bot and anything it started, no goodbyes
    await first.wait()
    [(render_id, state, _)] = site.renders()
    assert state == "running"  # what a dead process leaves behind
    assert not site.fake.sent(CHAT, "video")

    second = await site.bot()
    await site.until(lambda: site.fake.sent(CHAT, "video"), 120, "the video never came")
    await site.until(lambda: site.renders() == [(render_id, "done", f"telegram:{CHAT}")],
                     10, "the render was not recorded as done")
    assert await site.stop(second) == 0, site.logs()
    assert sum(RESUMED in t for t in site.fake.texts(CHAT)) == 1
    assert not any(INTERRUPTED in t for t in site.fake.texts(CHAT))
    (video,) = site.fake.sent(CHAT, "video")
    delivered = tmp_path / "delivered.mp4"
    delivered.write_bytes(video.upload or b"")
    facts = measure(delivered)
    assert abs(facts.duration - 8.0) < 0.5 and facts.height > facts.width  # type: ignore[operator]
    assert TOKEN not in site.logs()


async def test_bot_stopped_cleanly_mid_render_then_started_again(pg_site: Site,
                                                                 tmp_path: Path) -> None:
    """A clean stop that does not wait for its renders (a second SIGTERM) calls their jobs
    off: the next start tells the chat, once, and no video comes later."""
    site = pg_site
    await site.worker()
    first = await site.bot()
    await send_clip(site, tmp_path, 8)
    await site.until(lambda: running(site), 120, "the render never started")
    assert await site.stop(first, hurry=True) == 0, site.logs()
    second = await site.bot()
    await site.until(lambda: any(INTERRUPTED in t for t in site.fake.texts(CHAT)), 60,
                     "the chat was never told")
    await site.until(lambda: [s for _, s, _ in site.renders()] == ["failed"], 10,
                     "the render was left unfinished")
    assert await site.stop(second) == 0, site.logs()
    assert sum(INTERRUPTED in t for t in site.fake.texts(CHAT)) == 1
    assert not site.fake.sent(CHAT, "video")


async def test_postgres_stopped_mid_turn(pg_site: Site, postgres: Postgres,
                                         tmp_path: Path) -> None:
    site = pg_site
    await site.worker()
    bot = await site.bot()
    await send_clip(site, tmp_path, 8)
    await site.until(lambda: running(site), 120, "the render never started")
    await asyncio.to_thread(postgres.stop)
    try:
        await asyncio.sleep(3)
    finally:
        await asyncio.to_thread(postgres.start)
    back = time.perf_counter()  # the fake's clock
    await site.until(lambda: site.fake.sent(CHAT, "video") or any(
        "Sorry" in t for t in site.fake.texts(CHAT)), 180, "the turn never ended")
    said = everything_said(site)
    assert not any("Traceback" in t or "Error" in t for t in said), said
    assert site.fake.sent(CHAT, "video"), f"{said}\n{site.logs()}"
    (video,) = site.fake.sent(CHAT, "video")
    assert video.at > back  # the turn spanned the outage (its end needs the database)
    delivered = tmp_path / "delivered.mp4"
    delivered.write_bytes(video.upload or b"")
    facts = measure(delivered)
    assert abs(facts.duration - 8.0) < 0.5 and facts.height > facts.width  # type: ignore[operator]
    assert [state for _, state, _ in site.renders()] == ["done"]
    assert await site.stop(bot) == 0, site.logs()
