"""The session-6 families in Chinese, as a Chinese speaker types them. Before: "音乐音量调高20%"
set 20%, "音乐降低6分贝" left "6分贝" not understood, "音乐音量减半", "音乐慢慢变小",
"把10秒到20秒删掉", "把开头3秒剪掉", "音乐放在最后", "在0:15切换到我的歌" and "恢复原声" were not
understood, "音乐从10秒开始逐渐变大" moved the music's start, "结尾加音乐" played it all along,
"加个标题 我的旅行" added acoustic music instead of a title."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from core.parser.instructions import Context, MusicRef, apply_instruction
from core.timeline.convert import timeline_of
from core.timeline.model import Timeline
from tests.core.parser.test_gaps_and_ends import bare, lofi

SONG = MusicRef("song-1", "sunset.mp3", 200_000)
CTX = Context(30_000, True, SONG, songs=(SONG,))


def muted() -> object:
    return apply_instruction(lofi(), "静音", CTX).draft


ROWS: list[tuple[str, Callable[[], object], Callable[[Timeline], bool]]] = [
    ("音乐音量调高20%", lofi, lambda t: t.music[0].level == pytest.approx(0.6)),
    ("音乐降低6分贝", lofi, lambda t: t.music[0].level == pytest.approx(0.251, abs=0.002)),
    ("音乐音量减半", lofi, lambda t: t.music[0].level == pytest.approx(0.25)),
    ("音乐慢慢变小", lofi, lambda t: t.music[0].envelope[0].to == pytest.approx(0.4)),
    ("音乐从10秒开始逐渐变大", lofi, lambda t: t.music[0].start == 0
     and (t.music[0].envelope[0].start, t.music[0].envelope[0].to) == (10_000, 2.0)),
    ("把10秒到20秒删掉", bare, lambda t: t.cuts == ((10_000, 20_000),)),
    ("把开头3秒剪掉", bare, lambda t: t.trim == (3000, 30_000)),
    ("把最后5秒剪掉", bare, lambda t: t.trim == (0, 25_000)),
    ("音乐放在最后", bare, lambda t: (t.music[0].start, t.music[0].end) == (20_000, 30_000)),
    ("结尾加音乐", bare, lambda t: (t.music[0].start, t.music[0].end) == (20_000, 30_000)),
    ("在0:15切换到我的歌", lofi,
     lambda t: [m.source.media_id for m in t.music] == [None, "song-1"]),
    ("在0:12换成平静的音乐", lofi, lambda t: [m.source.mood for m in t.music] == ["lofi", "calm"]),
    ("加个标题 我的旅行", bare, lambda t: t.title is not None and t.title.text == "我的旅行"
     and not t.music),
    ("恢复原声", muted, lambda t: t.original.gain == 1.0),
    ("音乐盖住了我的声音", lofi, lambda t: t.music[0].level is not None and t.music[0].level < 0.5),
    # Session 7: before, "音乐降到一半" and "音乐只放一次" were not understood, "开头3秒淡入" left
    # "开头" and "…，显示3秒" left "显示3秒" not understood, "音乐音量四分之一" gave 4%,
    # "音乐调到1/4" was refused as the shape 1:4, "音乐前面小后面大" was not understood.
    ("音乐降到一半", lofi, lambda t: t.music[0].level == pytest.approx(0.25)),
    ("音乐只放一次", lofi, lambda t: t.music[0].fit == "once"),
    ("开头3秒淡入", lofi, lambda t: t.music[0].fade_in == 3000),
    ("最后4秒淡出", lofi, lambda t: t.music[0].fade_out == 4000),
    ("加个标题“毕业快乐”，显示3秒", bare,
     lambda t: t.title is not None and (t.title.text, t.title.length) == ("毕业快乐", 3000)),
    ("音乐音量四分之一", lofi, lambda t: t.music[0].level == pytest.approx(0.25)),
    ("音乐调到1/4", lofi, lambda t: t.music[0].level == pytest.approx(0.25)
     and t.picture.aspect is None),
    ("音乐音量三分之一", lofi, lambda t: t.music[0].level == pytest.approx(0.33)),
    ("音乐前面小后面大", lofi, lambda t: t.music[0].envelope[0].to > 1.0),
    ("音乐先大后小", lofi, lambda t: t.music[0].envelope[0].to < 1.0),
    ("全部撤销", lofi, lambda t: t.music == ()),
    ("随便加个音乐", bare, lambda t: len(t.music) == 1),
    # Before: "从一半开始放音乐" stopped the music at 0:10 ("开始放音乐" read as "music in the
    # first third"), "音乐在一半的时候开始" / "音乐加大一倍" / "标题改成 再见" were not understood,
    # 小红书 / 快手 / b站 were not shapes.
    ("从一半开始放音乐", bare, lambda t: (t.music[0].start, t.music[0].end) == (15_000, 30_000)),
    ("音乐在一半的时候开始", bare, lambda t: t.music[0].start == 15_000),
    ("15秒开始放音乐", bare, lambda t: t.music[0].start == 15_000),
    ("开头加音乐", bare, lambda t: (t.music[0].start, t.music[0].end) == (0, 10_000)),
    ("音乐加大一倍", lofi, lambda t: t.music[0].level == pytest.approx(1.0)),
    ("小红书", bare, lambda t: t.picture.aspect == "4:5"),
    ("快手", bare, lambda t: t.picture.aspect == "9:16"),
    ("b站", bare, lambda t: t.picture.aspect == "16:9"),
]


@pytest.mark.parametrize(("text", "start", "check"), ROWS, ids=[r[0] for r in ROWS])
def test_chinese_requests(text: str, start: Callable[[], object],
                          check: Callable[[Timeline], bool]) -> None:
    parsed = apply_instruction(start(), text, CTX)  # type: ignore[arg-type]
    assert check(timeline_of(parsed.draft)), parsed.understood
    assert not any("not understood" in s for s in parsed.understood), parsed.understood


def test_the_title_renamed_in_chinese() -> None:
    titled = apply_instruction(lofi(), '加标题"你好"显示3秒', CTX).draft
    parsed = apply_instruction(titled, "标题改成 再见", CTX)
    shown = timeline_of(parsed.draft).title
    assert shown is not None and (shown.text, shown.length) == ("再见", 3000), parsed.understood
