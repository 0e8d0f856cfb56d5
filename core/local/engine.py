"""The local engine: timelines in the store (core/timeline/stored.py), instructions parsed here,
renders by ffmpeg."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import shutil
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import replace
from pathlib import Path

from core.config import Settings
from core.conversation.progress import in_line
from core.draft import Draft
from core.engine import (
    Edited,
    EngineEvent,
    ExportOptions,
    MediaFile,
    Progress,
    Rendered,
    Said,
    SessionRef,
)
from core.errors import BadMedia, EngineError, NothingToEdit, UnsupportedFile
from core.janitor import make_room, stored_path
from core.kept import keep_shared, local_copy, local_max_age_seconds, shared
from core.local.join import join_clips
from core.local.plan import AUDIO_BITRATE, RenderOptions, RenderPlan
from core.local.probe import MediaInfo, playback_note, probe, require_video
from core.local.render_job import (
    compose_to_length,
    mood_lookup,
    mood_to_prepare,
    piece_of,
    put_video,
    render_timeline,
    resolve_more_music,
    resolve_music,
    session_seed,
    work_folder,
)
from core.local.render_queue import RenderQueue
from core.local.runner import FfmpegRunner, progress_stream
from core.ports import FileStore, MediaRecord, Store
from core.renders import Renders
from core.timeline.convert import draft_of, timeline_of
from core.timeline.model import Clip, Timeline
from core.timeline.stored import dump_draft, load_draft

CREDITS = "Local engine: free, no credits needed."
PHOTO_REFUSED = ("Photos can't be the clip with the local engine — send a video "
                 "(mp4, mov, webm, mkv, avi).")


CLIP_AS_SENT = "There's nothing more to undo — your clip is as you sent it."


def _clip_id(draft: Draft) -> str | None:
    """The media id of the draft's clip, None when it has none."""
    clip = timeline_of(draft).clip
    return clip.media_id if clip is not None and clip.media_id else None


def _piece_key(timeline: Timeline) -> str | None:
    """Where the timeline's built-in piece is kept for every machine (None: no built-in music)."""
    from core.music import cache

    piece = piece_of(timeline.song.source) if timeline.song is not None else None
    return f"music/{cache.filename(*piece)}" if piece is not None else None


def _clock(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}" if minutes else f"{secs} s"


def _estimate(video: MediaInfo, max_bytes: int | None) -> int:
    """Bytes the render will need on disk: about the input's size (video copied), plus sound."""
    guess = video.size + int(AUDIO_BITRATE / 8 * video.duration)
    return min(guess, max_bytes) if max_bytes else guess


class LocalEngine:
    """Implements `core.engine.Engine` with ffmpeg on this machine."""

    name = "local"
    accepts_images = False
    """Photos cannot be the clip here; the assistant reads this to answer a photo in words."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        runner: FfmpegRunner | None = None,
        queue: RenderQueue | None = None,
        files: FileStore | None = None,
        elsewhere: Renders | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.files = files
        """Object storage when shared: inputs come from it, results go to it."""
        self.runner = runner or FfmpegRunner(timeout=settings.render_timeout_seconds)
        self.queue = queue or RenderQueue(settings.max_concurrent_renders)
        self.elsewhere = elsewhere
        """Render workers (`backtrack worker`) instead of this process, when set."""

    # Sessions and drafts ---------------------------------------------------------------------

    async def new_session(self, conversation: str, language: str) -> str:
        session_id = "local-" + secrets.token_hex(8)
        await self.open_session(session_id)
        return session_id

    async def open_session(self, session_id: str) -> None:
        """An empty timeline under `session_id` (`backtrack render` names its own, so the
        same clip and words get the same built-in piece every time)."""
        await self.store.push_draft(session_id, dump_draft(Draft()))

    async def draft(self, session: SessionRef) -> Draft:
        return load_draft(await self.store.current_draft(session.session_id))

    async def undo(self, session: SessionRef) -> tuple[str, ...]:
        """Step back one edit, never past the newest clip upload: a version without this clip
        (none, or an older one) is not restored, and the current version stays."""
        current = await self.store.current_draft(session.session_id)
        before = load_draft(current)
        after_json = await self.store.pop_draft(session.session_id)
        if after_json is None:
            raise NothingToEdit("There is nothing to undo.")
        after = load_draft(after_json)
        clip = _clip_id(before)
        if clip is not None and _clip_id(after) != clip:
            # The store can only pop: put the popped version back as it was.
            await self.store.push_draft(session.session_id, current or dump_draft(before))
            raise NothingToEdit(CLIP_AS_SENT)
        return tuple(after.diff(before))

    async def credits(self, session: SessionRef | None) -> str:
        return CREDITS

    async def aclose(self) -> None:
        """Renders belong to the turns that started them; only the worker line is closed."""
        if self.elsewhere is not None:
            await self.elsewhere.aclose()

    async def _save(self, session: SessionRef, before: Draft, after: Draft) -> tuple[str, ...]:
        changes = tuple(after.diff(before))
        if changes:
            await self.store.push_draft(session.session_id, dump_draft(after))
        return changes

    # Media ---------------------------------------------------------------------------------------

    async def _media(self, media_id: str) -> Path | None:
        """An upload's local copy (fetched from object storage when this machine has none)."""
        record = await self.store.get_media(media_id)
        if record is None:
            return None
        return await local_copy(self.files, self.settings.data_dir, record.path)

    async def add_media(self, session: SessionRef, media: MediaFile) -> str:
        if media.kind == "image":
            raise UnsupportedFile(PHOTO_REFUSED)
        info = await probe(media.path, media.name)
        if media.kind == "video":
            require_video(info, name=media.name)
        elif not info.has_audio:
            raise BadMedia(f"{media.name} has no sound in it.")
        # The assistant records accepted media itself; this keeps the engine whole without it.
        if await self.store.get_media(media.media_id) is None:
            await self.store.add_media(await self._record(session, media, info))
        before = await self.draft(session)
        timeline = timeline_of(before)
        if media.kind == "video":
            timeline, line = self._put_video(timeline, media, info)
        else:
            timeline, line = self._put_music(timeline, media, info)
        await self._save(session, before, draft_of(timeline))
        return line

    async def _record(self, session: SessionRef, media: MediaFile, info: MediaInfo) -> MediaRecord:
        stored = await asyncio.to_thread(stored_path, media.path, self.settings.data_dir)
        return MediaRecord(
            id=media.media_id, session_id=session.session_id, kind=media.kind, name=media.name,
            path=stored, size=info.size, duration=info.duration, width=info.width,
            height=info.height,
        )

    @staticmethod
    def _put_video(timeline: Timeline, media: MediaFile,
                   info: MediaInfo) -> tuple[Timeline, str]:
        # The clip's own sound is noted now, so edits need not probe again.
        timeline = put_video(timeline, media.name, media.media_id, info.duration,
                             info.has_audio)
        size = f", {info.width}x{info.height}" if info.width else ""
        return timeline, (f"Got your video {media.name} ({_clock(info.duration)}{size}). Tell "
                          "me what to do, e.g. \"add lofi music at 30% and fade it out\".")

    @staticmethod
    def _put_music(timeline: Timeline, media: MediaFile,
                   info: MediaInfo) -> tuple[Timeline, str]:
        line = f"Got the music {media.name} ({_clock(info.duration)})."
        song = timeline.song
        if song is not None:
            previous = song.source.name or song.source.mood or "the old music"
            source = replace(song.source, name=media.name, media_id=media.media_id, mood=None,
                             seed=None)
            music = (replace(song, source=source), *timeline.music[1:])
            return replace(timeline, music=music), f"{line} It replaces {previous}."
        if timeline.clip is None:
            return timeline, line  # the assistant asks for the video next
        return timeline, f"{line} Say \"add it at 30%\" to put it under your video."

    # Editing -----------------------------------------------------------------------------------

    async def edit(self, session: SessionRef, text: str) -> AsyncIterator[EngineEvent]:
        from core.parser.instructions import Context, MusicRef, apply_instruction

        before = await self.draft(session)
        clip = timeline_of(before).clip
        has_audio = await self._clip_has_audio(before)
        songs = await self.store.list_media(session.session_id, "audio")
        sent = tuple(MusicRef(song.id, song.name, (song.duration or 0.0) * 1000)
                     for song in reversed(songs))  # oldest first: "the second song"
        prefs = session.preferences
        ctx = Context(timeline_of(before).full_length if clip is not None else None, has_audio,
                      sent[-1] if sent else None, mood=prefs.mood, level=prefs.level,
                      fade_out=prefs.fade_out, songs=sent, videos=await self._videos(session),
                      seed=session_seed(session.session_id))
        parsed = apply_instruction(before, text, ctx)
        changes = await self._save(session, before, parsed.draft)
        if parsed.understood:
            yield Said("Got it: " + ", ".join(parsed.understood) + ".")
        yield Edited(changes, parsed.draft)

    async def _videos(self, session: SessionRef) -> tuple[Clip, ...]:
        """Every clip of the conversation, in the order sent (the store lists newest first)."""
        records = await self.store.list_media(session.session_id, "video")
        return tuple(Clip(media_id=r.id, name=r.name, duration=round((r.duration or 0) * 1000))
                     for r in reversed(records))

    async def _joined(self, timeline: Timeline, work: Path) -> MediaInfo:
        """The timeline's clips joined into one file in `work` (core/local/join.py)."""
        infos = []
        for clip in timeline.clips:
            path = await self._media(clip.media_id)
            if path is None or not await asyncio.to_thread(path.is_file):
                raise NothingToEdit(f"I no longer have the clip {clip.name}; please send it "
                                    "again.")
            infos.append(require_video(await probe(path), name=clip.name))
        joined = await join_clips(infos, work / "joined.mp4", self.runner)
        return await probe(joined)

    async def _clip_has_audio(self, draft: Draft) -> bool:
        """Whether the clip has its own sound: remembered in the draft since it arrived,
        probed for drafts written before that."""
        clip = timeline_of(draft).clip
        if clip is not None and clip.has_audio is not None:
            return clip.has_audio
        path = await self._clip_path(draft)
        return path is not None and (await probe(path)).has_audio

    async def _clip_path(self, draft: Draft) -> Path | None:
        """The draft's clip on disk, None when it has none or the file is gone."""
        clip = _clip_id(draft)
        path = await self._media(clip) if clip is not None else None
        return path if path is not None and await asyncio.to_thread(path.is_file) else None

    # Rendering ---------------------------------------------------------------------------------

    async def export(
        self, session: SessionRef, options: ExportOptions
    ) -> AsyncIterator[EngineEvent]:
        render_id = options.render_id or secrets.token_hex(8)
        line = self.elsewhere or self
        # Closed with us: a cancelled export frees its slot (or aborts its job) at once.
        async with contextlib.aclosing(line.render(session, options, render_id)) as events:
            async for event in events:
                yield event

    async def render(
        self, session: SessionRef, options: ExportOptions, render_id: str
    ) -> AsyncGenerator[EngineEvent, None]:
        """`core.renders.Renders` in this process: wait for a free renderer here, render."""
        draft = await self.draft(session)
        timeline = compose_to_length(timeline_of(draft), session_seed(session.session_id))
        video_path = await self._clip_path(draft)
        if video_path is None:
            raise NothingToEdit("Send me a video first, then tell me what to do with it.")
        video = require_video(await probe(video_path))
        output = options.output or self.settings.data_dir / "renders" / f"{render_id}.mp4"
        work: Path | None = None  # the joined clips' folder, removed after the render
        try:
            async with self.queue.join() as ticket:
                async for place in ticket.positions():
                    if place > 0:
                        yield Progress(f"Waiting for a free renderer: {in_line(place)}")
                mood = await self._mood_to_make(timeline)
                if mood:
                    yield Progress(f"Preparing the {mood} music…")
                music, more = await self._music(timeline, mood)
                # Our own folder inside the data folder: the engine makes it (the render does not).
                await asyncio.to_thread(output.parent.mkdir, parents=True, exist_ok=True)
                if timeline.joined:
                    yield Progress(f"Joining {len(timeline.clips)} clips…")
                    work = await asyncio.to_thread(work_folder, output.parent)
                    video = await self._joined(timeline, work)
                yield Progress("Rendering…", 0.0)
                keep = [video.path] + ([music.path] if music is not None else [])
                keep += [song.path for song in more]
                await make_room(self.settings.data_dir, _estimate(video, options.max_bytes),
                                self.settings.data_max_bytes,
                                local_max_age_seconds(self.settings), keep)
                render_options = RenderOptions(options.resolution, options.aspect,
                                               options.max_bytes)
                plan: RenderPlan | None = None
                shown = 0.0
                async for item in progress_stream(
                    lambda report: render_timeline(timeline, video, music, output, self.runner,
                                                   render_options, self.settings.font_file, report,
                                                   more)
                ):
                    if isinstance(item, RenderPlan):
                        plan = item
                    elif item >= shown + 1 and item < 100:
                        shown = float(int(item))
                        yield Progress("Rendering…", shown)
        finally:
            if work is not None:
                await asyncio.to_thread(shutil.rmtree, work, ignore_errors=True)
        assert plan is not None
        if note := playback_note(video):  # the sound changed, yet the picture was re-encoded
            yield Said(note)
        size = (await asyncio.to_thread(output.stat)).st_size
        if options.output is None:
            await keep_shared(self.files, f"renders/{output.name}", output)  # any machine sends it
        yield Rendered(output, None, size, plan.duration, plan.width, plan.height)

    async def _mood_to_make(self, timeline: Timeline) -> str | None:
        """The built-in mood this machine must compose before the render, if any."""
        mood = mood_to_prepare(timeline, self.settings.data_dir / "music")
        key = _piece_key(timeline)
        return None if mood and key and await self._shared_piece(key) else mood  # one made it

    async def _music(self, timeline: Timeline,
                     made: str | None) -> tuple[MediaInfo | None, tuple[MediaInfo, ...]]:
        """The first track's song and the later tracks' songs, probed."""
        music_dir = self.settings.data_dir / "music"
        lookup = mood_lookup(self._media, music_dir)
        music = await resolve_music(timeline, lookup)
        more = await resolve_more_music(timeline, lookup)
        key = _piece_key(timeline)
        if made and key and music is not None:  # made here: every machine may use it now
            await keep_shared(self.files, key, music.path)
        return music, more

    async def _shared_piece(self, key: str) -> bool:
        """Bring a built-in piece another machine composed; False when it must be made."""
        return shared(self.files) and await local_copy(
            self.files, self.settings.data_dir, key) is not None

    async def resume_export(self, session: SessionRef, remote_id: str) -> AsyncIterator[
        EngineEvent
    ]:
        """A render job on the workers outlives a bot killed while following it: follow it
        again (renders in this process die with it: `resume` raises)."""
        line = self.elsewhere or self
        async with contextlib.aclosing(line.resume(remote_id)) as events:
            async for event in events:
                yield event

    async def resume(self, remote_id: str) -> AsyncGenerator[EngineEvent, None]:
        """`core.renders.Renders`: a render in this process never outlives it."""
        raise EngineError("The local engine has no remote renders to resume.")
        yield  # pragma: no cover  (makes this an async generator like the others)
