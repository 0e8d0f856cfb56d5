"""One local render from start to end: resolve the music, write the title, measure loudness
(first pass), build the command and run it. Shared by `LocalEngine` and `backtrack render`.
Everything here reads the typed timeline (core/timeline/model.py)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path

from core.errors import NothingToEdit, RenderFailed, TooLarge
from core.local import smartcut
from core.local.join import cut_clip
from core.local.keyframes import cut_on_keyframe
from core.local.plan import (
    MIN_VIDEO_BITRATE,
    LoudnessStats,
    RenderInputs,
    RenderOptions,
    RenderPlan,
    build_command,
    build_loudness_pass,
    parse_loudnorm,
    plan,
    title_text,
)
from core.local.probe import MediaInfo, probe
from core.local.runner import FfmpegRunner, OnProgress, held
from core.timeline.model import Clip, Song, Timeline

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

log = logging.getLogger(__name__)

MusicLookup = Callable[[Song], Awaitable[Path | None]]
"""Finds the file of a song (an upload by `media_id`, or a built-in `mood`)."""


def put_video(timeline: Timeline, name: str, media_id: str, duration: float,
              has_audio: bool | None = None) -> Timeline:
    """A clean timeline with this clip as its video: a new clip starts with its own music and
    picture settings, never the previous clip's shape, trim, title or music (the person's
    uploaded song stays in the session for "add music"). `timeline` is the one it replaces."""
    clip = Clip(media_id=media_id, name=name, duration=round(duration * 1000),
                has_audio=has_audio)
    return Timeline(clips=(clip,))


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


PIECE_MS = 30_000
"""Length of a built-in piece whose stretch is not known (core.music.cache.DEFAULT_SECONDS; not
imported from there, which would load the composer with every render)."""


def session_seed(session_id: str) -> int:
    """The built-in music's seed of a session whose songs have none: two people asking for lofi
    get different pieces, and the same session always gets the same one."""
    return int.from_bytes(hashlib.sha256(session_id.encode()).digest()[:3], "big")


def compose_to_length(timeline: Timeline, default_seed: int) -> Timeline:
    """Every built-in mood track pointed at a piece composed for exactly the stretch it plays
    (core/music): the song's length becomes the track's, its offset 0, so the mix neither loops
    nor cuts it and a trim or a new clip composes a new piece. The seed is `default_seed` (the
    session's) plus the song's own (its take: "another one" counts up), so two sessions asking
    for "another one" still get different pieces."""
    tracks = []
    for track in timeline.music:
        song = track.source
        if song.mood and not song.media_id:
            length = track.length or ((timeline.length or 0) - track.start)
            if length <= 0:
                length = PIECE_MS
            seed = default_seed + (song.seed or 0)  # the song's take within the session
            track = replace(track, source=replace(song, seed=seed, length=length), offset=0)
        tracks.append(track)
    return replace(timeline, music=tuple(tracks))


def piece_of(song: Song) -> tuple[str, int, int] | None:
    """(mood, seed, length in ms) of a built-in song, None for an upload or no music."""
    if not song.mood or song.media_id:
        return None
    length = song.length or PIECE_MS
    return song.mood, song.seed or 0, length


def mood_lookup(
    uploads: Callable[[str], Awaitable[Path | None]], music_dir: Path
) -> MusicLookup:
    """A lookup that serves uploads by media id and composes built-in moods (for the length and
    seed `compose_to_length` gave them) on first use."""

    async def lookup(song: Song) -> Path | None:
        if song.media_id:
            return await uploads(song.media_id)
        piece = piece_of(song)
        if piece is None:
            return None
        from core.music import cache  # the composer is only needed here

        try:
            return await cache.ensure(*piece, music_dir)
        except ValueError:  # a mood this version no longer has
            return None

    return lookup


def mood_to_prepare(timeline: Timeline, music_dir: Path) -> str | None:
    """The built-in mood the timeline's music needs and that is not composed yet for its length
    and seed (a second or two, worth telling the user), else None."""
    piece = piece_of(timeline.song.source) if timeline.song is not None else None
    if piece is None:
        return None
    from core.music import cache

    try:
        ready = cache.is_ready(music_dir, *piece)
    except ValueError:  # not a mood we know: the lookup will say so
        return None
    return None if ready else piece[0]


async def resolve_music(timeline: Timeline, lookup: MusicLookup) -> MediaInfo | None:
    """The probed music file of the timeline's song, or None when there is no music."""
    return None if timeline.song is None else await _resolve(timeline.song.source, lookup)


async def resolve_more_music(timeline: Timeline, lookup: MusicLookup) -> tuple[MediaInfo, ...]:
    """The probed files of the second, third... music tracks, in their order."""
    return tuple([await _resolve(track.source, lookup) for track in timeline.music[1:]])


async def _resolve(song: Song, lookup: MusicLookup) -> MediaInfo:
    path = await lookup(song)
    if path is None or not path.is_file():
        raise NothingToEdit(f"I no longer have the music {song.label}; please send it again.")
    return await probe(path)


def size_limited(options: RenderOptions | None, timeline: Timeline) -> RenderOptions | None:
    """The export's options with the timeline's own size limit ("make it under 8 MB") in
    them: the smaller of that and the chat's limit."""
    asked = timeline.picture.max_mb
    if not asked:
        return options
    limit = round(asked * 1_000_000)
    options = options or RenderOptions()
    return replace(options, max_bytes=min(options.max_bytes or limit, limit))


async def render_timeline(
    timeline: Timeline,
    video: MediaInfo,
    music: MediaInfo | None,
    output: Path,
    runner: FfmpegRunner,
    options: RenderOptions | None = None,
    font_file: Path | None = None,
    on_progress: OnProgress | None = None,
    more_music: tuple[MediaInfo, ...] = (),
) -> RenderPlan:
    """Render the timeline to `output` (atomically); returns the plan that was carried out.
    `music` is the first music track's file, `more_music` the later tracks' files."""
    report = on_progress or (lambda _percent: None)
    work = await asyncio.to_thread(work_folder, output.parent)
    try:
        async with held((work,)):  # whatever kills this process, the folder goes too
            return await _render(timeline, video, music, output, runner, options, font_file,
                                 report, more_music, work)
    finally:
        # A hidden folder: should this ever be skipped (a crash), the janitor removes it.
        await asyncio.to_thread(shutil.rmtree, work, ignore_errors=True)


async def _render(timeline: Timeline, video: MediaInfo, music: MediaInfo | None, output: Path,
                  runner: FfmpegRunner, options: RenderOptions | None, font_file: Path | None,
                  report: OnProgress, more_music: tuple[MediaInfo, ...],
                  work: Path) -> RenderPlan:
    """`render_timeline`'s steps, its own files in `work`."""
    text = title_text(timeline)
    if timeline.cuts:  # "delete 0:05 to 0:12": the parts kept, as one clip first
        video, timeline = await _cut(timeline, video, work, runner)
    title_file = None
    if text:
        title_file = work / "title.txt"
        await asyncio.to_thread(title_file.write_text, text, encoding="utf-8")
    font = await asyncio.to_thread(find_font, font_file, text) if text else None
    inputs = RenderInputs(video, music, title_file, font, more_music)
    options = size_limited(options, timeline)
    the_plan = plan(timeline, inputs, options)
    if the_plan.reasons == ("trim start",) and await cut_on_keyframe(video.path,
                                                                     the_plan.start):
        the_plan = plan(timeline, replace(inputs, cut_on_keyframe=True), options)
    the_plan = await _copy_most(the_plan, video, work, runner)
    stats = None
    first = build_loudness_pass(the_plan)
    share = 0.0
    if first is not None:
        share = 25.0
        stderr = await runner.run(
            first, duration=the_plan.duration, on_progress=lambda p: report(p * share / 100),
            cleanup=(work,),
        )
        try:
            stats = parse_loudnorm(stderr)
        except ValueError as exc:
            raise RenderFailed("the loudness measurement printed no result", stderr) from exc
    return await _encode(the_plan, stats, output, runner, options, work,
                         lambda p: report(share + p * (100 - share) / 100))


async def _cut(timeline: Timeline, video: MediaInfo, work: Path,
               runner: FfmpegRunner) -> tuple[MediaInfo, Timeline]:
    """The parts of the clip kept (its trim without its cuts) as one file in `work`, and the
    timeline that plays that file whole (core/local/join.py `cut_clip`)."""
    whole = timeline.trim or (0, round(video.duration * 1000))
    parts = replace(timeline, trim=whole).kept() or ()
    seconds = [(a / 1000, min(b / 1000, video.duration)) for a, b in parts]
    cut = await cut_clip(video, seconds, work / "cut.mp4", runner)
    return await probe(cut), replace(timeline, trim=None, cuts=())


async def _copy_most(the_plan: RenderPlan, video: MediaInfo, work: Path,
                     runner: FfmpegRunner) -> RenderPlan:
    """The plan with only the start re-encoded and the rest copied, where a title or a trim
    changes only the first frames and that join is exact (core/local/smartcut.py)."""
    if not smartcut.worth_trying(the_plan, video):
        return the_plan
    start, video_filter = the_plan.start, the_plan.video_filter
    # The title is drawn on a frame at its very end too: the copy starts after it.
    after = start + the_plan.title_end + 2 * smartcut.TOLERANCE if the_plan.title_end else start
    cut = await smartcut.junction(video.path, start, after,
                                  start + the_plan.duration, video.duration)
    if cut is None or video_filter is None:
        return the_plan
    head = end = None
    if cut.head_frames:
        head = await runner.render(
            smartcut.piece_command(video.path, start, cut.head_frames, video_filter,
                                   cut.sps_id, cut.profile, bool(video.rotation)),
            work / "head.mp4", duration=cut.keyframe - start, cleanup=(work,))
    if cut.end_keyframe is not None and cut.end_frames:
        end = await runner.render(
            smartcut.piece_command(video.path, cut.end_keyframe, cut.end_frames,
                                   smartcut.without_title(video_filter), cut.end_sps_id,
                                   cut.profile, bool(video.rotation)),
            work / "end.mp4", cleanup=(work,))
    joined = work / "picture.mp4"
    try:
        shown = await smartcut.join(video.path, head, end, joined, start, cut)
    except smartcut.JoinFailed as exc:
        log.warning("the re-encoded pieces could not be joined to the copied clip (%s): "
                    "re-encoding all", exc)
        return the_plan
    return replace(the_plan, copy_video=True, video_filter=None, video_part=joined,
                   video_part_start=shown)


SIZE_TRIES = 3
"""Encodes of a size-limited render: one pass at the computed bitrate, then (rarely: a short
or very grainy clip where x264's one-pass rate control overshoots) again at a bitrate scaled
down by the overshoot. Cheaper than two passes every time, which the plain recipe pays."""


async def _encode(the_plan: RenderPlan, stats: LoudnessStats | None, output: Path,
                  runner: FfmpegRunner, options: RenderOptions | None, work: Path,
                  report: OnProgress) -> RenderPlan:
    """Run the render; with a byte limit, check the size and re-encode smaller when over."""
    limit = options.max_bytes if options else None
    for _ in range(SIZE_TRIES):
        await runner.render(build_command(the_plan, stats), output, duration=the_plan.duration,
                            on_progress=report, cleanup=(work,))
        if limit is None or the_plan.video_bitrate is None:
            return the_plan
        size = (await asyncio.to_thread(output.stat)).st_size
        if size <= limit:
            return the_plan
        bitrate = int(the_plan.video_bitrate * limit / size * 0.95)
        if bitrate < MIN_VIDEO_BITRATE:
            break
        the_plan = replace(the_plan, video_bitrate=bitrate)
    await asyncio.to_thread(output.unlink, missing_ok=True)
    mb = (limit or 0) / 1_000_000
    raise TooLarge(f"I could not get this video under {mb:g} MB at a watchable quality; trim "
                   "it or ask for a download link.")


def work_folder(parent: Path) -> Path:
    """A fresh hidden folder beside the output for the render's own files (the title); the
    output's folder must exist already."""
    return Path(tempfile.mkdtemp(prefix=".render-", dir=parent))
