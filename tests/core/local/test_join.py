"""Several clips into one video ("join my clips"): every clip of the conversation in the order
sent, brought to the first clip's shape, with the music across the whole. Measured on the
render: its duration, its streams, the colour of frames from each clip, the music's tone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import av
import numpy as np
import pytest

from core.config import Settings
from core.engine import Edited, ExportOptions, Progress, Rendered, Said, SessionRef
from core.local.engine import LocalEngine
from core.local.join import join_command
from core.local.probe import probe_sync
from core.local.runner import FfmpegRunner
from core.timeline.convert import timeline_of
from storage.sqlite import SqliteStore
from tests.core.local.test_local_engine import collect, upload
from tests.media import ffmpeg, make_audio, measure, tone_level_db

SONG_HZ = 880


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[LocalEngine]:
    store = await SqliteStore.open(tmp_path / "db.sqlite3")
    yield LocalEngine(Settings(data_dir=tmp_path / "data", max_concurrent_renders=1), store,
                      FfmpegRunner(timeout=60))
    await store.close()


def coloured(path: Path, colour: str, seconds: float, size: str, fps: int,
             tone: int | None) -> Path:
    """A clip of one colour, with a sine tone of its own or without sound."""
    args = ["-f", "lavfi", "-i", f"color=c={colour}:size={size}:rate={fps}:duration={seconds}"]
    if tone:
        args += ["-f", "lavfi", "-i", f"sine=frequency={tone}:sample_rate=44100:"
                 f"duration={seconds}", "-c:a", "aac"]
    ffmpeg(*args, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
           "-t", str(seconds), str(path))
    return path


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Red 320x240 25 fps 2 s with sound; blue 480x270 30 fps 1.5 s silent; green portrait
    240x320 2.5 s with sound."""
    folder = tmp_path_factory.mktemp("join")
    return [coloured(folder / "red.mp4", "red", 2.0, "320x240", 25, 300),
            coloured(folder / "blue.mp4", "blue", 1.5, "480x270", 30, None),
            coloured(folder / "green.mp4", "green", 2.5, "240x320", 25, 500)]


def centre_colour(path: Path, at: float) -> np.ndarray:
    """Mean RGB of the middle of the first frame shown at `at` seconds."""
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            if frame.time is not None and frame.time >= at:
                rgb = frame.to_ndarray(format="rgb24")
                h, w = rgb.shape[:2]
                return rgb[h // 2 - 8: h // 2 + 8, w // 2 - 8: w // 2 + 8].mean(axis=(0, 1))
    raise AssertionError(f"no frame at {at} s")


def dominant(rgb: np.ndarray) -> str:
    return ("red", "green", "blue")[int(np.argmax(rgb))]


def test_the_join_pass_gives_silence_to_a_clip_without_sound(clips: list[Path]) -> None:
    infos = [probe_sync(p) for p in clips]
    graph = join_command(infos)[join_command(infos).index("-filter_complex") + 1]
    assert "anullsrc" in graph and "concat=n=3:v=1:a=1" in graph


async def test_joined_clips_render_in_order_with_the_music_across(
        engine: LocalEngine, clips: list[Path], tmp_path: Path) -> None:
    settings = engine.settings
    ref = SessionRef("console:local", await engine.new_session("console:local", "en"))
    for i, path in enumerate(clips, 1):
        await engine.add_media(ref, upload(settings, path, f"v{i}", "video"))
    song = make_audio(tmp_path / "song.m4a", seconds=10, freq=SONG_HZ)
    await engine.add_media(ref, upload(settings, song, "a1", "audio"))
    await collect(engine.edit(ref, "add my song at 50%"))  # fitted to the newest clip first
    events = await collect(engine.edit(ref, "join my clips"))
    said = " ".join(e.text for e in events if isinstance(e, Said))
    assert "joined 3 clips in the order sent (red.mp4, blue.mp4, green.mp4)" in said
    edited = next(e for e in events if isinstance(e, Edited))
    status = edited.draft.summary()
    assert status.index("red.mp4") < status.index("blue.mp4") < status.index("green.mp4")
    assert timeline_of(edited.draft).clip == timeline_of(edited.draft).clips[-1]

    events = await collect(engine.export(ref, ExportOptions()))
    assert any(isinstance(e, Progress) and "Joining 3 clips" in e.text for e in events)
    out = next(e for e in events if isinstance(e, Rendered)).path
    facts = measure(out)
    assert abs(facts.duration - 6.0) < 0.1, facts
    assert (facts.width, facts.height) == (320, 240)  # the first clip's shape
    with av.open(str(out)) as container:
        assert (len(container.streams.video), len(container.streams.audio)) == (1, 1)
    for at, colour in ((0.5, "red"), (1.9, "red"), (2.2, "blue"), (3.3, "blue"),
                       (3.7, "green"), (5.8, "green")):
        assert dominant(centre_colour(out, at)) == colour, at
    for start, end in ((0.2, 1.8), (2.2, 3.3), (3.7, 5.8)):  # the song in every clip
        assert tone_level_db(out, start, end, SONG_HZ) > -40, (start, end)
    # each clip's own sound in its own place: the blue clip (no sound) is silent under the song
    assert tone_level_db(out, 0.2, 1.8, 300) > -40
    assert tone_level_db(out, 2.2, 3.3, 300) < -60 and tone_level_db(out, 2.2, 3.3, 500) < -60
    assert tone_level_db(out, 3.7, 5.8, 500) > -40
    assert not list((settings.data_dir / "renders").glob(".render-*"))  # the join's folder went
