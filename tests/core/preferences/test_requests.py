"""Settings requests as people phrase them, English and Chinese, through routing and the
person's settings: a known setting with a good value is saved; an unknown setting or a bad value
gets a settings answer listing what can be set and its values, in the language of the message."""

from __future__ import annotations

import asyncio

import pytest

from core import preferences as prefs
from core import words
from core.conversation.personal import Personal
from core.conversation.routing import route
from core.conversation.turn import ConversationKey, Message, Turn
from core.preferences import Change, Preferences
from tests.fakes.memory_store import MemoryStore

BAD = "bad"  # a settings answer listing the settings; nothing saved

SAVED: list[tuple[str, Change]] = [
    # English
    ("set default mood calm", Change("mood", "calm")),
    ("set default mood to cinematic", Change("mood", "cinematic")),
    ("Set my default mood to chill", Change("mood", "lofi")),
    ("change default mood to jazz", Change("mood", "jazz")),
    ("make the default music epic", Change("mood", "epic")),
    ("set default style acoustic", Change("mood", "acoustic")),
    ("default mood sad", Change("mood", "sad")),
    ("set the mood to upbeat by default", Change("mood", "upbeat")),
    ("set default mood auto", Change("mood", None)),
    ("set default music level 30%", Change("level", 0.3)),
    ("set default level 50", Change("level", 0.5)),
    ("change the default volume to 80%", Change("level", 0.8)),
    ("set default music volume = 120%", Change("level", 1.2)),
    ("set music volume to 25% by default", Change("level", 0.25)),
    ("default volume 20%", Change("level", 0.2)),
    ("turn off fade out by default", Change("fade_out", False)),
    ("turn on fade out by default", Change("fade_out", True)),
    ("Turn on the default fade out, please", Change("fade_out", True)),
    ("disable default fade-out", Change("fade_out", False)),
    ("set default fade out on", Change("fade_out", True)),
    ("fade out by default", Change("fade_out", True)),
    ("don't fade out by default", Change("fade_out", False)),
    ("no default fade out", Change("fade_out", False)),
    ("不要默认淡出", Change("fade_out", False)),
    ("不要默认音乐", Change("mood", None)),
    ("no default volume", Change("level", None)),
    ("set delivery file", Change("delivery", "file")),
    ("set send videos as a file", Change("delivery", "file")),
    ("settings delivery video", Change("delivery", "video")),
    ("set language chinese", Change("language", "zh")),
    ("change reply language to english", Change("language", "en")),
    ("reply language auto", Change("language", "auto")),
    ("/settings language english", Change("language", "en")),
    # Chinese
    ("设置 默认心情 平静", Change("mood", "calm")),
    ("设置 默认风格 calm", Change("mood", "calm")),
    ("设置默认风格为史诗", Change("mood", "epic")),
    ("把默认音乐改成爵士", Change("mood", "jazz")),
    ("默认情绪设为欢快", Change("mood", "upbeat")),
    ("将默认曲风换成电影", Change("mood", "cinematic")),
    ("设置 默认风格 自动", Change("mood", None)),
    ("把默认音量调到20%", Change("level", 0.2)),
    ("设置 默认音量 30%", Change("level", 0.3)),
    ("默认音量 50%", Change("level", 0.5)),
    ("默认音乐音量调成100%", Change("level", 1.0)),
    ("修改默认音量为 45%", Change("level", 0.45)),
    ("关闭默认淡出", Change("fade_out", False)),
    ("打开默认淡出", Change("fade_out", True)),
    ("设置 默认淡出 开", Change("fade_out", True)),
    ("默认淡出 关", Change("fade_out", False)),
    ("设置 发送方式 文件", Change("delivery", "file")),
    ("把发送方式改成视频", Change("delivery", "video")),
    ("回复语言 英文", Change("language", "en")),
    ("设置 语言 中文", Change("language", "zh")),
    ("回复语言改成中文吧", Change("language", "zh")),
    ("设置回复语言为自动", Change("language", "auto")),
]

REFUSED: list[str] = [
    # English: unknown settings and bad values
    "set default mood to purple", "set default mood polka", "settings language klingon",
    "/settings foo", "settings colour red", "set default colour red",
    "change my default font to arial", "set default level 500%", "set default volume loud",
    "set default fade out maybe", "set delivery pigeon", "set language klingon",
    "settings theme dark", "my settings notifications off", "set default resolution 4k",
    "preferences speed 2x", "turn off default watermark", "set the subtitles on by default",
    # Chinese
    "设置 颜色 红", "设置 默认音乐 很大声", "设置 主题 暗色", "设置 默认颜色 蓝",
    "设置 默认风格 紫色", "把默认音量调到500%", "设置 默认音量 很大", "设置 默认淡出 也许",
    "设置 发送方式 信鸽", "设置 语言 克林贡语", "回复语言 法语", "设置 字体 宋体",
    "设置：通知 关", "我的设置 水印", "把默认分辨率改成4k", "设置 默认滤镜 黑白",
]


def answer(text: str, store: MemoryStore, platform: str = "telegram") -> tuple[Message, str]:
    """The settings answer a message gets, and the language it should be in."""
    asked = route(text)
    assert asked.action == "settings", text
    key = ConversationKey(platform, "1", "7")
    language = words.detect(text)
    personal = Personal(store)

    async def run() -> Message:
        turn = await personal.load(Turn(key, text, language=language))
        return await personal.answer(turn, asked.text, language)
    return asyncio.run(run()), language


@pytest.mark.parametrize(("text", "change"), SAVED)
def test_known_settings_are_saved(text: str, change: Change) -> None:
    store = MemoryStore()
    reply, language = answer(text, store)
    assert store.preferences["telegram:7"] == prefs.apply(Preferences(), change)
    saved = Preferences().reply_language(language) if change.field != "language" else (
        "en" if change.value == "en" else ("zh" if change.value == "zh" else language))
    assert reply.text.startswith(prefs.saved_text(change, saved)), reply.text


@pytest.mark.parametrize("text", REFUSED)
def test_unknown_settings_and_bad_values_list_what_can_be_set(text: str) -> None:
    store = MemoryStore()
    reply, language = answer(text, store)
    assert "telegram:7" not in store.preferences, "nothing saved"
    assert prefs.allowed_text(language) in reply.text, reply.text
    for field in prefs.FIELDS:
        assert prefs.words(language)[field] in reply.text
    if language == "zh":
        assert "Default" not in reply.text and "setting" not in reply.text
        assert "自动、英文、中文" in reply.text and "平静（calm）" in reply.text
    else:
        assert "auto, english, chinese" in reply.text and "0% to 200%" in reply.text
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in reply.text.replace("中文", ""))
    assert [m.title for m in reply.menus] == [prefs.words(language)[f] for f in prefs.FIELDS]


@pytest.mark.parametrize("text", ["set the music to 30%", "设置 音量 30%", "make it vertical",
                                  "把音乐调小", "turn off my audio", "use my song",
                                  "fade out at the end", "设置音乐淡出 3 秒", "send it",
                                  "change the music to calm", "set volume 50%",
                                  "use the default music", "don't fade out", "不要淡出",
                                  "no music", "别加音乐", "no, default music please",
                                  "不要默认的音乐"])
def test_edits_of_this_video_are_not_settings(text: str) -> None:
    assert route(text).action != "settings"


def test_tables_are_large_enough() -> None:
    rows = SAVED + [(t, None) for t in REFUSED]
    assert len(rows) >= 60
    assert sum(words.detect(t) == "zh" for t, _ in rows) >= 30


@pytest.mark.parametrize(("text", "platform", "saved"), [
    ("set delivery file", "telegram", True), ("设置 发送方式 文件", "telegram", True),
    ("set delivery file", "console", False), ("设置 发送方式 文件", "console", False),
    ("set delivery banana", "console", False), ("send videos as a file", "console", False),
])
def test_delivery_is_a_setting_where_it_means_something(text: str, platform: str,
                                                        saved: bool) -> None:
    assert "delivery" in prefs.fields_for("telegram")
    assert "delivery" not in prefs.fields_for("console")
    store = MemoryStore()
    reply, language = answer(text, store, platform)
    assert (f"{platform}:7" in store.preferences) == saved
    said = prefs.words(language)["delivery"]
    if platform == "console":
        assert reply.text.startswith(prefs.one_way_text("console", language))
        assert "Telegram" in reply.text and said + ("：" if language == "zh" else ":") \
            not in reply.text
        assert said not in [m.title for m in reply.menus]
    else:
        assert said in [m.title for m in reply.menus]
