"""Real renders of tiny clips, checked by measuring the files that come out."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from core.errors import TooLarge
from core.local.plan import RenderOptions
from core.local.probe import probe_sync
from tests.core.local.conftest import Render
from tests.core.local.drafts import make_draft
from tests.media import ffmpeg, level_db, make_audio, make_video, measure, tone_level_db

FRAME = 1 / 25
MUSIC_HZ, ORIGINAL_HZ = 880, 440


def video_packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [bytes(p) for p in container.demux(container.streams.video[0]) if p.size]


def frame_at(path: Path, seconds: float) -> np.ndarray:
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            if frame.time is not None and frame.time >= seconds:
                return frame.to_ndarray(format="rgb24").astype(np.int16)
    raise AssertionError("no frame at that time")


def db(ratio: float) -> float:
    return 20 * np.log10(ratio)


async def test_music_at_30_percent_with_fade_out_copies_the_video(
    render: Render, clip: Path, song: Path
) -> None:
    out, plan = await render(make_draft(4000, {"volume": 0.3, "fade_out": 1000}), clip, song)
    m = measure(out)
    assert (m.video_codec, m.audio_codec, m.width, m.height) == ("h264", "aac", 320, 240)
    assert abs(m.duration - 4.0) <= 2 * FRAME
    assert plan.copy_video and video_packets(out) == video_packets(clip)
    song_level = tone_level_db(song, 0.5, 2.5, MUSIC_HZ)
    assert abs(tone_level_db(out, 0.5, 2.5, MUSIC_HZ) - (song_level + db(0.3))) < 1.0
    assert abs(tone_level_db(out, 0.5, 2.5, ORIGINAL_HZ)
               - tone_level_db(clip, 0.5, 2.5, ORIGINAL_HZ)) < 1.0
    assert tone_level_db(out, 3.5, 4.0, MUSIC_HZ) < tone_level_db(out, 2.0, 3.0, MUSIC_HZ) - 6
    with av.open(str(out)) as container:
        assert container.streams.audio[0].bit_rate is None or \
            container.streams.audio[0].bit_rate > 150_000


@pytest.mark.parametrize(("meta", "expected_drop"), [({"original": "mute"}, None),
                                                     ({"original": "lower",
                                                       "original_volume": 0.2}, db(0.2))])
async def test_original_sound_muted_or_lowered(render: Render, clip: Path, song: Path,
                                               meta: dict[str, object],
                                               expected_drop: float | None) -> None:
    out, _ = await render(make_draft(4000, {"volume": 0.5}, **meta), clip, song)
    before = tone_level_db(clip, 0.5, 3.5, ORIGINAL_HZ)
    after = tone_level_db(out, 0.5, 3.5, ORIGINAL_HZ)
    if expected_drop is None:
        assert after < before - 50
    else:
        assert abs(after - (before + expected_drop)) < 1.0
    assert tone_level_db(out, 0.5, 3.5, MUSIC_HZ) > -40


async def test_video_without_sound_gets_the_music(render: Render, silent_clip: Path,
                                                  song: Path) -> None:
    out, plan = await render(make_draft(3000, {"volume": 1.0}), silent_clip, song)
    m = measure(out)
    assert (m.audio_codec, m.audio_streams) == ("aac", 1)
    assert abs(m.duration - 3.0) <= 2 * FRAME
    assert plan.copy_video
    assert abs(tone_level_db(out, 0.5, 2.5, MUSIC_HZ) - tone_level_db(song, 0.5, 2.5, MUSIC_HZ)) < 1


async def test_short_song_loops_to_the_end_without_gaps(render: Render, clip: Path,
                                                        short_song: Path) -> None:
    out, plan = await render(make_draft(4000, {"volume": 1.0}), clip, short_song)
    assert plan.music is not None and plan.music.loop == "crossfade"
    windows = [tone_level_db(out, t, t + 0.25, MUSIC_HZ) for t in np.arange(0, 3.75, 0.25)]
    assert max(windows) - min(windows) < 3.0, windows
    assert level_db(out, 3.7, 4.0) > -30


async def test_music_starts_later_in_the_video(render: Render, clip: Path, song: Path) -> None:
    out, _ = await render(make_draft(4000, {"volume": 1.0}, music_start=2000, music_ms=2000),
                          clip, song)
    assert tone_level_db(out, 0.2, 1.8, MUSIC_HZ) < -60
    assert tone_level_db(out, 2.2, 3.8, MUSIC_HZ) > -30


async def test_ducking_lowers_the_music_under_the_original(render: Render, clip: Path,
                                                           song: Path) -> None:
    plain, _ = await render(make_draft(4000, {"volume": 0.5}), clip, song, name="plain.mp4")
    ducked, _ = await render(make_draft(4000, {"volume": 0.5}, duck=True), clip, song)
    assert tone_level_db(ducked, 1, 3, MUSIC_HZ) < tone_level_db(plain, 1, 3, MUSIC_HZ) - 3
    assert abs(tone_level_db(ducked, 1, 3, ORIGINAL_HZ)
               - tone_level_db(plain, 1, 3, ORIGINAL_HZ)) < 1


async def test_loudness_target_keeps_the_fade(render: Render, clip: Path, song: Path) -> None:
    out, _ = await render(make_draft(4000, {"volume": 0.3, "fade_out": 1500}, loudness=-14),
                          clip, song)
    assert measure(out).audio_codec == "aac"
    loud_part = level_db(out, 0.5, 2.0)
    assert -17 < loud_part < -11  # about -14 LUFS for these tones (from about -20)
    assert level_db(clip, 0.5, 2.0) < loud_part - 4
    assert tone_level_db(out, 3.6, 4.0, MUSIC_HZ) < tone_level_db(out, 1, 2, MUSIC_HZ) - 6


async def test_vertical_with_blurred_fill(render: Render, clip: Path, song: Path) -> None:
    out, plan = await render(make_draft(4000, {}, aspect="9:16", fill="blur"), clip, song)
    m = measure(out)
    assert (m.video_codec, m.width, m.height) == ("h264", 320, 568)
    assert not plan.copy_video
    assert abs(m.duration - 4.0) <= 2 * FRAME


async def test_trim(render: Render, clip: Path, song: Path) -> None:
    out, plan = await render(make_draft(4000, {}, trim=[1000, 3000]), clip, song)
    assert not plan.copy_video and abs(measure(out).duration - 2.0) <= 2 * FRAME
    end_only, plan2 = await render(make_draft(4000, {}, trim=[0, 3000]), clip, song,
                                   name="end.mp4")
    assert plan2.copy_video and abs(measure(end_only).duration - 3.0) <= 2 * FRAME
    assert video_packets(end_only) == video_packets(clip)[: len(video_packets(end_only))]


async def test_title_with_nasty_characters(render: Render, clip: Path, song: Path,
                                           tmp_path: Path) -> None:
    folder = tmp_path / "it's [a]: b,c;%"
    folder.mkdir()
    text = "It's 50% off: C:\\new; 'quoted' %{pts} [ok]"
    out, plan = await render(make_draft(4000, {}, title=text, title_ms=(0, 2000)), clip, song,
                             folder=folder)
    plain, _ = await render(make_draft(4000, {}), clip, song, name="plain.mp4")
    assert "title" in plan.reasons and measure(out).video_codec == "h264"
    top = slice(0, 60)
    with_title = np.abs(frame_at(out, 1.0)[top] - frame_at(plain, 1.0)[top]).mean()
    after_title = np.abs(frame_at(out, 3.0)[top] - frame_at(plain, 3.0)[top]).mean()
    assert with_title > 3 * after_title + 1


async def test_rotation_is_kept_when_copying_and_applied_when_encoding(
    render: Render, rotated_clip: Path, song: Path
) -> None:
    info = probe_sync(rotated_clip)
    assert (info.rotation, info.width, info.height) == (90, 240, 320)
    copied, plan = await render(make_draft(4000, {}), rotated_clip, song)
    assert plan.copy_video and probe_sync(copied).rotation == 90
    encoded, _ = await render(make_draft(4000, {}, aspect="9:16", fill="crop"), rotated_clip,
                              song, name="enc.mp4")
    after = probe_sync(encoded)
    assert (after.rotation, after.width, after.height) == (0, 180, 320)


async def test_byte_limit_is_met(render: Render, clip: Path, song: Path) -> None:
    limit = 250_000
    assert clip.stat().st_size > limit
    out, plan = await render(make_draft(4000, {"volume": 0.3}), clip, song,
                             options=RenderOptions(max_bytes=limit))
    assert not plan.copy_video and plan.video_bitrate
    assert out.stat().st_size <= limit
    assert abs(measure(out).duration - 4.0) <= 2 * FRAME
    with pytest.raises(TooLarge):
        await render(make_draft(4000, {}), clip, song, options=RenderOptions(max_bytes=120_000))


async def test_nothing_left_behind(render: Render, clip: Path, song: Path,
                                   tmp_path: Path) -> None:
    await render(make_draft(4000, {}, title="hi"), clip, song)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.mp4"]


async def test_long_song_loops_with_stream_loop_without_silence(render: Render,
                                                                media_dir: Path) -> None:
    """Songs over a minute loop by re-reading the file (no crossfade) and still fill the end."""
    video = make_video(media_dir / "long.mp4", seconds=70, width=64, height=48, fps=5)
    long_song = make_audio(media_dir / "long-song.mp3", seconds=61, freq=MUSIC_HZ)
    out, plan = await render(make_draft(70_000, {"volume": 1.0}), video, long_song)
    assert plan.music is not None and plan.music.loop == "stream"
    assert abs(measure(out).duration - 70) <= 0.25
    assert tone_level_db(out, 65, 69.5, MUSIC_HZ) > tone_level_db(out, 10, 14.5, MUSIC_HZ) - 1.5


def channel_samples(path: Path) -> np.ndarray:
    """Every decoded audio sample of every channel (float, as the decoder gives them)."""
    with av.open(str(path)) as container:
        chunks = [frame.to_ndarray().reshape(-1).astype(np.float64)
                  for frame in container.decode(audio=0)]
    return np.concatenate(chunks)


def longest_run(mask: np.ndarray) -> int:
    best = run = 0
    for flag in mask:
        run = run + 1 if flag else 0
        best = max(best, run)
    return best


async def test_loud_original_and_loud_music_do_not_clip(render: Render,
                                                        media_dir: Path) -> None:
    loud_clip = media_dir / "loud.mp4"
    loud_song = media_dir / "loud.m4a"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=3",
           "-f", "lavfi", "-i", f"aevalsrc=0.9*sin(2*PI*{ORIGINAL_HZ}*t):s=48000:d=3",
           "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
           "-t", "3", str(loud_clip))
    ffmpeg("-f", "lavfi", "-i", f"aevalsrc=0.9*sin(2*PI*{MUSIC_HZ}*t):s=48000:d=5",
           "-c:a", "aac", str(loud_song))
    assert np.abs(channel_samples(loud_clip)).max() > 0.8  # the inputs really are loud
    out, plan = await render(make_draft(3000, {"volume": 1.0}), loud_clip, loud_song)
    assert plan.original_volume == 1.0 and plan.music is not None
    samples = channel_samples(out)
    assert np.abs(samples).max() <= 1.0
    assert longest_run(np.abs(samples) >= 0.99) < 2  # no flat-topped (clipped) stretch
    assert abs(measure(out).duration - 3.0) <= 2 * FRAME
    for hz in (ORIGINAL_HZ, MUSIC_HZ):  # both still there, a few dB down at most
        assert tone_level_db(out, 0.5, 2.5, hz) > tone_level_db(loud_clip, 0.5, 2.5,
                                                                 ORIGINAL_HZ) - 8


@pytest.mark.parametrize(("seconds", "music", "loop"), [
    (6.0, {"volume": 1.0}, "none"),  # longer than the clip: cut
    (6.0, {"volume": 1.0, "offset": 1500}, "none"),  # skipped into (input seek in Ogg)
    (1.5, {"volume": 1.0}, "crossfade"),  # a short voice note loops
])
async def test_ogg_opus_voice_note_as_the_music(render: Render, clip: Path, media_dir: Path,
                                                seconds: float, music: dict[str, float],
                                                loop: str) -> None:
    """Telegram voice notes are mono Opus in Ogg."""
    note = media_dir / f"voice-{seconds}.ogg"
    ffmpeg("-f", "lavfi", "-i", f"sine=frequency={MUSIC_HZ}:sample_rate=48000:duration={seconds}",
           "-ac", "1", "-c:a", "libopus", "-b:a", "32k", str(note))
    info = probe_sync(note)
    assert (info.format_name, info.audio_codec, info.has_video) == ("ogg", "opus", False)
    assert abs(info.duration - seconds) < 0.002  # Ogg counts Opus's 6.5 ms pre-skip; not us
    out, plan = await render(make_draft(4000, music), clip, note)
    assert plan.music is not None and plan.music.loop == loop
    m = measure(out)
    assert (m.audio_codec, m.audio_streams) == ("aac", 1) and abs(m.duration - 4.0) <= 2 * FRAME
    expected = tone_level_db(note, 0.3, 1.2, MUSIC_HZ)
    windows = [tone_level_db(out, t, t + 0.25, MUSIC_HZ) for t in np.arange(0, 3.75, 0.25)]
    assert max(abs(w - expected) for w in windows) < 1.5, windows  # its own level, no gap
    assert abs(tone_level_db(out, 3.7, 3.95, MUSIC_HZ) - expected) < 1.5  # to the very end
    assert abs(tone_level_db(out, 0.5, 3.5, ORIGINAL_HZ)
               - tone_level_db(clip, 0.5, 3.5, ORIGINAL_HZ)) < 1.0


@pytest.fixture(scope="module")
def uhd_clip(media_dir: Path) -> Path:
    """1 s of 3840x2160 (10 fps keeps it quick) with a 440 Hz tone."""
    return make_video(media_dir / "uhd.mp4", seconds=1, width=3840, height=2160, fps=10)


async def test_4k_becomes_1080p_by_default(render: Render, uhd_clip: Path, song: Path) -> None:
    out, plan = await render(make_draft(1000, {"volume": 0.3}), uhd_clip, song)
    assert plan.reasons == ("resize",)
    m = measure(out)
    assert (m.video_codec, m.width, m.height, m.audio_codec) == ("h264", 1920, 1080, "aac")
    assert abs(m.duration - 1.0) <= 0.1
    assert tone_level_db(out, 0.2, 0.8, MUSIC_HZ) > -40


async def test_4k_portrait_phone_clip_stays_portrait(render: Render, uhd_clip: Path,
                                                     media_dir: Path, song: Path) -> None:
    phone = media_dir / "uhd-portrait.mp4"  # stored landscape, displayed portrait
    ffmpeg("-display_rotation", "90", "-i", str(uhd_clip), "-c", "copy", str(phone))
    assert (probe_sync(phone).width, probe_sync(phone).height) == (2160, 3840)
    out, plan = await render(make_draft(1000, {"volume": 0.3}), phone, song)
    assert not plan.copy_video
    after = probe_sync(out)
    assert (after.width, after.height, after.rotation) == (1080, 1920, 0)


async def test_1080p_is_copied(render: Render, media_dir: Path, song: Path) -> None:
    full_hd = make_video(media_dir / "fullhd.mp4", seconds=1, width=1920, height=1080, fps=10)
    out, plan = await render(make_draft(1000, {"volume": 0.3}), full_hd, song)
    assert plan.copy_video
    m = measure(out)
    assert (m.width, m.height) == (1920, 1080)
    assert video_packets(out) == video_packets(full_hd)
