"""Pure parts as tables: SSE event mapping, a turn's text, GUI translation, answers, status."""

from __future__ import annotations

import json
from typing import Any

import pytest

from core.draft import Draft
from core.nemo.answers import read_answer
from core.nemo.gui import translate
from core.nemo.sse import Error, Heartbeat, Text, ToolActivity, TurnText, parse_event
from core.nemo.status import credit_words, draft_from_state, duration_s, read_render


def agent(*parts: dict[str, Any], partial: bool = False) -> str:
    return json.dumps({"content": {"parts": list(parts), "role": "model"},
                       "author": "nemo_agent", "partial": partial})


@pytest.mark.parametrize(("data", "expected"), [
    ("", [Heartbeat()]),
    ("   ", [Heartbeat()]),
    ('{"type":"heartbeat"}', [Heartbeat()]),
    ('{"type":"text","content":"Added music."}', [Text("Added music.")]),
    ('{"type":"text","content":""}', []),
    ('{"type":"tool_call","name":"add_bgm","args":{}}', [ToolActivity("add_bgm", "call")]),
    ('{"type":"tool_result","name":"add_bgm"}', [ToolActivity("add_bgm", "result")]),
    ('{"type":"error","message":"boom"}', [Error("boom")]),
    ('{"error":"quota exceeded"}', [Error("quota exceeded")]),
    ('{"error":{"message":"bad"}}', [Error("bad")]),
    ('{"type":"something_new"}', []),
    ("not json", []),
    ("[1,2]", []),
    (agent({"text": "Hi"}), [Text("Hi")]),
    (agent({"text": "Hi"}, partial=True), [Text("Hi", partial=True)]),
    (agent({"thought": True, "text": "thinking"}), []),
    (agent({"functionCall": {"name": "trim"}}), [ToolActivity("trim", "call")]),
    (agent({"functionResponse": {"name": "trim"}}), [ToolActivity("trim", "result")]),
    (agent({"text": "A"}, {"functionCall": {"name": "x"}}),
     [Text("A"), ToolActivity("x", "call")]),
    (json.dumps({"content": "plain", "author": "x"}), []),
])
def test_parse_event(data: str, expected: list[object]) -> None:
    assert parse_event(data) == expected


@pytest.mark.parametrize(("events", "messages"), [
    ([Text("One."), Text("Two.")], ["One.", "Two."]),
    # Agent deltas, then the whole message: said once.
    ([Text("Add", True), Text("ed ", True), Text("music", True), Text("Added music")],
     ["Added music"]),
    # Deltas only, ended by the stream.
    ([Text("Add", True), Text("ed", True)], ["Added"]),
    # A tool call ends the message in progress.
    ([Text("Working", True), ToolActivity("x", "call"), Text("Done.")], ["Working", "Done."]),
    # A trailing temporary issue after normal replies is ignored ...
    ([Text("Done."), Text("I encountered a temporary issue. Try again.")], ["Done."]),
    # ... but it is all the user gets when nothing else was said.
    ([Text("I encountered a temporary issue.")], ["I encountered a temporary issue."]),
    ([Heartbeat(), Error("x")], []),
    ([Text("   ")], []),
])
def test_turn_text(events: list[Any], messages: list[str]) -> None:
    words = TurnText()
    out = [m for e in events for m in words.feed(e)] + words.finish()
    assert out == messages


@pytest.mark.parametrize(("text", "words", "actions"), [
    ("I added the music. Click the Export button to download your video.",
     "I added the music. Say “export” and I'll render the video for you.", ("export",)),
    ("Done! Now click Export.", "Done! Say “export” and I'll render the video for you.",
     ("export",)),
    ("已添加音乐。点击导出按钮下载视频。", "已添加音乐。说“导出”，我就为你生成视频。", ("export",)),
    ("You can preview it in the timeline.", "", ("summary",)),
    ("Open the editor panel to see the tracks.", "", ("summary",)),
    ("打开时间线查看。", "", ("summary",)),
    ("Drag the song to where it should start.",
     "Tell me the change in words and I'll make it.", ()),
    ("拖拽音乐到合适的位置。", "用文字告诉我要怎么改，我来完成。", ()),
    ("Check your account billing page for credits.", "", ("credits",)),
    ("Click the volume slider. Then click the fade icon.",
     "Tell me what to change and I'll do it.", ()),
    ("点击音量按钮。", "告诉我要改什么，我来完成。", ()),
    ("The music fades out at the end.", "The music fades out at the end.", ()),
    ("Exported clips look great on phones.", "Exported clips look great on phones.", ()),
])
def test_gui_translation(text: str, words: str, actions: tuple[str, ...]) -> None:
    result = translate(text)
    assert (result.text, result.actions) == (words, actions)


@pytest.mark.parametrize(("status", "body", "problem"), [
    (200, {"code": 0, "data": {"a": 1}}, None),
    (200, {"success": True, "data": {"a": 1}}, None),
    (200, {"status": "completed", "output": {"url": "u"}}, None),
    (200, {"code": 1001}, "token"),
    (401, {"code": 1001}, "token"),
    (401, None, "token"),
    (200, {"code": 1002}, "session"),
    (200, {"code": 2001}, "credits"),
    (200, {"code": 4001}, "unsupported"),
    (200, {"code": 4002}, "too_large"),
    (413, None, "too_large"),
    (400, {"code": 400, "message": "X-Client-Id required"}, "client_id"),
    (400, {"code": 1001}, "token"),
    (402, {"code": 402}, "plan"),
    (429, None, "rate"),
    (502, None, "server"),
    (503, {"code": 0}, "server"),
    (409, {"success": False, "error": "render id already exists"}, "duplicate"),
    (200, {"success": False, "error": "duplicate id"}, "duplicate"),
    (200, {"success": False, "error": "nope"}, "other"),
    (200, {"code": 7777}, "other"),
    (404, None, "other"),
])
def test_read_answer(status: int, body: Any, problem: str | None) -> None:
    assert read_answer(status, body).problem == problem


def test_read_answer_data_shapes() -> None:
    assert read_answer(200, {"code": 0, "data": {"token": "t"}}).data == {"token": "t"}
    assert read_answer(200, {"claim_token": "c", "expires_in": 9}).data["claim_token"] == "c"


@pytest.mark.parametrize(("data", "expected"), [
    ({"id": "r", "status": "pending", "progress": 0}, ("pending", 0.0, None)),
    ({"status": "processing", "progress": 40}, ("processing", 40.0, None)),
    ({"status": "completed", "outputUrl": "https://cdn/x.mp4"},
     ("completed", 100.0, "https://cdn/x.mp4")),
    ({"status": "completed", "output": {"url": "https://cdn/y.mp4"}, "progress": 100},
     ("completed", 100.0, "https://cdn/y.mp4")),
    ({"status": "FAILED"}, ("failed", None, None)),
    ({"status": "processing", "progress": "45"}, ("processing", 45.0, None)),
    ({"status": "weird"}, ("processing", None, None)),
    ({}, ("pending", None, None)),
])
def test_read_render(data: dict[str, Any], expected: tuple[Any, ...]) -> None:
    assert read_render(data) == expected


def test_credit_words_and_draft_readers() -> None:
    assert credit_words({"available": 60, "frozen": 40, "total": 100}).startswith(
        "NemoVideo credits: 60 available, 40 reserved by work in progress, 100 in total.")
    assert "reserved" not in credit_words({"available": 100, "frozen": 0, "total": 100})
    assert credit_words({}) == "NemoVideo did not say how many credits are left."
    raw = {"t": [{"tt": 0, "sg": [{"s": 0, "d": 4000}]}], "zz": 1}
    assert draft_from_state({"state": {"draft": raw}}).data == raw
    assert draft_from_state({"state": {"draft": json.dumps(raw)}}).data == raw
    assert draft_from_state({"state": {}}) == Draft()
    assert duration_s(Draft(raw)) == 4.0
    assert duration_s(Draft()) is None
