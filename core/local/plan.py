"""Draft + probed media -> ffmpeg arguments. Pure: no files are touched, nothing is run.

`plan()` reads the typed timeline (`core/timeline/model.py`, times in ms) into a `RenderPlan`
of plain numbers in seconds (ffmpeg's unit); `build_command()` and `build_loudness_pass()`
turn a render plan into arguments (without the
executable, without the output file: the runner appends a temporary name). The picture
side (output size, blur/crop/pad, title) lives in `core/local/picture.py`.

Choices, measured on this machine (see FFMPEG_NOTES.md):
- The video stream is copied whenever the picture does not change: re-encoding is ~20x slower.
  It is re-encoded for an aspect change, a resize (more than 1080p by default), a title, a
  trim that starts after 0 s off a keyframe (a copy would start on the previous keyframe and
  drift from the sound; a start exactly on a keyframe with no end cut is copied), a codec
  that is not H.264 or H.264 that not every phone plays (`playback_problem`: 4:4:4, 10-bit,
  High 10/4:2:2 profiles, level over 5.1), or a byte limit the copy misses.
  Cutting only the end keeps the copy: the cut lands on a frame boundary.
- `amix` runs with `normalize=0` (otherwise "30%" becomes 15%); every branch is padded with
  `apad` and the mix bounded with `atrim` and `-t`, so the output lasts exactly the video.
- A short song loops with a crossfade at the loop point (built in the graph with `aloop`);
  songs longer than `CROSSFADE_LOOP_MAX` loop with `-stream_loop` and no crossfade, because
  the graph version keeps the whole song in memory (such a loop restarts at the song's
  beginning, not at the asked offset).
- Loudness is two-pass `loudnorm` with `linear=true` (keeps fades), then `aresample=48000`.
- A mix of original + music ends in `alimiter` at -1 dBFS (after loudnorm): never clips.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from core.draft import number
from core.errors import BadMedia, TooLarge
from core.local import envelope
from core.local.mix import MusicMix, music_graph, music_inputs, music_mix
from core.local.picture import geometry
from core.local.picture import video_filter as picture_filter
from core.local.probe import MediaInfo, playback_problem
from core.timeline.model import LevelSpan, Timeline

DEFAULT_MAX_SHORT_SIDE = 1080
AUDIO_BITRATE = 192_000
SIZE_MARGIN = 0.92  # share of max_bytes the streams may use; the rest is container overhead
MIN_VIDEO_BITRATE = 100_000
LIMITER = "alimiter=limit=0.891:level=disabled:latency=enabled"  # -1 dBFS: AAC overshoots
X264 = ("-c:v", "libx264", "-preset", "ultrafast", "-x264-params",
        "cabac=1:deblock=1:mbtree=1:rc-lookahead=10:aq-mode=1:bframes=2:b-adapt=0",
        "-pix_fmt", "yuv420p")
"""x264 for every re-encode: `ultrafast` (diamond search, no sub-pixel refinement, one
reference) with back the tools that buy the most per cycle: CABAC and deblocking, mb-tree rate
control over 10 frames, adaptive quantisation and two fixed B-frames (without the last two a
720p file came out 2.5x the size of `veryfast`'s). Measured on the bench's grainy clip against
the usual `veryfast` at the same CRF 23 (bench/README.md): full 1080p 0.60x the CPU time and
0.83x the size (SSIM against the source 0.950 vs 0.952), 720p 0.77x the CPU and 1.16x the
size (SSIM against veryfast's output 0.992)."""


@dataclass(frozen=True)
class LoudnessStats:
    """What the first `loudnorm` pass measured (its JSON output)."""

    input_i: float
    input_tp: float
    input_lra: float
    input_thresh: float
    target_offset: float


@dataclass(frozen=True)
class RenderInputs:
    """The probed files a timeline refers to, resolved by the caller."""

    video: MediaInfo
    music: MediaInfo | None = None
    """The first music track's file."""
    title_file: Path | None = None
    """UTF-8 file holding the title text, read by drawtext (the text never enters the graph)."""
    font_file: Path | None = None
    more_music: tuple[MediaInfo | None, ...] = ()
    """The files of the timeline's second, third... music tracks, in their order."""
    cut_on_keyframe: bool = False
    """The trim start lands exactly on a keyframe (`core/local/keyframes.py`): a trim that runs
    to the end of the video copies it from there."""


@dataclass(frozen=True)
class RenderOptions:
    """Export knobs; None means "as the timeline says"."""

    resolution: int | None = None
    aspect: str | None = None
    max_bytes: int | None = None
    max_short_side: int = DEFAULT_MAX_SHORT_SIDE


@dataclass(frozen=True)
class RenderPlan:
    """Everything the command needs, as plain values (easy to assert on in tables)."""

    video_path: Path
    start: float
    duration: float
    copy_video: bool
    width: int
    height: int
    video_filter: str | None  # "[0:v]...[vout]" when re-encoding
    video_bitrate: int | None
    original_volume: float | None  # None: the original sound is not used
    audio_copy: bool
    music: MusicMix | None
    duck: bool
    loudness: float | None
    reasons: tuple[str, ...] = field(default=())  # why the video is re-encoded
    more_music: tuple[MusicMix, ...] = ()
    """The songs after `music`, each on its own input (several songs on the timeline)."""
    original_dips: tuple[LevelSpan, ...] = ()
    """Parts where the clip's own sound is muted or lowered (OriginalSound.envelope, ms)."""
    title_end: float = 0.0
    """Output seconds at which the title is gone (0: no title)."""
    video_part: Path | None = None
    """The picture already made (core/local/smartcut.py: the start re-encoded, the rest
    copied), copied from its own input; the sound still comes from `video_path`."""
    video_part_start: float = 0.0
    """When the part's first frame is shown (ffmpeg would move it to 0 s, ahead of the
    sound, when the clip has no frame exactly at the cut)."""

    @property
    def mixes(self) -> tuple[MusicMix, ...]:
        """Every song in the mix, in input order (input 1 is the first)."""
        return ((self.music,) if self.music is not None else ()) + self.more_music

    @property
    def has_audio(self) -> bool:
        return self.audio_copy or self.original_volume is not None or self.music is not None


# Reading the timeline -----------------------------------------------------------------------


def _trim(timeline: Timeline, length: float) -> tuple[float, float]:
    start, end = 0.0, length
    if timeline.trim is not None:
        start = min(max(timeline.trim[0] / 1000, 0.0), length)
        end = min(max(timeline.trim[1] / 1000, start), length)
    if end - start < 0.1:
        raise BadMedia("The trim leaves less than a tenth of a second of video.")
    return start, end - start


def title_text(timeline: Timeline) -> str | None:
    """The title to draw, if the timeline has one (the caller writes it to `title_file`)."""
    text = timeline.title.text.strip() if timeline.title is not None else ""
    return text or None


def _title(timeline: Timeline, duration: float) -> tuple[float, float, str] | None:
    title, text = timeline.title, title_text(timeline)
    if title is None or text is None:
        return None
    start = max(title.start / 1000, 0.0)
    length = title.length / 1000 if title.length > 0 else 3.0
    if start >= duration:
        return None
    return start, min(start + length, duration), text


def plan(timeline: Timeline, inputs: RenderInputs,
         options: RenderOptions | None = None) -> RenderPlan:
    """Decide what to copy, what to re-encode and how the sound is mixed."""
    options = options or RenderOptions()
    video = inputs.video
    if not video.has_video or not video.width or not video.height:
        raise BadMedia(f"{video.path.name} has no video stream; please send a video.")
    picture = timeline.picture
    start, duration = _trim(timeline, video.duration)
    out_w, out_h, fg_w, fg_h, mode = geometry(
        video.width, video.height, options.aspect or picture.aspect, picture.fill or "blur",
        options.resolution or picture.resolution, options.max_short_side,
        options.resolution is not None or bool(picture.upscale),
    )
    title = _title(timeline, duration) if inputs.title_file else None
    reasons = _reencode_reasons(video, (out_w, out_h), mode, bool(title), start, duration,
                                inputs.cut_on_keyframe)

    original_volume: float | None = None
    if video.has_audio and timeline.original.mode != "mute":
        original_volume = min(max(timeline.original.gain, 0.0), 1.0)
    files = (inputs.music, *inputs.more_music)
    mixes = [mix for track, info in zip(timeline.music, files, strict=False)
             if (mix := music_mix(track, info, duration)) is not None]
    music = mixes[0] if mixes else None
    loudness = timeline.loudness
    duck = bool(timeline.original.duck) and music is not None and original_volume is not None
    dips = timeline.original.envelope
    audio_copy = (original_volume == 1.0 and music is None and loudness is None
                  and video.audio_codec == "aac" and start == 0 and not dips)
    has_audio = audio_copy or original_volume is not None or music is not None

    bitrate = _size_bitrate(video, options.max_bytes, duration, has_audio, bool(reasons))
    if bitrate is not None:
        reasons.append("size limit")

    copy_video = not reasons
    video_filter = None
    if not copy_video:
        video_filter = picture_filter((video.width, video.height), (out_w, out_h), (fg_w, fg_h),
                                      mode, title, inputs.title_file, inputs.font_file,
                                      deinterlace=video.interlaced, hdr=video.hdr,
                                      sar=video.sar)
    return RenderPlan(
        video_path=video.path, start=start, duration=duration, copy_video=copy_video,
        width=video.width if copy_video else out_w, height=video.height if copy_video else out_h,
        video_filter=video_filter, video_bitrate=bitrate, original_volume=original_volume,
        audio_copy=audio_copy, music=music, duck=duck, loudness=loudness,
        reasons=tuple(reasons), more_music=tuple(mixes[1:]),
        original_dips=dips if original_volume is not None else (),
        title_end=title[1] if title else 0.0,
    )


def _reencode_reasons(video: MediaInfo, size: tuple[int, int], mode: str | None, title: bool,
                      start: float, duration: float, cut_on_keyframe: bool) -> list[str]:
    """Why the video stream cannot be copied as it is (empty: copy it)."""
    reasons = []
    if mode:
        reasons.append(f"aspect ({mode})")
    if not mode and (abs(size[0] - (video.width or 0)) > 1
                     or abs(size[1] - (video.height or 0)) > 1):
        reasons.append("resize")
    if title:
        reasons.append("title")
    # A copy from a keyframe is exact only up to the end of the file: `-t` cuts a copy by
    # decode time, which keeps a frame or two too many when the source has B-frames.
    if start > 0 and not (cut_on_keyframe and start + duration >= video.duration - 0.001):
        reasons.append("trim start")
    if video.video_codec != "h264":
        reasons.append(f"codec {video.video_codec}")
    elif problem := playback_problem(video):  # copied as is, phones would not play it
        reasons.append(f"playback ({problem})")
    return reasons


def _size_bitrate(video: MediaInfo, max_bytes: int | None, duration: float, has_audio: bool,
                  reencoding: bool) -> int | None:
    """The video bitrate that meets a size limit, or None when the file fits as it is."""
    if max_bytes is None:
        return None
    budget = max_bytes * 8 * SIZE_MARGIN
    audio_bits = AUDIO_BITRATE * duration if has_audio else 0.0
    if not reencoding and video.size * 8 * duration / video.duration + audio_bits <= budget:
        return None
    bitrate = int((budget - audio_bits) / duration)
    if bitrate < MIN_VIDEO_BITRATE:
        raise TooLarge(f"This video is too long to fit in {max_bytes / 1_000_000:g} MB at a "
                       "watchable quality; trim it or ask for a download link.")
    return bitrate


# Sound ------------------------------------------------------------------------------------


def audio_filter(p: RenderPlan, loudnorm: str | None) -> str | None:
    """The "[aout]" graph, or None when the sound is copied or absent."""
    if p.audio_copy or not p.has_audio:
        return None
    d = f"{p.duration:.3f}"
    graph: list[str] = []
    labels: list[str] = []
    if p.original_volume is not None:
        orig = (f"[0:a:0]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo"
                f",apad=whole_dur={d}")
        gain = f",volume={p.original_volume:.4f}" if p.original_volume != 1.0 else ""
        if (parts := envelope.expression(p.original_dips)) is not None:  # output's timeline
            gain += f",volume='{parts}':eval=frame"
        if p.duck:
            graph.append(orig + ",asplit=2[oraw][osc]")
            graph.append(f"[oraw]{gain.lstrip(',') or 'anull'}[orig]")
        else:
            graph.append(orig + f"{gain}[orig]")
        labels.append("[orig]")
    if p.music is not None:
        graph.append(music_graph(p.mixes, p.duration))
        if p.duck:
            graph.append("[music][osc]sidechaincompress=threshold=0.02:ratio=8:attack=20"
                         ":release=400:makeup=1[mduck]")
            labels.append("[mduck]")
        else:
            labels.append("[music]")
    tail = f"atrim=duration={d}"
    if loudnorm:
        tail += f",{loudnorm},aresample=48000"
    if len(labels) == 2:  # the sum of two full-scale sounds can clip: a limiter ends the mix
        graph.append(f"{''.join(labels)}amix=inputs=2:normalize=0:duration=longest,{tail}"
                     f",{LIMITER}[aout]")
    else:
        graph.append(f"{labels[0]}{tail}[aout]")
    return ";".join(graph)


# Commands -----------------------------------------------------------------------------------


def _inputs(p: RenderPlan, picture: bool = True) -> list[str]:
    args = []
    if p.start > 0:
        args += ["-ss", f"{p.start:.3f}"]
    args += ["-i", str(p.video_path), *music_inputs(p.mixes)]
    if picture and p.video_part is not None:
        if p.video_part_start > 0:
            args += ["-itsoffset", f"{p.video_part_start:.6f}"]
        args += ["-i", str(p.video_part)]
    return args


def _loudnorm(target: float, stats: LoudnessStats | None) -> str:
    base = f"loudnorm=I={target:g}:TP=-1.5:LRA=11"
    if stats is None:
        return base + ":print_format=json"
    return (f"{base}:measured_I={stats.input_i:g}:measured_TP={stats.input_tp:g}"
            f":measured_LRA={stats.input_lra:g}:measured_thresh={stats.input_thresh:g}"
            f":offset={stats.target_offset:g}:linear=true:print_format=summary")


def build_loudness_pass(p: RenderPlan) -> list[str] | None:
    """First loudnorm pass (audio only, to the null muxer; complete, output included), or
    None when no loudness target is set."""
    if p.loudness is None or not p.has_audio:
        return None
    graph = audio_filter(replace(p, audio_copy=False), _loudnorm(p.loudness, None))
    assert graph is not None
    return [*_inputs(p, picture=False), "-filter_complex", graph, "-map", "[aout]", "-vn",
            "-t", f"{p.duration:.3f}", "-f", "null", "-"]


def build_command(p: RenderPlan, stats: LoudnessStats | None = None) -> list[str]:
    """The render: everything but the executable and the output file (an MP4)."""
    loud = _loudnorm(p.loudness, stats) if p.loudness is not None and stats else None
    audio = audio_filter(p, loud)
    graphs = [g for g in (p.video_filter, audio) if g]
    args = _inputs(p)
    if graphs:
        args += ["-filter_complex", ";".join(graphs)]
    if p.video_part is not None:  # the last input
        args += ["-map", f"{args.count('-i') - 1}:v:0", "-c:v", "copy"]
    elif p.copy_video:
        args += ["-map", "0:v:0", "-c:v", "copy"]
    else:
        args += ["-map", "[vout]", *X264]
        if p.video_bitrate:
            rate = str(p.video_bitrate)
            args += ["-b:v", rate, "-maxrate", rate, "-bufsize", str(p.video_bitrate * 2)]
        else:
            args += ["-crf", "23"]
    if p.audio_copy:
        args += ["-map", "0:a:0", "-c:a", "copy"]
    elif audio:
        args += ["-map", "[aout]", "-c:a", "aac", "-b:a", str(AUDIO_BITRATE), "-ar", "48000"]
    else:
        args += ["-an"]
    args += ["-t", f"{p.duration:.3f}", "-movflags", "+faststart", "-f", "mp4"]
    return args


def parse_loudnorm(stderr: str) -> LoudnessStats:
    """The JSON block the first loudnorm pass prints at the end of stderr."""
    found = re.findall(r"\{[^{}]*\"input_i\"[^{}]*\}", stderr)
    if not found:
        raise ValueError("no loudnorm measurements in ffmpeg's output")
    data = json.loads(found[-1])

    def measured(key: str) -> float:
        return number(data.get(key), -70.0)

    return LoudnessStats(measured("input_i"), measured("input_tp"), measured("input_lra"),
                         measured("input_thresh"), measured("target_offset"))
