"""Running ffmpeg: no shell, progress from `-progress pipe:1`, a deadline, kill on cancel.

The output is written to a hidden temporary name next to the target and renamed only when
ffmpeg succeeded, so a failed, timed-out or cancelled render never leaves a partial file.

ffmpeg never runs on its own: it is started through `core/local/reaper.py`, which dies with
this process (even of SIGKILL, through PR_SET_PDEATHSIG on Linux), kills ffmpeg first and
removes the partial file and the render's work folder (`cleanup`) on the way out.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import sys
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from core.errors import RenderFailed, RenderTimeout
from core.janitor import PARTIAL_SUFFIX

OnProgress = Callable[[float], None]
T = TypeVar("T")

REAPER = Path(__file__).with_name("reaper.py")
STOP_SECONDS = 10.0
"""How long a stopped ffmpeg (and its reaper's clean-up) may take before SIGKILL."""


async def start_guarded(
    command: Sequence[str], cleanup: Sequence[Path] = (), **kwargs: Any
) -> asyncio.subprocess.Process:
    """Start `command` (an ffmpeg) so that it dies with this process, whatever kills it, and
    `cleanup` (files or folders) is removed when it is stopped or orphaned. The process is the
    reaper; ffmpeg's exit code, stdout and stderr come through it unchanged."""
    paths = [str(path.absolute()) for path in cleanup]
    return await asyncio.create_subprocess_exec(
        sys.executable, "-I", "-S", str(REAPER), str(os.getpid()), *paths, "--", *command,
        **kwargs)


HOLD = ("-I", "-S", "-c", "import sys; sys.stdin.buffer.read()")
"""A process that waits for its standard input to close: what a reaper guards while this
process itself writes into a folder (`held`)."""


@contextlib.asynccontextmanager
async def held(cleanup: Sequence[Path]) -> AsyncIterator[None]:
    """While the block runs work of this process's own into `cleanup` (the smart cut's join,
    core/local/smartcut.py), a reaper holds those paths: should this process die, even of
    SIGKILL, they are removed as they are for ffmpeg. Leaving the block lets it go quietly."""
    process = await start_guarded([sys.executable, *HOLD], cleanup,
                                  stdin=asyncio.subprocess.PIPE,
                                  stdout=asyncio.subprocess.DEVNULL,
                                  stderr=asyncio.subprocess.DEVNULL)
    try:
        yield
    finally:
        if process.stdin is not None:
            process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), STOP_SECONDS)
        except TimeoutError:
            process.kill()


class ProgressParser:
    """Turns `-progress` key=value lines into percentages (pure, fed line by line)."""

    def __init__(self, duration: float | None) -> None:
        self.duration = duration
        self._out_us: float = 0.0

    def feed(self, line: str) -> float | None:
        """Percent (0-100) when a progress block ends, otherwise None."""
        key, _, value = line.strip().partition("=")
        if key in ("out_time_us", "out_time_ms"):  # both are microseconds in ffmpeg
            with contextlib.suppress(ValueError):
                self._out_us = max(self._out_us, float(value))
            return None
        if key != "progress":
            return None
        if value == "end":
            return 100.0
        if not self.duration or self.duration <= 0:
            return None
        return max(0.0, min(99.9, self._out_us / 1e6 / self.duration * 100))


def default_ffmpeg() -> str:
    """The ffmpeg that imageio-ffmpeg ships (imported late: it is only needed to run)."""
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


class FfmpegRunner:
    """Runs ffmpeg processes; one object is shared by everything that renders."""

    def __init__(
        self, executable: str | None = None, timeout: float = 1800.0, tail_lines: int = 60
    ) -> None:
        self.executable = executable or default_ffmpeg()
        self.timeout = timeout
        self.tail_lines = tail_lines

    async def __call__(self, args: list[str]) -> None:
        """`run` without progress, for callers that only need an awaitable `args -> None`."""
        await self.run(args)

    async def run(
        self,
        args: Sequence[str],
        *,
        duration: float | None = None,
        on_progress: OnProgress | None = None,
        seconds: float | None = None,
        cleanup: Sequence[Path] = (),
    ) -> str:
        """Run ffmpeg with `args` (no executable); returns the tail of its stderr. `seconds`
        overrides the runner's deadline; `cleanup` is removed should ffmpeg be stopped or
        this process die while it runs.

        RenderFailed (with the stderr tail) on a non-zero exit, RenderTimeout past the
        deadline; on cancellation the process is killed before the CancelledError goes on.
        """
        process = await start_guarded(
            [self.executable, "-hide_banner", "-nostdin", "-y", "-progress", "pipe:1",
             "-nostats", *args],
            cleanup,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        tail: deque[str] = deque(maxlen=self.tail_lines)
        parser = ProgressParser(duration)
        limit = seconds if seconds is not None else self.timeout
        try:
            async with asyncio.timeout(limit):
                await asyncio.gather(
                    _read_progress(process.stdout, parser, on_progress),
                    _read_tail(process.stderr, tail),
                )
                code = await process.wait()
        except TimeoutError:
            await stop_guarded(process)
            raise RenderTimeout(f"ffmpeg ran past its {limit:g} s deadline and was stopped.") \
                from None
        except BaseException:
            await stop_guarded(process)
            raise
        text = "\n".join(tail)
        if code != 0:
            last = next((line for line in reversed(tail) if line.strip()), "no output")
            raise RenderFailed(f"ffmpeg exited with code {code}: {last[:300]}", text)
        return text

    async def render(
        self,
        args: Sequence[str],
        output: Path,
        *,
        duration: float | None = None,
        on_progress: OnProgress | None = None,
        cleanup: Sequence[Path] = (),
    ) -> Path:
        """Run a command whose output file is appended here: first a temporary name in the
        same folder, renamed to `output` only after success. The folder must exist: creating
        folders is the caller's decision (`backtrack render -o` never creates any)."""
        partial = output.with_name(f".{output.name}.{secrets.token_hex(4)}{PARTIAL_SUFFIX}")
        try:
            await self.run([*args, str(partial)], duration=duration, on_progress=on_progress,
                           cleanup=(partial, *cleanup))
            if not partial.exists() or partial.stat().st_size == 0:
                raise RenderFailed("ffmpeg finished but wrote nothing.")
            os.replace(partial, output)
        finally:
            partial.unlink(missing_ok=True)
        return output


async def _read_progress(
    stream: asyncio.StreamReader | None, parser: ProgressParser, on_progress: OnProgress | None
) -> None:
    if stream is None:
        return
    async for raw in stream:
        percent = parser.feed(raw.decode("utf-8", "replace"))
        if percent is not None and on_progress is not None:
            on_progress(percent)


async def _read_tail(stream: asyncio.StreamReader | None, tail: deque[str]) -> None:
    if stream is None:
        return
    while True:
        try:
            raw = await stream.readline()
        except ValueError:  # a line longer than the reader's limit: keep going
            continue
        if not raw:
            return
        tail.append(raw.decode("utf-8", "replace").rstrip())


async def stop_guarded(process: asyncio.subprocess.Process) -> None:
    """Stop the reaper with SIGTERM (it kills ffmpeg, waits for it and cleans up), SIGKILL
    if that takes longer than `STOP_SECONDS` (ffmpeg then dies of its parent-death signal)."""
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
    waiting = asyncio.ensure_future(process.wait())
    try:
        await asyncio.wait_for(asyncio.shield(waiting), STOP_SECONDS)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
    with contextlib.suppress(Exception):
        await asyncio.shield(waiting)


async def progress_stream(
    work: Callable[[OnProgress], Awaitable[T]],
) -> AsyncIterator[float | T]:
    """Run `work(on_progress)` and yield each percent it reports, then its result last.

    The work runs as a task owned by this generator: closing the generator early (the
    consumer was cancelled) cancels the task and waits for it, which kills ffmpeg.
    """
    queue: asyncio.Queue[float] = asyncio.Queue()
    task = asyncio.ensure_future(work(queue.put_nowait))
    getter: asyncio.Future[float] | None = None
    try:
        while not task.done():
            getter = asyncio.ensure_future(queue.get())
            await asyncio.wait({task, getter}, return_when=asyncio.FIRST_COMPLETED)
            if getter.done():
                yield getter.result()
            else:
                getter.cancel()
        while not queue.empty():
            yield queue.get_nowait()
        yield task.result()
    finally:
        if getter is not None:
            getter.cancel()  # cancelled while waiting: the pending get() must not outlive us
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
