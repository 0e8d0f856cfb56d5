"""The measuring helpers measure what they claim (everything else trusts them)."""

from pathlib import Path

from tests.media import level_db, make_audio, make_video, measure, tone_level_db


def test_measure_and_levels(tmp_path: Path) -> None:
    video = make_video(tmp_path / "v.mp4", seconds=2, width=160, height=120, freq=440)
    m = measure(video)
    assert m.video_codec == "h264" and m.audio_codec == "aac"
    assert (m.width, m.height) == (160, 120)
    assert abs(m.duration - 2) < 0.15
    # ffmpeg's sine source has amplitude 1/8: RMS -21 dBFS.
    assert abs(level_db(video, 0.5, 1.5) + 21) < 1.5
    assert tone_level_db(video, 0.5, 1.5, 440) > tone_level_db(video, 0.5, 1.5, 880) + 30


def test_silence_is_quiet(tmp_path: Path) -> None:
    audio = make_audio(tmp_path / "a.wav", seconds=1, freq=880)
    assert abs(tone_level_db(audio, 0.2, 0.8, 880) + 21) < 1
    assert level_db(audio, 5, 6) == float("-inf")
