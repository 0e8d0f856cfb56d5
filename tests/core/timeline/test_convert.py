"""The converter between draft JSON and the typed timeline: tables, and seeded random drafts
(a NemoVideo draft, unknown keys and all, must come back unchanged)."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from typing import Any

import pytest

from core.draft import Draft
from core.timeline.convert import draft_of, timeline_of, written
from core.timeline.fit import fit_track
from core.timeline.model import LevelSpan, MusicTrack, Song, Timeline, Title

LOCAL = {
    "t": [
        {"tt": 0, "sg": [{"s": 0, "d": 10000,
                          "m": {"name": "clip.mp4", "media_id": "v1", "has_audio": True}}]},
        {"tt": 1, "sg": [{"s": 2000, "d": 8000,
                          "m": {"name": "song.mp3", "media_id": "a1", "volume": 0.4,
                                "fade_in": 2000, "fade_out": 3000, "offset": 5000,
                                "fit": "trim", "source_ms": 120000, "until": 9000}}]},
        {"tt": 7, "sg": [{"s": 500, "d": 3000, "m": {"text": "Hello"}}]},
    ],
    "m": {"aspect": "9:16", "fill": "crop", "resolution": 720, "upscale": False,
          "trim": [1000, 9000], "original": "lower", "original_volume": 0.25, "duck": True,
          "loudness": -14.0, "last_step": {"target": "music", "factor": 0.7}},
}


def test_a_local_draft_reads_into_typed_values() -> None:
    t = timeline_of(LOCAL)
    assert t.clip is not None and (t.clip.media_id, t.clip.duration, t.clip.has_audio) == (
        "v1", 10000, True)
    song = t.song
    assert song is not None
    assert (song.source.media_id, song.source.length, song.level) == ("a1", 120000, 0.4)
    assert (song.start, song.length, song.end, song.until) == (2000, 8000, 10000, 9000)
    assert (song.fade_in, song.fade_out, song.offset, song.fit) == (2000, 3000, 5000, "trim")
    assert t.title == Title("Hello", 500, 3000)
    assert (t.picture.aspect, t.picture.fill, t.picture.resolution) == ("9:16", "crop", 720)
    assert (t.original.mode, t.original.gain, t.original.duck) == ("lower", 0.25, True)
    assert (t.trim, t.length, t.full_length, t.loudness) == ((1000, 9000), 8000, 10000, -14.0)
    assert t.last_step is not None and t.last_step.factor == 0.7


@pytest.mark.parametrize(("meta", "field", "expected"), [
    ({}, "original.gain", 1.0),
    ({"original": "lower"}, "original.gain", 0.3),
    ({"original": "mute", "original_volume": 0.5}, "original.gain", 0.0),
    ({"original": "loud"}, "original.mode", None),
    ({"loudness": "x"}, "loudness", None),
    ({"loudness": float("nan")}, "loudness", None),
    ({"resolution": -5}, "picture.resolution", None),
    ({"trim": [1, 2, 3]}, "trim", None),
    ({"duck": "yes"}, "original.duck", None),
    ({"last_step": "up"}, "last_step", None),
])
def test_odd_settings_read_as_not_set(meta: dict[str, Any], field: str, expected: Any) -> None:
    value: Any = timeline_of({"t": [], "m": meta})
    for part in field.split("."):
        value = getattr(value, part)
    assert value == expected


@pytest.mark.parametrize("raw", [
    {"t": [{"tt": 1, "sg": [{"st": 1500, "d": 4000, "m": {"title": "Theme", "vol": 0.5}}]}]},
    {"t": [{"tt": 1, "sg": [{"s": 0, "d": 4000, "m": {"mood": "calm"}}]}], "m": {}},
])
def test_nemovideo_spellings_are_read(raw: dict[str, Any]) -> None:
    song = timeline_of(raw).song
    assert song is not None and song.source.label in ("Theme", "calm")
    assert song.length == 4000


def test_an_unchanged_timeline_writes_the_same_json() -> None:
    assert draft_of(timeline_of(LOCAL)).to_json() == Draft(LOCAL).to_json()
    assert draft_of(Timeline()).to_json() == Draft().to_json()


def test_a_change_writes_only_that_key_and_keeps_unknown_ones() -> None:
    raw = json.loads(json.dumps(LOCAL))
    raw["t"][1]["sg"][0]["m"]["nemo_effect"] = {"x": 1}
    raw["t"][1]["sg"][0]["id"] = "seg-7"
    raw["m"]["template"] = "abc"
    t = timeline_of(raw)
    song = t.song
    assert song is not None
    after = draft_of(replace(t, music=(replace(song, fade_out=5000),))).data
    expected = json.loads(json.dumps(raw))
    expected["t"][1]["sg"][0]["m"]["fade_out"] = 5000
    assert after == expected


@pytest.mark.parametrize(("change", "meta_after"), [
    ({"trim": None}, {"trim": None}),
    ({"loudness": None}, {"loudness": None}),
    ({"picture": "aspect-off"}, {"aspect": None}),
    ({"original": "keep"}, {"original": "keep", "original_volume": "absent"}),
])
def test_settings_turned_off(change: dict[str, Any], meta_after: dict[str, Any]) -> None:
    from core.timeline.model import OriginalSound

    t = timeline_of(LOCAL)
    if change.get("picture") == "aspect-off":
        t = replace(t, picture=replace(t.picture, aspect=None))
    elif change.get("original") == "keep":
        t = replace(t, original=OriginalSound("keep", None, True))
    else:
        t = replace(t, **change)
    meta = draft_of(t).data["m"]
    for key, value in meta_after.items():
        assert (key not in meta) if value == "absent" else meta[key] == value


def test_tracks_removed_and_added() -> None:
    t = timeline_of(LOCAL)
    bare = draft_of(replace(t, music=(), title=None)).data
    assert [track["tt"] for track in bare["t"]] == [0]
    song = MusicTrack(Song(name="built-in calm", mood="calm", length=60000), level=1.0,
                      length=10000, fit="trim", envelope=(LevelSpan(0, 5000, 0.5),))
    added = draft_of(replace(timeline_of(bare), music=(song,))).data
    seg = added["t"][1]["sg"][0]
    assert seg == {"s": 0, "d": 10000, "m": {
        "name": "built-in calm", "mood": "calm", "source_ms": 60000, "volume": 1.0,
        "fit": "trim", "envelope": [[0, 5000, 0.5]]}}
    assert timeline_of(added).music == (song,)


def test_two_songs_go_into_one_track_in_order() -> None:
    a = MusicTrack(Song(name="a.mp3", media_id="a"), length=5000)
    b = MusicTrack(Song(name="b.mp3", media_id="b"), start=5000, length=5000, align="end")
    t = written(replace(timeline_of(LOCAL), music=(a, b)))
    assert [m.source.media_id for m in t.music] == ["a", "b"]
    assert t.music[1].align == "end" and t.music[1].start == 5000
    assert written(t) == t


# Seeded random drafts -------------------------------------------------------------------------

def _value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(7 if depth < 2 else 5)
    if kind == 0:
        return rng.randint(-5, 100000)
    if kind == 1:
        return rng.random() * 10
    if kind == 2:
        return rng.choice(["", "calm", "9:16", "once", "x", "中文"])
    if kind == 3:
        return rng.choice([True, False, None])
    if kind == 4:
        return [rng.randint(0, 9000), rng.randint(0, 9000)]
    if kind == 5:
        return [_value(rng, depth + 1) for _ in range(rng.randrange(3))]
    return {_key(rng): _value(rng, depth + 1) for _ in range(rng.randrange(4))}


def _key(rng: random.Random) -> str:
    return rng.choice(["s", "d", "st", "m", "name", "mood", "media_id", "volume", "vol", "fit",
                       "fade_in", "offset", "until", "trim", "aspect", "loudness", "original",
                       "text", "content", "id", "effect", "align", "envelope", "seed", "x"])


def _random_draft(rng: random.Random) -> dict[str, Any]:
    tracks = []
    for _ in range(rng.randrange(5)):
        segs = [{_key(rng): _value(rng) for _ in range(rng.randrange(5))}
                for _ in range(rng.randrange(3))]
        for seg in segs:
            if rng.random() < 0.7:
                seg["m"] = {_key(rng): _value(rng) for _ in range(rng.randrange(6))}
        tracks.append({"tt": rng.choice([0, 1, 7, 3, "1", None]), "sg": segs, "id": rng.random()})
    return {"t": tracks, "m": {_key(rng): _value(rng) for _ in range(rng.randrange(6))},
            "v": rng.randrange(3)}


@pytest.mark.parametrize("seed", range(300))
def test_random_drafts_round_trip_unchanged(seed: int) -> None:
    raw = _random_draft(random.Random(seed))
    before = json.dumps(raw, sort_keys=True)
    assert draft_of(timeline_of(raw)).to_json() == Draft(raw).to_json()
    assert json.dumps(raw, sort_keys=True) == before, "reading must not change the draft"


@pytest.mark.parametrize("seed", range(100))
def test_random_drafts_reread_what_was_written(seed: int) -> None:
    rng = random.Random(seed)
    t = timeline_of(_random_draft(rng))
    song = MusicTrack(Song(name="n", media_id="m", length=rng.randint(1, 9000)),
                      level=0.5, fade_out=rng.randint(0, 3000), start=rng.randint(0, 9000))
    changed = replace(t, music=(*t.music, song), loudness=-16.0, trim=(0, 4000))
    again = timeline_of(draft_of(changed).data)
    assert again.music[-1] == song and again.loudness == -16.0 and again.trim == (0, 4000)


# Fitting music --------------------------------------------------------------------------------

SONG = Song(name="s", media_id="s", length=30000)


@pytest.mark.parametrize(("track", "length", "expected"), [
    (MusicTrack(SONG), 10000, (0, 10000, "trim")),
    (MusicTrack(SONG), 45000, (0, 45000, "loop")),
    (MusicTrack(SONG, offset=25000), 10000, (0, 10000, "loop")),
    (MusicTrack(SONG, fit="once"), 45000, (0, 30000, "once")),
    (MusicTrack(SONG, fit="once", offset=25000), 10000, (0, 5000, "once")),
    (MusicTrack(SONG, start=4000), 10000, (4000, 6000, "trim")),
    (MusicTrack(SONG, start=12000), 10000, (0, 10000, "trim")),
    (MusicTrack(SONG, start=2000, until=6000), 10000, (2000, 4000, "trim")),
    (MusicTrack(SONG, until=60000), 10000, (0, 10000, "trim")),
    (MusicTrack(SONG, until=1000, start=2000), 10000, (2000, 8000, "trim")),
    (MusicTrack(Song(name="x")), 10000, (0, 10000, "loop")),
    (MusicTrack(SONG), None, (0, 0, "loop")),
    (MusicTrack(SONG, fit="once"), None, (0, 30000, "once")),
    (MusicTrack(SONG, until=8000), None, (0, 8000, "trim")),
])
def test_fit_table(track: MusicTrack, length: int | None,
                   expected: tuple[int, int, str]) -> None:
    fitted = fit_track(track, length)
    assert (fitted.start, fitted.length, fitted.fit) == expected
