"""`moods` (/moods, 风格): the built-in moods in words, then a short preview of each.

Answered without touching the timeline, so it works even while a render runs. The list is
written in the person's language here (names and descriptions in English or Chinese), so the
phrase catalogue of core/words.py has nothing to translate in it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

from core.conversation.turn import Audio, Message, Problem, Reply
from core.errors import EngineError
from core.music import cache
from core.music.moods import MOODS
from core.music.previews import preview

log = logging.getLogger(__name__)

NO_PREVIEWS = {
    "en": "I couldn't make the previews right now; the moods work all the same.",
    "zh": "现在没法生成试听，但这些风格照样可以用。",
}


def moods_text(language: str) -> str:
    """Every mood with what plays in it, and how to ask for one."""
    seconds = round(cache.PREVIEW_SECONDS)
    if language == "zh":
        lines = [f"内置音乐风格（下面每个都有约 {seconds} 秒的试听）："]
        lines += [f"• {m.zh}（{m.name}）：{m.zh_blurb}" for m in MOODS.values()]
        lines.append("说“加低保真音乐”或“加 lofi 音乐”就能用；说“换一首”听同一风格的另一段。")
    else:
        lines = [f"Built-in moods (a {seconds}-second preview of each follows):"]
        lines += [f"• {m.name} ({m.zh}): {m.blurb.split(': ', 1)[-1]}" for m in MOODS.values()]
        lines.append('Say "add lofi music" to use one, "another one" for a new piece of the '
                     "same mood.")
    return "\n".join(lines)


async def previews(music_dir: Path, language: str) -> AsyncIterator[Reply]:
    """The list, then one audio message per mood (made on first use, then kept)."""
    zh = language == "zh"
    yield Message(moods_text(language))
    for name, m in MOODS.items():
        try:
            path = await preview(name, music_dir)
        except (OSError, EngineError) as exc:  # ffmpeg failed or ran past its deadline
            log.warning("mood preview %s not made: %s", name, exc)
            yield Problem(NO_PREVIEWS["zh" if zh else "en"])
            return
        title = f"{m.zh} {name}" if zh else f"{name} ({m.zh})"
        yield Audio(path, title, cache.PREVIEW_SECONDS, m.zh_blurb if zh else m.blurb)
