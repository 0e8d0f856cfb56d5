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

Used only where that is certain (`junction`): an MP4/MOV whose H.264 plays everywhere, square
pixels, no rotation, the output at the clip's own size, a trim that runs to the end of the
clip, 4-byte NAL lengths, and a clean IDR keyframe (no frame after it shown before it) with at
least `MIN_COPY` seconds after it. Anything else, or anything unexpected while joining
(`JoinFailed`), re-encodes the whole clip as before.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

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


class JoinFailed(Exception):
    """The head and the copied part could not be joined exactly: re-encode everything."""


@dataclass(frozen=True)
class Junction:
    """Where the copy starts, and how the head must be encoded to join it."""

    keyframe: float
    """Seconds from the clip's start (as ffmpeg's input `-ss` counts) of the first copied
    frame."""
    head_frames: int
    """Frames shown from the cut to the keyframe: the head's length in frames."""
    sps_id: int
    """Parameter-set id for the head's SPS and PPS, unused by the clip."""
    profile: str


# avcC (ISO/IEC 14496-15 AVCDecoderConfigurationRecord) -------------------------------------


@dataclass(frozen=True)
class AvcConfig:
    header: bytes  # version, profile, compatibility, level, length size
    sps: tuple[bytes, ...]
    pps: tuple[bytes, ...]
    rest: bytes  # the High profiles' chroma/bit-depth fields

    @property
    def profile(self) -> int:
        return self.header[1]

    @property
    def level(self) -> int:
        return self.header[3]

    @property
    def length_size(self) -> int:
        return (self.header[4] & 3) + 1


def parse_avcc(data: bytes) -> AvcConfig:
    """The record's parts; ValueError when it is not one (Annex B extradata, cut short)."""
    if len(data) < 7 or data[0] != 1:
        raise ValueError("not an avcC record")
    at = 6

    def units(count: int) -> tuple[bytes, ...]:
        nonlocal at
        found = []
        for _ in range(count):
            size = int.from_bytes(data[at:at + 2], "big")
            unit = data[at + 2:at + 2 + size]
            if len(unit) != size or size == 0:
                raise ValueError("avcC cut short")
            found.append(unit)
            at += 2 + size
        return tuple(found)

    sps = units(data[5] & 0x1F)
    if at >= len(data):
        raise ValueError("avcC cut short")
    at += 1
    pps = units(data[at - 1])
    return AvcConfig(data[:5], sps, pps, data[at:])


def build_avcc(config: AvcConfig) -> bytes:
    out = bytearray(config.header) + bytes([0xE0 | len(config.sps)])
    for unit in config.sps:
        out += len(unit).to_bytes(2, "big") + unit
    out.append(len(config.pps))
    for unit in config.pps:
        out += len(unit).to_bytes(2, "big") + unit
    return bytes(out + config.rest)


def _first_ue(unit: bytes, skip_bytes: int) -> int:
    """The first Exp-Golomb number after `skip_bytes` bytes of the NAL unit (its header
    included): the SPS id after profile, constraints and level; the PPS id right away.
    Emulation-prevention bytes cannot occur this early."""
    bits = "".join(f"{b:08b}" for b in unit[skip_bytes:skip_bytes + 8])
    zeros = len(bits) - len(bits.lstrip("0"))
    if zeros > 15 or 2 * zeros + 1 > len(bits):
        raise ValueError("bad Exp-Golomb number")
    return int(bits[zeros:2 * zeros + 1], 2) - 1


def parameter_ids(config: AvcConfig) -> tuple[set[int], set[int]]:
    """(SPS ids, PPS ids) the record defines."""
    return ({_first_ue(s, 4) for s in config.sps}, {_first_ue(p, 1) for p in config.pps})


def joined_config(clip: AvcConfig, head: AvcConfig) -> bytes:
    """One avcC with both parts' parameter sets: the clip's profile (the head is held to
    it), the higher level."""
    level = max(clip.level, head.level)
    header = clip.header[:3] + bytes([level]) + clip.header[4:5]
    return build_avcc(AvcConfig(header, clip.sps + head.sps, clip.pps + head.pps, clip.rest))


# Finding the junction --------------------------------------------------------------------


def junction_sync(path: Path, start: float, after: float, end: float) -> Junction | None:
    """The first clean IDR keyframe at or after `after` (seconds, as `-ss` counts) from which
    the clip can be copied to `end`, or None (re-encode it all)."""
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            config = parse_avcc(bytes(stream.codec_context.extradata or b""))
            profile = PROFILES.get(config.profile)
            if profile is None or config.length_size != 4 or stream.time_base is None:
                return None
            sps_ids, pps_ids = parameter_ids(config)
            free = [i for i in range(MAX_SPS_ID + 1) if i not in sps_ids and i not in pps_ids]
            if not free:
                return None
            base = stream.time_base
            origin = (container.start_time or 0) / av.time_base
            container.seek(max(0, int((start + origin - 1.0) * av.time_base)), backward=True)
            shown_before = 0
            keyframe: float | None = None
            later = 0
            for packet in container.demux(stream):
                if packet.pts is None:
                    continue
                shown = float(packet.pts * base) - origin
                if keyframe is None:
                    if (packet.is_keyframe and shown >= after - TOLERANCE
                            and _has_idr(bytes(packet))):
                        keyframe = shown
                    elif shown >= start - TOLERANCE:
                        shown_before += 1
                    continue
                if shown < keyframe - TOLERANCE:
                    return None  # an open GOP: this frame is shown before the keyframe
                later += 1
                if later >= LOOKAHEAD:
                    break
    except (av.FFmpegError, IndexError, OSError, ValueError):
        return None
    if keyframe is None or keyframe > end - MIN_COPY or shown_before == 0:
        return None
    return Junction(keyframe, shown_before, free[0], profile)


def _has_idr(sample: bytes) -> bool:
    """The sample (4-byte NAL lengths) holds an IDR slice: nothing before it is needed."""
    at = 0
    while at + 5 <= len(sample):
        size = int.from_bytes(sample[at:at + 4], "big")
        if sample[at + 4] & 0x1F == 5:
            return True
        at += 4 + size
    return False


async def junction(path: Path, start: float, after: float, end: float) -> Junction | None:
    """`junction_sync` in a worker thread (it reads the file)."""
    return await asyncio.to_thread(junction_sync, path, start, after, end)


# The head and the join ---------------------------------------------------------------------


def head_command(source: Path, start: float, video_filter: str, cut: Junction) -> list[str]:
    """ffmpeg arguments (without the executable and the output) for the head: the frames
    from the cut to the keyframe through the render's own picture graph, no sound."""
    codec = list(X264)
    at = codec.index("-x264-params") + 1
    codec[at] += f":bframes=0:sps-id={cut.sps_id}"
    seek = ["-ss", f"{start:.3f}"] if start > 0 else []
    return [*seek, "-i", str(source), "-filter_complex", video_filter, "-map", "[vout]",
            "-frames:v", str(cut.head_frames), *codec, "-profile:v", cut.profile,
            "-crf", "23", "-fps_mode", "passthrough", "-an", "-f", "mp4"]


def join_sync(source: Path, head: Path, out: Path, start: float, cut: Junction) -> None:
    """Write `out`: the head's frames, then the clip's from the keyframe to its end, copied,
    in one H.264 track whose avcC holds both parts' parameter sets. JoinFailed when the head
    is not exactly the frames the junction counted."""
    try:
        with av.open(str(source)) as clip, av.open(str(head)) as made:
            _join(clip, made, out, start, cut)
    except (av.FFmpegError, IndexError, OSError, ValueError) as exc:
        out.unlink(missing_ok=True)
        raise JoinFailed(str(exc)) from exc
    except JoinFailed:
        out.unlink(missing_ok=True)
        raise


def _join(clip: av.container.InputContainer, made: av.container.InputContainer, out: Path,
          start: float, cut: Junction) -> None:
    source, head = clip.streams.video[0], made.streams.video[0]
    base = source.time_base
    if base is None or head.time_base is None:
        raise JoinFailed("a stream without a time base")
    extradata = joined_config(parse_avcc(bytes(source.codec_context.extradata or b"")),
                              parse_avcc(bytes(head.codec_context.extradata or b"")))
    origin = Fraction(clip.start_time or 0, av.time_base)
    clip.seek(max(0, int((cut.keyframe + float(origin) - 1.0) * av.time_base)), backward=True)
    tail: list[av.Packet[av.VideoStream]] = []
    for packet in clip.demux(source):
        if packet.pts is None or packet.dts is None:
            continue
        if not tail and not (packet.is_keyframe
                             and abs(float(packet.pts * base - origin) - cut.keyframe)
                             <= TOLERANCE):
            continue
        tail.append(packet)
    if not tail:
        raise JoinFailed("the keyframe was not found again")
    first = tail[0]
    assert first.pts is not None and first.dts is not None
    delay = first.pts - first.dts  # the copied part's decode delay (its B-frames)
    joint_pts = round(Fraction(cut.keyframe - start) / base)  # the keyframe's output time
    shift = joint_pts - first.pts
    frames = [p for p in made.demux(head) if p.pts is not None]
    if len(frames) != cut.head_frames:
        raise JoinFailed(f"the head has {len(frames)} frames, not {cut.head_frames}")
    with av.open(str(out), "w", format="mp4") as output:
        track = output.add_stream_from_template(source)
        track.codec_context.extradata = extradata
        last = None
        for packet in frames:
            assert packet.pts is not None
            pts = round(packet.pts * head.time_base / base)
            if (last is not None and pts <= last) or pts >= joint_pts:
                raise JoinFailed("the head's times do not fit before the keyframe")
            last = pts
            packet.pts, packet.dts = pts, pts - delay
            packet.time_base = base
            packet.stream = track
            output.mux(packet)
        for packet in tail:
            assert packet.pts is not None and packet.dts is not None
            packet.pts += shift
            packet.dts += shift
            packet.stream = track
            output.mux(packet)


async def join(source: Path, head: Path, out: Path, start: float, cut: Junction) -> None:
    """`join_sync` in a worker thread."""
    await asyncio.to_thread(join_sync, source, head, out, start, cut)


def worth_trying(p: RenderPlan, video: MediaInfo) -> bool:
    """The render re-encodes only for a title or a trim's start, and the clip is one whose
    copied frames join a re-encoded start exactly (see the module's text)."""
    return (bool(p.reasons) and set(p.reasons) <= {"title", "trim start"}
            and p.video_filter is not None and video.format_name.startswith("mov,mp4")
            and video.rotation == 0 and video.sar == 1.0 and not video.interlaced
            and not video.hdr and (p.width, p.height) == (video.width, video.height)
            and p.start + p.duration >= video.duration - 0.001)
