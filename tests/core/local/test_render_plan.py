"""The pure command builder, as tables: draft + probed media -> plan -> ffmpeg arguments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.errors import BadMedia, TooLarge
from core.local.picture import escape_value, geometry
from core.local.plan import (
    LIMITER,
    LoudnessStats,
    RenderInputs,
    RenderOptions,
    build_command,
    build_loudness_pass,
    parse_loudnorm,
    plan,
)
from core.timeline.convert import timeline_of
from tests.core.local.drafts import audio_info, make_draft, video_info

SONG = audio_info(duration=200)


def _args(draft_kwargs: dict[str, Any], video: Any = None, music: Any = SONG,
          options: RenderOptions | None = None, title: bool = False) -> tuple[Any, list[str]]:
    inputs = RenderInputs(video or video_info(), music,
                          Path("/tmp/t.txt") if title else None, Path("/f/DejaVuSans.ttf"))
    p = plan(timeline_of(make_draft(**draft_kwargs)), inputs, options)
    return p, build_command(p)


def _graph(args: list[str]) -> str:
    return args[args.index("-filter_complex") + 1] if "-filter_complex" in args else ""


@pytest.mark.parametrize(
    ("width", "height", "aspect", "fill", "short", "upscale", "expected"),
    [
        (1920, 1080, None, "blur", None, False, (1920, 1080, 1920, 1080, None)),
        (3840, 2160, None, "blur", None, False, (1920, 1080, 1920, 1080, None)),
        (1280, 720, None, "blur", None, False, (1280, 720, 1280, 720, None)),
        (1280, 720, None, "blur", 1080, True, (1920, 1080, 1920, 1080, None)),
        (1280, 720, None, "blur", 1080, False, (1280, 720, 1280, 720, None)),
        (1920, 1080, None, "blur", 720, False, (1280, 720, 1280, 720, None)),
        (1920, 1080, "9:16", "blur", None, False, (1080, 1920, 1080, 608, "blur")),
        (1920, 1080, "9:16", "pad", None, False, (1080, 1920, 1080, 608, "pad")),
        (1920, 1080, "1:1", "crop", None, False, (1080, 1080, 1080, 1080, "crop")),
        (1920, 1080, "4:5", "blur", None, False, (1080, 1350, 1080, 608, "blur")),
        (1920, 1080, "16:9", "blur", None, False, (1920, 1080, 1920, 1080, None)),
        (1080, 1920, "9:16", "blur", None, False, (1080, 1920, 1080, 1920, None)),
        (1080, 1920, "16:9", "crop", None, False, (1080, 608, 1080, 608, "crop")),
        (320, 240, "9:16", "blur", None, False, (320, 568, 320, 240, "blur")),
    ],
)
def test_geometry(width: int, height: int, aspect: str | None, fill: str, short: int | None,
                  upscale: bool, expected: tuple[int, int, int, int, str | None]) -> None:
    assert geometry(width, height, aspect, fill, short, 1080, upscale) == expected


@pytest.mark.parametrize(
    ("draft", "video", "copy", "reasons", "size"),
    [
        ({"music": {"volume": 0.3}}, video_info(), True, (), (1920, 1080)),
        ({"music": {}}, video_info(width=1080, height=1920, rotation=90), True, (), (1080, 1920)),
        ({"music": {}}, video_info(width=3840, height=2160), False, ("resize",), (1920, 1080)),
        ({"music": {}, "resolution": 720}, video_info(), False, ("resize",), (1280, 720)),
        ({"music": {}, "resolution": 1080}, video_info(width=1280, height=720), True, (),
         (1280, 720)),
        ({"music": {}, "resolution": 1080, "upscale": True}, video_info(width=1280, height=720),
         False, ("resize",), (1920, 1080)),
        ({"aspect": "9:16", "fill": "blur"}, video_info(), False, ("aspect (blur)",),
         (1080, 1920)),
        ({"aspect": "16:9"}, video_info(), True, (), (1920, 1080)),
        ({"music": {}}, video_info(codec="hevc"), False, ("codec hevc",), (1920, 1080)),
        ({"trim": [2000, 8000]}, video_info(), False, ("trim start",), (1920, 1080)),
        ({"trim": [0, 8000]}, video_info(), True, (), (1920, 1080)),
        ({"title": "Hi"}, video_info(), False, ("title",), (1920, 1080)),
    ],
)
def test_when_the_video_is_copied(draft: dict[str, Any], video: Any, copy: bool,
                                  reasons: tuple[str, ...], size: tuple[int, int]) -> None:
    p, args = _args(draft, video, title="title" in draft)
    assert (p.copy_video, p.reasons, (p.width, p.height)) == (copy, reasons, size)
    codec = args[args.index("-c:v") + 1]
    assert codec == ("copy" if copy else "libx264")
    assert args[-4:] == ["-movflags", "+faststart", "-f", "mp4"]


@pytest.mark.parametrize(
    ("draft", "expected_duration", "video_input"),
    [
        ({}, 10.0, ["-i", "/in/clip.mp4"]),
        ({"trim": [0, 6500]}, 6.5, ["-i", "/in/clip.mp4"]),
        ({"trim": [2000, 6500]}, 4.5, ["-ss", "2.000", "-i", "/in/clip.mp4"]),
        ({"trim": [2000, 60000]}, 8.0, ["-ss", "2.000", "-i", "/in/clip.mp4"]),
    ],
)
def test_trim_bounds_the_output(draft: dict[str, Any], expected_duration: float,
                                video_input: list[str]) -> None:
    p, args = _args({"music": {}, **draft})
    assert p.duration == expected_duration
    assert args[: len(video_input)] == video_input
    assert args[args.index("-t") + 1] == f"{expected_duration:.3f}"
    assert f"atrim=duration={expected_duration:.3f},{LIMITER}[aout]" in _graph(args)


@pytest.mark.parametrize(
    ("draft", "video", "limited"),
    [
        ({"music": {}}, video_info(), True),  # original + music: the sum can clip
        ({"music": {}, "duck": True}, video_info(), True),
        ({"music": {}, "original": "lower"}, video_info(), True),
        ({"music": {}, "original": "mute"}, video_info(), False),  # music alone
        ({"music": {}}, video_info(audio=False), False),
        ({"original": "lower"}, video_info(), False),  # the original alone
    ],
)
def test_limiter_only_where_two_sounds_are_mixed(draft: dict[str, Any], video: Any,
                                                  limited: bool) -> None:
    graph = _graph(_args(draft, video)[1])
    assert (LIMITER in graph) == limited
    if limited:
        assert graph.endswith(f",{LIMITER}[aout]")


def test_trim_too_short_is_refused() -> None:
    with pytest.raises(BadMedia):
        _args({"trim": [5000, 5000]})


@pytest.mark.parametrize(
    ("music", "song", "video_ms", "start", "expect_in_graph", "expect_inputs", "absent"),
    [
        ({"volume": 0.3, "fade_out": 3000}, 200, 10_000, 0,
         ["volume=0.3000", "afade=t=out:st=7.000:d=3.000", "atrim=duration=10.000"],
         ["-i", "/in/song.mp3"], ["aloop", "adelay", "-stream_loop"]),
        ({"fade_in": 2000}, 200, 10_000, 0, ["afade=t=in:st=0:d=2.000"], [], ["afade=t=out"]),
        ({"offset": 30_000}, 200, 10_000, 0, [], ["-ss", "30.000", "-i", "/in/song.mp3"], []),
        ({}, 200, 10_000, 4000, ["adelay=delays=4000:all=1", "atrim=duration=6.000"], [], []),
        ({"fade_out": 2000}, 200, 10_000, 4000, ["afade=t=out:st=4.000:d=2.000"], [], []),
        ({}, 4, 10_000, 0, ["aloop=loop=-1", "acrossfade=d=0.500", "concat=n=2:v=0:a=1",
                            "atrim=duration=10.000"], [], ["-stream_loop"]),
        ({}, 100, 300_000, 0, ["atrim=duration=300.000"],
         ["-stream_loop", "-1", "-i", "/in/song.mp3"], ["aloop"]),
        ({"fit": "once"}, 4, 10_000, 0, ["atrim=duration=4.000", "apad=whole_dur=10.000"], [],
         ["aloop", "-stream_loop"]),
        ({"fit": "trim", "fade_out": 1000}, 4, 10_000, 0,
         ["aloop", "afade=t=out:st=9.000:d=1.000"], [], []),  # "fit the video" loops too
        ({"fit": "trim"}, 200, 10_000, 0, ["atrim=duration=10.000"], [], ["aloop"]),
    ],
)
def test_music_graph(music: dict[str, Any], song: float, video_ms: float, start: float,
                     expect_in_graph: list[str], expect_inputs: list[str],
                     absent: list[str]) -> None:
    _, args = _args({"music": music, "music_start": start, "video_ms": video_ms,
                     "music_ms": video_ms - start},
                    video_info(duration=video_ms / 1000), audio_info(duration=song))
    graph, joined = _graph(args), " ".join(args)
    for part in expect_in_graph:
        assert part in graph
    if expect_inputs:
        assert " ".join(expect_inputs) in joined
    for part in absent:
        assert part not in joined


@pytest.mark.parametrize(
    ("meta", "video", "has_music", "expected", "absent"),
    [
        ({}, video_info(), True,
         ["[0:a:0]", "apad=whole_dur=10.000[orig]", "amix=inputs=2:normalize=0:duration=longest"],
         ["volume=1.0000"]),
        ({"original": "lower", "original_volume": 0.25}, video_info(), True,
         ["volume=0.2500[orig]", "normalize=0"], []),
        ({"original": "lower"}, video_info(), True, ["volume=0.3000[orig]"], []),
        ({"original": "mute"}, video_info(), True, ["[1:a]"], ["[0:a", "amix"]),
        ({}, video_info(audio=False), True, ["[1:a]"], ["[0:a", "amix"]),
        ({"duck": True}, video_info(), True,
         ["asplit=2[oraw][osc]", "[music][osc]sidechaincompress"], []),
        ({"duck": True, "original": "mute"}, video_info(), True, [], ["sidechaincompress"]),
        ({"original": "mute"}, video_info(), False, ["-an"], ["-filter_complex"]),
        ({}, video_info(audio=False), False, ["-an"], ["-filter_complex"]),
        ({}, video_info(), False, ["-map 0:a:0 -c:a copy"], ["-filter_complex"]),
        ({"original": "lower"}, video_info(), False, ["volume=0.3000[orig]", "-c:a aac"],
         ["amix"]),
    ],
)
def test_sound_of_the_original(meta: dict[str, Any], video: Any, has_music: bool,
                               expected: list[str], absent: list[str]) -> None:
    _, args = _args({"music": {} if has_music else None, **meta}, video,
                    SONG if has_music else None)
    joined = " ".join(args)
    for part in expected:
        assert part in joined
    for part in absent:
        assert part not in joined


def test_music_without_a_file_is_left_out() -> None:
    p, _ = _args({"music": {"mood": "lofi"}}, music=None)
    assert p.music is None


def test_loudness_two_passes() -> None:
    p, _ = _args({"music": {"volume": 0.3, "fade_out": 3000}, "loudness": -14})
    first = build_loudness_pass(p)
    assert first is not None
    assert first[-3:] == ["-f", "null", "-"] and "-vn" in first
    assert "loudnorm=I=-14:TP=-1.5:LRA=11:print_format=json" in _graph(first)
    stats = LoudnessStats(-20.5, -3.2, 4.1, -30.9, 0.4)
    graph = _graph(build_command(p, stats))
    assert ("measured_I=-20.5:measured_TP=-3.2:measured_LRA=4.1:measured_thresh=-30.9"
            ":offset=0.4:linear=true") in graph
    assert graph.endswith(f",aresample=48000,{LIMITER}[aout]")
    p2, _ = _args({"music": {}})
    assert build_loudness_pass(p2) is None


def test_parse_loudnorm_reads_the_last_json_block() -> None:
    stderr = """[Parsed_loudnorm_3 @ 0x5]
{
\t"input_i" : "-23.47",
\t"input_tp" : "-5.02",
\t"input_lra" : "0.10",
\t"input_thresh" : "-33.48",
\t"output_i" : "-14.20",
\t"target_offset" : "-0.20"
}"""
    assert parse_loudnorm(stderr) == LoudnessStats(-23.47, -5.02, 0.1, -33.48, -0.2)
    silent = stderr.replace('"-23.47"', '"-inf"')
    assert parse_loudnorm(silent).input_i == -70.0
    with pytest.raises(ValueError):
        parse_loudnorm("no json here")


@pytest.mark.parametrize(
    ("size", "max_bytes", "copy", "bitrate"),
    [
        (10_000_000, 50_000_000, True, None),  # already fits: keep the copy
        (60_000_000, 20_000_000, False, 14_528_000),  # (20e6*8*0.92 - 192k*10) / 10
        (60_000_000, 1_000_000, False, 544_000),
    ],
)
def test_byte_limit_picks_a_bitrate(size: int, max_bytes: int, copy: bool,
                                    bitrate: int | None) -> None:
    p, args = _args({"music": {}}, video_info(size=size), options=RenderOptions(
        max_bytes=max_bytes))
    assert (p.copy_video, p.video_bitrate) == (copy, bitrate)
    if bitrate:
        assert args[args.index("-b:v") + 1] == str(bitrate)
        assert args[args.index("-maxrate") + 1] == str(bitrate)


def test_byte_limit_too_small_is_a_user_error() -> None:
    with pytest.raises(TooLarge, match="too long to fit"):
        _args({"music": {}}, video_info(duration=600), options=RenderOptions(max_bytes=2_000_000))


def test_title_text_never_enters_the_graph() -> None:
    inputs = RenderInputs(video_info(), SONG, Path("/tmp/it's [a]: b,c;%/title.txt"),
                          Path("/fonts/x:y.ttf"))
    p = plan(timeline_of(make_draft(music={}, title="it's 50%: a\\b; c")), inputs)
    graph = p.video_filter or ""
    assert "50%" not in graph
    assert r"textfile=/tmp/it\\\'s \[a\]\\: b\,c\;%/title.txt" in graph
    assert r"fontfile=/fonts/x\\:y.ttf" in graph
    assert "expansion=none" in graph
    assert r"enable=between(t\,0.000\,2.000)" in graph


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("plain", "plain"),
        ("a:b", r"a\\:b"),
        ("it's", r"it\\\'s"),
        ("a,b;c", r"a\,b\;c"),
        ("[x]", r"\[x\]"),
        ("back\\slash", r"back\\\\slash"),
    ],
)
def test_escape_value(text: str, escaped: str) -> None:
    assert escape_value(text) == escaped


def test_options_override_the_draft() -> None:
    p, _ = _args({"music": {}, "aspect": "9:16"}, options=RenderOptions(aspect="1:1",
                                                                        resolution=720))
    assert (p.width, p.height) == (720, 720)


def test_audio_file_is_not_a_video() -> None:
    with pytest.raises(BadMedia, match="no video stream"):
        plan(timeline_of(make_draft()), RenderInputs(audio_info()))
