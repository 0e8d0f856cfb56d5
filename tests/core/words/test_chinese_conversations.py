"""Issue 10: a person who writes Chinese gets every reply in Chinese.

Whole conversations in Chinese through the real Assistant (the local engine, SQLite, ffmpeg, a
generated 1-second clip): help, status, edits, quick action buttons, errors, small talk,
songs, settings and progress lines. Every text a person sees (messages, problems, statuses as
the platforms show them with their bar and estimate, captions, buttons, menus) must hold no
English word, apart from file names, numbers with units, mood names and format names. Before
this test the timeline summary ("9:16 (blur)", "trimmed to 0-1s", "details of the timeline
changed"), the "Got it" details ("title ... for 1 s", "a new variation", "that trim does not
fit the video"), most answers ("What should the title say?", "Say "export" ..."), file and
link errors, "It replaces ...", the timeline picture's caption and "about 0:12 left" were
English.
"""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from core.config import Settings
from core.conversation.assistant import Assistant
from core.conversation.progress import status_text
from core.conversation.turn import (
    Attachment,
    ConversationKey,
    Message,
    Photo,
    Problem,
    Reply,
    Status,
    Turn,
    Video,
)
from core.local.engine import LocalEngine
from core.local.runner import FfmpegRunner
from core.music.moods import MOODS
from storage.sqlite import SqliteStore
from tests.media import make_audio, make_video

HAN = re.compile(r"[\u4e00-\u9fff]")
_ALLOWED = re.compile(
    r"[\w.-]*\.(?:mp4|mp3|wav|txt|mov|png|jpg)\b"  # file names
    r"|\b\w*\d\w*\b"  # numbers, sizes (320x240, 720p), error refs (ab12cd)
    r"|\b(?:" + "|".join(MOODS) + r")\b"
    r"|\b(?:MP4|MOV|AVI|WebM|MKV|JPG|PNG|GIF|WebP|MP3|WAV|M4A|AAC|OGG|H\.264|LUFS|HTTP|KB|MB|GB"
    r"|mp4|mov|avi|webm|mkv|mp3|wav|m4a|aac|ms|min|dB|NemoVideo|Backtrack|Spotify|YouTube"
    r"|TikTok)\b"
    r"|English works too\.|\bEnglish\b|https?://\S*")
ENGLISH = re.compile(r"[A-Za-z]{2,}")


def english_in(text: str) -> list[str]:
    """The English words left in a text once names, numbers, units and formats are taken out."""
    return ENGLISH.findall(_ALLOWED.sub(" ", text))


def shown(reply: Reply) -> list[str]:
    """Every text of a reply as a person sees it (a status as the platforms draw it)."""
    if isinstance(reply, Status):
        return [status_text(reply)]
    if isinstance(reply, Message):
        return [reply.text, *reply.buttons,
                *(m.title for m in reply.menus), *(o.label for m in reply.menus for o in m.options)]
    if isinstance(reply, Video):
        return [reply.caption, *reply.buttons]
    if isinstance(reply, (Problem, Photo)):
        return [getattr(reply, "text", "") or getattr(reply, "caption", "")]
    return []


@dataclass
class Chat:
    bot: Assistant
    files: Path
    key: ConversationKey = field(default_factory=lambda: ConversationKey("telegram", "1", "p-1"))
    seen: list[tuple[str, str]] = field(default_factory=list)
    """(what was said, a reply text) for every reply."""
    buttons: tuple[str, ...] = ()

    def attach(self, name: str, source: Path | bytes) -> Attachment:
        async def fetch(dest: Path) -> None:
            if isinstance(source, Path):
                await asyncio.to_thread(shutil.copyfile, source, dest)
            else:
                dest.write_bytes(source)

        size = source.stat().st_size if isinstance(source, Path) else len(source)
        return Attachment(name=name, size=size, mime=None, fetch=fetch)

    async def say(self, text: str = "", *files: Attachment, app: str = "zh") -> list[Reply]:
        turn = Turn(self.key, text, tuple(files), language=app)
        replies = [r async for r in self.bot.handle(turn)]
        for reply in replies:
            self.seen += [(text or files[0].name, t) for t in shown(reply) if t]
            if isinstance(reply, Video) and reply.buttons:
                self.buttons = reply.buttons
        assert replies, text
        return replies

    def english(self) -> list[tuple[str, str, list[str]]]:
        return [(said, text, left) for said, text in self.seen if (left := english_in(text))]


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("zh-media")
    return {"clip": make_video(folder / "clip.mp4", seconds=1, width=160, height=120),
            "song": make_audio(folder / "song.mp3", seconds=2),
            "other": make_audio(folder / "other.mp3", seconds=2, freq=660)}


@pytest.fixture
async def chat(tmp_path: Path) -> AsyncIterator[Chat]:
    settings = Settings(_env_file=None, data_dir=tmp_path / "data")  # type: ignore[call-arg]
    store = await SqliteStore.open(tmp_path / "db.sqlite3")
    bot = Assistant(settings, store, LocalEngine(settings, store, FfmpegRunner(timeout=60)))
    try:
        yield Chat(bot, tmp_path)
    finally:
        await bot.aclose()
        await store.close()


EDITS = ["帮助", "状态", "加舒缓音乐，结尾淡出", "音乐小一点", "前0.5秒音乐小一点",
         "说话时降低音乐",
         "音乐从0.2秒开始", "淡入0.5秒", "原声静音", "响度标准化", "竖屏9:16", "改成16:10",
         "方形黑边", "720p", "加标题“你好”", "状态", "撤销", "导出", "循环音乐", "只播放一次",
         "换一首", "换个风格", "剪掉前5秒", "剪到10分钟", "剪到0.5秒", "保留原声", "原声小一点",
         "不要淡出", "加抖音上很火的歌", "加摇滚音乐", "加音乐然后跳舞", "标题显示5秒", "去掉标题",
         "去掉音乐", "状态", "重置", "取消"]


async def test_edits_status_and_quick_actions_in_chinese(chat: Chat,
                                                         media: dict[str, Path]) -> None:
    replies = await chat.say("", chat.attach("clip.mp4", media["clip"]))
    assert any(isinstance(r, Message) and r.text.startswith("收到视频") for r in replies)
    for text in EDITS[:4]:
        await chat.say(text)
    pressed = 0
    for label in chat.buttons[:2]:  # the quick actions of the last video, as pressed
        assert HAN.search(label), chat.buttons
        await chat.say(label)
        pressed += 1
    for text in EDITS[4:]:
        await chat.say(text)
    assert pressed == 2 and len(chat.seen) > 100
    assert chat.english() == []


ERRORS = ["加音乐", "状态", "导出", "撤销", "👍", "🎉🎉", "你好", "谢谢", "加速视频", "调色",
          "加字幕", "降噪", "加贴纸", "不", "再多一点", "把视频拆分成两段", "卡点", "这是什么",
          "把标题放大", "积分", "上传", "压缩一下", "配音", "拉伸画面", "短一点", "30"]


async def test_errors_and_small_talk_in_chinese(chat: Chat, media: dict[str, Path]) -> None:
    for text in ERRORS[:4]:
        await chat.say(text)
    for name, content in (("笔记.txt", b"hello"), ("空.mp4", b""),
                          ("坏的.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x01" * 200)):
        (problem,) = [r for r in await chat.say("", chat.attach(name, content))
                      if isinstance(r, (Problem, Message))]
        assert HAN.search(problem.text), problem
    await chat.say("", chat.attach("song.mp3", media["song"]))  # music first: asks for the video
    for text in ERRORS[4:]:
        await chat.say(text)
    assert chat.english() == []


async def test_songs_in_chinese(chat: Chat, media: dict[str, Path]) -> None:
    await chat.say("", chat.attach("clip.mp4", media["clip"]))
    await chat.say("加舒缓音乐")
    await chat.say("", chat.attach("song.mp3", media["song"]))  # "It replaces ..."
    for text in ("加上它，音量30%", "跳过歌曲前1秒", "用第一首歌"):
        await chat.say(text)
    await chat.say("", chat.attach("other.mp3", media["other"]))
    for text in ("两首歌一首接一首", "用另一首歌", "去掉第二首歌", "状态", "撤销", "撤销"):
        await chat.say(text)
    assert chat.english() == []


async def test_settings_and_the_language_they_set(chat: Chat, media: dict[str, Path]) -> None:
    for text in ("设置", "设置 默认风格 calm", "设置 默认音量 30%", "设置 默认淡出 开",
                 "设置 发送方式 文件", "设置 语言 中文"):
        await chat.say(text)
    # The person chose Chinese: an emoji, a bare attachment and a number from an English app
    # are answered in Chinese.
    for replies in (await chat.say("👍", app="en"),
                    await chat.say("", chat.attach("clip.mp4", media["clip"]), app="en"),
                    await chat.say("加音乐", app="en")):
        assert any(HAN.search(t) for r in replies for t in shown(r)), replies
    await chat.say("设置 发送方式 视频")
    assert chat.english() == []


@pytest.mark.parametrize(("app", "text", "chinese"), [
    ("zh", "👍", True), ("en", "👍", False), ("zh", "🎉🎉🎉", True), ("zh", "", True),
    ("en", "", False), ("en", "谢谢", True), ("zh", "thanks", False),
])
async def test_emoji_and_attachments_follow_the_app_language(
        chat: Chat, media: dict[str, Path], app: str, text: str, chinese: bool) -> None:
    await chat.say("", chat.attach("clip.mp4", media["clip"]), app=app)
    chat.seen.clear()
    files = () if text else (chat.attach("song.mp3", media["song"]),)
    replies = await chat.say(text, *files, app=app)
    texts = [t for r in replies for t in shown(r)]
    assert texts and all(bool(HAN.search(t)) == chinese for t in texts), texts
    if chinese:
        assert chat.english() == []


@pytest.mark.parametrize(("english", "chinese"), [
    (Status("Rendering…", 52.0, 12.4), "正在渲染… ▰▰▰▰▱▱▱▱ 52% · 大约还剩 0:12"),
    (Status("Waiting for a free renderer: 3rd in line"), "正在排队，你排在第 3 位"),
    (Status("Waiting for a free renderer: next in line"), "正在排队，下一个就轮到你"),
    (Status("Preparing the calm music…", 10.0, 75.0),
     "正在准备 calm 音乐… ▱▱▱▱▱▱▱▱ 10% · 大约还剩 1:15"),
])
def test_progress_lines_in_chinese(english: Status, chinese: str) -> None:
    from core import words
    assert status_text(words.reply(english, "zh")) == chinese
    assert "left" in status_text(english) or english.seconds_left is None
