"""A short preview of each mood to listen to (`moods`): a PREVIEW_SECONDS piece, composed and
rendered like any other (seed 0), encoded once to a small MP3 next to the pieces.

MP3 because both chats play it inline: Telegram shows an audio message with its title and
length, Discord an attachment with a player. 128 kb/s stereo is about 160 KB for 10 s.
The files are kept (nine of them, named by cache.VERSION so a new composer makes new ones);
cache.prune only ever removes WAV pieces.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from core.local.runner import FfmpegRunner
from core.music import cache
from core.music.moods import mood

PREVIEW_SEED = 0
BITRATE = "128k"
ENCODE_SECONDS = 60.0
"""Deadline for encoding one preview (it takes a fraction of a second)."""


def preview_name(name: str) -> str:
    mood(name)  # unknown moods raise ValueError before any file name exists
    return f"preview-{name}-{round(cache.PREVIEW_SECONDS * 1000)}ms-v{cache.VERSION}.mp3"


async def preview(name: str, music_dir: Path, runner: FfmpegRunner | None = None) -> Path:
    """The mood's preview MP3 in `music_dir`, made on first use. Two people asking at once at
    worst both make it; the file appears whole (written under a temporary name)."""
    target = music_dir / preview_name(name)
    if await asyncio.to_thread(target.is_file):
        return target
    wav = await cache.ensure(name, PREVIEW_SEED, round(cache.PREVIEW_SECONDS * 1000), music_dir)
    runner = runner or FfmpegRunner(timeout=ENCODE_SECONDS)
    m = mood(name)
    await runner.render(["-i", str(wav), "-map_metadata", "-1",
                         "-metadata", f"title={m.name} ({m.zh})", "-metadata", "artist=Backtrack",
                         "-c:a", "libmp3lame", "-b:a", BITRATE, "-f", "mp3"], target)
    return target
