"""Renders on `backtrack worker` processes: `backtrack chat` with a database URL sends its
render to the workers; a worker killed -9 mid-render has its job run again on another one;
"cancel" stops a render on the worker. Real processes, the session's PostgreSQL, real media
(the delivered video is measured)."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from bots.bootstrap import build_app
from core.config import Settings
from core.conversation.turn import Message, Reply, Turn, Video
from tests.core.assistant.conftest import KEY, attach, collect
from tests.media import make_video, measure
from tests.postgres import Postgres

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cluster(tmp_path: Path, postgres: Postgres) -> Iterator[Cluster]:
    c = Cluster(tmp_path, postgres.new_database())
    try:
        yield c
    finally:
        c.stop()


class Cluster:
    """Workers and console bots on one database and one data folder."""

    def __init__(self, tmp_path: Path, url: str) -> None:
        self.tmp_path, self.url = tmp_path, url
        self.workers: list[subprocess.Popen[str]] = []
        self._conn: psycopg.Connection[tuple[object, ...]] | None = None

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BACKTRACK_", "NEMO_"))}
        env.update(PYTHONPATH=str(ROOT), BACKTRACK_DATABASE_URL=self.url,
                   BACKTRACK_DATA_DIR=str(self.tmp_path / "data"))
        return env

    def worker(self) -> subprocess.Popen[str]:
        # Its log goes to a file: an unread pipe fills up and blocks the worker mid-render.
        log = self.tmp_path / f"worker{len(self.workers)}.log"
        with log.open("w") as sink:
            process = subprocess.Popen(
                [sys.executable, "-m", "bots.cli", "worker", "--concurrency", "1"],
                cwd=self.tmp_path, env=self.env(), text=True, stdout=subprocess.DEVNULL,
                stderr=sink, start_new_session=True)
        self.workers.append(process)
        return process

    def logs(self) -> str:
        return "".join(f"--- {p.name}\n{p.read_text()[-3000:]}"
                       for p in sorted(self.tmp_path.glob("worker*.log")))

    def chat(self, stdin: str) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, "-m", "bots.cli", "chat"], cwd=self.tmp_path, env=self.env(),
            text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert process.stdin is not None
        process.stdin.write(stdin)
        process.stdin.flush()  # communicate() closes it: end of input, after the render
        return process

    def job(self) -> tuple[str, int, str] | None:
        """The render job: procrastinate's status, its attempts, our state."""
        if self._conn is None:
            self._conn = psycopg.connect(self.url, autocommit=True)
        ready = self._conn.execute(b"SELECT to_regclass('backtrack_render_jobs')").fetchone()
        if not ready or ready[0] is None:
            return None
        row = self._conn.execute(
            b"SELECT j.status::text, j.attempts, r.state FROM procrastinate_jobs j"
            b" JOIN backtrack_render_jobs r ON r.job_id = j.id ORDER BY j.id DESC LIMIT 1"
        ).fetchone()
        return None if row is None else (str(row[0]), int(row[1]), str(row[2]))

    def wait_for(self, state: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if (job := self.job()) and job[2] == state:
                return
            time.sleep(0.02)
        raise AssertionError(f"no render reached {state}: {self.job()}")

    def closed(self, timeout: float = 30) -> tuple[str, int, str]:
        """The job once procrastinate has closed it (the bot delivers as soon as the worker
        notes the render done, which may be a moment before)."""
        deadline = time.monotonic() + timeout
        while (job := self.job()) is None or job[0] in ("todo", "doing"):
            assert time.monotonic() < deadline, job
            time.sleep(0.05)
        return job

    def stop(self) -> None:
        if self._conn is not None:
            self._conn.close()
        for process in self.workers:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(5)


def videos_in(output: str) -> list[Path]:
    return [Path(m) for m in re.findall(r"^Video: (.+?) \(", output, flags=re.MULTILINE)]


def test_chat_renders_on_a_worker(cluster: Cluster, tmp_path: Path) -> None:
    clip = make_video(tmp_path / "clip.mp4", seconds=4, freq=440)
    cluster.worker()
    chat = cluster.chat(f"{clip}\nadd calm music\n")
    out, err = chat.communicate(timeout=180)
    assert chat.returncode == 0, out + err
    (video,) = videos_in(out)
    facts = measure(video)
    assert facts.video_codec == "h264" and facts.audio_streams == 1
    assert abs(facts.duration - 4.0) < 0.3
    assert cluster.closed() == ("succeeded", 1, "done")  # it was the worker's job, done once


def test_a_worker_killed_mid_render_is_replaced_and_one_video_arrives(
        cluster: Cluster, tmp_path: Path) -> None:
    clip = make_video(tmp_path / "long.mp4", seconds=20, width=640, height=480)
    doomed = cluster.worker()
    chat = cluster.chat(f"{clip}\nadd calm music and make it vertical\n")
    cluster.wait_for("running")
    time.sleep(0.5)
    os.killpg(doomed.pid, signal.SIGKILL)  # the worker and its ffmpeg, no goodbyes
    doomed.wait(10)
    assert cluster.job() is not None and cluster.job()[0] == "doing"  # type: ignore[index]
    cluster.worker()  # another machine's worker takes the job once the first is missed
    try:
        out, err = chat.communicate(timeout=240)
    except subprocess.TimeoutExpired:
        chat.kill()
        out, err = chat.communicate()
        raise AssertionError(f"{cluster.job()}\n{out}{err}\n{cluster.logs()}") from None
    assert chat.returncode == 0, out + err + cluster.logs()
    (video,) = videos_in(out)  # exactly one video
    facts = measure(video)
    assert (facts.width, facts.height) == (270, 480) or facts.height > facts.width
    assert abs(facts.duration - 20.0) < 0.5
    status, attempts, state = cluster.closed()
    assert (status, state) == ("succeeded", "done") and attempts == 2


async def test_cancel_aborts_the_render_on_its_worker(cluster: Cluster, tmp_path: Path) -> None:
    """A bot (in this test's process) sends its render to a worker process; "cancel" stops the
    turn and aborts the job there."""
    clip = make_video(tmp_path / "long.mp4", seconds=40, width=640, height=480)
    cluster.worker()
    settings = Settings(_env_file=None, BACKTRACK_DATABASE_URL=cluster.url,  # type: ignore[call-arg]
                        BACKTRACK_DATA_DIR=tmp_path / "data")
    app = await build_app(settings)
    try:
        async def turn() -> list[Reply]:
            return [r async for r in app.assistant.handle(
                Turn(KEY, "add calm music and make it vertical", (attach(clip),)))]

        running = asyncio.create_task(turn())
        await asyncio.to_thread(cluster.wait_for, "running")
        said = await collect(app.assistant, Turn(KEY, "cancel"))
        assert said[0].text.startswith("Stopping your last request")  # type: ignore[union-attr]
        replies = await asyncio.wait_for(running, 30)
        assert isinstance(replies[-1], Message) and replies[-1].text == "Cancelled."
        assert not [r for r in replies if isinstance(r, Video)]
        deadline = time.monotonic() + 30
        while (await asyncio.to_thread(cluster.job))[0] != "aborted":  # type: ignore[index]
            assert time.monotonic() < deadline, cluster.job()
            await asyncio.sleep(0.1)
    finally:
        await app.aclose()
