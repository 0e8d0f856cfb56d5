"""The ffmpeg runner: progress, errors with stderr, deadline, cancellation, no partial files."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest

from core.errors import RenderFailed, RenderTimeout
from core.local.runner import FfmpegRunner, ProgressParser, progress_stream

SLOW = ["-re", "-f", "lavfi", "-i", "sine=frequency=440:duration=20"]  # 20 s in real time


def ffmpeg_children() -> set[int]:
    """Live child processes of this test process (Linux /proc), to see that ffmpeg is gone."""
    me, found = os.getpid(), set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == me and fields[0] != "Z":
                found.add(int(entry))
    return found


@pytest.mark.parametrize(
    ("duration", "lines", "expected"),
    [
        (10.0, ["frame=1", "out_time_us=2500000", "progress=continue"], [None, None, 25.0]),
        (10.0, ["out_time_ms=5000000", "progress=continue"], [None, 50.0]),
        (10.0, ["out_time_us=N/A", "progress=continue"], [None, 0.0]),
        (10.0, ["out_time_us=12000000", "progress=continue"], [None, 99.9]),
        (10.0, ["out_time_us=1000000", "progress=end"], [None, 100.0]),
        (None, ["out_time_us=1000000", "progress=continue", "progress=end"], [None, None, 100.0]),
        (4.0, ["out_time_us=3000000", "out_time_us=1000000", "progress=continue"],
         [None, None, 75.0]),
        (4.0, ["garbage", "", "speed=2x"], [None, None, None]),
    ],
)
def test_progress_parser(duration: float | None, lines: list[str],
                         expected: list[float | None]) -> None:
    parser = ProgressParser(duration)
    assert [parser.feed(line + "\n") for line in lines] == expected


async def test_progress_is_reported_while_running() -> None:
    seen: list[float] = []
    tail = await FfmpegRunner(timeout=30).run(
        ["-stats_period", "0.2", "-re", "-f", "lavfi", "-i", "sine=duration=1.2", "-f", "null",
         "-"], duration=1.2, on_progress=seen.append)
    assert seen[-1] == 100.0
    assert any(0 < p < 100 for p in seen), seen
    assert seen == sorted(seen)
    assert "sine" in tail or "Output" in tail


async def test_failure_keeps_the_stderr_tail(tmp_path: Path) -> None:
    out = tmp_path / "out.mp4"
    with pytest.raises(RenderFailed) as caught:
        await FfmpegRunner(timeout=30).render(["-i", str(tmp_path / "missing.mp4"), "-f", "mp4"],
                                              out)
    assert "missing.mp4" in caught.value.stderr_tail
    assert "code" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


async def test_timeout_kills_ffmpeg(tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(RenderTimeout):
        await FfmpegRunner(timeout=0.5).render([*SLOW, "-f", "mp4"], tmp_path / "out.m4a")
    assert time.monotonic() - started < 5
    assert ffmpeg_children() == set()
    assert list(tmp_path.iterdir()) == []


async def test_cancel_kills_ffmpeg_and_removes_the_partial_file(tmp_path: Path) -> None:
    task = asyncio.create_task(
        FfmpegRunner(timeout=60).render([*SLOW, "-c:a", "aac", "-f", "mp4"], tmp_path / "o.mp4"))
    for _ in range(100):
        await asyncio.sleep(0.05)
        if any(tmp_path.iterdir()):
            break
    assert ffmpeg_children(), "ffmpeg should be running"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert ffmpeg_children() == set()
    assert list(tmp_path.iterdir()) == []


async def test_success_renames_into_place(tmp_path: Path) -> None:
    out = tmp_path / "deep" / "out.mp4"
    out.parent.mkdir()  # the caller's folder: the runner never creates folders
    result = await FfmpegRunner(timeout=30).render(
        ["-f", "lavfi", "-i", "sine=duration=0.5", "-c:a", "aac", "-f", "mp4"], out)
    assert result == out and out.stat().st_size > 0
    assert [p.name for p in out.parent.iterdir()] == ["out.mp4"]


async def test_runner_is_callable_like_ensure_mood_expects(tmp_path: Path) -> None:
    out = tmp_path / "tone.wav"
    await FfmpegRunner(timeout=30)(["-f", "lavfi", "-i", "sine=duration=0.2", str(out)])
    assert out.stat().st_size > 0


async def test_progress_stream_yields_percent_then_the_result() -> None:
    async def work(report: object) -> str:
        for p in (10.0, 50.0, 100.0):
            report(p)  # type: ignore[operator]
            await asyncio.sleep(0)
        return "done"

    items = [item async for item in progress_stream(work)]
    assert items == [10.0, 50.0, 100.0, "done"]


async def test_progress_stream_closed_early_cancels_the_work() -> None:
    cancelled = asyncio.Event()

    async def work(report: object) -> str:
        report(1.0)  # type: ignore[operator]
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return "never"

    stream = progress_stream(work)
    assert await anext(stream) == 1.0
    await stream.aclose()  # type: ignore[attr-defined]
    assert cancelled.is_set()


async def test_progress_stream_passes_errors_on() -> None:
    async def work(report: object) -> str:
        raise RenderFailed("boom", "tail")

    with pytest.raises(RenderFailed):
        [item async for item in progress_stream(work)]


async def test_progress_stream_cancelled_while_waiting_leaves_no_task_behind() -> None:
    started = asyncio.Event()

    async def work(report: object) -> str:
        started.set()
        await asyncio.sleep(30)
        return "never"

    async def consume() -> None:
        async for _ in progress_stream(work):
            pass

    consumer = asyncio.create_task(consume())
    await started.wait()
    await asyncio.sleep(0)  # the consumer now waits for the work or the next percent
    consumer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await consumer
    await asyncio.sleep(0)
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []
