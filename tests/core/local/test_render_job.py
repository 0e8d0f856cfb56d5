"""Draft housekeeping of a render job: a new clip starts a clean timeline; moods to generate."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.draft import AUDIO, VIDEO, Draft
from core.local.render_job import (
    compose_to_length,
    find_font,
    mood_to_prepare,
    needs_cjk_font,
    put_video,
)
from core.music.cache import filename
from core.timeline.convert import draft_of, timeline_of
from core.timeline.model import Timeline


def draft_with(video_ms: int, music: dict[str, Any] | None, **meta: Any) -> Draft:
    tracks: list[dict[str, Any]] = [
        {"tt": 0, "sg": [{"s": 0, "d": video_ms, "m": {"name": "old.mp4", "media_id": "v1"}}]}]
    if music is not None:
        tracks.append({"tt": 1, "sg": [music]})
    return Draft({"t": tracks, "m": meta})


def song(s: int, d: int, **m: Any) -> dict[str, Any]:
    return {"s": s, "d": d, "m": {"name": "song.mp3", "media_id": "a1", "fit": "trim",
                                  "source_ms": 10_000, **m}}


@pytest.mark.parametrize(("before", "meta"), [
    (song(0, 3000), {}),
    (song(1000, 2000, until=2000, fade_out=1000), {"trim": [0, 2000]}),
    (None, {"aspect": "9:16", "fill": "crop", "resolution": 1080, "upscale": True}),
    (song(0, 3000), {"aspect": "9:16", "duck": True, "original": "mute", "loudness": -14.0}),
])
def test_a_new_clip_starts_a_clean_timeline(before: dict[str, Any] | None,
                                            meta: dict[str, Any]) -> None:
    draft = draft_with(3000, before, **meta)
    draft.data["t"].append({"tt": 7, "sg": [{"s": 0, "d": 1000, "m": {"text": "Old"}}]})
    draft = draft_of(put_video(timeline_of(draft), "new.mp4", "v2", 8.0))
    assert draft.first_segment(AUDIO) is None and draft.meta == {}
    assert [t.kind for t in draft.tracks] == [VIDEO]
    video = draft.first_segment(VIDEO)
    assert video is not None and video.duration_ms == 8000 and video.meta["media_id"] == "v2"


def test_first_clip_without_music() -> None:
    draft = draft_of(put_video(Timeline(), "clip.mp4", "v1", 4.25))
    assert draft.first_segment(AUDIO) is None
    seg = draft.first_segment(VIDEO)
    assert seg is not None and (seg.duration_ms, seg.name) == (4250, "clip.mp4")


@pytest.mark.parametrize(("meta", "cached", "expected"), [
    ({"mood": "lofi"}, False, "lofi"),  # first use: worth a progress line
    ({"mood": "lofi"}, True, None),  # already composed for this length and seed
    ({"mood": "calm", "media_id": "a1"}, False, None),  # an upload wins over a mood
    ({"media_id": "a1"}, False, None),
    ({"mood": "polka"}, False, None),  # unknown: the lookup says so
])
def test_mood_to_prepare(tmp_path: Path, meta: dict[str, Any], cached: bool,
                         expected: str | None) -> None:
    draft = draft_with(3000, {"s": 0, "d": 3000, "m": {"name": "x", **meta}})
    if cached:
        (tmp_path / filename("lofi", 7, 3000)).write_bytes(b"wav")
    assert mood_to_prepare(compose_to_length(timeline_of(draft), 7), tmp_path) == expected
    assert mood_to_prepare(timeline_of(draft_with(3000, None)), tmp_path) is None


@pytest.mark.parametrize(("text", "cjk"), [
    ("Summer 2024", False), ("Café ☀️ — ok", False), ("生日快乐", True),
    ("夏休み", True), ("カタカナ", True), ("안녕", True), ("Mix 中 text", True),
])
def test_cjk_text_is_recognised(text: str, cjk: bool) -> None:
    assert needs_cjk_font(text) is cjk


def test_font_choice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    latin, cjk = tmp_path / "latin.ttf", tmp_path / "cjk.ttc"
    latin.write_bytes(b"x")
    cjk.write_bytes(b"x")
    monkeypatch.setattr("core.local.render_job.FONT_CANDIDATES", (str(latin),))
    monkeypatch.setattr("core.local.render_job.CJK_FONT_CANDIDATES",
                        (str(tmp_path / "missing.ttc"), str(cjk)))
    assert find_font(None, "Summer") == latin
    assert find_font(None, "生日快乐") == cjk
    assert find_font(latin, "生日快乐") == latin  # the operator's choice wins
    cjk.unlink()
    assert find_font(None, "生日快乐") == latin  # boxes beat no title at all


def test_built_in_pieces_are_composed_for_the_stretch_they_play() -> None:
    """A mood track gets the length it plays (to the end when open) and the session's seed
    plus its own take; an upload keeps its own length and offset."""
    draft = draft_with(8000, {"s": 2000, "d": 0, "m": {"name": "x", "mood": "jazz",
                                                        "offset": 1500}})
    track = compose_to_length(timeline_of(draft), 42).music[0]
    assert (track.source.length, track.source.seed, track.offset) == (6000, 42, 0)
    draft = draft_with(8000, {"s": 0, "d": 5000, "m": {"name": "x", "mood": "calm", "seed": 3}})
    track = compose_to_length(timeline_of(draft), 42).music[0]
    assert (track.source.length, track.source.seed) == (5000, 45)  # the session's, 3rd take
    upload = timeline_of(draft_with(8000, song(0, 3000, offset=500)))
    assert compose_to_length(upload, 42) == upload
