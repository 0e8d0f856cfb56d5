"""`backtrack render VIDEO [VIDEO...] [--music AUDIO]... [-o OUT.mp4] "instruction"`: one
render from the command line, through the local engine as a chat turn would go (the clips and
songs as if sent in that order, the instruction as the message, then the export), with its
store in a temporary folder removed afterwards. Several VIDEOs are the clips in the order given
("join them" joins them; otherwise the last one is edited, as in the chat); several `--music`
are the songs in the order given ("play both songs one after the other", "use the second song").

Start-up is kept cheap (this command is benchmarked against a bare ffmpeg call): heavy
modules are imported inside `run`, settings (pydantic) only when needed.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from core.conversation.fetch import KINDS

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from core.config import Settings
    from core.engine import EngineEvent, ExportOptions, MediaFile, SessionRef
    from core.local.engine import LocalEngine

WORK_PREFIX = "backtrack-render-"
"""The engine's temporary folder: WORK_PREFIX + the process id + a random tail."""
INTERMIXED = True
"""Options may come between the clips and the instruction (bots/cli.py)."""

VIDEO_TYPES = frozenset(f".{ext}" for ext, kind in KINDS.items() if kind == "video") | {".mpeg"}
AUDIO_TYPES = frozenset({".mp3", ".wav", ".m4a", ".aac", ".ogg", ".opus", ".flac"}) | VIDEO_TYPES


class Refused(Exception):
    """Bad input, said in one line; `code` is the exit code (2: a bad argument)."""

    def __init__(self, reason: str, code: int = 1) -> None:
        super().__init__(reason)
        self.code = code


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("video", type=Path, nargs="+",
                        help="the clip to put music under; several: the clips in order")
    parser.add_argument("instruction", help='what to do, e.g. "add lofi music at 30%% and fade '
                                            'it out at the end"')
    parser.add_argument("--music", type=Path, metavar="AUDIO", action="append", default=[],
                        help="your own song; repeat for several, in order")
    # Strings, checked in `run`: a Path loses the trailing "/" that says "a folder", and a bad
    # number gets one line of words rather than argparse's usage block.
    parser.add_argument("-o", "--output", metavar="OUT.mp4",
                        help="where to write the result: a file, or an existing folder to "
                             "put VIDEO-backtrack.mp4 in (default: beside VIDEO)")
    parser.add_argument("--max-mb", metavar="MB",
                        help="fit the file under this many megabytes (re-encodes if needed)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from bots import signals
    from core.errors import BacktrackError, ConfigError, UserError

    try:
        max_mb = _positive_mb(args.max_mb)
        _unquoted(args)
        for video in args.video:
            _check_file(video, VIDEO_TYPES, "a video")
        for song in args.music:
            _check_file(song, AUDIO_TYPES, "music")
        output = output_path(args.video[-1], args.output)
        if any(output.resolve() == video.resolve() for video in args.video):
            raise Refused("the output would overwrite the video; choose another -o", 2)
        signals.run(_render(args, output, max_mb))  # SIGTERM cleans up like Ctrl-C
    except Refused as exc:
        return _fail(str(exc), exc.code)
    except UserError as exc:
        return _fail(_words(exc.user_message), 1)
    except ConfigError as exc:  # a bad BACKTRACK_* setting: the message names it
        return _fail(str(exc), 2)
    except BacktrackError as exc:
        return _fail(f"the render failed: {exc}", 3)
    print(output)
    return 0


def _fail(reason: str, code: int) -> int:
    print(f"backtrack: {reason}", file=sys.stderr)
    return code


def _words(message: str) -> str:
    """A user message for the terminal: its first line, and the lines after it too when the
    first one introduces them ("…for example:" is never left hanging)."""
    lines = [line.rstrip() for line in message.strip().splitlines() if line.strip()]
    if not lines:
        return "something went wrong"
    return "\n".join(lines) if lines[0].endswith(":") else lines[0]


def _positive_mb(raw: str | None) -> float | None:
    """`--max-mb` as a number of megabytes > 0; Refused (exit code 2) otherwise."""
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise Refused(f"--max-mb takes a number of megabytes above 0, e.g. --max-mb 8 "
                      f"(got {raw!r})", 2)
    return value


def output_path(video: Path, given: str | None) -> Path:
    """Where the result goes. An existing folder (or a name ending in "/") gets
    VIDEO-backtrack.mp4 inside it; a folder that does not exist is refused, never created."""
    from bots.paths import is_dir

    name = f"{video.stem}-backtrack.mp4"
    if given is None:
        return video.with_name(name)
    if not given.strip():
        raise Refused("-o needs a file name or a folder", 2)
    path = Path(given).expanduser()
    if given.endswith(("/", os.sep)) or is_dir(path):
        if not is_dir(path):
            raise Refused(f"no such folder: {given} (I don't create folders; make it first)", 2)
        return path / name
    if not is_dir(path.parent):
        raise Refused(f"no such folder: {path.parent} (I don't create folders; make it "
                      "first)", 2)
    return path


def _unquoted(args: argparse.Namespace) -> None:
    """`backtrack render clip.mp4 add lofi music` (the instruction not in quotes): the words
    after the clips are the instruction. A word is a clip only when it names a file or has a
    video's ending, so "no such file" still names a clip that is missing."""
    from bots.paths import is_file

    for i, word in enumerate(args.video[1:], 1):
        if not is_file(word) and word.suffix.lower() not in VIDEO_TYPES:
            words = [str(w) for w in args.video[i:]]
            args.video, args.instruction = args.video[:i], " ".join([*words, args.instruction])
            return


def _check_file(path: Path, allowed: frozenset[str], what: str) -> None:
    from bots.paths import is_dir, is_file

    if is_dir(path):
        raise Refused(f"{path} is a folder: name the {what.removeprefix('a ').removeprefix('an ')}"
                      " file inside it", 2)
    if not is_file(path):
        raise Refused(f"no such file: {path}")
    if path.suffix.lower() not in allowed:
        kinds = ", ".join(sorted(t.lstrip(".") for t in allowed))
        raise Refused(f"{path.name}: unsupported type for {what} (use {kinds})")


async def _render(args: argparse.Namespace, output: Path, max_mb: float | None) -> None:
    import asyncio
    import tempfile

    from core.engine import ExportOptions, SessionRef
    from core.local.engine import LocalEngine
    from core.local.runner import FfmpegRunner
    from storage.sqlite import SqliteStore

    settings = _settings()  # the operator's limits and fonts apply here as in the chat
    uploads = [*[(path, "video") for path in args.video], *[(p, "audio") for p in args.music]]
    files = [await _checked(path, kind, settings) for path, kind in uploads]
    # The engine's store and its built-in music live in a folder of their own, gone after.
    await asyncio.to_thread(_remove_orphans)
    with tempfile.TemporaryDirectory(prefix=f"{WORK_PREFIX}{os.getpid()}-") as folder:
        work = settings.model_copy(update={"data_dir": Path(folder)})
        store = await SqliteStore.open(Path(folder) / "render.sqlite3")
        try:
            engine = LocalEngine(work, store, FfmpegRunner(timeout=work.render_timeout_seconds))
            session = SessionRef("cli", "cli")  # one fixed session: the same piece each time
            await engine.open_session(session.session_id)
            for i, (path, kind) in enumerate(uploads):
                await engine.add_media(session, _media(path, kind, i, files[i]))
            await _say(engine.edit(session, args.instruction), quiet=args.quiet)
            max_bytes = int(max_mb * 1_000_000) if max_mb else None
            await _export(engine, session, ExportOptions(max_bytes=max_bytes, output=output),
                          show=sys.stdout.isatty() and not args.quiet, quiet=args.quiet)
        finally:
            await store.close()


def _remove_orphans() -> None:
    """Work folders of renders killed with SIGKILL (nothing ran to remove them): those whose
    process is gone."""
    import shutil
    import tempfile

    for folder in Path(tempfile.gettempdir()).glob(f"{WORK_PREFIX}*-*"):
        pid = folder.name.removeprefix(WORK_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


async def _checked(path: Path, kind: str, settings: Settings) -> int:
    """The file's size, after the chat's own checks (a video stream, the operator's limits)."""
    from core.local.probe import probe, require_video
    from core.media_limits import check_media

    info = await probe(path)
    if kind == "video":
        require_video(info)
    check_media(info, kind, path.name, settings)
    return info.size


def _media(path: Path, kind: str, index: int, size: int) -> MediaFile:
    from core.engine import MediaFile

    return MediaFile(f"cli-{kind}-{index + 1}", path, path.name,
                     "video" if kind == "video" else "audio", size)


async def _say(events: AsyncIterator[EngineEvent], quiet: bool) -> None:
    """What the engine understood (and did not), on stderr: stdout is the output path alone."""
    from core.engine import Said

    async for event in events:
        if isinstance(event, Said) and not quiet:
            print(event.text, file=sys.stderr)


def _settings() -> Settings:
    from core.config import load_settings  # late: pydantic takes a while to import

    return load_settings()


async def _export(engine: LocalEngine, session: SessionRef, options: ExportOptions,
                  show: bool, quiet: bool) -> None:
    """The engine's export, with a progress bar on a terminal; its notes on stderr after."""
    from core.engine import Progress, Said

    events = engine.export(session, options)
    said: list[str] = []
    if not show:
        said += [event.text async for event in events if isinstance(event, Said)]
    else:
        from rich.progress import BarColumn, TaskProgressColumn, TimeRemainingColumn
        from rich.progress import Progress as Bar

        with Bar("[bold]Rendering", BarColumn(), TaskProgressColumn(), TimeRemainingColumn(),
                 transient=True) as bar:
            task = bar.add_task("render", total=100)
            async for event in events:
                if isinstance(event, Progress) and event.percent is not None:
                    bar.update(task, completed=event.percent)
                elif isinstance(event, Said):
                    said.append(event.text)
    for text in said if not quiet else []:
        print(text, file=sys.stderr)
