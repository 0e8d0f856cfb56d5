"""Routing table: every command word in English and Chinese, with mentions and slashes."""

from __future__ import annotations

import pytest

from core.conversation.routing import Route, normalise, route
from core.engine import ExportOptions

CASES: list[tuple[str, Route]] = [
    ("export", Route("export")),
    ("Export!", Route("export")),
    ("/export", Route("export")),
    ("/export@backtrack_bot", Route("export")),
    ("@backtrack_bot export", Route("export")),
    ("<@1234567> export", Route("export")),
    ("导出", Route("export")),
    ("download", Route("export")),
    ("send me the video", Route("export")),
    ("Send me the video please", Route("export")),
    ("export 720p", Route("export", options=ExportOptions(resolution=720))),
    ("/export 1080", Route("export", options=ExportOptions(resolution=1080))),
    ("export 9:16", Route("export", options=ExportOptions(aspect="9:16"))),
    ("export vertical 720p", Route("export", options=ExportOptions(resolution=720, aspect="9:16"))),
    ("导出720p", Route("export", options=ExportOptions(resolution=720))),
    ("导出 竖屏", Route("export", options=ExportOptions(aspect="9:16"))),
    ("export the video with calm music", Route("edit", "export the video with calm music")),
    ("credits", Route("credits")),
    ("/credits", Route("credits")),
    ("balance", Route("credits")),
    ("积分", Route("credits")),
    ("余额", Route("credits")),
    ("status", Route("status")),
    ("状态", Route("status")),
    ("show tracks", Route("status")),
    ("Show Tracks.", Route("status")),
    # session 6: questions about the video are the status (before: "didn't understand")
    ("what did you change?", Route("status")), ("How long is the video?", Route("status")),
    ("is it done?", Route("status")), ("show me the timeline", Route("status")),
    ("做好了吗？", Route("status")), ("改了什么", Route("status")),
    ("upload", Route("upload")),
    ("/upload", Route("upload")),
    ("上传", Route("upload")),
    ("help", Route("help")),
    ("/help", Route("help")),
    ("/start", Route("help")),
    ("帮助", Route("help")),
    ("new", Route("new")),
    ("/new", Route("new")),
    ("reset", Route("new")),
    ("start over", Route("new")),
    ("重新开始", Route("new")),
    ("undo", Route("undo")),
    ("Undo", Route("undo")),
    ("撤销", Route("undo")),
    ("cancel", Route("cancel")),
    ("/cancel@backtrack_bot", Route("cancel")),
    ("取消", Route("cancel")),
    ("add background music and fade it out at the end",
     Route("edit", "add background music and fade it out at the end")),
    ("@backtrack_bot add calm music", Route("edit", "add calm music")),
    ("<@!42> add calm music", Route("edit", "add calm music")),
    ("/edit add calm music", Route("edit", "add calm music")),
    ("加背景音乐，结尾淡出", Route("edit", "加背景音乐，结尾淡出")),
    ("Fade out", Route("edit", "Fade out")),
    ("Vertical 9:16", Route("edit", "Vertical 9:16")),
    ("stop the music at 10 s", Route("edit", "stop the music at 10 s")),
    ("new music please", Route("edit", "new music please")),
    ("", Route("edit", "")),
    ("   ", Route("edit", "")),
    # More ways to say undo.
    ("undo that", Route("undo")),
    ("Undo it.", Route("undo")),
    ("go back", Route("undo")),
    ("revert", Route("undo")),
    ("revert that", Route("undo")),
    ("take that back", Route("undo")),
    # Filler words before a command are dropped (one or two, with or without a comma).
    ("great, export it", Route("export")),
    ("ok export", Route("export")),
    ("Okay, export 720p", Route("export", options=ExportOptions(resolution=720))),
    ("thank you, export it", Route("export")),
    ("ok, thanks, export", Route("export")),
    ("wait, undo", Route("undo")),
    ("hmm, go back", Route("undo")),
    ("please undo that", Route("undo")),
    ("now export vertical", Route("export", options=ExportOptions(aspect="9:16"))),
    ("alright cancel", Route("cancel")),
    ("perfect! status", Route("status")),
    ("cool, start over", Route("new")),
    ("好的，导出", Route("export")),
    ("@backtrack_bot great, export it", Route("export")),
    # ...but an edit after them stays an edit, as typed, and filler alone is small talk.
    ("ok add calm music", Route("edit", "ok add calm music")),
    ("great, now fade it out", Route("edit", "great, now fade it out")),
    ("wait, stop the music at 10 s", Route("edit", "wait, stop the music at 10 s")),
    ("nice music", Route("edit", "nice music")),
    ("thanks", Route("edit", "thanks")),
    ("thank you!", Route("edit", "thank you!")),
    ("now", Route("edit", "now")),
    ("okaybye export", Route("edit", "okaybye export")),
    ("nowexport", Route("edit", "nowexport")),
    ("好的音乐", Route("edit", "好的音乐")),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0] or "empty" for c in CASES])
def test_route(text: str, expected: Route) -> None:
    assert route(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("  /Export@Bot   720p ", "export 720p"),
    ("@bot, status?", "status"),
    ("???", "???"),
])
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


@pytest.mark.parametrize(("text", "aspect"), [
    ("export 9 by 16", "9:16"), ("export 9x16", "9:16"), ("export 16/9", "16:9"),
    ("导出9比16", "9:16"), ("导出 1比1", "1:1"), ("export 4 x 5", "4:5"), ("导出 9：16", "9:16"),
])
def test_export_takes_a_ratio_in_any_written_form(text: str, aspect: str) -> None:
    routed = route(text)
    assert routed.action == "export" and routed.options.aspect == aspect


@pytest.mark.parametrize("text", ["export 16:10", "export 4:3", "导出 21:9"])
def test_export_with_a_ratio_backtrack_does_not_make_goes_to_the_parser(text: str) -> None:
    """The parser refuses it in words that name the shapes Backtrack makes."""
    assert route(text).action == "edit"


@pytest.mark.parametrize("text", ["looks good, export", "looks great! export it",
                                  "all good, send me the video", "thats it, export",
                                  "sounds good, send it", "不错，导出"])
def test_praise_before_an_export_is_still_an_export(text: str) -> None:
    """Before (session 7): these were edits, answered "say export"."""
    assert route(text).action == "export"
