"""`backtrack render VIDEO [--music AUDIO]... [-o OUT.mp4] "instruction"`: one render, no
database. Several `--music` are the songs in the order given, as if sent in that order in the
chat ("play both songs one after the other", "use the second song").

Start-up is kept cheap (this command is benchmarked against a bare ffmpeg call): heavy
modules are imported inside `run`, settings (pydantic) only when a title or a mood needs them.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from core.config import Settings
    from core.local.plan import RenderOptions, RenderPlan
    from core.local.probe import MediaInfo
    from core.local.runner import FfmpegRunner, OnProgress
    from core.timeline.model import Timeline

    Work = Callable[[OnProgress], Awaitable[RenderPlan]]

VIDEO_TYPES = frozenset({".mp4", ".mov", ".m4v", ".avi", ".webm", ".mkv"})
AUDIO_TYPES = frozenset({".mp3", ".wav", ".m4a", ".aac", ".ogg", ".opus", ".flac"}) | VIDEO_TYPES
MUSIC_ID = "cli-music"


class Refused(Exception):
    """Bad input, said in one line; `code` is the exit code (2: a bad argument)."""

    def __init__(self, reason: str, code: int = 1) -> None:
        super().__init__(reason)
        self.code = code


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("video", type=Path, help="the clip to put music under")
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
        _check_file(args.video, VIDEO_TYPES, "a video")
        for song in args.music:
            _check_file(song, AUDIO_TYPES, "music")
        output = output_path(args.video, args.output)
        if output.resolve() == args.video.resolve():
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


def _check_file(path: Path, allowed: frozenset[str], what: str) -> None:
    from bots.paths import is_file

    if not is_file(path):
        raise Refused(f"no such file: {path}")
    if path.suffix.lower() not in allowed:
        kinds = ", ".join(sorted(t.lstrip(".") for t in allowed))
        raise Refused(f"{path.name}: unsupported type for {what} (use {kinds})")


async def _render(args: argparse.Namespace, output: Path, max_mb: float | None) -> None:
    from core.local.plan import RenderOptions, title_text
    from core.local.probe import playback_note, probe, require_video
    from core.local.render_job import compose_to_length, put_video
    from core.local.runner import FfmpegRunner
    from core.media_limits import check_media
    from core.timeline.model import Timeline

    settings = _settings()  # the operator's limits apply here as in the chat
    video_path: Path = args.video
    video = require_video(await probe(video_path))
    check_media(video, "video", video_path.name, settings)
    music = [await probe(path) for path in args.music]
    for path, info in zip(args.music, music, strict=True):
        check_media(info, "audio", path.name, settings)

    timeline = put_video(Timeline(), video_path.name, "cli-video", video.duration,
                         video.has_audio)
    timeline = _apply(timeline, args.instruction, video, music, say=not args.quiet)
    timeline = compose_to_length(timeline, 0)  # the same video and words give the same piece
    runner = FfmpegRunner(timeout=settings.render_timeout_seconds)
    titled, mood = bool(title_text(timeline)), _uses_mood(timeline)
    font_file = settings.font_file if titled else None
    music_dir = settings.data_dir / "music" if mood else Path()
    songs = await _music_for(timeline, music, runner, music_dir)
    max_bytes = int(max_mb * 1_000_000) if max_mb else None
    options = RenderOptions(max_bytes=max_bytes)
    await _with_progress(
        lambda report: _run(timeline, video, songs, output, runner, options, font_file, report),
        show=sys.stdout.isatty() and not args.quiet,
    )
    if not args.quiet and (note := playback_note(video)):
        print(note, file=sys.stderr)


def _music_id(index: int) -> str:
    return MUSIC_ID if index == 0 else f"{MUSIC_ID}-{index + 1}"


def _apply(timeline: Timeline, text: str, video: MediaInfo, music: list[MediaInfo],
           say: bool) -> Timeline:
    """Apply the instruction; say on stderr what was understood (and what was not), so
    stdout stays the output path alone for scripts."""
    from core.parser.instructions import Context, MusicRef, apply_instruction
    from core.timeline.convert import draft_of, timeline_of

    refs = tuple(MusicRef(_music_id(i), song.path.name, song.duration * 1000)
                 for i, song in enumerate(music))
    ctx = Context(video.duration * 1000, video.has_audio, refs[-1] if refs else None,
                  songs=refs)
    parsed = apply_instruction(draft_of(timeline), text, ctx)
    if say and parsed.understood:
        print("Got it: " + ", ".join(parsed.understood) + ".", file=sys.stderr)
    return timeline_of(parsed.draft)


def _settings() -> Settings:
    from core.config import load_settings  # late: pydantic takes a while to import

    return load_settings()


async def _music_for(timeline: Timeline, music: list[MediaInfo], runner: FfmpegRunner,
                     music_dir: Path) -> tuple[MediaInfo | None, tuple[MediaInfo, ...]]:
    """The songs of the timeline's music tracks (the first, the later ones): `--music` files,
    or a built-in mood generated into `music_dir`."""
    from core.local.render_job import mood_lookup, resolve_more_music, resolve_music

    paths = {_music_id(i): song.path for i, song in enumerate(music)}

    async def upload(media_id: str) -> Path | None:
        return paths.get(media_id)

    lookup = mood_lookup(upload, music_dir)
    return await resolve_music(timeline, lookup), await resolve_more_music(timeline, lookup)


def _uses_mood(timeline: Timeline) -> bool:
    song = timeline.song
    return song is not None and bool(song.source.mood)


async def _run(timeline: Timeline, video: MediaInfo,
               songs: tuple[MediaInfo | None, tuple[MediaInfo, ...]], output: Path,
               runner: FfmpegRunner, options: RenderOptions, font_file: Path | None,
               report: OnProgress) -> RenderPlan:
    from core.local.render_job import render_timeline

    first, more = songs
    return await render_timeline(timeline, video, first, output, runner, options, font_file,
                                 report, more)


async def _with_progress(work: Work, show: bool) -> None:
    from core.local.runner import progress_stream

    if not show:
        async for _ in progress_stream(work):
            pass
        return
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TimeRemainingColumn

    with Progress("[bold]Rendering", BarColumn(), TaskProgressColumn(), TimeRemainingColumn(),
                  transient=True) as bar:
        task = bar.add_task("render", total=100)
        async for item in progress_stream(work):
            if isinstance(item, float):
                bar.update(task, completed=item)
