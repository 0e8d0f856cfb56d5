"""The words at the edges in Chinese: what the platforms' adapters wrap around a video, their
own refusals, and the limits, each with a Chinese form (English stays English)."""

from __future__ import annotations

import pytest

from bots import discord_replies, telegram_replies
from bots.adapter import upload_failed_text
from bots.discord_bot import CANNOT_FETCH, NOT_HERE
from bots.telegram_replies import TOO_BIG_TO_FETCH
from core import words
from core.conversation.turn import Video
from core.limits import wait_words
from tests.core.words.test_chinese_conversations import english_in

URL = "https://links.test/v/abc"


def video(language: str, url: str | None = URL, size: int | None = 80 * 2**20) -> Video:
    return words.reply(Video(None, url, size, 12.0, caption="Here is your video (80 MB, 0:12)."),
                       language)


def wrapped(language: str) -> list[str]:
    """Every text an adapter writes around a video that it could not upload."""
    return [upload_failed_text(video(language), "Telegram"),
            upload_failed_text(video(language, url=None), "Discord"),
            telegram_replies.link_text(video(language)),
            telegram_replies.link_text(video(language, url=None)),
            telegram_replies.link_text(video(language, size=None)),
            discord_replies.link_text(video(language), 25 * 2**20),
            discord_replies.link_text(video(language, url=None), 25 * 2**20),
            discord_replies.link_text(video(language, url=None), None)]


@pytest.mark.parametrize("index", range(8))
def test_adapter_words_around_a_video_follow_its_language(index: int) -> None:
    chinese, english = wrapped("zh")[index], wrapped("en")[index]
    assert english_in(chinese.replace("Telegram", "").replace("Discord", "")) == [], chinese
    assert "video" in english.lower() and not any("\u4e00" <= c <= "\u9fff" for c in english)


@pytest.mark.parametrize("english", [
    TOO_BIG_TO_FETCH, NOT_HERE, CANNOT_FETCH, "That file is over the 25 MB limit.",
    "Here is your video.",
    *[f"You're sending messages quickly; try again in {wait_words(s)}." for s in (5, 300, 7200)],
    *[f"You've made {n} video{'' if n == 1 else 's'} in the last 24 hours (the limit is {n}); "
      f"you can render again in {wait_words(s)}." for n, s in ((1, 30), (5, 600), (20, 9000))],
])
def test_refusals_and_limits_have_chinese(english: str) -> None:
    chinese = words.localise(english, "zh")
    assert chinese != english
    assert english_in(chinese.replace("Telegram", "").replace("Discord", "")) == [], chinese
