"""The timeline model: tolerant reading, unknown keys kept, summary and diff in words."""

from __future__ import annotations

import json

import pytest

from core.draft import AUDIO, TEXT, VIDEO, Draft

BEACH = {
    "t": [
        {"tt": 0, "sg": [{"s": 0, "d": 30000, "m": {"name": "beach.mp4"}}]},
        {"tt": 1, "sg": [{"s": 0, "d": 30000,
                          "m": {"name": "sunset.mp3", "volume": 0.3, "fade_out": 3000}}]},
        {"tt": 7, "sg": [{"s": 0, "d": 3000, "m": {"text": "Summer"}}]},
    ],
    "m": {"width": 1920, "height": 1080},
    "x_vendor": {"keep": [1, 2, 3]},
}


def test_summary_reads_like_the_product_text() -> None:
    assert Draft(BEACH).summary() == (
        'Timeline (3 tracks): 1. Video: beach.mp4 (0-30s) '
        '2. BGM: sunset.mp3 (0-30s, 30%, fade out 3s) 3. Title: "Summer" (0-3s)'
    )


def test_unknown_keys_survive_a_round_trip() -> None:
    draft = Draft.from_json(json.dumps(BEACH))
    data = json.loads(draft.to_json())
    assert data["x_vendor"] == {"keep": [1, 2, 3]}
    assert data == BEACH


def test_wrapping_copies_so_the_caller_dict_is_never_changed() -> None:
    raw = json.loads(json.dumps(BEACH))
    draft = Draft(raw)
    draft.track_dict(AUDIO)["sg"][0]["m"]["volume"] = 1.0  # type: ignore[index]
    assert raw["t"][1]["sg"][0]["m"]["volume"] == 0.3


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({}, "Timeline is empty."),
        ({"t": [{"tt": 0, "sg": []}]}, "Timeline (1 track): 1. Video: empty"),
        # NemoVideo-style segments without our keys: names from other fields, no crash.
        ({"t": [{"tt": 0, "sg": [{"d": 10000, "url": "https://cdn/x/city.mp4"}]}]},
         "Timeline (1 track): 1. Video: city.mp4 (0-10s)"),
        ({"t": [{"tt": 1, "sg": [{"d": "12500", "m": {"title": "Lo-fi", "volume": "0.35"}}]}]},
         "Timeline (1 track): 1. BGM: Lo-fi (0-12.5s, 35%)"),
        ({"t": [{"tt": 9, "sg": [{"d": 1000}]}, "junk"]},
         "Timeline (1 track): 1. Track type 9: untitled (0-1s)"),
        ({"t": "not a list"}, "Timeline is empty."),
    ],
)
def test_summary_is_tolerant(raw: dict[str, object], expected: str) -> None:
    assert Draft(raw).summary() == expected


def test_exportable_needs_a_segment() -> None:
    assert not Draft({"t": [{"tt": 0, "sg": []}]}).is_exportable
    assert Draft(BEACH).is_exportable


def test_diff_names_what_changed() -> None:
    before = Draft(BEACH)
    after = before.copy()
    after.track_dict(AUDIO)["sg"][0]["m"]["volume"] = 0.2  # type: ignore[index]
    after.meta["original"] = "mute"
    after.remove_tracks(TEXT)
    changes = after.diff(before)
    assert any("30%" in c and "20%" in c for c in changes)
    assert any(c.startswith("removed Title") for c in changes)
    assert any("original sound muted" in c for c in changes)
    assert before.diff(before.copy()) == []


def test_diff_of_added_music() -> None:
    before = Draft({"t": [{"tt": VIDEO, "sg": [{"s": 0, "d": 5000, "m": {"name": "a.mp4"}}]}]})
    after = before.copy()
    bgm = after.track_dict(AUDIO)
    assert bgm is not None
    bgm["sg"].append({"s": 0, "d": 5000, "m": {"mood": "lofi", "volume": 0.3}})
    assert after.diff(before) == ["added BGM: lofi (0-5s, 30%)"]


def test_diff_names_a_skip_into_the_song() -> None:
    before = Draft(BEACH)
    after = before.copy()
    after.track_dict(AUDIO)["sg"][0]["m"]["offset"] = 30000  # type: ignore[index]
    assert after.diff(before) == [
        "BGM: sunset.mp3 (0-30s, 30%, fade out 3s) → "
        "sunset.mp3 (0-30s, 30%, fade out 3s, song from 30s)"
    ]
