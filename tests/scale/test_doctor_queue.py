"""`backtrack doctor` checks the render queue: its tables are applied, and it says whether
workers are alive and renders are waiting (a render waiting with no worker is a failure). A
real `backtrack worker` process makes the check pass."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from bots import doctor
from core.config import Settings
from storage.render_jobs import QUEUE, TASK, make_app
from tests.postgres import Postgres

ROOT = Path(__file__).resolve().parents[2]


def settings(tmp_path: Path, url: str | None) -> Settings:
    return Settings(_env_file=None, BACKTRACK_DATA_DIR=tmp_path,  # type: ignore[call-arg]
                    BACKTRACK_DATABASE_URL=url)


def jobs(url: str) -> list[str]:
    with psycopg.connect(url, autocommit=True) as conn:
        return [str(r[0]) for r in conn.execute(b"SELECT status FROM procrastinate_jobs")]


async def test_doctor_checks_the_queue_and_its_workers(tmp_path: Path,
                                                       postgres: Postgres) -> None:
    alone = await doctor.check_queue(settings(tmp_path, None))
    assert alone.level == "OK" and "bot's own process" in alone.detail

    url = postgres.new_database()
    empty = await doctor.check_queue(settings(tmp_path, url))
    assert empty.level == "WARN", empty
    assert empty.detail.startswith("0 worker(s) alive, 0 render(s) waiting")
    assert jobs(url) == []  # the tables are there now (a bot's start would make them too)

    app = make_app(url)
    async with app.open_async():  # a bot asked for a render while no worker runs
        await app.configure_task(TASK, queue=QUEUE).defer_async(
            render_id="r1", conversation="telegram:1", session_id="local-gone",
            resolution=None, aspect=None, max_bytes=None)
    stuck = await doctor.check_queue(settings(tmp_path, url))
    assert stuck.level == "FAIL", stuck
    assert "1 render(s) waiting" in stuck.detail and "backtrack worker" in stuck.detail
    assert "the oldest has waited" in stuck.detail

    env = {k: v for k, v in os.environ.items() if not k.startswith(("BACKTRACK_", "NEMO_"))}
    env.update(PYTHONPATH=str(ROOT), BACKTRACK_DATABASE_URL=url,
               BACKTRACK_DATA_DIR=str(tmp_path / "data"))
    with (tmp_path / "worker.log").open("w") as log:
        worker = subprocess.Popen([sys.executable, "-m", "bots.cli", "worker"], cwd=tmp_path,
                                  env=env, stdout=subprocess.DEVNULL, stderr=log,
                                  start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while jobs(url) != ["succeeded"]:  # it takes the job (its session is gone: refused)
            assert time.monotonic() < deadline, (tmp_path / "worker.log").read_text()
            time.sleep(0.1)
        served = await doctor.check_queue(settings(tmp_path, url))
        assert served.level == "OK", served
        assert served.detail == "schema applied; 1 worker(s) alive, 0 render(s) waiting, " \
                                "0 running"
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(20)
    assert worker.returncode == 0, (tmp_path / "worker.log").read_text()

    bad = await doctor.check_queue(settings(tmp_path, "postgresql://x@127.0.0.1:1/none"))
    assert bad.level == "FAIL" and bad.detail.startswith("the render queue on "
                                                         "BACKTRACK_DATABASE_URL")
