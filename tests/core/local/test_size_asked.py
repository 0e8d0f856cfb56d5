"""A file size asked for in words ("make it under 8 MB", "compress to 25mb", "小于8MB"): a
setting of the timeline, read in every written form, said back, kept through the stored
timeline, and met by the render (measured on a grainy clip that comes out larger without it).
Before, "make it under 8 MB" was not understood."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.draft import Draft
from core.errors import NotUnderstood
from core.local.plan import RenderOptions
from core.parser.instructions import Context, apply_instruction
from core.timeline.convert import timeline_of
from core.timeline.describe import summary
from core.timeline.stored import dumps, loads
from core.words import localise
from tests.core.local.conftest import Render
from tests.media import make_video, measure

SECONDS = 4


def clip_draft(ms: int = SECONDS * 1000) -> Draft:
    return Draft({"t": [{"tt": 0, "sg": [{"s": 0, "d": ms, "m": {"name": "g.mp4",
                                                                  "media_id": "v1"}}]}], "m": {}})


def parse(text: str, draft: Draft | None = None) -> tuple[Draft, list[str]]:
    parsed = apply_instruction(draft or clip_draft(), text, Context(SECONDS * 1000, True, None))
    return parsed.draft, list(parsed.understood)


SIZES = [
    ("make it under 8 MB", 8.0), ("compress it to 25mb", 25.0), ("10MB max please", 10.0),
    ("add music and keep the file under 9.5 MB", 9.5), ("it needs to fit in 8 MB", 8.0),
    ("no bigger than 20 megabytes", 20.0), ("file size at most 50mb", 50.0),
    ("8 MB or less", 8.0), ("小于8MB", 8.0), ("压缩到10兆", 10.0), ("8MB以内", 8.0),
    ("文件不要超过25MB", 25.0), ("make it 720p and under 5 MB", 5.0),
]


@pytest.mark.parametrize(("text", "mb"), SIZES)
def test_a_size_in_every_written_form_is_a_limit(text: str, mb: float) -> None:
    draft, said = parse(text)
    assert timeline_of(draft).picture.max_mb == mb
    assert f"file at most {mb:g} MB" in said
    assert not any(s.startswith(("not understood", "not done")) for s in said), said


def test_the_limit_is_kept_said_in_chinese_and_taken_off() -> None:
    draft, _ = parse("make it under 8 MB")
    stored = loads(dumps(timeline_of(draft)))
    assert stored.picture.max_mb == 8.0
    assert "at most 8 MB" in summary(draft.data)
    assert localise("file at most 8 MB", "zh") == "文件不超过 8 MB"
    again, said = parse("no size limit", draft)
    assert timeline_of(again).picture.max_mb is None and said == ["no size limit"]


@pytest.mark.parametrize("text", ["under 0.05 MB", "compress it to 0.01mb"])
def test_a_size_too_small_to_watch_is_refused_in_words(text: str) -> None:
    with pytest.raises(NotUnderstood) as refused:
        parse(text)
    assert refused.value.user_message == "A file that small would not be watchable"


@pytest.fixture(scope="module")
def grainy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("size")
    return make_video(folder / "grainy.mp4", seconds=SECONDS, width=640, height=360,
                      extra=("-vf", "noise=alls=25:allf=t", "-crf", "14"))


async def test_the_render_meets_the_size_asked(render: Render, grainy: Path) -> None:
    limit = 0.25
    plain, _ = await render(parse("add music")[0], grainy, name="plain.mp4")
    assert plain.stat().st_size > limit * 1_000_000 * 1.5  # without the limit it is larger
    draft, _ = parse(f"add music and make it under {limit} MB")
    out, plan = await render(draft, grainy, name="small.mp4")
    assert out.stat().st_size <= limit * 1_000_000
    facts = measure(out)
    assert abs(facts.duration - SECONDS) < 0.1 and facts.video_codec == "h264"
    assert "size limit" in plan.reasons


async def test_the_chats_own_limit_wins_when_it_is_smaller(render: Render, grainy: Path) -> None:
    draft, _ = parse("make it under 5 MB")
    out, _ = await render(draft, grainy, options=RenderOptions(max_bytes=200_000))
    assert out.stat().st_size <= 200_000
