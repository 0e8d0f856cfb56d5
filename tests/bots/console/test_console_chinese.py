"""A Chinese conversation through `backtrack chat`: every line the console prints is Chinese,
its own labels and words included (the sample clip, missing files, emoji-only lines, which take
the conversation's language)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.bots.console.test_console_end_to_end import chat, videos_in
from tests.core.words.test_chinese_conversations import english_in


def test_a_chinese_console_conversation_prints_only_chinese(tmp_path: Path) -> None:
    run = chat(tmp_path, "--demo", "加背景音乐，结尾淡出", "状态", "🎵", "nowhere.mp4 加音乐",
               "设置 颜色 红", "设置 发送方式 文件", "积分", "取消", "/demo")
    assert run.returncode == 1, run.stdout + run.stderr  # the missing file is a problem
    out = run.stdout
    for line in out.splitlines():
        words = re.sub(r"/\S+|Telegram", " ", line)  # paths, a platform's name
        assert english_in(words) == [], line
    assert len(videos_in(out)) == 1
    for said in ("正在制作示例视频…", "做好了一个示例视频（8 秒，640x360），带测试音。",
                 "视频：", "试试：", "图片：", "问题：这里没有文件：nowhere.mp4",
                 "没有叫“颜色 红”的设置。", "只在 Telegram 上有用", "我给视频配背景音乐"):
        assert said in out, said
