"""Telegram bot speed with the fake Bot API on 127.0.0.1.

    python bench/bench_telegram.py                 # --latency-runs 50 --chats 50
    python bench/bench_telegram.py --chats 20 --renders 2

The fake Bot API runs in its own thread and event loop, so the loop measured is the bot's
alone: real python-telegram-bot long polling, the real App (assistant, SQLite store, gate)
and the local ffmpeg engine, in a temporary data folder.

1. Latency: an update becomes available (pushed into getUpdates) -> the first reply arrives at
   the fake (sendMessage). "help" messages, one at a time. Target: under 200 ms.
2. Burst: N chats each send a 3 s clip with "add calm music" at the same moment. Every chat
   must get its video; every chat's first reply (status or queue place) must come promptly,
   i.e. nobody waits for somebody else's render except through the bounded render queue; a
   ticker task measures the bot loop's lag every 10 ms. Target: max lag under 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bots import telegram_bot
from bots.bootstrap import build_app
from core.config import Settings
from tests.fakes.telegram_api import FakeTelegram
from tests.media import make_video, measure


class ThreadedFake:
    """The fake Bot API on its own loop in a thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.fake = self.call(FakeTelegram().start())

    def call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def push(self, make: Callable[[FakeTelegram], dict[str, Any]]) -> None:
        async def go() -> None:
            self.fake.push(message=make(self.fake))
        self.call(go())

    def close(self) -> None:
        self.call(self.fake.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


async def wait(predicate: Callable[[], Any], timeout: float) -> Any:
    deadline = time.perf_counter() + timeout
    while not (value := predicate()):
        if time.perf_counter() > deadline:
            raise TimeoutError("waited too long")
        await asyncio.sleep(0.005)
    return value


class Ticker:
    """Measures how late the loop wakes a task that sleeps 10 ms."""

    def __init__(self) -> None:
        self.lags: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(0.01)
            self.lags.append(time.perf_counter() - start - 0.01)

    def __enter__(self) -> Ticker:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


async def bench(args: argparse.Namespace, work: Path) -> int:
    clip = make_video(work / "clip.mp4", seconds=3, freq=440)
    data = clip.read_bytes()
    server = ThreadedFake()
    tg = server.fake
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=work / "data", engine="local", telegram_bot_token=tg.token,
        telegram_api_url=tg.api_url, telegram_file_url=tg.file_url,
        max_concurrent_renders=args.renders, turns_per_minute=0, renders_per_day=0)
    app = await build_app(settings)
    running = await telegram_bot.start(app, poll_timeout=10)
    ok = True
    try:
        # 1. Latency to the first reply.
        latencies = []
        for i in range(args.latency_runs):
            chat = 10_000 + i
            server.push(lambda t, c=chat: t.message(t.private(t.user(c)), t.user(c), "help"))
            sent = await wait(lambda c=chat: tg.chats.get(c), 10)
            update_id = max(tg.update_times)
            latencies.append(sent[0].at - tg.update_times[update_id])
        latencies.sort()
        p95 = latencies[int(0.95 * (len(latencies) - 1))]
        print(f"first reply latency over {len(latencies)} updates: median "
              f"{ms(statistics.median(latencies))}, p95 {ms(p95)}, max {ms(latencies[-1])} "
              "(target < 200 ms)")
        ok &= p95 < 0.2

        # 2. N chats send a clip at once.
        chats = [20_000 + i for i in range(args.chats)]
        with Ticker() as ticker:
            start = time.perf_counter()

            def burst(t: FakeTelegram) -> dict[str, Any]:
                for c in chats[1:]:
                    t.push(message=clip_message(t, c, data))
                return clip_message(t, chats[0], data)

            server.push(burst)
            pushed = time.perf_counter()
            await wait(lambda: all(tg.sent(c, "video") for c in chats), args.timeout)
            total = time.perf_counter() - start
        firsts = sorted(tg.chats[c][0].at - pushed for c in chats)
        done = sorted(tg.sent(c, "video")[0].at - pushed for c in chats)
        queued = sum(any("in line" in (s.text or "") or any("in line" in e for _, e in s.edits)
                         for s in tg.chats[c]) for c in chats)
        measured = [measure(save(tg.sent(c, "video")[0].upload, work / f"v{c}.mp4"))
                    for c in chats]
        good = sum(abs(m.duration - 3) < 0.3 and m.audio_streams == 1 for m in measured)
        print(f"{len(chats)} chats at once ({args.renders} renders at a time): all videos in "
              f"{total:.1f} s; {good}/{len(chats)} measured 3 s with sound")
        print(f"  first reply per chat: median {ms(statistics.median(firsts))}, max "
              f"{ms(firsts[-1])}; {queued} chats were told their place in the render queue")
        print(f"  video per chat: first {done[0]:.1f} s, median {statistics.median(done):.1f} s, "
              f"last {done[-1]:.1f} s")
        worst = max(ticker.lags) if ticker.lags else 0.0
        print(f"  event loop lag: max {ms(worst)}, p99 "
              f"{ms(sorted(ticker.lags)[int(0.99 * (len(ticker.lags) - 1))])} over "
              f"{len(ticker.lags)} ticks (target max < 100 ms)")
        ok &= good == len(chats) and worst < 0.1 and firsts[-1] < 2.0
    finally:
        await telegram_bot.stop(running)
        await app.aclose()
        server.close()
    print("OK" if ok else "TARGET MISSED")
    return 0 if ok else 1


def clip_message(t: FakeTelegram, chat: int, data: bytes) -> dict[str, Any]:
    stored = t.add_file(data)
    user = t.user(chat)
    return t.message(t.private(user), user, caption="add calm music", video=t.video(stored))


def save(data: bytes | None, path: Path) -> Path:
    assert data is not None
    path.write_bytes(data)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--latency-runs", type=int, default=50)
    parser.add_argument("--chats", type=int, default=50)
    parser.add_argument("--renders", type=int, default=2, help="BACKTRACK_MAX_RENDERS")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-telegram-") as tmp:
        return asyncio.run(bench(args, Path(tmp)))


if __name__ == "__main__":
    sys.exit(main())
