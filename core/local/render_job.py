"""One local render from start to end: resolve the music, write the title, measure loudness
(first pass), build the command and run it. Shared by `LocalEngine` and `backtrack render`."""

from __future__ import annotations

import asyncio
import math
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from core.draft import AUDIO, VIDEO, Draft, Segment
from core.errors import NothingToEdit, RenderFailed
from core.local.plan import (
    Plan,
    RenderInputs,
    RenderOptions,
    build_command,
    build_loudness_pass,
    parse_loudnorm,
    plan,
    title_text,
)
from core.local.probe import MediaInfo, probe
from core.local.runner import FfmpegRunner, OnProgress

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/local/share/fonts/DejaVuSans.ttf",
    "/Library/Fonts/Arial Unicode.ttf",
    "C:/Windows/Fonts/arial.ttf",
)

CJK_FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)
"""Fonts with Chinese, Japanese and Korean glyphs: DejaVu has none (titles would be boxes)."""

MusicLookup = Callable[[Segment], Awaitable[Path | None]]
"""Finds the file of a BGM segment (an upload by `media_id`, or a built-in `mood`)."""


def put_video(draft: Draft, name: str, media_id: str, duration: float) -> None:
    """Make the clip the draft's video (in place). The old clip's trim goes, and the music is
    refitted to the new clip: from its start to the new end, or to its `until` when that
    still lies inside the new clip ("once" music keeps the song's length as its limit)."""
    new_ms = round(duration * 1000)
    track = draft.track_dict(VIDEO)
    assert track is not None
    track["sg"] = [{"s": 0, "d": new_ms, "m": {"name": name, "media_id": media_id}}]
    draft.meta.pop("trim", None)  # a trim of the old clip means nothing for this one
    music = draft.track_dict(AUDIO, create=False)
    for seg in (music or {}).get("sg", []):
        if isinstance(seg, dict):
            refit_music(seg, new_ms)


def _ms(value: object) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
    return number if math.isfinite(number) else 0.0


def refit_music(seg: dict[str, Any], length_ms: int) -> None:
    """Set a BGM segment's `d` for a video of `length_ms` (in place), as the parser would."""
    raw = seg.get("m")
    meta: dict[str, Any] = raw if isinstance(raw, dict) else {}
    start = max(_ms(seg.get("s")), 0.0)
    if start >= length_ms:
        seg["s"] = start = 0.0
    end = float(length_ms)
    until = _ms(meta.get("until"))
    if start < until < length_ms:
        end = until
    needed = end - start
    if meta.get("fit") == "once" and _ms(meta.get("source_ms")) > 0:
        needed = min(needed, max(_ms(meta["source_ms"]) - _ms(meta.get("offset")), 0.0))
    seg["d"] = round(max(needed, 0.0))


def needs_cjk_font(text: str) -> bool:
    """True when the text has CJK ideographs, kana or hangul."""
    return any(
        "\u3040" <= ch <= "\u30ff" or "\u3400" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af"
        or "\uf900" <= ch <= "\ufaff" for ch in text
    )


def find_font(configured: Path | None = None, text: str = "") -> Path | None:
    """The configured font; else, for CJK text, a CJK font from the usual places; else DejaVu
    Sans. None lets fontconfig pick."""
    if configured is not None and configured.is_file():
        return configured
    candidates = (CJK_FONT_CANDIDATES if needs_cjk_font(text) else ()) + FONT_CANDIDATES
    return next((Path(p) for p in candidates if Path(p).is_file()), None)


def mood_lookup(
    uploads: Callable[[str], Awaitable[Path | None]], music_dir: Path, runner: FfmpegRunner
) -> MusicLookup:
    """A lookup that serves uploads by media id and generates built-in moods on first use."""

    async def lookup(seg: Segment) -> Path | None:
        media_id = seg.meta.get("media_id")
        if isinstance(media_id, str) and media_id:
            return await uploads(media_id)
        mood = seg.meta.get("mood")
        if isinstance(mood, str) and mood:
            from core.local.music import ensure_mood  # generated music is only needed here

            generated: Path = await ensure_mood(mood, music_dir, runner)
            return generated
        return None

    return lookup


def mood_to_prepare(draft: Draft, music_dir: Path) -> str | None:
    """The built-in mood the draft's music needs and that is not generated yet (the first
    use takes a few seconds, worth telling the user), else None."""
    seg = draft.first_segment(AUDIO)
    mood = seg.meta.get("mood") if seg is not None and not seg.meta.get("media_id") else None
    if not isinstance(mood, str) or not mood:
        return None
    from core.local.music import mood_filename

    try:
        ready = (music_dir / mood_filename(mood)).is_file()
    except ValueError:  # not a mood we know: the lookup will say so
        return None
    return None if ready else mood


async def resolve_music(draft: Draft, lookup: MusicLookup) -> MediaInfo | None:
    """The probed music file of the draft's BGM track, or None when there is no music."""
    seg = draft.first_segment(AUDIO)
    if seg is None:
        return None
    path = await lookup(seg)
    if path is None or not path.is_file():
        raise NothingToEdit(f"I no longer have the music {seg.name}; please send it again.")
    return await probe(path)


async def render_draft(
    draft: Draft,
    video: MediaInfo,
    music: MediaInfo | None,
    output: Path,
    runner: FfmpegRunner,
    options: RenderOptions | None = None,
    font_file: Path | None = None,
    on_progress: OnProgress | None = None,
) -> Plan:
    """Render the draft to `output` (atomically); returns the plan that was carried out."""
    report = on_progress or (lambda _percent: None)
    text = title_text(draft)
    work = await asyncio.to_thread(_work_folder, output.parent)
    try:
        title_file = None
        if text:
            title_file = work / "title.txt"
            await asyncio.to_thread(title_file.write_text, text, encoding="utf-8")
        font = await asyncio.to_thread(find_font, font_file, text) if text else None
        inputs = RenderInputs(video, music, title_file, font)
        the_plan = plan(draft, inputs, options)
        stats = None
        first = build_loudness_pass(the_plan)
        share = 0.0
        if first is not None:
            share = 25.0
            stderr = await runner.run(
                first, duration=the_plan.duration, on_progress=lambda p: report(p * share / 100)
            )
            try:
                stats = parse_loudnorm(stderr)
            except ValueError as exc:
                raise RenderFailed("the loudness measurement printed no result", stderr) from exc
        await runner.render(
            build_command(the_plan, stats), output, duration=the_plan.duration,
            on_progress=lambda p: report(share + p * (100 - share) / 100),
        )
        return the_plan
    finally:
        # A hidden folder: should this ever be skipped (a crash), the janitor removes it.
        await asyncio.to_thread(shutil.rmtree, work, ignore_errors=True)


def _work_folder(parent: Path) -> Path:
    """A fresh hidden folder beside the output for the render's own files (the title); the
    output's folder must exist already."""
    return Path(tempfile.mkdtemp(prefix=".render-", dir=parent))
