"""Speed of every re-encode path of `backtrack render` against the plain ffmpeg command a
person would write for the same result, in one run, with the quality checked.

    python bench/bench_reencode.py [--seconds 30] [--runs 1] [--only vertical,title]

Generates a 1920x1080 30 fps H.264 clip with light grain and stereo sound (a clean test
pattern is an unrepresentatively easy encode) and a keyframe every 2 s, as phones write them,
then for each path runs, interleaved, (a) `backtrack render` and (b) the plain command: x264
`veryfast`, CRF 23, full-size filters (`boxblur=20:5` on the full picture for the blurred
fill), two passes for a target size.
Reported per path: wall and CPU seconds of each (median of the runs; CPU is user + system of
the command and its children, which moves far less than wall time on a shared machine), the
ratios (a)/(b), the SSIM of (a) against (b) over the clip's own picture region (the blurred
fill is left out), same frames, the SSIM of each against the source brought to the same size
(which encode kept more of the picture), and both sizes.
Targets: (a)/(b) <= 0.5 on a quiet machine, SSIM >= 0.97, and 1080p -> 9:16 in at most half
the clip's length. Shared machines swing 2-3x: compare within one run only.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg

ROOT = Path(__file__).resolve().parent.parent
FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
X264 = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p"]
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
FIT_MB = 0.35  # per second of clip: about 2.5 Mbit/s, well under the grainy source


@dataclass(frozen=True)
class Job:
    name: str
    instruction: str
    plain: list[str]  # between the input and the output: what a person would type
    region: str  # crop=w:h:x:y of the clip's own picture in both outputs
    max_mb: float | None = None
    plain_input: tuple[str, ...] = ()  # options before -i (a seek)
    two_pass: bool = False


def blur_fill(w: int, h: int) -> list[str]:
    graph = (f"[0:v]split[a][b];[a]scale={w}:{h}:force_original_aspect_ratio=increase,"
             f"crop={w}:{h},boxblur=20:5[bg];[b]scale={w}:-2[fg];"
             "[bg][fg]overlay=(W-w)/2:(H-h)/2")
    return ["-filter_complex", graph, *X264, "-c:a", "copy"]


def jobs(seconds: float) -> list[Job]:
    fg = 608  # 1920x1080 scaled to 1080 wide
    rate = int(FIT_MB * seconds * 1e6 * 8 * 0.92 / seconds - 192_000)
    title = (f"drawtext=fontfile={FONT}:text='Summer 2024':fontsize=108:fontcolor=white:"
             "borderw=4:bordercolor=black@0.8:x=(w-text_w)/2:y=h/10:enable='between(t,0,3)'")
    cut = 2.0 if seconds >= 4 else 0.0  # the clip has a keyframe every 2 s: a copy is exact
    off = min(1.5, seconds / 5)  # between keyframes: must re-encode
    return [
        Job("vertical 9:16", "make it vertical 9:16", blur_fill(1080, 1920),
            f"crop=1080:{fg}:0:{(1920 - fg) // 2}"),
        Job("square 1:1", "make it square", blur_fill(1080, 1080),
            f"crop=1080:{fg}:0:{(1080 - fg) // 2}"),
        Job("4:5", "make it 4:5", blur_fill(1080, 1350), f"crop=1080:{fg}:0:{(1350 - fg) // 2}"),
        Job("title", 'add the title "Summer 2024" for 3 seconds', ["-vf", title, *X264,
            "-c:a", "copy"], "crop=iw:ih:0:0"),
        Job("trim keyframe", f"cut the first {cut:g} seconds", [*X264, "-c:a", "aac"],
            "crop=iw:ih:0:0", plain_input=("-ss", f"{cut:g}")),
        Job("trim mid-GOP", f"cut the first {off:g} seconds", [*X264, "-c:a", "aac"],
            "crop=iw:ih:0:0", plain_input=("-ss", f"{off:g}")),
        Job("trim a part mid-GOP", f"keep {stamp(off)} to {stamp(seconds - off)}",
            [*X264, "-c:a", "aac", "-t", f"{seconds - 2 * off:g}"], "crop=iw:ih:0:0",
            plain_input=("-ss", f"{off:g}")),
        Job("resize 720p", "make it 720p", ["-vf", "scale=-2:720", *X264, "-c:a", "copy"],
            "crop=iw:ih:0:0"),
        Job("fit --max-mb", "mute my sound", ["-an", "-c:v", "libx264", "-preset", "veryfast",
            "-b:v", str(rate), "-pix_fmt", "yuv420p"], "crop=iw:ih:0:0",
            max_mb=round(FIT_MB * seconds, 2), two_pass=True),
    ]


def stamp(seconds: float) -> str:
    """0:01.5 for 1.5 s: how a person types a time in a clip."""
    return f"{int(seconds // 60)}:{seconds % 60:04.1f}"


def make_clip(folder: Path, seconds: float) -> Path:
    clip = folder / "clip.mp4"
    subprocess.run([
        FFMPEG, "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate=30:duration={seconds}",
        "-f", "lavfi", "-i",
        f"anoisesrc=color=pink:sample_rate=48000:amplitude=0.2:duration={seconds}",
        "-vf", "noise=alls=6:allf=t", "-c:v", "libx264", "-preset", "veryfast", "-crf", "20",
        "-g", "60", "-force_key_frames", "expr:gte(t,n_forced*2)", "-sc_threshold", "0",
        "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2", "-b:a", "128k",
        "-movflags", "+faststart", str(clip)], check=True)
    return clip


@dataclass(frozen=True)
class Took:
    wall: float
    cpu: float  # user + system seconds of the command and everything it waited for

    def __add__(self, other: Took) -> Took:
        return Took(self.wall + other.wall, self.cpu + other.cpu)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], cwd: Path) -> Took:
    started, cpu = time.perf_counter(), children_cpu()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)[:300]}\n{done.stderr[-1500:]}")
    return Took(time.perf_counter() - started, children_cpu() - cpu)


def ours(job: Job, clip: Path, out: Path) -> Took:
    command = [sys.executable, "-m", "bots.cli", "render", str(clip), "-o", str(out), "-q"]
    if job.max_mb:
        command += ["--max-mb", str(job.max_mb)]
    return timed([*command, job.instruction], ROOT)


def plain(job: Job, clip: Path, out: Path, folder: Path) -> Took:
    base = [FFMPEG, "-hide_banner", "-loglevel", "error", "-y", *job.plain_input, "-i", str(clip)]
    tail = ["-movflags", "+faststart", str(out)]
    if not job.two_pass:
        return timed([*base, *job.plain, *tail], folder)
    log = str(folder / "2pass")
    first = timed([*base, *job.plain, "-pass", "1", "-passlogfile", log, "-f", "null", "-"],
                  folder)
    return first + timed([*base, *job.plain, "-pass", "2", "-passlogfile", log, *tail], folder)


def ssim(a: Path, b: Path, region: str) -> float:
    done = subprocess.run([
        FFMPEG, "-hide_banner", "-i", str(a), "-i", str(b), "-lavfi",
        f"[0:v]{region},setpts=PTS-STARTPTS[x];[1:v]{region},setpts=PTS-STARTPTS[y];"
        "[x][y]ssim", "-f", "null", "-"], capture_output=True, text=True, check=False)
    found = re.findall(r"All:([0-9.]+)", done.stderr)
    if not found:
        raise SystemExit(f"ssim failed: {done.stderr[-800:]}")
    return float(found[-1])


def source_region(job: Job, seconds: float) -> tuple[str, str]:
    """How the source compares with an output: the source brought to the output's picture
    (cut and scaled like it) and the output's own picture region."""
    cut = {"trim keyframe": 2.0 if seconds >= 4 else 0.0,
           "trim mid-GOP": min(1.5, seconds / 5),
           "trim a part mid-GOP": min(1.5, seconds / 5)}.get(job.name, 0.0)
    trim = f"trim=start={cut:g}," if cut else ""
    if job.name.startswith("resize"):
        return f"{trim}scale=-2:720", job.region
    if job.region != "crop=iw:ih:0:0":  # the blurred fill: the picture is 1080 wide
        return f"{trim}scale=1080:-2", job.region
    return f"{trim}null", job.region


def ssim_source(out: Path, clip: Path, job: Job, seconds: float) -> float:
    """SSIM of an output's picture against the source itself (brought to the same size):
    which of the two encodes kept more of the picture."""
    prepare, region = source_region(job, seconds)
    done = subprocess.run([
        FFMPEG, "-hide_banner", "-i", str(out), "-i", str(clip), "-lavfi",
        f"[0:v]{region},setpts=PTS-STARTPTS[x];[1:v]{prepare},setpts=PTS-STARTPTS[y];"
        "[x][y]ssim", "-f", "null", "-"], capture_output=True, text=True, check=False)
    found = re.findall(r"All:([0-9.]+)", done.stderr)
    return float(found[-1]) if found else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--only", default="", help="comma-separated job names (start of)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-reencode-") as tmp:
        folder = Path(tmp)
        clip = make_clip(folder, args.seconds)
        print(f"clip: {args.seconds:g} s 1920x1080 30 fps, {clip.stat().st_size / 1e6:.1f} MB; "
              f"load average {os.getloadavg()[0]:.1f}")
        decode = timed([FFMPEG, "-hide_banner", "-loglevel", "error", "-i", str(clip), "-an",
                        "-f", "null", "-"], folder)
        print(f"decoding the clip alone: {decode.cpu:.1f} CPU s (every re-encode pays it: a "
              "path's CPU ratio cannot go below decode / plain)")
        print(f"{'path':<14} {'ours s':>7} {'plain s':>8} {'ratio':>6} {'ours cpu':>9} "
              f"{'plain cpu':>9} {'ratio':>6} {'':>12} {'SSIM':>6} {'src/a':>6} {'src/b':>6} "
              f"{'MB a':>5} {'MB b':>5}")
        wanted = [w.strip() for w in args.only.split(",") if w.strip()]
        for job in jobs(args.seconds):
            if wanted and not any(job.name.startswith(w) for w in wanted):
                continue
            a, b = folder / "a.mp4", folder / "b.mp4"
            mine, theirs = [], []
            for _ in range(args.runs):
                mine.append(ours(job, clip, a))
                theirs.append(plain(job, clip, b, folder))
            wa, wb = (statistics.median(t.wall for t in mine),
                      statistics.median(t.wall for t in theirs))
            ca, cb = (statistics.median(t.cpu for t in mine),
                      statistics.median(t.cpu for t in theirs))
            print(f"{job.name:<14} {wa:7.1f} {wb:8.1f} {wa / wb:6.2f} {ca:9.1f} {cb:9.1f} "
                  f"{ca / cb:6.2f} (floor {decode.cpu / cb:4.2f}) {ssim(a, b, job.region):6.3f} "
                  f"{ssim_source(a, clip, job, args.seconds):6.3f} "
                  f"{ssim_source(b, clip, job, args.seconds):6.3f} "
                  f"{a.stat().st_size / 1e6:5.1f} {b.stat().st_size / 1e6:5.1f}", flush=True)
        print(f"load average at the end {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
