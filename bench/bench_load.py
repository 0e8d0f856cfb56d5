"""Load: many Telegram conversations, each a clip and two follow-up edits, over a few minutes.

    python bench/bench_load.py                       # 200 conversations over 300 s
    python bench/bench_load.py --quick               # 20 conversations over 30 s
    python bench/bench_load.py --conversations 50 --duration 60 --renders 2

The fake Bot API runs in a child process (its own interpreter) on 127.0.0.1; the bot is the
real thing in this process: python-telegram-bot long polling, the App (assistant, gate,
SQLite store) and the local ffmpeg engine, in a temporary data folder. Conversations start
evenly spread over the duration; each sends a 3 s clip with "add calm music", waits for the
video, then sends two edits ("fade it out at the end", "make the music quieter") and waits for
each video. Reported: renders delivered and lost (must be 0), the 50th/95th percentile time
from a message becoming available to the bot's first visible reply and to the video, the
renders in the store by state, peak memory (the bot process, and with its ffmpeg children),
and open file descriptors after start, at the end and after shutdown (no leak).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bots import telegram_bot
from bots.bootstrap import build_app
from core.config import Settings
from core.logs import setup_logging
from tests.fakes.telegram_api import FakeTelegram
from tests.media import make_video

SCRIPT: tuple[tuple[str, bool], ...] = (
    ("add calm music", True),
    ("fade it out at the end", False),
    ("make the music quieter", False),
)
VISIBLE = frozenset({"sendMessage", "editMessageText", "sendVideo", "sendDocument"})
DELIVERY = frozenset({"sendVideo", "sendDocument"})
APOLOGY = "Sorry, something went wrong"


# The fake Bot API in its own process --------------------------------------------------------


class FakeProcess:
    """Drives the fake through a pipe; times are `time.perf_counter()` (one clock for both)."""

    def __init__(self) -> None:
        self.conn, child = multiprocessing.Pipe()
        self.process = multiprocessing.Process(target=_serve_fake, args=(child,), daemon=True)
        self.process.start()
        self._lock = asyncio.Lock()
        self.token, self.api_url, self.file_url = self._ask_now("info")

    def _ask_now(self, *command: Any) -> Any:
        self.conn.send(command)
        return self.conn.recv()

    async def ask(self, *command: Any) -> Any:
        async with self._lock:  # one request on the pipe at a time
            return await asyncio.to_thread(self._ask_now, *command)

    def close(self) -> None:
        self._ask_now("stop")
        self.process.join(10)


def _serve_fake(conn: Connection) -> None:
    asyncio.run(_fake_main(conn))


async def _fake_main(conn: Connection) -> None:
    tg = await FakeTelegram().start()
    stopped = asyncio.Event()
    clip: Any = None

    def answer(command: tuple[Any, ...]) -> Any:
        nonlocal clip
        name, *rest = command
        if name == "info":
            return tg.token, tg.api_url, tg.file_url
        if name == "clip":
            clip = tg.add_file(rest[0])
            return clip.file_id
        if name == "send":
            chat, text, with_clip = rest
            user = tg.user(chat)
            message = (tg.message(tg.private(user), user, caption=text,
                                  video=tg.video(clip, duration=3)) if with_clip
                       else tg.message(tg.private(user), user, text))
            return tg.update_times[tg.push(message=message)]
        if name == "trace":  # per update pushed to these chats: (chat, update_id, times served)
            served: dict[int, int] = defaultdict(int)
            for uid in tg.served:
                served[uid] += 1
            chats = set(rest[0])
            return [(u["message"]["chat"]["id"], uid, served[uid]) for uid, u in tg.pushed.items()
                    if u.get("message", {}).get("chat", {}).get("id") in chats]
        if name == "calls":
            cursor = rest[0]
            new = [(int(c.params.get("chat_id") or 0), c.method, c.at,
                    str(c.params.get("text") or "")[:200])
                   for c in tg.calls[cursor:] if c.method in VISIBLE]
            return new, len(tg.calls)
        if name == "stop":
            stopped.set()
            return None
        raise ValueError(name)

    def on_command() -> None:
        conn.send(answer(conn.recv()))

    asyncio.get_running_loop().add_reader(conn.fileno(), on_command)
    await stopped.wait()
    await tg.stop()


# Watching what the bot sends --------------------------------------------------------------------


@dataclass
class Inbox:
    """What the bot sent to each chat, filled by polling the fake."""

    calls: dict[int, list[tuple[str, float, str]]] = field(
        default_factory=lambda: defaultdict(list))
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def follow(self, fake: FakeProcess) -> None:
        cursor = 0
        while True:
            new, cursor = await fake.ask("calls", cursor)
            for chat, method, at, text in new:
                self.calls[chat].append((method, at, text))
            if new:
                self.changed.set()
                self.changed = asyncio.Event()
            await asyncio.sleep(0.05)

    async def first(self, chat: int, since: float, wanted: Callable[[str, str], bool],
                    deadline: float) -> tuple[float, str, str] | None:
        """Method, time and text of the first wanted call to this chat after `since`."""
        while True:
            for method, at, text in self.calls.get(chat, ()):
                if at >= since and wanted(method, text):
                    return at, method, text
            if time.perf_counter() > deadline:
                return None
            waiter = self.changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter.wait(), 1.0)


@dataclass
class Results:
    first_reply: list[float] = field(default_factory=list)
    delivery: list[float] = field(default_factory=list)
    delivered: int = 0
    lost: list[str] = field(default_factory=list)


async def conversation(chat: int, start_at: float, fake: FakeProcess, inbox: Inbox,
                       results: Results, step_timeout: float) -> None:
    await asyncio.sleep(max(0.0, start_at - time.perf_counter()))
    for step, (text, with_clip) in enumerate(SCRIPT):
        pushed = await fake.ask("send", chat, text, with_clip)
        deadline = pushed + step_timeout
        first = await inbox.first(chat, pushed, lambda method, text: True, deadline)
        if first is None:
            results.lost.append(f"chat {chat} step {step}: no reply")
            return
        results.first_reply.append(first[0] - pushed)
        done = await inbox.first(
            chat, pushed, lambda method, text: method in DELIVERY or APOLOGY in text, deadline)
        if done is None or done[1] not in DELIVERY:
            results.lost.append(f"chat {chat} step {step}: {done[2] if done else 'no video'}")
            return
        results.delivery.append(done[0] - pushed)
        results.delivered += 1


# Memory and descriptors -------------------------------------------------------------------------


@dataclass
class Sampler:
    me: psutil.Process = field(default_factory=psutil.Process)
    peak_self: int = 0
    peak_total: int = 0

    def sample(self) -> None:
        rss = self.me.memory_info().rss
        total = rss
        for child in self.me.children(recursive=True):
            try:
                if "ffmpeg" in child.name():
                    total += child.memory_info().rss
            except psutil.Error:
                continue
        self.peak_self = max(self.peak_self, rss)
        self.peak_total = max(self.peak_total, total)

    async def run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(0.25)

    def fds(self) -> int:
        return int(self.me.num_fds())


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[round(q * (len(ordered) - 1))] if ordered else float("nan")


def secs(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.1f} s"


# The run ------------------------------------------------------------------------------------------


async def bench(args: argparse.Namespace, work: Path) -> int:
    clip = make_video(work / "clip.mp4", seconds=3, freq=440)
    fake = FakeProcess()
    await fake.ask("clip", clip.read_bytes())
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=work / "data", engine="local",
        telegram_bot_token=fake.token, telegram_api_url=fake.api_url,
        telegram_file_url=fake.file_url, max_concurrent_renders=args.renders,
        log_level="WARNING")
    setup_logging(settings)  # warnings and errors only, redacted, on stderr
    sampler = Sampler()
    app = await build_app(settings)
    running = await telegram_bot.start(app, poll_timeout=10)
    inbox, results = Inbox(), Results()
    helpers = [asyncio.create_task(inbox.follow(fake)), asyncio.create_task(sampler.run())]
    fds_start = sampler.fds()
    began = time.perf_counter()
    spacing = args.duration / args.conversations
    try:
        await asyncio.gather(*(
            conversation(100_000 + i, began + i * spacing, fake, inbox, results,
                         args.step_timeout)
            for i in range(args.conversations)))
        elapsed = time.perf_counter() - began
        await asyncio.sleep(1.0)  # let the last uploads' connections settle
        sampler.sample()
        fds_end = sampler.fds()
        states = {state: len(await app.store.renders_in_state(state))
                  for state in ("done", "failed", "interrupted", "cancelled", "queued",
                                "running")}
    finally:
        for helper in helpers:
            helper.cancel()
        await asyncio.gather(*helpers, return_exceptions=True)
        await telegram_bot.stop(running)
        await app.aclose()
        fake.close()
    fds_after = sampler.fds()

    expected = args.conversations * len(SCRIPT)
    print(f"{args.conversations} conversations over {args.duration:g} s, {len(SCRIPT)} renders "
          f"each, {args.renders} at a time; finished in {elapsed:.0f} s "
          f"(load average {psutil.getloadavg()[0]:.1f} on {psutil.cpu_count()} CPUs)")
    print(f"  renders delivered: {results.delivered}/{expected}; lost: {len(results.lost)}")
    for line in results.lost[:10]:
        print(f"    lost: {line}")
    print(f"  time to first reply: p50 {secs(pct(results.first_reply, 0.5))}, "
          f"p95 {secs(pct(results.first_reply, 0.95))}, max {secs(max(results.first_reply))}")
    if results.delivery:
        print(f"  time to delivery:    p50 {secs(pct(results.delivery, 0.5))}, "
              f"p95 {secs(pct(results.delivery, 0.95))}, max {secs(max(results.delivery))}")
    print("  renders in the store: " + ", ".join(f"{k} {v}" for k, v in states.items() if v))
    print(f"  peak memory: bot process {sampler.peak_self / 2**20:.0f} MB RSS; with its ffmpeg "
          f"children {sampler.peak_total / 2**20:.0f} MB")
    print(f"  open file descriptors: {fds_start} after start, {fds_end} at the end, "
          f"{fds_after} after shutdown")
    leak = fds_end > fds_start + 10
    ok = not results.lost and results.delivered == expected and not leak
    print("OK" if ok else "TARGET MISSED")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--duration", type=float, default=300,
                        help="seconds over which conversations start (default 300)")
    parser.add_argument("--quick", action="store_true",
                        help="20 conversations over 30 s")
    parser.add_argument("--renders", type=int, default=2, help="BACKTRACK_MAX_RENDERS")
    parser.add_argument("--step-timeout", type=float, default=600,
                        help="seconds a message may wait for its video before it counts lost")
    args = parser.parse_args()
    if args.quick:
        args.conversations, args.duration = 20, 30.0
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        return asyncio.run(bench(args, Path(tmp)))


if __name__ == "__main__":
    sys.exit(main())
