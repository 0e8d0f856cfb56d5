"""Renders as procrastinate jobs on PostgreSQL: the bots enqueue and follow, `backtrack
worker` processes run them (`core.renders.Renders` for the distributed path).

- A render is one job (`backtrack.render`, queue "renders") named by the render id. The worker
  runs the local engine's in-process render and writes what it is doing into
  `backtrack_render_jobs` (one row per render); the bot polls that row and procrastinate's job
  status every `POLL_SECONDS` (`WAITING_POLL_SECONDS` while further back than next in line)
  and turns them into the same events as an in-process render:
  the place in line while the job waits, the percentage while it runs, then `Rendered`.
- Cancelling the follower (the person said "cancel", the turn's deadline passed) asks
  procrastinate to abort the job: a waiting job never starts, a running one has its asyncio
  task cancelled on its worker, which kills its ffmpeg.
- Workers send a heartbeat every `HEARTBEAT_SECONDS`; each worker looks every
  `HEARTBEAT_SECONDS` for jobs whose worker has been silent for `STALLED_SECONDS` (killed,
  machine lost) and puts them back in line, so another worker renders them again. The output
  is written under a temporary name and renamed, and the bot delivers once, when a worker
  notes the render done, so the chat gets exactly one video.
- The job id is the render's `remote_id` (`RemoteRender`): a bot killed while following a job
  (which runs on without it) follows it again when it restarts and delivers the video. A bot
  stopped cleanly aborts its jobs; the next start tells their chats the render was cut off.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import procrastinate
import psycopg

from core.conversation.recovery import INTERRUPTED
from core.engine import EngineEvent, ExportOptions, Progress, RemoteRender, Rendered, SessionRef
from core.errors import BacktrackError, EngineError, UserError
from core.renders import Renders
from storage.postgres import lost

T = TypeVar("T")

log = logging.getLogger("backtrack.render_jobs")

QUEUE = "renders"
TASK = "backtrack.render"
POLL_SECONDS = 0.05
"""How often the bot looks at a running (or next-in-line) render: half of it, on average,
is what the queue adds to a render's time (bench/bench_scale.py)."""
WAITING_POLL_SECONDS = 0.5
NOTE_SECONDS = 0.25
"""How often a worker writes a running render's percentage."""
RETRY_SECONDS = 30.0
HEARTBEAT_SECONDS = 2.0
STALLED_SECONDS = 8.0
JOB_PREFIX = "job:"
"""A worker render's `remote_id`: this and procrastinate's job id."""
SETUP_LOCK = 0x62747271  # "btrq": one process at a time applies the queue's schema

TABLE = """
CREATE TABLE IF NOT EXISTS backtrack_render_jobs (
    render_id   TEXT PRIMARY KEY,
    job_id      BIGINT,
    state       TEXT NOT NULL,
    text        TEXT NOT NULL DEFAULT '',
    percent     DOUBLE PRECISION,
    output      TEXT,
    size        BIGINT,
    duration    DOUBLE PRECISION,
    width       INTEGER,
    height      INTEGER,
    words       TEXT,
    enqueued_at DOUBLE PRECISION NOT NULL,
    started_at  DOUBLE PRECISION,
    updated_at  DOUBLE PRECISION NOT NULL
)
"""


async def _again(op: Callable[[], Awaitable[T]]) -> T:
    """One of our queries through procrastinate's pool, tried again on a lost connection
    until `RETRY_SECONDS` (the pool checks connections before lending them, but a query in
    flight when the server stops fails; the store does the same for its own queries)."""
    deadline = time.monotonic() + RETRY_SECONDS
    delay = 0.05
    while True:
        try:
            return await op()
        except procrastinate.exceptions.ConnectorException as exc:
            if not lost(exc.__cause__ or exc) or time.monotonic() > deadline:
                raise
        await asyncio.sleep(delay)
        delay = min(delay * 2, 1.0)


def make_app(url: str) -> procrastinate.App:
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=url))
    app.task(name=TASK, queue=QUEUE, pass_context=True)(_render_job)
    return app


async def setup(app: procrastinate.App, url: str) -> None:
    """procrastinate's schema (once per database) and our progress table."""
    conn = app.connector
    # The lock lives on a connection of its own, taken and given back on that one connection:
    # each query through the connector may borrow a different pooled connection, so an unlock
    # sent through it could miss and leave the lock held for the life of the process (a worker
    # started after a bot then waited for it forever).
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as lock:
        await lock.execute("SELECT pg_advisory_lock(%s)", (SETUP_LOCK,))
        try:
            row = await conn.execute_query_one_async(
                "SELECT to_regclass('procrastinate_jobs') IS NOT NULL AS ready")
            if not row["ready"]:
                await app.schema_manager.apply_schema_async()
            await conn.execute_query_async(TABLE)
        finally:
            await lock.execute("SELECT pg_advisory_unlock(%s)", (SETUP_LOCK,))


async def _note(app: procrastinate.App, render_id: str, **fields: Any) -> None:
    names = ", ".join(f"{name} = %({name})s" for name in fields)
    await _again(lambda: app.connector.execute_query_async(
        f"UPDATE backtrack_render_jobs SET {names}, updated_at = %(now)s"  # noqa: S608 - names are ours
        " WHERE render_id = %(render_id)s", render_id=render_id, now=time.time(), **fields))


async def _render_job(context: procrastinate.JobContext, render_id: str, conversation: str,
                      session_id: str, resolution: int | None, aspect: str | None,
                      max_bytes: int | None) -> None:
    """Runs on a worker: the engine's in-process render, its progress noted for the bot."""
    app, engine, data_dir = (context.additional_context[k] for k in ("app", "engine", "data"))
    await _note(app, render_id, state="running", text="Rendering…", percent=0.0,
                started_at=time.time())
    options = ExportOptions(resolution, aspect, max_bytes, render_id)
    shown, noted = -1.0, 0.0
    try:
        async for event in engine.render(SessionRef(conversation, session_id), options,
                                         render_id):
            # A percent at most every NOTE_SECONDS: the events of a short render arrive in a
            # burst at its end, and a write for each would hold back the "done" behind them.
            if (isinstance(event, Progress) and (event.percent or 0) >= shown + 1
                    and time.monotonic() >= noted + NOTE_SECONDS):
                shown, noted = event.percent or 0.0, time.monotonic()
                await _note(app, render_id, text=event.text, percent=event.percent)
            elif isinstance(event, Rendered) and event.path is not None:
                await _note(app, render_id, state="done", output=str(
                    event.path.relative_to(data_dir)), size=event.size,
                    duration=event.duration, width=event.width, height=event.height)
    except UserError as exc:
        await _note(app, render_id, state="refused", words=exc.user_message)
    except BacktrackError as exc:
        log.warning("render %s failed on this worker: %s", render_id, exc)
        await _note(app, render_id, state="failed", words=str(exc))


class CutOff(EngineError):
    """The job was cancelled or aborted before it finished."""


class WorkerRenders:
    """`core.renders.Renders` through the workers; the bot's side."""

    def __init__(self, app: procrastinate.App, data_dir: Path) -> None:
        self.app = app
        self.data_dir = data_dir

    @classmethod
    async def open(cls, url: str, data_dir: Path) -> WorkerRenders:
        app = make_app(url)
        await app.open_async()
        try:
            await setup(app, url)
        except BaseException:
            await app.close_async()
            raise
        return cls(app, data_dir)

    async def aclose(self) -> None:
        await self.app.close_async()

    async def render(self, session: SessionRef, options: ExportOptions,
                     render_id: str) -> AsyncGenerator[EngineEvent, None]:
        job_id = await self._enqueue(session, options, render_id)
        finished = False
        try:
            # Recorded with the render: a bot killed now finds the job again when it restarts.
            yield RemoteRender(f"{JOB_PREFIX}{job_id}")
            async for event in self._follow(job_id):
                if isinstance(event, Rendered):
                    finished = True
                yield event
        finally:
            if not finished:  # cancelled or failed here: stop it wherever it runs
                with contextlib.suppress(Exception):
                    await asyncio.shield(self.app.job_manager.cancel_job_by_id_async(
                        job_id, abort=True))

    async def resume(self, remote_id: str) -> AsyncGenerator[EngineEvent, None]:
        """Follow the job of a bot that died following it (it ran on without it). One that
        was aborted (that bot stopped cleanly and called it off) was cut off by the restart."""
        if not remote_id.startswith(JOB_PREFIX):
            raise EngineError(f"{remote_id!r} is not a render job of the workers")
        try:
            async for event in self._follow(int(remote_id.removeprefix(JOB_PREFIX))):
                yield event
        except EngineError as exc:
            if isinstance(exc, CutOff):
                raise UserError(INTERRUPTED) from exc
            raise

    async def _enqueue(self, session: SessionRef, options: ExportOptions,
                       render_id: str) -> int:
        # The row first: a worker may take the job the moment it is deferred.
        now = time.time()
        await _again(lambda: self.app.connector.execute_query_async(
            "INSERT INTO backtrack_render_jobs (render_id, state, enqueued_at, updated_at)"
            " VALUES (%(render_id)s, 'queued', %(now)s, %(now)s) ON CONFLICT (render_id)"
            " DO UPDATE SET job_id = NULL, state = 'queued', text = '', percent = NULL,"
            " enqueued_at = excluded.enqueued_at", render_id=render_id, now=now))
        job_id = await self.app.configure_task(TASK, queue=QUEUE).defer_async(
            render_id=render_id, conversation=session.conversation,
            session_id=session.session_id, resolution=options.resolution,
            aspect=options.aspect, max_bytes=options.max_bytes)
        await _again(lambda: self.app.connector.execute_query_async(
            "UPDATE backtrack_render_jobs SET job_id = %(job_id)s WHERE render_id = %(render_id)s",
            render_id=render_id, job_id=job_id))
        return int(job_id)

    async def _follow(self, job_id: int) -> AsyncIterator[EngineEvent]:
        last: tuple[Any, ...] = ()
        while True:
            row = await _again(lambda: self.app.connector.execute_query_one_async(
                "SELECT j.status, r.state, r.text, r.percent, r.output, r.size, r.duration,"
                " r.width, r.height, r.words, (SELECT count(*) FROM procrastinate_jobs w"
                " WHERE w.queue_name = %(queue)s AND w.status = 'todo' AND w.id <= j.id)"
                " AS place FROM procrastinate_jobs j JOIN backtrack_render_jobs r"
                " ON r.job_id = j.id WHERE j.id = %(job_id)s", queue=QUEUE, job_id=job_id))
            status, state = row["status"], row["state"]
            if state == "done":
                # The output is complete (written under a temporary name, renamed, put in the
                # bucket) before the worker notes "done": deliver now, without waiting for
                # procrastinate to close the job. Should that worker die first, the job runs
                # again for nobody; the chat still gets one video.
                yield Rendered(self.data_dir / row["output"], None, row["size"],
                               row["duration"], row["width"], row["height"])
                return
            if state == "refused":
                raise UserError(row["words"])
            elif status in ("cancelled", "aborted") and state != "failed":
                raise CutOff(f"the render job {job_id} was called off ({status})")
            elif state == "failed" or status == "failed":
                raise EngineError(f"the render job {job_id} ended {status}/{state}: "
                                  f"{row['words'] or 'no detail'}")
            elif status == "todo" and last != ("todo", row["place"]):
                last = ("todo", row["place"])
                yield Progress("Waiting for a free renderer: you are number "
                               f"{row['place']} in line")
            elif status == "doing" and state == "running" and last != (
                    "doing", row["text"], row["percent"]):
                last = ("doing", row["text"], row["percent"])
                yield Progress(row["text"], row["percent"])
            # Far back in line, a slower look: 200 waiting followers polling 10 times a second
            # would each count the line 10 times a second.
            far = status == "todo" and row["place"] > 1
            await asyncio.sleep(WAITING_POLL_SECONDS if far else POLL_SECONDS)


@dataclass(frozen=True)
class QueueState:
    """What `backtrack doctor` tells about the render queue."""

    workers: int
    """Workers whose heartbeat is younger than `STALLED_SECONDS`."""
    waiting: int
    running: int
    oldest_wait: float | None
    """Seconds the longest-waiting render has been in line."""


async def queue_state(url: str) -> QueueState:
    """The queue's schema applied (as a bot's start does), then its workers and renders."""
    # One plain connection first: the connector's pool retries an unreachable server for 30 s.
    await (await psycopg.AsyncConnection.connect(url, connect_timeout=10)).close()
    app = make_app(url)
    async with app.open_async():
        await setup(app, url)
        row = await app.connector.execute_query_one_async(
            "SELECT (SELECT count(*) FROM procrastinate_workers WHERE last_heartbeat >"
            " now() - make_interval(secs => %(stalled)s)) AS workers,"
            " count(*) FILTER (WHERE status = 'todo') AS waiting,"
            " count(*) FILTER (WHERE status = 'doing') AS running,"
            " extract(epoch FROM now() - min(e.at) FILTER (WHERE status = 'todo')) AS oldest"
            " FROM procrastinate_jobs j LEFT JOIN LATERAL (SELECT max(at) AS at FROM"
            " procrastinate_events WHERE job_id = j.id AND type = 'deferred') e ON true"
            " WHERE j.queue_name = %(queue)s AND j.status IN ('todo', 'doing')",
            stalled=STALLED_SECONDS, queue=QUEUE)
    oldest = row["oldest"]
    return QueueState(int(row["workers"]), int(row["waiting"]), int(row["running"]),
                      None if oldest is None else float(oldest))


async def requeue_stalled(app: procrastinate.App) -> None:
    """Forever: put jobs of workers silent for `STALLED_SECONDS` back in line."""
    while True:
        await asyncio.sleep(HEARTBEAT_SECONDS)
        try:
            for job in await app.job_manager.get_stalled_jobs(
                    seconds_since_heartbeat=STALLED_SECONDS, queue=QUEUE):
                log.warning("render job %s lost its worker; it runs again", job.id)
                await app.job_manager.retry_job(job)
        except Exception:
            log.warning("looking for stalled render jobs failed", exc_info=True)


async def run_worker(url: str, engine: Renders, data_dir: Path, concurrency: int) -> None:
    """A render worker until cancelled (SIGINT/SIGTERM): `concurrency` renders at once."""
    app = make_app(url)
    async with app.open_async():
        await setup(app, url)
        reaper = asyncio.create_task(requeue_stalled(app), name="requeue stalled renders")
        try:
            await app.run_worker_async(
                queues=[QUEUE], concurrency=concurrency, wait=True,
                update_heartbeat_interval=HEARTBEAT_SECONDS,
                stalled_worker_timeout=STALLED_SECONDS, install_signal_handlers=True,
                additional_context={"app": app, "engine": engine, "data": data_dir})
        finally:
            reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reaper

