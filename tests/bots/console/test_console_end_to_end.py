"""`backtrack chat` as a person runs it: a real process, the local engine, SQLite, real media.

The output video is measured (streams, levels of the music's tone), never trusted.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from PIL import Image

from core.conversation.recovery import INTERRUPTED
from core.timeline.model import Clip, MusicTrack, Song, Timeline
from core.timeline.picture import MAX_BYTES, MUSIC, ROW, WIDTH, layout
from tests.media import level_db, make_video, measure, tone_level_db

ROOT = Path(__file__).resolve().parents[3]


def chat(tmp_path: Path, *args: str, stdin: str = "", timeout: float = 120,
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bots.cli", "chat", "--data-dir", str(tmp_path / "data"), *args],
        input=stdin, capture_output=True, text=True, timeout=timeout, cwd=tmp_path, env=_env(),
        check=False)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BACKTRACK_", "NEMO_"))}
    env["PYTHONPATH"] = str(ROOT)
    return env


def videos_in(output: str) -> list[Path]:
    return [Path(m) for m in re.findall(r"^(?:Video: |视频：)(.+?) \(", output, flags=re.MULTILINE)]


def without_tone_db(path: Path, start: float, end: float, freq: float) -> float:
    """Level of everything but one tone (the clip's own sound) in a window."""
    total, tone = level_db(path, start, end), tone_level_db(path, start, end, freq)
    rest = 10 ** (total / 10) - 10 ** (tone / 10)
    return 10 * math.log10(rest) if rest > 0 else -math.inf


def test_demo_on_a_fresh_machine_puts_music_under_the_clip(tmp_path: Path) -> None:
    done = chat(tmp_path, "--demo", "add background music and fade it out at the end")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Made a sample clip (8 s, 640x360) with its own test tone." in done.stdout
    data = str((tmp_path / "data").resolve())
    assert [line for line in done.stdout.splitlines() if data in line] == [
        line for line in done.stdout.splitlines() if line.startswith("Video: ")], (
        "the delivered video is the only data-folder path printed")
    (video,) = videos_in(done.stdout)
    assert video.is_file() and video.is_relative_to((tmp_path / "data").resolve())
    facts = measure(video)
    assert facts.video_codec == "h264" and facts.audio_streams == 1
    assert abs(facts.duration - 8) < 0.3
    # The demo clip's own sound is a 220 Hz tone: anything else in the mix is the music.
    source = tmp_path / "data" / "demo" / "demo.mp4"
    assert without_tone_db(source, 2, 5, 220) < -60
    music = without_tone_db(video, 2, 5, 220)
    assert music > -35, done.stdout
    assert without_tone_db(video, 7.6, 7.95, 220) < music - 10, "the music fades out"


def test_piped_lines_upload_a_clip_and_a_song_and_get_the_mix(
        tmp_path: Path, clip: Path, song: Path) -> None:
    # A path is typed as it is: spaces and an apostrophe need no quoting.
    spaced = tmp_path / "it's my clip.mp4"
    shutil.copyfile(clip, spaced)
    script = f"{spaced}\n/upload '{song}'\nadd it at 30% and fade it out at the end\nstatus\n"
    done = chat(tmp_path, stdin=script)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "Got your video it's my clip.mp4" in out and "Got the music song.mp3" in out
    assert "Rendering" in out
    (video,) = videos_in(out)
    assert measure(video).audio_streams == 1
    # Both the clip's 440 Hz and the song's 880 Hz are heard; the song fades at the end.
    assert tone_level_db(video, 1, 2, 440) > -30
    song_level = tone_level_db(video, 1, 2, 880)
    assert song_level > -40
    assert tone_level_db(video, 3.8, 3.98, 880) < song_level - 6
    *_, timeline, songs, picture = out.rstrip().splitlines()
    assert timeline.startswith("Timeline (2 tracks)")
    assert songs == "Songs sent: 1. song.mp3 (0:10)"  # the order "the second song" counts in
    assert picture.startswith("Picture: ")
    check_timeline_picture(Path(picture.removeprefix("Picture: ")))


def check_timeline_picture(path: Path) -> None:
    """status's picture of the 4 s clip with the song at 30%, faded out at the end."""
    assert path.suffix == ".png" and path.stat().st_size < MAX_BYTES
    image = Image.open(path).convert("RGB")
    place = layout(Timeline(clips=(Clip("c", "clip", 4000),), music=(MusicTrack(Song()),)))
    assert image.size == (WIDTH, place.height)
    music = place.music[0]
    y = place.level_y(music, 0.3) + 3
    assert image.getpixel((place.x(1000), y)) == MUSIC  # the song at 30%
    assert image.getpixel((place.x(3980), y)) == ROW  # faded out by the end
    thumbnail = image.getpixel((place.x(400), (place.video.top + place.video.bottom) // 2))
    assert thumbnail != ROW, "a frame of the clip is drawn"


def test_nothing_to_read_exits_cleanly(tmp_path: Path) -> None:
    done = chat(tmp_path, stdin="")
    assert (done.returncode, done.stdout) == (0, "")


def test_missing_file_and_problems_give_words_and_exit_code(tmp_path: Path) -> None:
    done = chat(tmp_path, stdin="/upload nowhere.mp4\nadd calm music\n")
    assert done.returncode == 1
    assert "Problem: There is no file at nowhere.mp4." in done.stdout
    assert "Problem: Send me a video first" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_killed_in_the_middle_of_a_render_then_restarted_tells_the_chat(
        tmp_path: Path) -> None:
    long_clip = make_video(tmp_path / "long.mp4", seconds=20, width=640, height=480)
    process = subprocess.Popen(
        [sys.executable, "-m", "bots.cli", "chat", "--data-dir", str(tmp_path / "data")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        cwd=tmp_path, env=_env(), start_new_session=True)
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(f"{long_clip}\nadd calm music and make it vertical\n")
    process.stdin.flush()
    seen = []
    deadline = time.monotonic() + 60
    try:
        for line in process.stdout:
            seen.append(line)
            if "Rendering" in line or time.monotonic() > deadline:
                break
        assert any("Rendering" in line for line in seen), "".join(seen)
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the process and its ffmpeg, no goodbyes
        process.wait(10)
        process.stdout.close()
        process.stderr.close()  # type: ignore[union-attr]
        process.stdin.close()
    assert not videos_in("".join(seen))

    again = chat(tmp_path, stdin="status\n")
    assert again.returncode == 0, again.stdout + again.stderr
    lines = again.stdout.splitlines()
    assert lines[0] == INTERRUPTED, again.stdout
    assert lines[1].startswith("Timeline (2 tracks)")
    # Told once: the next start has nothing to report.
    third = chat(tmp_path, stdin="")
    assert INTERRUPTED not in third.stdout


def test_a_script_of_many_lines_is_not_rate_limited(tmp_path: Path) -> None:
    done = chat(tmp_path, stdin="status\n" * 15)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("Timeline is empty") == 15
    assert "quickly" not in done.stdout
