"""Re-encode only the start of the clip and copy the rest (a "smart cut").

A title over the first seconds, or a trim that starts between two keyframes, changes only the
frames up to the next keyframe: those are re-encoded (the "head") and every frame after that
keyframe is copied bit for bit. On a 30 s 1080p clip with a 3 s title that is a tenth of the
encode (bench/README.md, eighth measurement).

The copied frames were made by the phone's encoder with its own sequence and picture
parameter sets (SPS/PPS); the head is x264's. An MP4 track normally carries one set, in its
sample description (`avcC`), and a player decodes every frame with it: the head's set would
garble the copied frames and the other way round. So the head is encoded with parameter-set
ids the clip does not use (x264's `sps-id`), and the track's `avcC` carries both sets, each
frame naming its own: one sample description, as every MP4 player expects, and switching sets
at an IDR frame is plain H.264 (any decoder must follow it). x264 is held to the clip's
profile, so the sample description's profile covers both parts, and to no B-frames, so the
head's decode order is its display order and the join needs no reordering.

A trim that ends inside the clip copies up to the last clean keyframe before its end and
re-encodes the frames after it (the "end piece", a third parameter set): `-t` alone would cut
a copy by decode time and keep B-frames shown after the end.

Used only where that is certain (`worth_trying`, `junction`): an MP4/MOV whose H.264 plays
everywhere, square pixels, the output at the clip's own size, no title on a rotated clip (the
pieces are stored unturned, like the copied frames), 4-byte NAL lengths, clean IDR keyframes
(no frame after one shown before it) with at least `MIN_COPY` seconds between them. Anything
else, or anything unexpected while joining (`JoinFailed`), re-encodes the whole clip.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TypeAlias

import av

from core.local.avcc import has_idr, joined_config, parameter_ids, parse_avcc
from core.local.plan import X264, RenderPlan
from core.local.probe import MediaInfo

MIN_COPY = 2.0
"""Seconds of the clip that must be copied for the join to be worth it."""
TOLERANCE = 0.0005
"""Seconds within which a frame's time counts as the cut's (trims are in whole ms)."""
LOOKAHEAD = 48
"""Packets after the keyframe checked for frames shown before it (an open GOP)."""
PROFILES = {66: "baseline", 77: "main", 100: "high"}
"""H.264 profile_idc of the clip -> the x264 profile the head is held to."""
MAX_SPS_ID = 31
MAX_GOP = 60.0
"""Seconds after the title's end searched for a keyframe (phones write one every 1-2 s)."""


class JoinFailed(Exception):
    """The head and the copied part could not be joined exactly: re-encode everything."""


@dataclass(frozen=True)
class Junction:
    """What is copied, and how the parts around it are encoded to join it. Times are seconds
    from the clip's start, as ffmpeg's input `-ss` counts."""

    keyframe: float
    """The first copied frame (a clean IDR keyframe)."""
    head_times: tuple[int, ...]
    """Times (the clip's own, in its time base) of the frames shown from the cut to
    `keyframe`, re-encoded (none: the cut is on it); the pieces' frames keep these times, so
    a clip filmed at a varying frame rate keeps its timing."""
    sps_id: int
    """Parameter-set id for the head's SPS and PPS, unused by the clip."""
    profile: str
    end_keyframe: float | None = None
    """The keyframe the copy stops before, when the trim ends inside the clip (None: copied
    to the clip's end, where `-t` cuts it on a frame)."""
    end_times: tuple[int, ...] = ()
    """Times of the frames shown from `end_keyframe` to the trim's end, re-encoded."""
    end_sps_id: int = 0

    @property
    def head_frames(self) -> int:
        return len(self.head_times)

    @property
    def end_frames(self) -> int:
        return len(self.end_times)


# Finding the junction --------------------------------------------------------------------


def junction_sync(path: Path, start: float, after: float, end: float,
                  clip_end: float) -> Junction | None:
    """Where to copy from (the first clean IDR keyframe at or after `after`) and to (the
    clip's end, or the last clean keyframe before `end`), or None: re-encode it all."""
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            config = parse_avcc(bytes(stream.codec_context.extradata or b""))
            profile = PROFILES.get(config.profile)
            if (profile is None or config.length_size != 4 or stream.time_base is None
                    or not config.sps or not config.pps):  # avc3: parameter sets in-band only
                return None
            sps_ids, pps_ids = parameter_ids(config)
            free = [i for i in range(MAX_SPS_ID + 1) if i not in sps_ids and i not in pps_ids]
            to_end = end >= clip_end - 0.001
            frames = _scan(container, stream, start, after, after if to_end else end)
    except (av.FFmpegError, IndexError, OSError, ValueError):
        return None
    if len(free) < 2:
        return None
    clean = [shown for shown, ok, _ in frames if ok is True]
    keyframe = next((k for k in clean if k >= after - TOLERANCE), None)
    if keyframe is None:
        return None

    def times(a: float, b: float) -> tuple[int, ...]:
        return tuple(sorted(t for shown, _, t in frames if a - TOLERANCE <= shown < b - TOLERANCE))

    head = times(start, keyframe)
    if to_end:
        if keyframe > clip_end - MIN_COPY:
            return None
        return Junction(keyframe, head, free[0], profile)
    last = max((k for k in clean if k <= end + TOLERANCE), default=keyframe)
    if last - keyframe < MIN_COPY:
        return None
    return Junction(keyframe, head, free[0], profile, last, times(last, end), free[1])


def _scan(container: av.container.InputContainer, stream: av.VideoStream, start: float,
          after: float, until: float) -> list[tuple[float, bool | None, int]]:
    """(time shown, clean keyframe?, time in the stream's base) of the packets from just
    before `start` to just after `until` and a clean keyframe at or after `after` (up to
    `MAX_GOP` on), in decode order; None for keyframes whose following packets were not all
    read. A clean keyframe is an IDR frame that no later frame is shown before."""
    base = stream.time_base
    assert base is not None
    origin = (container.start_time or 0) / av.time_base
    container.seek(max(0, int((start + origin - 1.0) * av.time_base)), backward=True)
    found: list[tuple[float, bool | None, int]] = []
    open_keys: list[int] = []  # indexes of keyframes still being checked
    for packet in container.demux(stream):
        if packet.pts is None:
            continue
        shown = float(packet.pts * base) - origin
        for i in list(open_keys):
            if shown < found[i][0] - TOLERANCE:
                found[i] = (found[i][0], False, found[i][2])  # a leading frame: an open GOP
                open_keys.remove(i)
            elif len(found) - i > LOOKAHEAD:
                found[i] = (found[i][0], True, found[i][2])
                open_keys.remove(i)
        if packet.is_keyframe and has_idr(bytes(packet)):
            open_keys.append(len(found))
            found.append((shown, None, packet.pts))
        else:
            found.append((shown, False, packet.pts))
        if not open_keys and shown > until + 1.0 and (shown > after + MAX_GOP or any(
                ok and t >= after - TOLERANCE for t, ok, _ in found)):
            break
    for i in open_keys:  # the clip ended within the look-ahead: nothing follows them
        if len(found) - i <= LOOKAHEAD:
            found[i] = (found[i][0], True, found[i][2])
    return found


async def junction(path: Path, start: float, after: float, end: float,
                   clip_end: float) -> Junction | None:
    """`junction_sync` in a worker thread (it reads the file)."""
    return await asyncio.to_thread(junction_sync, path, start, after, end, clip_end)


# The head and the join ---------------------------------------------------------------------


def piece_command(source: Path, at: float, frames: int, video_filter: str, sps_id: int,
                  profile: str, rotated: bool = False) -> list[str]:
    """ffmpeg arguments (without the executable and the output) for a re-encoded piece: the
    `frames` frames from `at` through the render's own picture graph, no sound, no B-frames,
    under parameter-set id `sps_id`, held to the clip's profile. A `rotated` clip's pieces
    are stored unturned like its copied frames (the track keeps the clip's rotation)."""
    codec = list(X264)
    place = codec.index("-x264-params") + 1
    codec[place] += f":bframes=0:sps-id={sps_id}"
    seek = ["-ss", f"{at:.3f}"] if at > 0 else []
    if rotated:
        seek.append("-noautorotate")
    return [*seek, "-i", str(source), "-filter_complex", video_filter, "-map", "[vout]",
            "-frames:v", str(frames), *codec, "-profile:v", profile, "-crf", "23",
            "-fps_mode", "passthrough", "-an", "-f", "mp4"]


def without_title(video_filter: str) -> str:
    """The picture graph with its title left out (the end piece is after the title)."""
    before, title, _ = video_filter.partition(",drawtext=")
    return before + "[vout]" if title else video_filter


def join_sync(source: Path, head: Path | None, end: Path | None, out: Path, start: float,
              cut: Junction) -> float:
    """Write `out`: the head's frames, the clip's from the keyframe on, copied, then the end
    piece's, in one H.264 track whose avcC holds every part's parameter sets; returns when
    its first frame is shown (seconds after the cut: the clip may have no frame exactly
    there). JoinFailed when a piece is not exactly the frames the junction counted."""
    try:
        with contextlib.ExitStack() as stack:
            clip = stack.enter_context(av.open(str(source)))
            pieces = [stack.enter_context(av.open(str(p))) if p else None for p in (head, end)]
            return _join(clip, pieces[0], pieces[1], out, start, cut)
    except JoinFailed:
        out.unlink(missing_ok=True)
        raise
    except Exception as exc:  # an optimisation that failed: the full re-encode follows
        out.unlink(missing_ok=True)
        raise JoinFailed(f"{type(exc).__name__}: {exc}") from exc


Packet: TypeAlias = "av.Packet[av.VideoStream]"


def _copied(clip: av.container.InputContainer,
            cut: Junction) -> Iterator[tuple[Packet, bool]]:
    """(packet, is it the end keyframe's) for the clip's packets from the keyframe to the end
    keyframe (or the clip's end), in decode order, their times unchanged, read as they are
    written (a long clip never sits in memory); the end keyframe's packet comes last, as the
    marker of the end, and is not copied."""
    source = clip.streams.video[0]
    base = source.time_base
    assert base is not None
    origin = clip.start_time or 0

    def at(packet: Packet, seconds: float) -> bool:
        assert packet.pts is not None
        return packet.is_keyframe and abs(float(packet.pts * base - Fraction(
            origin, av.time_base)) - seconds) <= TOLERANCE

    clip.seek(max(0, int((cut.keyframe - 1.0) * av.time_base) + origin), backward=True)
    started = False
    for packet in clip.demux(source):
        if packet.pts is None or packet.dts is None:
            continue
        if not started and not at(packet, cut.keyframe):
            continue
        ends = started and cut.end_keyframe is not None and at(packet, cut.end_keyframe)
        started = True
        yield packet, ends
        if ends:
            return
    if not started or cut.end_keyframe is not None:
        raise JoinFailed("a keyframe was not found again")


def _join(clip: av.container.InputContainer, head: av.container.InputContainer | None,
          end: av.container.InputContainer | None, out: Path, start: float,
          cut: Junction) -> float:
    source = clip.streams.video[0]
    base = source.time_base
    if base is None:
        raise JoinFailed("a stream without a time base")
    configs = [parse_avcc(bytes(p.streams.video[0].codec_context.extradata or b""))
               for p in (head, end) if p is not None]
    extradata = joined_config(parse_avcc(bytes(source.codec_context.extradata or b"")),
                              *configs)
    copied = _copied(clip, cut)
    first, _ = next(copied, (None, False))
    if first is None or first.pts is None or first.dts is None:
        raise JoinFailed("the keyframe was not found again")
    joint = round(Fraction(cut.keyframe - start) / base)  # the keyframe's output time
    shift = joint - first.pts  # the clip's times -> the output's, for every part
    with av.open(str(out), "w", format="mp4") as output:
        track = output.add_stream_from_template(source)
        track.codec_context.extradata = extradata
        if head is not None:
            _piece(head, output, track, base, [t + shift for t in cut.head_times], joint,
                   first.pts - first.dts, first.duration or 1)
        closing = None
        for packet, ends in itertools.chain([(first, False)], copied):
            assert packet.pts is not None and packet.dts is not None
            if ends:
                closing = packet  # the end keyframe: not copied, the end piece follows
                break
            packet.pts += shift
            packet.dts += shift
            packet.stream = track
            output.mux(packet)
        if closing is not None and end is not None:
            assert closing.pts is not None and closing.dts is not None
            _piece(end, output, track, base, [t + shift for t in cut.end_times], None,
                   closing.pts - closing.dts, closing.duration or first.duration or 1)
    return float((cut.head_times[0] + shift if cut.head_times else joint) * base)


def _piece(piece: av.container.InputContainer, output: av.container.OutputContainer,
           track: av.VideoStream, base: Fraction, times: list[int], before: int | None,
           delay: int, frame: int) -> None:
    """Mux a re-encoded piece's frames at `times` (the output's, in the clip's time base,
    the frames' own times in the clip), each decoded `delay` before it is shown (the copied
    part's delay, so decode times keep rising); the last one lasts until `before` or, at
    the end, `frame`."""
    packets = [p for p in piece.demux(piece.streams.video[0]) if p.pts is not None]
    if len(packets) != len(times):
        raise JoinFailed(f"a piece has {len(packets)} frames, not {len(times)}")
    if times != sorted(set(times)) or (before is not None and times[-1] >= before):
        raise JoinFailed("a piece's times do not fit beside the copied frames")
    ends = [*times[1:], before if before is not None else times[-1] + frame]
    for packet, pts, following in zip(packets, times, ends, strict=True):
        packet.time_base = base
        packet.pts, packet.dts = pts, pts - delay
        packet.duration = following - pts
        packet.stream = track
        output.mux(packet)


async def join(source: Path, head: Path | None, end: Path | None, out: Path, start: float,
               cut: Junction) -> float:
    """`join_sync` in a worker thread."""
    return await asyncio.to_thread(join_sync, source, head, end, out, start, cut)


def worth_trying(p: RenderPlan, video: MediaInfo) -> bool:
    """The render re-encodes only for a title or a trim's start, and the clip is one whose
    copied frames join a re-encoded start exactly (see the module's text)."""
    return (bool(p.reasons) and set(p.reasons) <= {"title", "trim start"}
            and p.video_filter is not None and video.format_name.startswith("mov,mp4")
            and (video.rotation == 0 or not p.title_end) and video.sar == 1.0
            and not video.interlaced
            and not video.hdr and (p.width, p.height) == (video.width, video.height))
