"""Issue 10: a ratio is never a time.

Every ratio people write (supported or not) in every written form ("16:10", "9 by 16", "9x16",
"9/16", "9比16", "9：16", "9×16"), alone and with words around it, on clips of 30 s, 12 min,
20 min and 2 h: a supported one becomes the picture shape, another one is refused in words that
name the supported ones, and none is ever a trim or a music time. Then the one rule where "A:BB"
is a time (core/parser/spoken.py `_clock_meant`): a cut word placing it, in a clip that long.
"make it 16:10" on a 12-minute clip used to say "the video is only 12:00 long, so nothing was
trimmed", and "cut at 9:16" read as the shape even on a 20-minute clip.
"""

from __future__ import annotations

import pytest

from core.draft import AUDIO, Draft
from core.errors import NotUnderstood
from core.parser.instructions import Context, apply_instruction

SUPPORTED = {(9, 16): "9:16", (16, 9): "16:9", (1, 1): "1:1", (4, 5): "4:5"}
OTHERS = [(16, 10), (10, 16), (3, 2), (2, 3), (5, 4), (21, 9), (4, 3), (3, 4), (9, 21),
          (2, 1), (1, 2)]
FORMS = ["{a}:{b}", "{a} by {b}", "{a}x{b}", "{a}/{b}", "{a}比{b}", "{a} x {b}", "{a}：{b}",
         "{a}×{b}", "{a} : {b}"]
WORDS = ["{r}", "make it {r}", "{r} please", "aspect {r}", "aspect ratio {r}", "{r} format",
         "format {r}", "make it {r} format", "change to {r}", "switch it to {r}",
         "convert to {r}", "i want {r}", "crop to {r}", "make it {r} and add music",
         "add music and make it {r}", "export in {r}", "make the video {r}", "改成{r}",
         "比例{r}", "做成{r}的"]
LENGTHS = [30_000, 720_000, 1_200_000, 7_200_000]


def clip(ms: int) -> Draft:
    return Draft({"t": [{"tt": 0, "sg": [{"s": 0, "d": ms, "m": {"name": "b.mp4",
                                                                  "media_id": "v1"}}]}], "m": {}})


def run(text: str, length: int) -> tuple[Draft, list[str]]:
    parsed = apply_instruction(clip(length), text, Context(length, True, None))
    return parsed.draft, list(parsed.understood)


def no_time(draft: Draft, said: list[str]) -> None:
    assert draft.meta.get("trim") is None, said
    music = draft.first_segment(AUDIO)
    if music is not None:
        assert music.start_ms == 0 and not music.meta.get("until"), said
        assert not music.meta.get("offset"), said
    assert not any(("trim" in s or "starts at" in s or "stops" in s) for s in said), said


def written(form: str, a: int, b: int) -> str:
    return form.format(a=a, b=b)


def spread(ratios: list[tuple[int, int]], words: list[str]) -> list[tuple[str, int, int, int]]:
    """Every ratio with every phrasing, in three written forms and one clip length each,
    turning through the forms and lengths so each is used by every ratio (the full cross
    product is 10,000 cases: minutes of CI for no more coverage of the rule)."""
    out = []
    for i, (a, b) in enumerate(ratios):
        for j, phrasing in enumerate(words):
            for k in range(3):
                form = FORMS[(i + j * 3 + k) % len(FORMS)]
                length = LENGTHS[(i + j + k) % len(LENGTHS)]
                out.append((phrasing.format(r=written(form, a, b)), a, b, length))
    return out


SUPPORTED_CASES = [
    pytest.param(text, SUPPORTED[(a, b)], length, id=f"{text}-{length}")
    for text, a, b, length in spread(list(SUPPORTED), WORDS)
] + [pytest.param(t, "9:16", length, id=f"{t}-{length}") for t in (
    "make it vertical 9:16", "vertical 9x16", "9 by 16 vertical", "vertical format 9/16",
    "竖屏9比16", "make it vertical, 9:16 please", "9:16 vertical for tiktok")
    for length in LENGTHS]


@pytest.mark.parametrize(("text", "shape", "length"), SUPPORTED_CASES)
def test_a_supported_ratio_is_the_picture_shape(text: str, shape: str, length: int) -> None:
    draft, said = run(text, length)
    assert draft.meta.get("aspect") == shape, said
    no_time(draft, said)


OTHER_CASES = [
    pytest.param(text, f"{a}:{b}", length, id=f"{text}-{length}")
    for text, a, b, length in spread(OTHERS, [w for w in WORDS if "music" not in w])
]


@pytest.mark.parametrize(("text", "ratio", "length"), OTHER_CASES)
def test_another_ratio_is_refused_in_words(text: str, ratio: str, length: int) -> None:
    with pytest.raises(NotUnderstood) as refused:
        run(text, length)
    said = refused.value.user_message
    assert ratio in said and all(shape in said for shape in SUPPORTED.values()), said


@pytest.mark.parametrize("length", LENGTHS)
@pytest.mark.parametrize("text", ["make it 16:10 and add music", "add music and make it 21:9",
                                  "3:2 and fade out", "add lofi music, 5:4"])
def test_another_ratio_with_an_edit_is_said_and_never_a_time(text: str, length: int) -> None:
    draft, said = run(text, length)
    no_time(draft, said)
    assert draft.meta.get("aspect") is None
    assert any(s.startswith("not done") and "9:16" in s for s in said), said


TIME_OR_RATIO = [  # text, clip length, the trim when it is a time (None: the ratio)
    ("cut at 16:10", 1_200_000, [0, 970_000]), ("cut at 16:10", 720_000, None),
    ("cut at 9:16", 720_000, [0, 556_000]), ("cut at 9:16", 300_000, None),
    ("trim to 9:16", 720_000, [0, 556_000]), ("end at 10:16", 720_000, [0, 616_000]),
    ("cut the first 9:16", 720_000, [556_000, 720_000]), ("剪到9:16", 720_000, [0, 556_000]),
    ("在16:10剪掉", 1_200_000, [0, 970_000]), ("keep only 9:16", 720_000, [0, 556_000]),
    ("make it 9:16 long", 720_000, [0, 556_000]), ("from 1:00 to 9:16", 720_000,
                                                   [60_000, 556_000]),
    ("between 9:16 and 10:16", 720_000, [556_000, 616_000]),
    ("9:16 to 11:00", 720_000, [556_000, 660_000]),
    ("cut at 9:16 and make it vertical", 720_000, [0, 556_000]),
    ("make it vertical and cut at 10:16", 720_000, [0, 616_000]),
    ("make it 9:16", 720_000, None), ("change to 9:16", 720_000, None),
    ("crop to 9:16", 720_000, None), ("make it vertical 9:16", 720_000, None),
    ("cut to 9:16 aspect", 720_000, None), ("trim to 30s and change to 9:16", 720_000, None),
]


@pytest.mark.parametrize(("text", "length", "trim"), TIME_OR_RATIO)
def test_a_clock_that_looks_like_a_ratio(text: str, length: int, trim: list[int] | None) -> None:
    try:
        draft, said = run(text, length)
    except NotUnderstood as refused:  # a ratio Backtrack does not make
        assert trim is None and "9:16" in refused.user_message
        return
    if trim is None:
        assert draft.meta.get("aspect") == "9:16", said
        assert draft.meta.get("trim") in (None, [0, 30_000]), said
    else:
        assert draft.meta.get("trim") == trim, said


@pytest.mark.parametrize(("text", "shape"), [
    ("aspect ratio 9 to 16", "9:16"), ("16 to 9 ratio", "16:9"), ("4 to 5 format", "4:5"),
    ("make the aspect 1 to 1", "1:1"), ("make it 3 to 2 aspect", None),
    ("16:10 landscape", None), ("make it 16:10 widescreen", None), ("21:9 horizontal", None),
    ("make it 10:16 vertical", None), ("9:16 vertical", "9:16"), ("4:5 portrait", "4:5"),
    ("1080 by 1920", "9:16"), ("1920 by 1080", "16:9"),
])
def test_a_ratio_with_words_around_it(text: str, shape: str | None) -> None:
    """"A to B" is a ratio next to a picture word (else a range of seconds); a refused ratio
    is not swapped for the nearest shape its words name ("16:10 landscape" is not 16:9)."""
    try:
        draft, said = run(text, 720_000)
    except NotUnderstood as refused:
        assert shape is None and "9:16" in refused.user_message
        return
    assert draft.meta.get("aspect") == shape, said
    no_time(draft, said)


@pytest.mark.parametrize(("text", "trim"), [("keep 9 to 16 seconds", [9000, 16_000]),
                                            ("from 9 to 16", [9000, 16_000]),
                                            ("trim 3 to 20", [3000, 20_000])])
def test_a_to_b_without_a_picture_word_is_a_range(text: str, trim: list[int]) -> None:
    draft, said = run(text, 720_000)
    assert draft.meta.get("trim") == trim and draft.meta.get("aspect") is None, said
