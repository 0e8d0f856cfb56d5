"""Built-in music: compose + render time per mood (target: 60 s of any mood in at most 1.5 s on
one core), and the cached lookup that every later render of the same (mood, seed, length) takes;
then a 30 s clip from "add lofi music" to the finished MP4, with the composer against the old
ffmpeg synthesiser (bench/old_synth.py) in the same run.

    python bench/bench_music.py                  # --seconds 60 --seed 1 --clip-seconds 30 --runs 3
    python bench/bench_music.py --only clip      # or --only moods

CPU time is the process's own (the SoundFont renderer and numpy run in it, on one core); wall
time is what a person waits, and includes waiting for the CPU on a loaded machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import imageio_ffmpeg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.old_synth import lofi_args  # noqa: E402
from core.config import Settings  # noqa: E402
from core.engine import ExportOptions, MediaFile, Rendered, SessionRef  # noqa: E402
from core.local.engine import LocalEngine  # noqa: E402
from core.local.runner import FfmpegRunner  # noqa: E402
from core.music import cache  # noqa: E402
from core.music.compose import compose  # noqa: E402
from core.music.moods import NAMES  # noqa: E402
from core.music.render import finish, synthesise  # noqa: E402


def per_mood(seconds: float, seed: int) -> None:
    print(f"compose + render {seconds:g} s (seed {seed}), load {os.getloadavg()[0]:.1f}:")
    print("| mood | compose CPU s | SoundFont CPU s | finish CPU s | total CPU s | wall s "
          "| cached lookup |")
    print("|---|---|---|---|---|---|---|")
    folder = Path(tempfile.mkdtemp(prefix="bench-music-"))
    length_ms = round(seconds * 1000)
    for name in NAMES:
        c0, w0 = time.process_time(), time.perf_counter()
        piece = compose(name, seed, seconds)
        c1 = time.process_time()
        audio = synthesise(piece)
        c2 = time.process_time()
        finish(audio, piece)  # length, ring-out, loudness and limiter
        c3, w3 = time.process_time(), time.perf_counter()
        asyncio.run(cache.ensure(name, seed, length_ms, folder))  # written once
        h0 = time.perf_counter()
        asyncio.run(cache.ensure(name, seed, length_ms, folder))  # then found
        hit = time.perf_counter() - h0
        print(f"| {name} | {c1 - c0:.3f} | {c2 - c1:.3f} | {c3 - c2:.3f} | {c3 - c0:.3f} "
              f"| {w3 - w0:.2f} | {hit * 1000:.1f} ms |")


FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


def make_clip(folder: Path, seconds: float) -> Path:
    """A phone-like clip: 1280x720 30 fps H.264 with broadband stereo sound."""
    clip = folder / "clip.mp4"
    subprocess.run([
        FFMPEG, "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate=30:duration={seconds}",
        "-f", "lavfi", "-i",
        f"anoisesrc=color=pink:sample_rate=48000:amplitude=0.2:duration={seconds}",
        "-ac", "2", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "26", "-g", "60",
        "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", str(clip)], check=True)
    return clip


def cpu() -> float:
    """CPU seconds of this process and of its finished children (ffmpeg and its reaper)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


async def timed(step: Callable[[], Awaitable[None]]) -> tuple[float, float]:
    c0, w0 = cpu(), time.perf_counter()
    await step()
    return time.perf_counter() - w0, cpu() - c0


async def one_clip(clip: Path, folder: Path, old: bool) -> dict[str, tuple[float, float]]:
    """One session: cold (from the instruction to the MP4, music made on the way) and warm (a
    second export, the music already made: the old loop is made once per mood forever, a new
    piece once per session, length and take)."""
    settings = Settings(data_dir=folder / "data")  # type: ignore[call-arg]
    from storage.sqlite import SqliteStore

    store = await SqliteStore.open(folder / "db.sqlite3")
    try:
        engine = LocalEngine(settings, store, FfmpegRunner())
        ref = SessionRef("bench", await engine.new_session("bench", "en"))
        media = settings.data_dir / "media"
        media.mkdir(parents=True)
        shutil.copy(clip, media / "v1.mp4")
        await engine.add_media(ref, MediaFile("v1", media / "v1.mp4", "clip.mp4", "video",
                                              clip.stat().st_size))

        async def old_music() -> None:  # what "add lofi music" did before core/music
            loop = media / "lofi-old.m4a"
            await FfmpegRunner().run(lofi_args(loop))
            await engine.add_media(ref, MediaFile("a1", loop, "lofi (old)", "audio",
                                                  loop.stat().st_size))
            await drain(engine.edit(ref, "add my song"))

        async def new_music() -> None:
            await drain(engine.edit(ref, "add lofi music"))

        async def export(render_id: str) -> None:
            events = [e async for e in engine.export(ref, ExportOptions(render_id=render_id))]
            assert isinstance(events[-1], Rendered)

        async def cold() -> None:
            await (old_music() if old else new_music())
            await export("cold")

        return {"cold": await timed(cold), "warm": await timed(lambda: export("warm"))}
    finally:
        await store.close()


async def drain(events: object) -> None:
    async for _ in events:  # type: ignore[attr-defined]
        pass


def clip_to_mp4(seconds: float, runs: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-music-clip-"))
    try:
        clip = make_clip(folder, seconds)
        got: dict[str, list[tuple[float, float]]] = {}
        load = os.getloadavg()[0]
        for run in range(runs):  # interleaved, so both paths see the same load
            for old in (True, False):
                name = "old synthesiser" if old else "composer"
                for kind, figures in asyncio.run(
                        one_clip(clip, folder / f"{run}-{int(old)}", old)).items():
                    got.setdefault(f"{name}, {kind}", []).append(figures)
        print(f"\n{seconds:g} s 1280x720 clip, \"add lofi music\" to the finished MP4, median of "
              f"{runs} runs, load {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end:")
        print("| path | wall s | CPU s (with ffmpeg) |")
        print("|---|---|---|")
        for name, figures in got.items():
            wall = statistics.median(w for w, _ in figures)
            used = statistics.median(c for _, c in figures)
            print(f"| {name} | {wall:.2f} | {used:.2f} |")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--clip-seconds", type=float, default=30.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", choices=("moods", "clip"))
    args = parser.parse_args()
    if args.only != "clip":
        per_mood(args.seconds, args.seed)
    if args.only != "moods":
        clip_to_mp4(args.clip_seconds, args.runs)


if __name__ == "__main__":
    main()
