"""H.264 parameter sets as MP4 stores them: the avcC record (ISO/IEC 14496-15
AVCDecoderConfigurationRecord) of a track's sample description, read and written, and the
parameter-set ids inside it. Used by the smart cut (core/local/smartcut.py) to give one track
the parameter sets of every part it joins."""

from __future__ import annotations

from dataclasses import dataclass


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


def joined_config(clip: AvcConfig, *pieces: AvcConfig) -> bytes:
    """One avcC with every part's parameter sets: the clip's profile (the pieces are held to
    it), the highest level."""
    level = max([clip.level, *(p.level for p in pieces)])
    header = clip.header[:3] + bytes([level]) + clip.header[4:5]
    sps = clip.sps + tuple(u for p in pieces for u in p.sps)
    pps = clip.pps + tuple(u for p in pieces for u in p.pps)
    return build_avcc(AvcConfig(header, sps, pps, clip.rest))


def has_idr(sample: bytes) -> bool:
    """The sample (4-byte NAL lengths) holds an IDR slice: nothing before it is needed."""
    at = 0
    while at + 5 <= len(sample):
        size = int.from_bytes(sample[at:at + 4], "big")
        if sample[at + 4] & 0x1F == 5:
            return True
        at += 4 + size
    return False
