"""The title in the words people use (issue 10's families, session 5): quotes inside a title,
"for the whole video", and its look and place, which are fixed: said as not done instead of
being dropped silently ("text at the bottom" put it at the top and said nothing; "bigger title"
asked what the title should say; a title with quotes in it was cut at the first inner quote;
"for the whole video" gave 3 seconds)."""

from __future__ import annotations

import pytest

from core.draft import TEXT
from core.timeline.convert import timeline_of
from core.words import localise
from tests.core.parser.test_gaps_and_ends import bare, parse

QUOTED = [  # text, title
    ('add the title "It\'s "quoted" text" for 3 seconds', 'It\'s "quoted" text'),
    ('title: "He said "go""', 'He said "go"'),
    ('add the title "A "B" C" and fade out', 'A "B" C'),
]


@pytest.mark.parametrize(("text", "title"), QUOTED)
def test_quotes_inside_a_title_stay_in_it(text: str, title: str) -> None:
    draft, said = parse(text, bare())
    seg = draft.first_segment(TEXT)
    assert seg is not None and seg.text == title, said



WHOLE = ['title "Hi" for the whole video', 'add the title "Hi" throughout',
         'title "Hi" from start to finish', '标题"你好"全程显示', 'caption "Hi" the whole time']


@pytest.mark.parametrize("text", WHOLE)
def test_a_title_for_the_whole_video_lasts_the_whole_video(text: str) -> None:
    draft, said = parse(text, bare())
    title = timeline_of(draft).title
    assert title is not None and (title.start, title.length) == (0, 30_000), said


LOOKS = ['text "Hello" at the bottom', 'add the title "Hi" in red',
         'add the title "Hi" in a bigger font',
         'title "Sale" in yellow at the bottom of the screen']


@pytest.mark.parametrize("text", LOOKS)
def test_a_look_or_place_asked_with_a_title_is_said_not_done(text: str) -> None:
    draft, said = parse(text, bare())
    assert draft.first_segment(TEXT) is not None  # the title is added
    assert said[-1].startswith("not done: I can't change the title's size"), said
    assert localise(said[-1], "zh").startswith("没有做：我不能改标题的大小")


@pytest.mark.parametrize("text", ['put "Hello" at the top', 'add the title "Big red sale"'])
def test_the_top_and_colour_words_inside_quotes_are_fine(text: str) -> None:
    draft, said = parse(text, bare())
    assert draft.first_segment(TEXT) is not None
    assert not any(s.startswith("not done") for s in said), said


@pytest.mark.parametrize("text", ['title ""', 'add the title "   "'])
def test_a_title_without_words_is_said_not_added(text: str) -> None:
    draft, said = parse(text, bare())
    assert draft.first_segment(TEXT) is None
    assert said[-1].startswith("not done: the title has no words"), said
    assert localise(said[-1], "zh").startswith("没有做：标题没有文字")
