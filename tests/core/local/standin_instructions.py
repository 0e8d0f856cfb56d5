"""A minimal stand-in for `core.instructions`, used only until the real parser is committed.

It understands "music at N%" and "fade it out", enough to drive the engine in tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.draft import AUDIO, Draft
from core.errors import NotUnderstood

HELP_TEXT = 'Try "add background music at 30% and fade it out at the end".'


@dataclass(frozen=True)
class MusicRef:
    media_id: str
    name: str
    duration_ms: float


@dataclass(frozen=True)
class Context:
    video_duration_ms: float | None
    has_original_audio: bool
    music: MusicRef | None


@dataclass(frozen=True)
class Parsed:
    draft: Draft
    understood: tuple[str, ...]


def apply_instruction(draft: Draft, text: str, ctx: Context) -> Parsed:
    out, understood = draft.copy(), []
    if "music" in text.lower():
        track = out.track_dict(AUDIO)
        assert track is not None
        meta = ({"name": ctx.music.name, "media_id": ctx.music.media_id} if ctx.music
                else {"name": "lofi", "mood": "lofi"})
        track["sg"] = [{"s": 0, "d": ctx.video_duration_ms or 0, "m": {**meta, "volume": 1.0}}]
        understood.append("music")
    if (m := re.search(r"(\d+)\s*%", text)) and out.first_segment(AUDIO):
        out.track_dict(AUDIO)["sg"][0]["m"]["volume"] = int(m.group(1)) / 100  # type: ignore[index]
        understood.append(f"volume {m.group(1)}%")
    if "fade" in text and out.first_segment(AUDIO):
        out.track_dict(AUDIO)["sg"][0]["m"]["fade_out"] = 3000  # type: ignore[index]
        understood.append("fade out 3 s")
    if not understood:
        raise NotUnderstood(HELP_TEXT)
    return Parsed(out, tuple(understood))
