"""The music side of the ffmpeg plan: each music track as a `MusicMix` (plain seconds) and
its branch of the audio graph. Several tracks ("play both songs one after the other") each
get their own input, seek, trim, fades, level and delay to their start, and are summed with
`amix normalize=0` (normalize would halve every track); a crossfade at a change is the two
tracks overlapping with linear fades, so both sit near -6 dB at its middle."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from core.local import envelope  # the dips' ffmpeg expression
from core.local.probe import MediaInfo
from core.timeline.fit import back_time
from core.timeline.model import LevelSpan, MusicTrack

SAMPLE_RATE = 48_000
CROSSFADE_LOOP_MAX = 60.0
LOOP_CROSSFADE = 0.5


@dataclass(frozen=True)
class MusicMix:
    """How one song enters the mix, in seconds."""

    path: Path
    seek: float  # seconds into the song (input -ss)
    start: float  # where it starts in the output
    length: float  # how long it plays
    volume: float
    fade_in: float
    fade_out: float
    loop: Literal["none", "crossfade", "stream"]
    loop_unit: float  # song length after the seek (for the crossfade loop)
    dips: tuple[LevelSpan, ...] = ()  # MusicTrack.envelope, in ms


def music_mix(track: MusicTrack | None, info: MediaInfo | None,
              duration: float) -> MusicMix | None:
    """One track read against its probed file and the output's length; None when it would
    not sound (no file, no sound, nothing left to play)."""
    if track is None or info is None or not info.has_audio:
        return None
    start = max(track.start / 1000, 0.0)
    wanted = track.length / 1000 if track.length > 0 else math.inf
    seek = max(track.offset / 1000, 0.0)
    if track.align == "end":  # placed by its ending, measured on the real file
        # No earlier than the fitted start: 0 for a lone song, the crossfade for the last of
        # several (core/timeline/fit.py).
        ends = min(track.until / 1000, duration) if track.until else duration
        placed = back_time(round(info.duration * 1000), min(track.start, round(ends * 1000)),
                           round(ends * 1000))
        start, seek, wanted = placed[0] / 1000, placed[1] / 1000, placed[2] / 1000
    needed = min(wanted, duration - start)
    if seek >= info.duration - 0.5:
        seek = 0.0
    available = info.duration - seek
    if needed <= 0.05 or available <= 0.05:
        return None
    # "trim" means "fit the video": a song that turns out shorter (a longer clip was sent
    # since) loops too. Only "once" may leave silence, because the user asked for it.
    loop: Literal["none", "crossfade", "stream"] = "none"
    if track.fit != "once" and available < needed - 0.02:
        loop = "crossfade" if 1.0 <= available <= CROSSFADE_LOOP_MAX else "stream"
        length = needed
    else:
        length = min(needed, available)
    fade_in = min(max(track.fade_in / 1000, 0.0), length)
    fade_out = min(max(track.fade_out / 1000, 0.0), length)
    volume = min(max(track.gain, 0.0), 4.0)
    dips = track.envelope
    return MusicMix(info.path, seek, start, length, volume, fade_in, fade_out, loop, available,
                    dips)


def music_inputs(mixes: tuple[MusicMix, ...]) -> list[str]:
    """The input arguments of the songs, in the order of `mixes` (inputs 1, 2, ...)."""
    args: list[str] = []
    for music in mixes:
        if music.seek > 0:
            args += ["-ss", f"{music.seek:.3f}"]
        if music.loop == "stream":
            args += ["-stream_loop", "-1"]
        args += ["-i", str(music.path)]
    return args


def music_graph(mixes: tuple[MusicMix, ...], duration: float) -> str:
    """Every song's branch, ending in the label "[music]"; song i reads input i + 1."""
    if len(mixes) == 1:
        return music_filter(mixes[0], duration, 1) + "[music]"
    branches = [music_filter(music, duration, i) + f"[song{i}]"
                for i, music in enumerate(mixes, 1)]
    labels = "".join(f"[song{i}]" for i in range(1, len(mixes) + 1))
    return ";".join([*branches, f"{labels}amix=inputs={len(mixes)}:normalize=0"
                                f":duration=longest[music]"])


def music_filter(music: MusicMix, duration: float, index: int = 1) -> str:
    """One song's branch of the graph (without its output label), on the output's timeline."""
    parts = ["aresample=48000", "aformat=sample_fmts=fltp:channel_layouts=stereo"]
    if music.loop == "crossfade":
        c = min(LOOP_CROSSFADE, music.loop_unit / 4)
        unit = music.loop_unit - c
        size = math.ceil(unit * SAMPLE_RATE) + SAMPLE_RATE
        x = f"m{index}"
        head = (
            f"[{index}:a]{','.join(parts)},asplit=3[{x}x][{x}y][{x}z];"
            f"[{x}x]atrim=end={unit:.3f}[{x}first];"
            f"[{x}y]atrim=start={unit:.3f},asetpts=PTS-STARTPTS[{x}tail];"
            f"[{x}z]atrim=end={unit:.3f},asetpts=PTS-STARTPTS[{x}body];"
            f"[{x}tail][{x}body]acrossfade=d={c:.3f}:c1=tri:c2=tri,aloop=loop=-1:size={size}"
            f"[{x}loop];[{x}first][{x}loop]concat=n=2:v=0:a=1"
        )
        parts = []
    else:
        head = f"[{index}:a]" + ",".join(parts)
        parts = []
    parts.append(f"atrim=duration={music.length:.3f},asetpts=PTS-STARTPTS")
    if music.volume != 1.0:
        parts.append(f"volume={music.volume:.4f}")
    if music.fade_in > 0:
        parts.append(f"afade=t=in:st=0:d={music.fade_in:.3f}")
    if music.fade_out > 0:
        parts.append(f"afade=t=out:st={music.length - music.fade_out:.3f}:d={music.fade_out:.3f}")
    if music.start > 0:
        parts.append(f"adelay=delays={round(music.start * 1000)}:all=1")
    parts.append(f"apad=whole_dur={duration:.3f}")
    if (levels := envelope.expression(music.dips)) is not None:  # on the output's timeline
        parts.append(f"volume='{levels}':eval=frame")
    return head + "," + ",".join(parts)
