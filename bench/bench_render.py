"""Speed of `backtrack render` against the hand-written ffmpeg floor and moviepy.

    python bench/bench_render.py [--runs 3] [--seconds 120] [--song-seconds 200] [--no-moviepy]

Generates its inputs with ffmpeg in a temporary folder (a 1920x1080 30 fps H.264 clip with
sound, a song), then runs, interleaved, the same job three ways:

  (a) backtrack render CLIP --music SONG "add background music at 30% and fade it out at the end"
  (b) the single ffmpeg command a person would write for that job (the floor)
  (c) moviepy with its defaults

and prints wall time (median of the runs) and peak memory: the sum of the resident memory of
the whole process tree (the CLI and its ffmpeg child), sampled every 20 ms with psutil.
Targets: (a)/(b) <= 1.3, (c)/(a) >= 20, peak memory of (a) under 150 MB.
Needs the `bench` extra: pip install -e '.[bench]'.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import imageio_ffmpeg
import psutil

ROOT = Path(__file__).resolve().parent.parent
FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
INSTRUCTION = "add background music at 30% and fade it out at the end"
FADE = 3.0  # what the parser takes "fade it out at the end" to mean

MOVIEPY_JOB = """
import sys
from moviepy import AudioFileClip, CompositeAudioClip, VideoFileClip
from moviepy.audio.fx import AudioFadeOut, MultiplyVolume

clip, song, out, fade = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
video = VideoFileClip(clip)
music = AudioFileClip(song).subclipped(0, video.duration)
music = music.with_effects([MultiplyVolume(0.3), AudioFadeOut(fade)])
video.with_audio(CompositeAudioClip([video.audio, music])).write_videofile(out, logger=None)
"""


def make_inputs(folder: Path, seconds: float, song_seconds: float) -> tuple[Path, Path]:
    clip, song = folder / "clip.mp4", folder / "song.mp3"
    quiet = [FFMPEG, "-hide_banner", "-loglevel", "error", "-y"]
    subprocess.run([
        *quiet, "-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate=30:duration={seconds}",
        # Sound like a phone's: broadband and stereo (a pure tone is a pathological, slow
        # case for ffmpeg's AAC encoder and would distort every timing).
        "-f", "lavfi", "-i",
        f"anoisesrc=color=pink:sample_rate=48000:amplitude=0.2:duration={seconds}",
        "-c:v", "libx264", "-preset", "ultrafast", "-crf", "26", "-g", "60", "-pix_fmt",
        "yuv420p", "-c:a", "aac", "-ac", "2", "-b:a", "128k", "-movflags", "+faststart", str(clip),
    ], check=True)
    subprocess.run([
        *quiet, "-f", "lavfi", "-i",
        f"aevalsrc=0.3*sin(2*PI*330*t)*(0.6+0.4*sin(2*PI*0.5*t))|0.3*sin(2*PI*495*t):"
        f"s=44100:d={song_seconds}", "-c:a", "libmp3lame", "-b:a", "192k", str(song),
    ], check=True)
    return clip, song


def measure(command: list[str], output: Path | None = None) -> tuple[float, float]:
    """Wall seconds and peak MB (sum of RSS over the process and its children). The previous
    run's output is deleted first, untimed, so no contender pays for freeing 200 MB."""
    if output is not None:
        output.unlink(missing_ok=True)
    peak = 0
    started = time.perf_counter()
    process = psutil.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            try:
                tree = [process, *process.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
            except psutil.Error:
                pass
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"failed ({process.returncode}): {' '.join(command)}\n"
                         f"{stderr.decode(errors='replace')[-2000:]}")
    return wall, peak / 1e6


def backtrack_command(clip: Path, song: Path, out: Path) -> list[str]:
    script = Path(sys.executable).with_name("backtrack")
    head = [str(script)] if script.exists() else [sys.executable, "-m", "bots.cli"]
    return [*head, "render", str(clip), "--music", str(song), "-o", str(out), "-q", INSTRUCTION]


def floor_command(clip: Path, song: Path, out: Path, seconds: float) -> list[str]:
    graph = (f"[1:a]volume=0.3,afade=t=out:st={seconds - FADE}:d={FADE}[m];"
             "[0:a][m]amix=inputs=2:normalize=0:duration=first[a]")
    return [FFMPEG, "-hide_banner", "-loglevel", "error", "-y", "-i", str(clip), "-i", str(song),
            "-filter_complex", graph, "-map", "0:v", "-map", "[a]", "-c:v", "copy",
            "-c:a", "aac", "-b:a", "192k", "-movflags", "+faststart", "-t", str(seconds),
            str(out)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--song-seconds", type=float, default=200)
    parser.add_argument("--no-moviepy", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="backtrack-bench-"))
    try:
        started = time.perf_counter()
        clip, song = make_inputs(folder, args.seconds, args.song_seconds)
        print(f"inputs: {args.seconds:g} s 1920x1080 30 fps clip "
              f"({clip.stat().st_size / 1e6:.0f} MB), {args.song_seconds:g} s song; "
              f"made in {time.perf_counter() - started:.1f} s", flush=True)
        results: dict[str, list[tuple[float, float]]] = {"a": [], "b": []}
        for _ in range(args.runs):  # interleaved, so a busy moment hits both alike
            a_out, b_out = folder / "a.mp4", folder / "b.mp4"
            results["a"].append(measure(backtrack_command(clip, song, a_out), a_out))
            results["b"].append(measure(floor_command(clip, song, b_out, args.seconds), b_out))
        if not args.no_moviepy:
            results["c"] = [measure([sys.executable, "-c", MOVIEPY_JOB, str(clip), str(song),
                                     str(folder / "c.mp4"), str(FADE)])]
        report(results, args.runs)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def report(results: dict[str, list[tuple[float, float]]], runs: int) -> None:
    names = {"a": "(a) backtrack render", "b": "(b) ffmpeg by hand (floor)",
             "c": "(c) moviepy defaults"}
    wall = {k: statistics.median(w for w, _ in v) for k, v in results.items()}
    mem = {k: max(m for _, m in v) for k, v in results.items()}
    print(f"\n{'job':<28}{'wall s (median)':>16}{'peak MB':>10}{'runs':>6}")
    for key, label in names.items():
        if key in results:
            print(f"{label:<28}{wall[key]:>16.2f}{mem[key]:>10.0f}{len(results[key]):>6}")
    print(f"\n(a)/(b) = {wall['a'] / wall['b']:.2f}   (target <= 1.3)")
    if "c" in wall:
        print(f"(c)/(a) = {wall['c'] / wall['a']:.1f}   (target >= 20)")
    print(f"peak memory of (a) = {mem['a']:.0f} MB   (target < 150)")
    print("all runs (wall s, peak MB):", {k: [(round(w, 2), round(m)) for w, m in v]
                                          for k, v in results.items()})


if __name__ == "__main__":
    main()
