"""The local engine stores the typed timeline in its own versioned schema
(core/timeline/stored.py) and still reads the draft JSON it stored before: an old-format
session loads, is edited and renders (measured); a new one round-trips exactly."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.config import Settings
from core.engine import ExportOptions, Rendered, SessionRef
from core.local.engine import LocalEngine
from core.local.runner import FfmpegRunner
from core.timeline import stored
from core.timeline.convert import draft_of, timeline_of
from core.timeline.model import (
    Clip,
    LevelSpan,
    MusicTrack,
    OriginalSound,
    Picture,
    Song,
    Step,
    Timeline,
    Title,
)
from storage.sqlite import SqliteStore
from tests.core.local.test_local_engine import collect, upload
from tests.media import measure, tone_level_db

FULL = Timeline(
    clips=(Clip("v1", "a.mp4", 4000, has_audio=True), Clip("v2", "b.mp4", 3000, start=4000)),
    music=(MusicTrack(Song("low.mp3", "a1", length=10_000), level=0.4, fade_out=1000,
                      until=3500, fit="trim", envelope=(LevelSpan(0, 2000, 0.5),)),
           MusicTrack(Song("built-in calm", mood="calm", seed=2), start=2500, length=4500,
                      fade_in=1000, align="end", offset=1200)),
    original=OriginalSound("lower", 0.25, True),
    picture=Picture("9:16", "crop", 720, False),
    title=Title("Hello", 500, 2000), loudness=-14.0, trim=(1000, 6000),
    last_step=Step("music", 0.8))


def test_a_timeline_round_trips_through_the_stored_schema() -> None:
    text = stored.dumps(FULL)
    value = json.loads(text)
    assert (value["schema"], value["version"]) == ("backtrack.timeline", 1)
    assert stored.loads(text) == FULL
    assert stored.dumps(stored.loads(text)) == text
    # Through a draft and back (what the engine does around an edit), nothing is lost.
    assert stored.load_draft(stored.dump_draft(draft_of(FULL))).to_json() \
        == draft_of(FULL).to_json()


def test_an_old_stored_draft_reads_as_it_did() -> None:
    old = draft_of(FULL).to_json()  # the format the local engine stored until now
    assert "schema" not in json.loads(old)
    assert stored.loads(old) == FULL
    assert stored.load_draft(old).to_json() == old


@pytest.mark.parametrize("text", [
    '{"schema":"backtrack.timeline","version":2,"timeline":{}}',
    '{"schema":"backtrack.timeline","version":1,"timeline":{"loudness":"loud"}}',
    '{"schema":"backtrack.timeline","version":1,"timeline":{"music":[{"fit":"spin"}]}}',
])
def test_a_stored_timeline_it_cannot_read_says_so(text: str) -> None:
    with pytest.raises(stored.StoredTimelineError):
        stored.loads(text)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    store = await SqliteStore.open(tmp_path / "db.sqlite3")
    yield store
    await store.close()


async def test_an_old_format_session_loads_edits_and_renders(
        tmp_path: Path, store: SqliteStore, clip: Path, song: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", max_concurrent_renders=1)
    engine = LocalEngine(settings, store, FfmpegRunner(timeout=60))
    ref = SessionRef("c", "local-old")
    for media, kind in ((upload(settings, clip, "v1", "video"), "video"),
                        (upload(settings, song, "a1", "audio"), "audio")):
        await engine.add_media(SessionRef("c", "scratch"), media)  # records the upload
        assert media.kind == kind
    # The session as an older Backtrack stored it: the draft JSON, music at 30%.
    old = draft_of(Timeline(
        clips=(Clip("v1", "clip.mp4", 4000, has_audio=True),),
        music=(MusicTrack(Song("song.mp3", "a1", length=5000), level=0.3, length=4000,
                          fit="trim"),)))
    await store.push_draft(ref.session_id, old.to_json())
    assert timeline_of(await engine.draft(ref)) == timeline_of(old)

    await collect(engine.edit(ref, "fade the music out"))
    saved = json.loads(await store.current_draft(ref.session_id) or "{}")
    assert saved["schema"] == "backtrack.timeline"  # stored in the new schema from now on
    song_track = timeline_of(await engine.draft(ref)).song
    assert song_track is not None and song_track.fade_out > 0 and song_track.level == 0.3

    events = await collect(engine.export(ref, ExportOptions(render_id="old")))
    done = events[-1]
    assert isinstance(done, Rendered) and done.path is not None
    assert abs(measure(done.path).duration - 4) < 0.1
    expected = tone_level_db(song, 0.2, 0.9, 880) - 10.46  # 30%, as the old session had it
    assert abs(tone_level_db(done.path, 0.2, 0.9, 880) - expected) < 1.0
    assert tone_level_db(done.path, 3.6, 4.0, 880) < expected - 6  # the new fade out
    # Undo steps back into the old-format version, which still reads.
    await engine.undo(ref)
    back = timeline_of(await engine.draft(ref)).song
    assert back is not None and back.fade_out == 0
