"""The avcC record (core/local/avcc.py) read from real files x264 wrote, written back, and
joined: every parameter set of every part, under its own id."""

from __future__ import annotations

from pathlib import Path

import av
import pytest

from core.local.avcc import (
    AvcConfig,
    build_avcc,
    has_idr,
    joined_config,
    parameter_ids,
    parse_avcc,
)
from tests.media import make_video


def config_of(path: Path) -> AvcConfig:
    with av.open(str(path)) as container:
        return parse_avcc(bytes(container.streams.video[0].codec_context.extradata or b""))


@pytest.fixture(scope="module", params=[0, 3, 17])
def clip(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clip whose SPS and PPS have the id of the parameter (x264 `sps-id`), High profile."""
    out = tmp_path_factory.mktemp(f"ids{request.param}") / "clip.mp4"
    return make_video(out, seconds=1, extra=("-profile:v", "high", "-x264-params",
                                             f"sps-id={request.param}:8x8dct=1"))


def test_a_record_read_and_written_back_is_the_same(clip: Path) -> None:
    with av.open(str(clip)) as container:
        raw = bytes(container.streams.video[0].codec_context.extradata or b"")
    config = parse_avcc(raw)
    assert config.profile == 100 and config.length_size == 4 and config.rest
    assert build_avcc(config) == raw


@pytest.mark.parametrize("sps_id", [0, 3, 17])
def test_each_id_as_x264_wrote_it(tmp_path: Path, sps_id: int) -> None:
    clip = make_video(tmp_path / "c.mp4", seconds=1,
                      extra=("-x264-params", f"sps-id={sps_id}"))
    assert parameter_ids(config_of(clip)) == ({sps_id}, {sps_id})


def test_joined_records_hold_every_set(tmp_path: Path) -> None:
    a = config_of(make_video(tmp_path / "a.mp4", seconds=1, extra=("-x264-params", "sps-id=0")))
    b = config_of(make_video(tmp_path / "b.mp4", seconds=1, width=640, height=480,
                             extra=("-x264-params", "sps-id=1")))
    joined = parse_avcc(joined_config(a, b))
    assert parameter_ids(joined) == ({0, 1}, {0, 1})
    assert joined.level == max(a.level, b.level) and joined.profile == a.profile


@pytest.mark.parametrize("data", [b"", b"\x00\x01", bytes([1, 100, 0, 30, 0xFF, 0xE1, 0, 9, 1])])
def test_not_a_record(data: bytes) -> None:
    with pytest.raises(ValueError):
        parse_avcc(data)


def test_idr_frames_are_found(tmp_path: Path) -> None:
    clip = make_video(tmp_path / "g.mp4", seconds=2, extra=("-g", "25", "-bf", "0"))
    with av.open(str(clip)) as container:
        flags = [(p.is_keyframe, has_idr(bytes(p))) for p in container.demux(video=0) if p.size]
    assert flags[0] == (True, True) and flags[25] == (True, True)
    assert not any(idr for key, idr in flags if not key)
