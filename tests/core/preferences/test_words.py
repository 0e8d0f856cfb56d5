"""Settings in words: the grammar (English and Chinese), what buttons send, what routes where,
and the parser's defaults for new music."""

from __future__ import annotations

import pytest

from core import preferences as prefs
from core.conversation.routing import normalise, route
from core.draft import AUDIO, Draft
from core.parser.instructions import Context, apply_instruction
from core.preferences import Change, Invalid, Preferences


@pytest.mark.parametrize(("text", "expected"), [
    ("set default mood calm", Change("mood", "calm")),
    ("set default mood to cinematic", Change("mood", "cinematic")),
    ("set default mood auto", Change("mood", None)),
    ("set default mood jazz", Change("mood", "jazz")),
    ("set default mood chill", Change("mood", "lofi")),
    ("set default mood polka", Invalid("mood")),
    ("set default level 30%", Change("level", 0.3)),
    ("set default music level 150", Change("level", 1.5)),
    ("set default volume auto", Change("level", None)),
    ("set default level 500%", Invalid("level")),
    ("set default fade out on", Change("fade_out", True)),
    ("set default fade out off", Change("fade_out", False)),
    ("set default fade maybe", Invalid("fade_out")),
    ("set delivery file", Change("delivery", "file")),
    ("set delivery as document", Change("delivery", "file")),
    ("set send as video", Change("delivery", "video")),
    ("set language chinese", Change("language", "zh")),
    ("set reply language english", Change("language", "en")),
    ("set language auto", Change("language", "auto")),
    ("set language klingon", Invalid("language")),
    ("设置 语言 中文", Change("language", "zh")),
    ("设置语言英文", Change("language", "en")),
    ("设置 默认风格 calm", Change("mood", "calm")),
    ("设置 默认音量 20%", Change("level", 0.2)),
    ("设置 默认淡出 开", Change("fade_out", True)),
    ("设置 发送方式 文件", Change("delivery", "file")),
    # Edits of this video, not settings:
    ("set the music to 30%", None),
    ("set volume 50%", None),
    ("set languages", None),
    ("add calm music", None),
])
def test_the_grammar(text: str, expected: Change | Invalid | None) -> None:
    assert prefs.parse(normalise(text)) == expected


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_choice_sends_words_that_choose_it(language: str) -> None:
    for field in prefs.FIELDS:
        for value in prefs.choices(field):
            said = prefs.say(field, value, language)
            assert prefs.parse(normalise(said)) == Change(field, value), said
            assert route(said).action == "settings"
            assert len(("say:" + said).encode()) <= 64  # Telegram's callback_data limit


def test_moods_offered_are_the_codes_moods() -> None:
    from core.music.moods import NAMES as MOODS

    assert prefs.choices("mood") == (None, *MOODS) == (None, *prefs.moods())


@pytest.mark.parametrize("text", ["settings", "/settings", "/settings@backtrack_bot", "设置",
                                  "my settings", "ok, settings"])
def test_showing_them_routes_to_settings(text: str) -> None:
    assert route(text).action == "settings" and route(text).text == ""


def test_reply_language_follows_the_app_unless_chosen() -> None:
    assert Preferences().reply_language("zh") == "zh"
    assert Preferences(language="en").reply_language("zh") == "en"


def test_status_line_only_when_something_was_chosen() -> None:
    assert prefs.status_line(Preferences(), "en") == ""
    line = prefs.status_line(Preferences(mood="calm", level=0.25), "en")
    assert "Default mood: calm" in line and "Default music level: 25%" in line


def video(ms: int = 30_000) -> Draft:
    return Draft({"t": [{"tt": 0, "sg": [{"s": 0, "d": ms, "m": {"name": "beach.mp4",
                                                                  "media_id": "v1"}}]}], "m": {}})


def music_meta(draft: Draft) -> dict[str, object]:
    seg = draft.first_segment(AUDIO)
    assert seg is not None
    return seg.meta


def test_new_music_takes_the_persons_defaults() -> None:
    ctx = Context(30_000, True, None, mood="cinematic", level=0.25, fade_out=True)
    m = music_meta(apply_instruction(video(), "add background music", ctx).draft)
    assert (m["mood"], m["volume"], m["fade_out"]) == ("cinematic", 0.25, 3000)


def test_words_in_the_instruction_beat_the_defaults() -> None:
    ctx = Context(30_000, True, None, mood="cinematic", level=0.25, fade_out=True)
    m = music_meta(apply_instruction(video(), "add upbeat music at 60%, no fade out", ctx).draft)
    assert (m["mood"], m["volume"]) == ("upbeat", 0.6)
    assert not m.get("fade_out")


def test_without_defaults_the_parser_is_unchanged() -> None:
    m = music_meta(apply_instruction(video(), "add background music",
                                     Context(30_000, True, None)).draft)
    assert (m["mood"], m["volume"]) == ("lofi", 0.4) and "fade_out" not in m
