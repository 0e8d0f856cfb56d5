"""The words users see, in English and Chinese, and the language a message is in.

`detect(text)` tells the language of a message from its letters (Han characters -> "zh",
Latin letters -> "en", neither -> the fallback, e.g. the platform's app language). The turn
carries that one value (`Turn.language`); a person's language setting, when set, replaces it
(core/conversation/personal.py), and every reply is given in it.

The catalogue has two parts:
- `TEXT`: whole texts by name, in both languages (help, quick action labels, small talk).
- `_PHRASES`: the English sentences and phrases the engine, the parser and the assistant say,
  each with its Chinese form; `localise(text, "zh")` rewrites a reply with them. A phrase
  not in the catalogue stays in English rather than being guessed.
Quick action labels in Chinese are instructions the parser understands (tested).
"""

from __future__ import annotations

import dataclasses
import re
from typing import TypeVar

from core.music.moods import MOODS

ZH_MOODS = "、".join(f"{m.zh}（{m.name}）" for m in MOODS.values())
"""The built-in moods as the Chinese help names them."""

LANGUAGES = ("en", "zh")

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")


def detect(text: str, fallback: str = "en") -> str:
    """ "zh" for a message mostly in Chinese, "en" for one in Latin letters, else `fallback`
    (emoji, numbers, an attachment alone)."""
    text = re.sub(r"(?:^|\s)/\w+(?:@[\w.]+)?", " ", text)  # a /command is no language
    han = len(_HAN.findall(text))
    latin = len(_LATIN.findall(re.sub(r"https?://\S+|\b\d+p\b|\b[a-z]{1,4}\b(?=\d)", " ", text)))
    if han and han * 3 >= latin:  # "把music调小" is Chinese; "add 音乐" is too, leniently
        return "zh"
    if latin:
        return "en"
    return fallback if fallback in LANGUAGES else "en"


TEXT: dict[str, dict[str, str]] = {
    "quick.fade_out": {"en": "Fade out", "zh": "淡出"},
    "quick.quieter": {"en": "Quieter music", "zh": "音乐小一点"},
    "quick.louder": {"en": "Louder music", "zh": "音乐大一点"},
    "quick.add_calm": {"en": "Add calm music", "zh": "加舒缓音乐"},
    "quick.vertical": {"en": "Vertical 9:16", "zh": "竖屏 9:16"},
    "quick.undo": {"en": "Undo", "zh": "撤销"},
    "help.zh": {"zh": (
        "把视频作为文件发给我（mp4、mov、avi、webm 或 mkv，最大 500 MB），或发一个视频链接。"
        "歌曲（mp3、wav、m4a、aac）也一样发来，就会用作背景音乐。\n\n"
        "然后用平常的话告诉我怎么改，例如：\n"
        "• 加舒缓音乐，音量 20%，淡入 2 秒，淡出 5 秒，原声静音\n"
        "• 用我的歌，从 0:05 开始，跳过歌曲前 20 秒\n"
        "• 音乐小一点，说话时降低音乐\n"
        "• 保留前 30 秒，竖屏 9:16，响度标准化\n"
        "• 前 5 秒音乐小一点\n"
        f"内置风格：{ZH_MOODS}（或发你自己的歌）。\n\n"
        "命令：导出（或“导出 720p”“导出 9:16”）重新发送视频；状态 查看轨道；撤销 退回一步；"
        "重置 重新开始；取消 停止当前操作；积分 查看余额；风格 试听内置音乐。English works too.")},
}


def text(name: str, language: str) -> str:
    """A whole text of the catalogue in a language (English when it has no such form)."""
    forms = TEXT[name]
    return forms.get(language) or forms["en"]


_QUICK_EN = {TEXT[k]["en"]: k for k in TEXT if k.startswith("quick.")}


def button(label: str, language: str) -> str:
    """A quick action label in the language (a label the parser reads in both)."""
    name = _QUICK_EN.get(label)
    return text(name, language) if name is not None else label


# English -> Chinese, applied in order; the longer, more specific forms come first.
_PHRASES: list[tuple[str, str]] = [
    # The assistant and the delivery.
    (r"^Still working on your last request \((.+)\) — send 'cancel' to stop it\.$",
     r"还在处理你上一个请求（\1）——发送“取消”可以停止。"),
    (r"^I'm restarting right now; please send that again in a minute\.$",
     "我正在重启，请过一分钟再发一次。"),
    (r"^Stopped: the bot is restarting\. Please send that again in a minute\.$",
     "已停止：机器人正在重启。请过一分钟再发一次。"),
    (r"^Cancelled\.$", "已取消。"),
    (r"^Nothing is running right now\.$", "现在没有正在进行的操作。"),
    (r"^Stopping your last request \((.+)\)\.$", r"正在停止你上一个请求（\1）。"),
    (r"^Started a fresh timeline\. Send me a video to work on\.$",
     "已新建时间线。把要处理的视频发给我吧。"),
    (r"^Now send me the video it should go under\.$", "现在把要配这段音乐的视频发给我。"),
    (r"^Send me a video \(a file or a link\), or type \"help\" to see what I can do\.$",
     "发给我一个视频（文件或链接），或输入“帮助”看看我能做什么。"),
    (r"^Send me a video first \(as a file or a link\), then tell me what to do with it.*$",
     "请先发一个视频（文件或链接），再告诉我怎么处理，例如“加舒缓音乐并在结尾淡出”。"),
    (r"^There's nothing to export yet: send me a video first\.$",
     "还没有可导出的内容：请先发一个视频。"),
    (r"^Timeline is empty\. Send me a video to start\.$", "时间线是空的。发一个视频开始吧。"),
    (r"^Sorry, something went wrong on our side \(ref (\w+)\)\. Please try again\.$",
     r"抱歉，我们这边出了问题（编号 \1）。请再试一次。"),
    (r"^That took too long and was stopped \(ref (\w+)\)\. Please try again\.$",
     r"处理时间太长，已停止（编号 \1）。请再试一次。"),
    (r"^Here is your video \((.+)\)\.$", r"这是你的视频（\1）。"),
    (r"^Your video is ready \((.+?)(?:; this chat takes files up to (.+))?\)\. Download it here: "
     r"(\S+)$", r"视频做好了（\1）。在这里下载：\3"),
    (r"^Rendering…$", "正在渲染…"),
    (r"^Thinking…$", "思考中…"),
    (r"^NemoVideo is working on it…$", "NemoVideo 正在处理…"),
    (r"^Rendering on NemoVideo…$", "NemoVideo 正在渲染…"),
    (r"^Fetching the video from NemoVideo…$", "正在从 NemoVideo 取回视频…"),
    (r"^The render failed on NemoVideo; trying once more…$", "NemoVideo 渲染失败，再试一次…"),
    (r"^Working on it…$", "正在处理…"),
    (r"^Finished\.$", "完成。"),
    (r"^Sending your video again…$", "正在重新发送你的视频…"),
    (r"^Downloading the linked file…$", "正在下载链接里的文件…"),
    (r"^Receiving (.+)…$", r"正在接收 \1…"),
    (r"^Fetching the finished video…$", "正在取回做好的视频…"),
    (r"^Too big for this chat; making a smaller copy…$", "文件太大，正在做一个小一点的版本…"),
    (r"^Preparing the (\w+) music…$", r"正在准备 \1 音乐…"),
    (r"^Waiting for a free renderer: you are number (\d+) in line$", r"正在排队，你排在第 \1 位"),
    (r"^Waiting for a free renderer: next in line$", "正在排队，下一个就轮到你"),
    (r"^Waiting for a free renderer: (\d+)(?:st|nd|rd|th) in line$", r"正在排队，你排在第 \1 位"),
    (r"^Undone: ", "已撤销："),
    (r"^Undone\.$", "已撤销。"),
    (r"^Nothing changed\. ", "没有变化。"),
    (r"^Done: ", "完成："),
    (r"^Got it: ", "好的："),
    (r"^Got your video (.+?) \((.+?)\)\. Tell me what to do, e\.g\..*$",
     r"收到视频 \1（\2）。告诉我怎么处理，例如“加低保真音乐，音量 30%，结尾淡出”。"),
    (r"^Got the music (.+?) \((.+?)\)\.", r"收到音乐 \1（\2）。"),
    (r"Say \"add it at 30%\" to put it under your video\.",
     "说“加上它，音量 30%”就会把它配到视频下面。"),
    # Small talk and things the bot cannot do (core/parser/answers.py).
    (r"^Glad to help!.*$", "很高兴帮到你！随时再发视频，或告诉我新的修改"
                           "（例如“音乐小一点”“淡出”“撤销”）。说“导出”可以再拿到视频。"),
    (r"^Hi! Send me a video, then tell me what to do.*$",
     "你好！先发一个视频，再告诉我怎么处理，例如“加舒缓音乐，音量 30%，结尾淡出”。"),
    (r"^Hi! Tell me what to do with your video.*$",
     "你好！告诉我怎么处理你的视频，例如“加舒缓音乐，音量 30%，结尾淡出”。"),
    (r"^I put music under videos and adjust the sound, length, shape and a title.*$",
     "我给视频配背景音乐，还能调整声音、长度、画面比例和标题，例如“加舒缓音乐，音量 30%”"
     "“小一点”“淡出”“剪到 20 秒”“竖屏 9:16”。"),
    (r"^Sorry, I didn't understand that\..*$",
     "抱歉，我没看懂。" + "\n\n" + "{help}"),
    (r"^Tell me what to do with your video in plain words.*$", "{help}"),
    (r"^Send me the video as a file in this chat.*$", "{help}"),
    (r"^I can't change the video's speed\..*$",
     "我不能改变视频速度。我能配音乐，调整声音、长度、画面比例和标题。"),
    (r"^I can't change the picture's colours or add filters\..*$",
     "我不能调色或加滤镜。我能配音乐，调整声音、长度、画面比例和标题。"),
    (r"^I can't make subtitles from speech\..*$",
     "我不能根据语音生成字幕。可以加一个短标题，例如：加标题“你的文字”3 秒。"),
    (r"^I can't remove noise or clean up the recording\..*$",
     "我不能降噪。可以调低或静音你的原声、说话时降低音乐，或做响度标准化。"),
    (r"^I can't add stickers, effects or transitions, or turn the picture\..*$",
     "我不能加贴纸、特效或转场，也不能旋转画面。"
     "可以加标题、改画面比例（竖屏 9:16、方形）并配音乐。"),
    (r"^I can't fetch songs by name or from Spotify, YouTube or TikTok\..*$",
     "我不能按歌名或从 Spotify、YouTube、抖音获取歌曲。"
     "请发音频文件（mp3、m4a、wav），或选一种风格：低保真、欢快、舒缓、电影感。"),
    (r"^That's a long message\..*$", "消息太长了，请分成几条短消息发送。"),
    (r"^(.+) has no video stream; please send a video\.$", r"\1 里没有视频画面，请发一个视频。"),
    (r"^(.+) has no sound in it(?:, so I can't use it as music)?\.$",
     r"\1 里没有声音，不能用作音乐。"),
    (r"^(.+) is empty\.$", r"\1 是空文件。"),
    (r"^(.+) is ([\d.]+ [KMG]?B); the largest file I take is ([\d.]+ [KMG]?B).*$",
     r"\1 有 \2，我最多接收 \3 的文件。"),
    (r"^There is nothing to undo\.$", "没有可以撤销的操作。"),
    (r"^There's nothing more to undo — your clip is as you sent it\.$",
     "不能再撤销了——视频已经是你发来时的样子。"),
    (r"^Local engine: free, no credits needed\.$", "本地引擎：免费，不需要积分。"),
    # The parts of "Got it: …" (core/local/edits.py), inside a line.
    (r"music: (.+?) \(built-in\)", r"音乐：内置 \1"),
    (r"music: (.+?) \(your song\)", r"音乐：你的歌 \1"),
    (r"music: (.+?) \(kept\)", r"音乐：\1（保留）"),
    (r" \(there was no music yet\)", "（之前还没有音乐）"),
    (r"music volume (\d+%)", r"音乐音量 \1"),
    (r"music quieter: (\d+%)", r"音乐调小：\1"),
    (r"music louder: (\d+%)", r"音乐调大：\1"),
    (r"music at (\d+%) from ([\d:.]+) to the end", r"从 \2 到结尾音乐 \1"),
    (r"music at (\d+%) from ([\d:.]+) to ([\d:.]+), (\d+%) after",
     r"\2 到 \3 音乐 \1，之后回到 \4"),
    (r" at (\d+%)", r"，音量 \1"),
    (r"music starts at ([\d:.]+)", r"音乐从 \1 开始"),
    (r"music stops at ([\d:.]+)", r"音乐在 \1 停止"),
    (r"music runs to the end", "音乐一直到结尾"),
    (r"song starts ([\d.:]+(?: s)?) in", r"从歌曲的 \1 处开始"),
    (r"music loops to the end", "音乐循环到结尾"),
    (r"music fits the video", "音乐与视频等长"),
    (r"music plays once \(silence may follow\)", "音乐只播放一次（之后可能无声）"),
    (r"music removed", "已去掉音乐"),
    (r"no music to remove", "没有可去掉的音乐"),
    (r"music ducks under speech", "说话时音乐自动降低"),
    (r"no ducking", "不再自动降低音乐"),
    (r"fade in ([\d.:]+(?: s)?)", r"淡入 \1"),
    (r"fade out ([\d.:]+(?: s)?)", r"淡出 \1"),
    (r"no fade in", "不淡入"),
    (r"no fade out", "不淡出"),
    (r"original sound muted", "原声已静音"),
    (r"original sound kept", "保留原声"),
    (r"original sound at (\d+%)", r"原声音量 \1"),
    (r"video trimmed to ([\d:.]+)-([\d:.]+)", r"视频剪成 \1-\2"),
    (r"whole video \(no trim\)", "完整视频（不剪）"),
    (r"aspect ([\d:]+) \(blurred background\)", r"画面 \1（模糊背景）"),
    (r"aspect ([\d:]+) \(cropped\)", r"画面 \1（裁剪）"),
    (r"aspect ([\d:]+) \(black bars\)", r"画面 \1（黑边）"),
    (r"original aspect ratio", "原始比例"),
    (r"(\d+)p \(upscaled if the video is smaller\)", r"\1p（视频较小时会放大）"),
    (r"loudness (-?[\d.]+) LUFS", r"响度 \1 LUFS"),
    (r"no loudness normalisation", "不做响度标准化"),
    (r"title removed", "已去掉标题"),
    (r"not understood: \"(.+?)\"", r"没看懂：“\1”"),
    (r"not done: the video is only ([\d:.]+) long, so nothing was trimmed",
     r"没有剪：视频只有 \1 长"),
    (r"(?:not done: )?I can make 9:16, 16:9, 1:1 or 4:5, not ([\d.:]+)",
     r"我能做 9:16、16:9、1:1 或 4:5，不能做 \1"),
    (r"not done: ", "没有做："),
    # What changed on the timeline (core/draft.py diff and summary).
    (r"added BGM: ", "添加背景音乐："), (r"removed BGM: ", "去掉背景音乐："),
    (r"added Title: ", "添加标题："), (r"removed Title: ", "去掉标题："),
    (r"\bBGM: ", "背景音乐："), (r"\bVideo: ", "视频："), (r"\bTitle: ", "标题："),
    (r"built-in (\w+)", r"内置 \1"), (r"settings: ", "设置："),
    (r"Timeline \((\d+) tracks?\): ", r"时间线（\1 条轨道）："),
]
_LIST_LINE = re.compile(r"^(好的：|完成：|已撤销：|没有变化。)(.*)$", re.M)


def _punctuate(line: re.Match[str]) -> str:
    """Chinese list punctuation in a translated summary line."""
    body = re.sub(r"(?<=[^\d]), |, (?=\D)", "，", line.group(2)).replace("; ", "；")
    return line.group(1) + re.sub(r"\.$", "。", body)
_COMPILED = [(re.compile(p, re.M | re.S if p.endswith(".*$") else re.M), zh) for p, zh in _PHRASES]


def localise(words: str, language: str) -> str:
    """A reply's words in the language (English in, the catalogue's Chinese out)."""
    if language != "zh" or not words:
        return words
    for pattern, zh in _COMPILED:
        words = pattern.sub(zh.replace("{help}", TEXT["help.zh"]["zh"]), words)
    return _LIST_LINE.sub(_punctuate, words)


R = TypeVar("R")


def reply(item: R, language: str) -> R:
    """A reply (Status, Message, Video, Problem) with its words in the language."""
    if language != "zh" or not dataclasses.is_dataclass(item) or isinstance(item, type):
        return item
    changes: dict[str, object] = {}
    for name in ("text", "caption"):
        value = getattr(item, name, None)
        if isinstance(value, str):
            changes[name] = localise(value, language)
    buttons = getattr(item, "buttons", None)
    if isinstance(buttons, tuple):
        changes["buttons"] = tuple(button(b, language) for b in buttons)
    return dataclasses.replace(item, **changes)
