"""Fixtures for the local render tests: a runner, extra clips, and a render helper."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from core.draft import Draft
from core.local.plan import RenderOptions, RenderPlan
from core.local.probe import probe_sync
from core.local.render_job import render_timeline
from core.local.runner import FfmpegRunner
from core.timeline.convert import timeline_of
from tests.media import ffmpeg, make_audio

Render = Callable[..., Awaitable[tuple[Path, RenderPlan]]]


@pytest.fixture
def runner() -> FfmpegRunner:
    return FfmpegRunner(timeout=60)


@pytest.fixture(scope="session")
def short_song(media_dir: Path) -> Path:
    """1.5 s 880 Hz tone: shorter than every clip, so it has to loop."""
    return make_audio(media_dir / "short.mp3", seconds=1.5, freq=880)


@pytest.fixture(scope="session")
def rotated_clip(clip: Path, media_dir: Path) -> Path:
    """The 320x240 clip tagged as filmed in portrait (display matrix, 90 degrees)."""
    out = media_dir / "rotated.mp4"
    ffmpeg("-display_rotation", "90", "-i", str(clip), "-c", "copy", str(out))
    return out


@pytest.fixture
def render(runner: FfmpegRunner, tmp_path: Path) -> Render:
    """Render a draft for a video (and a song) into tmp_path; returns the file and the plan."""

    async def go(draft: Draft, video: Path, music: Path | None = None,
                 options: RenderOptions | None = None, name: str = "out.mp4",
                 folder: Path | None = None) -> tuple[Path, RenderPlan]:
        out = (folder or tmp_path) / name
        plan = await render_timeline(timeline_of(draft), probe_sync(video),
                                     probe_sync(music) if music else None, out, runner, options)
        return out, plan

    return go
