"""`backtrack chat`: the assistant in this terminal, with the local engine and no configuration.

A line that names a file uploads it (`/upload PATH`, or just the path, spaces and apostrophes
allowed as typed, quotes optional; words after the path are the instruction), a line starting
with an http(s) link is a message (the assistant downloads it), any other line is a message.
Replies print as they come; the status line updates in place on a terminal. With input from a
pipe, lines are handled in order, each turn finishing before the next, and the command exits at
the end: scriptable.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from bots import signals
from bots.console_lines import attachment_for, parse_line
from core import words
from core.config import Settings, load_settings
from core.conversation.assistant import Assistant
from core.conversation.delivery import human_duration, human_size
from core.conversation.progress import status_text
from core.conversation.routing import route
from core.conversation.turn import (
    Audio,
    ConversationKey,
    Menu,
    Message,
    Notice,
    Photo,
    Problem,
    Reply,
    Status,
    Turn,
    Video,
)
from core.errors import ConfigError, EngineError, StoreError
from core.local.runner import FfmpegRunner

log = logging.getLogger(__name__)

KEY = ConversationKey("console", "local")
DEMO_SECONDS = 8
DEMO_SIZE = "640x360"
PATIENCE_SECONDS = 1.0
DEMO_TIMEOUT = 120.0

BANNER = """Backtrack chat. Send a video by typing its path (or /upload PATH), then say what you
want, e.g. "add background music and fade it out at the end". /demo makes a sample clip,
"help" lists what I can do, /quit leaves."""


# Lines -----------------------------------------------------------------------------------------


def menu_words(menu: Menu) -> str:
    """A menu as what to type: "set default mood: auto | lofi | [calm] | cinematic" (every
    choice is its setting's words and one value)."""
    head = menu.options[0].say.rsplit(" ", 1)[0] if menu.options else menu.title
    values = [o.say.removeprefix(head).strip() for o in menu.options]
    return f"{head}: " + " | ".join(f"[{v}]" if o.chosen else v
                                    for v, o in zip(values, menu.options, strict=True))


# Output ----------------------------------------------------------------------------------------

class Printer:
    """Prints replies; on a terminal the status line is rewritten in place."""

    def __init__(self, out: TextIO, tty: bool) -> None:
        self.out = out
        self.tty = tty
        self.language = "en"
        """The conversation's language, from its last line that had one (the console's "app
        language"): replies and the printer's own labels follow it."""
        self.assistant: Assistant | None = None
        self.problems = 0
        self._status_open = False
        self._last_status: tuple[str, float] | None = None

    def label(self, name: str) -> str:
        return words.text("console." + name, self.language)

    def reply(self, reply: Reply) -> None:
        reply = words.reply(reply, self.language)  # the console's own words (replies are already)
        if isinstance(reply, Status):
            self._status(reply)
            return
        self._end_status()
        if isinstance(reply, Message):
            self._print(reply.text)
            for menu in reply.menus:  # plain words: what to type for each choice
                self._print("  " + menu_words(menu))
        elif isinstance(reply, Video):
            self._video(reply)
        elif isinstance(reply, Photo):
            self._print(f"{self.label('picture')}{reply.path.resolve()}")
        elif isinstance(reply, Audio):
            self._print(f"{self.label('preview')}{reply.title}: {reply.path.resolve()} "
                        f"({human_duration(reply.duration)})")
        elif isinstance(reply, Problem):
            self.problems += 1
            self._print(f"{self.label('problem')}{reply.text}")

    def _video(self, video: Video) -> None:
        facts = f"{human_size(video.size)}, {human_duration(video.duration)}"
        if video.width and video.height:
            facts += f", {video.width}x{video.height}"
        if video.path is not None:
            self._print(f"{self.label('video')}{video.path.resolve()} ({facts})")
        if video.url is not None:
            self._print(f"{self.label('link')}{video.url}" + ("" if video.path else f" ({facts})"))
        if video.buttons:
            self._print(self.label("try") + " | ".join(video.buttons))

    def _status(self, status: Status) -> None:
        line = f"[{status.percent:3.0f}%] {status.text}" if status.percent is not None else (
            f"[ .. ] {status.text}")
        if self.tty:  # rewritten in place: the bar and the estimate, as the chats show them
            shown = line if status.percent is None else status_text(status)
            self.out.write("\r\x1b[2K" + shown[:200])
            self.out.flush()
            self._status_open = True
            return
        # Piped output: a new line only when the words change or 10 more percent are done.
        percent = status.percent or 0.0
        last = self._last_status
        if last is None or last[0] != status.text or percent - last[1] >= 10 or (
                percent >= 100 > last[1]):
            self._last_status = (status.text, percent)
            self._print(line)

    def _end_status(self) -> None:
        if self._status_open:
            self.out.write("\r\x1b[2K")
            self._status_open = False
        self._last_status = None

    def _print(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    async def notice(self, notice: Notice) -> None:
        """The console's notifier: late results and restart notices."""
        for reply in notice.replies:
            self.reply(reply)


# Input -----------------------------------------------------------------------------------------

def start_reader(stream: TextIO) -> asyncio.Queue[str | None]:
    """Lines from a blocking stream, read by a daemon thread (never blocks shutdown)."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def read() -> None:
        try:
            for line in stream:
                loop.call_soon_threadsafe(queue.put_nowait, line)
        except (OSError, ValueError):
            pass
        finally:
            with contextlib.suppress(RuntimeError):  # the loop is already closed
                loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=read, name="console-stdin", daemon=True).start()
    return queue


async def make_demo_clip(folder: Path, seconds: int = DEMO_SECONDS,
                         runner: FfmpegRunner | None = None) -> Path:
    """A short test pattern with a quiet tone as its own sound, made by ffmpeg once."""
    path = folder / "demo.mp4"
    if await asyncio.to_thread(lambda: path.is_file() and path.stat().st_size > 0):
        return path
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    args = [
        "-loglevel", "error",
        "-f", "lavfi", "-i", f"testsrc2=size={DEMO_SIZE}:rate=25:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency=220:sample_rate=48000:duration={seconds}",
        "-filter:a", "volume=0.3", "-c:v", "libx264", "-preset", "ultrafast",
        "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", "-f", "mp4",
    ]
    # The runner brings the deadline, the kill on cancel and the rename only after success.
    return await (runner or FfmpegRunner(timeout=DEMO_TIMEOUT)).render(args, path)


# The chat --------------------------------------------------------------------------------------

class Console:
    """One console conversation over a built app."""

    def __init__(self, settings: Settings, out: TextIO, tty: bool,
                 runner: FfmpegRunner | None = None) -> None:
        self.settings = settings
        self.runner = runner  # None: a runner of its own for the demo clip
        self.printer = Printer(out, tty)
        self.tty = tty
        self.assistant: Assistant | None = None

    async def main(self, messages: Iterable[str], demo: bool, stdin: TextIO | None,
                   interactive: bool) -> int:
        from bots.bootstrap import build_app

        app = await build_app(self.settings, recover=False)
        try:
            self.assistant = app.assistant
            app.assistant.add_notifier(KEY.platform, self.printer.notice)
            await app.assistant.recover()  # restart notices print before anything else
            if demo:  # the sample clip's words in the language of the first instruction
                first = next(iter(messages), "") if isinstance(messages, list | tuple) else ""
                self.printer.language = words.detect(first, self.printer.language)
                await self.line("/demo")
            for message in messages:
                if not await self.line(message):
                    return self.exit_code(interactive)
            if stdin is not None:
                await self.read(stdin, interactive)
            return self.exit_code(interactive)
        finally:
            await app.aclose()

    def exit_code(self, interactive: bool) -> int:
        """Scripts learn about problems from the exit code; a person reads them."""
        return 1 if self.printer.problems and not interactive else 0

    async def read(self, stdin: TextIO, interactive: bool) -> None:
        lines = start_reader(stdin)
        running: set[asyncio.Task[bool]] = set()
        try:
            while (line := await lines.get()) is not None:
                if not interactive:
                    if not await self.line(line):
                        return
                    continue
                # A person can type "cancel" while a turn runs: turns run beside the reader.
                parsed = parse_line(line)
                if parsed.kind == "quit":
                    return
                if running and route(parsed.text).action != "cancel":
                    # A line typed as the last turn ends waits for it a moment (the reply
                    # may print just before the turn is over); a long one answers "still
                    # working".
                    await asyncio.wait(running, timeout=PATIENCE_SECONDS)
                task = asyncio.create_task(self.line(line))
                running.add(task)
                task.add_done_callback(running.discard)
            if running:
                await asyncio.gather(*running)
        finally:
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)

    async def line(self, raw: str) -> bool:
        """Handle one line; False when it asks to quit."""
        line = parse_line(raw)
        if line.kind == "quit":
            return False
        if line.kind == "empty":
            return True
        if line.kind == "missing":
            self.printer.reply(Problem(f"There is no file at {line.path}."))
            return True
        language = self.printer.language = words.detect(line.text, self.printer.language)
        turn = Turn(KEY, line.text, language=language)
        if line.kind == "demo":
            self.printer.reply(Status("Making a sample clip…"))
            try:
                path = await make_demo_clip(self.settings.data_dir / "demo", runner=self.runner)
            except (OSError, EngineError) as exc:
                # ffmpeg's words are for the log; the person gets a short line.
                log.warning("could not make the demo clip: %s", exc,
                            extra={"stderr": getattr(exc, "stderr_tail", "")})
                self.printer.reply(Problem("Couldn't make the sample clip: ffmpeg failed."))
                return True
            # Where it lies is the data folder's business: only the delivered video's path
            # is printed.
            self.printer.reply(Message(f"Made a sample clip ({DEMO_SECONDS} s, {DEMO_SIZE}) "
                                       "with its own test tone."))
            turn = Turn(KEY, line.text, (attachment_for(path),), language=language)
        elif line.kind == "upload" and line.path is not None:
            try:
                turn = Turn(KEY, line.text, (attachment_for(line.path),), language=language)
            except OSError:  # gone or unreadable since the line was read
                self.printer.reply(Problem(f"I can't read the file at {line.path}."))
                return True
        assert self.assistant is not None, "main() sets the assistant"
        async for reply in self.assistant.handle(turn):
            self.printer.reply(reply)
        return True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("messages", nargs="*", metavar="MESSAGE",
                        help="lines to send in order, then exit; a file path uploads it "
                             "(standard input is read only when no message is given)")
    parser.add_argument("--demo", action="store_true",
                        help="make a short sample clip with ffmpeg and send it first")
    parser.add_argument("--data-dir", type=Path, help="where files and the database live "
                        "(default: BACKTRACK_DATA_DIR or ./backtrack-data)")
    parser.add_argument("--engine", choices=("local", "nemo"),
                        help="editing engine (default: BACKTRACK_ENGINE or local)")


def run(args: argparse.Namespace) -> int:
    overrides: dict[str, object] = {}
    if args.data_dir is not None:
        overrides["data_dir"] = args.data_dir
    if args.engine is not None:
        overrides["engine"] = args.engine
    try:
        settings = load_settings(**overrides)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    from core.logs import setup_logging

    setup_logging(settings)
    if "log_level" not in settings.model_fields_set:
        logging.getLogger().setLevel(logging.WARNING)  # the chat is the output, not the log
    stdin_tty = sys.stdin.isatty()
    # Messages on the command line (or --demo) are the whole script: stdin is not read.
    read_stdin = not (args.messages or args.demo)
    interactive = stdin_tty and read_stdin
    console = Console(settings, sys.stdout, sys.stdout.isatty())
    if interactive:
        print(BANNER)
    try:
        # SIGTERM cleans up like Ctrl-C: the running render stops and leaves nothing behind.
        return signals.run(console.main(args.messages, args.demo,
                                        sys.stdin if read_stdin else None, interactive))
    except (ConfigError, StoreError) as exc:  # a bad setting or an unusable database
        print(exc, file=sys.stderr)
        return 2
