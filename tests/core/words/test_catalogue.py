"""Issue 10: the Chinese catalogue covers every phrase the bot says.

The parser's "Got it" details, its answers, the timeline's summary and changes, and the errors
of intake, links and limits, each put through the reply boundary in Chinese (core/words.py
`localise` with core/words_zh.py): no English word may be left, apart from names, numbers,
units, moods and formats (the same rule as tests/core/words/test_chinese_conversations.py).
The instructions are many and varied so that each phrase template of core/local/edits*.py and
core/timeline/describe.py is said; they are in English because what the bot says depends on the
edit, not on the language it was asked in.
"""

from __future__ import annotations

import re

import pytest

from core import words
from core.config import Settings
from core.conversation.fetch import check_upload
from core.draft import Draft
from core.errors import NotUnderstood, UserError
from core.local.render_job import put_video
from core.media_limits import check_pixels
from core.parser.instructions import Context, MusicRef, apply_instruction
from core.timeline.convert import draft_of
from core.timeline.model import Timeline
from tests.core.words.test_chinese_conversations import english_in

SONG = MusicRef("song-1", "sunset.mp3", 200_000)
OTHER = MusicRef("song-2", "rain.mp3", 100_000)
CTX = Context(30_000, True, SONG, songs=(SONG, OTHER))

INSTRUCTIONS = [
    "add calm music at 30%", "add music", "add my song", "use the song I sent", "quieter",
    "louder", "much louder", "music at 80%", "fade in 2s", "fade out 3 s", "no fade out",
    "no fade in", "fade out at the end", "start the music at 0:05", "stop the music at 0:20",
    "music from 0:05 to 0:20", "skip the first 10 seconds of the song", "play it from the start",
    "loop the music", "play the music once", "fit the music to the video",
    "end the song with the video", "duck the music when I talk", "no ducking",
    "mute my voice", "keep my voice", "my voice at 50%", "my voice louder", "normalize",
    "no normalization", "vertical 9:16", "square with black bars", "4:5 crop", "16:9",
    "original aspect ratio", "crop", "720p", "1080p", "4k", "don't upscale", "upscale",
    "add the title \"夏天\"", "add the title \"你好\" at 0:05 for 4 seconds",
    "add the title \"再见\" at the end", "remove the title", "trim to the first 10 seconds",
    "cut the last 5 seconds", "keep 0:05 to 0:15", "cut at 0:20", "trim to 12:30",
    "cut the first 40 seconds", "whole video", "join my clips", "another one", "next mood",
    "change the music", "remove the music", "music quieter for the first 5 seconds",
    "music louder in the last 10 seconds", "make it quieter in the middle", "add jazz music",
    "add rock music", "add some spotify song", "add \"Blinding Lights\" by the Weeknd",
    "use the previous music", "play both songs one after the other",
    "the first song until 0:10, then the second", "switch to the other song at 0:15",
    "remove the second song", "use the second song", "add music and make it sparkle",
    "make it 16:10", "3:2", "a bit more", "thanks", "hello", "what can you do", "speed it up",
    "black and white", "subtitles", "remove the noise", "add a sticker", "voice over",
    "split the clip", "sync to the beat", "30", "convert to gif", "make the title bigger",
    "title", "stretch it", "make it shorter", "no", "undo that", "send me the video",
    "asdf qwerty", "don't remove the music", "lower the music when I talk",
    "music ends too early", "fade out longer", "the fade is too long",
    # session 5: gaps, ends and things said not done
    "mute the music from 0:10 to 0:15", "no music in the last 5 seconds",
    "fade out from 0:25", "fade out from 0:45", "delete 0:05 to 0:12", "keep the middle 10 s",
    "fade the video in and out", "add music and fade to black", "play music from 1:05 to 1:20",
    "stop the music at 0:45", 'add the title "你好" in red at the bottom',
    'title "你好" for the whole video', "no copyright music", "redo", "make it smaller",
    "i can't hear myself", "duck the music between 0:10 and 0:20",
    # session 6: levels as said, two levels, parts, switches, unmuting a part
    "music up 20%", "music -6 dB", "music volume 3/10", "music to max", "lower my voice by half",
    "music at 20% for the first 10 seconds then 50%", "quieter from the middle",
    "louder in the middle", "add music at the end", "switch to calm at 0:12",
    "crossfade into my song at 0:15", "quieter during the sunset scene", "unmute the first 5 s",
    "mute my sound and unmute the first 5 seconds", "music quiet for the first 10 s then louder",
    "make the music gradually louder", "build up to 80% from 0:10 to 0:20", "less bass",
    "add calm music with more bass", "skip the first 10 seconds of the song",
    "cut 0:10 to 0:20 out", "start at 0:05 and end at 0:25",
]


def states() -> list[Draft]:
    bare = draft_of(put_video(Timeline(), "clip.mp4", "v1", 30.0))
    music = apply_instruction(bare, "add lofi music at 50%, fade out 2s", CTX).draft
    full = apply_instruction(music, 'vertical 9:16, add the title "你好", trim to 20 s, mute my '
                                    "voice, normalize, duck the music", CTX).draft
    return [bare, music, full]


def chinese(english: str) -> str:
    said = words.localise(english, "zh")
    quoted = r"没看懂：“[^”]*”|“[^”]*”(?=不是内置风格)"  # the person's own words, quoted back
    left = english_in(re.sub(quoted, " ", said))
    assert not left, (english, said, left)
    return said


@pytest.mark.parametrize("state", range(3))
def test_every_edit_reply_and_summary_in_chinese(state: int) -> None:
    before = states()[state]
    said = 0
    for text in INSTRUCTIONS:
        try:
            parsed = apply_instruction(before, text, CTX)
        except NotUnderstood as refused:
            chinese(refused.user_message)
            said += 1
            continue
        chinese("Got it: " + ", ".join(parsed.understood) + ".")
        chinese("Done: " + "; ".join(parsed.draft.diff(before)))
        chinese("Nothing changed. " + parsed.draft.summary())
        said += 1
    assert said == len(INSTRUCTIONS)


def test_undo_lines_in_chinese() -> None:
    bare, music, full = states()
    for after, before in ((music, bare), (full, music), (bare, full)):
        chinese("Undone: " + "; ".join(before.diff(after)))


def errors() -> list[str]:
    """The words of the errors a person can meet, from the code that raises them where it is
    cheap to call, else as the code writes them."""
    raised: list[str] = []
    for call in (lambda: check_upload("notes.txt", 5, None, 100),
                 lambda: check_upload("clip.mp4", 10 * 1024 * 1024 * 1024, None, 1024 ** 3),
                 lambda: check_pixels(8000, 8000, "big.mp4",
                                      Settings(_env_file=None))):  # type: ignore[call-arg]
        try:
            call()
        except UserError as exc:
            raised.append(exc.user_message)
    assert len(raised) == 3
    return [*raised, *WRITTEN]


WRITTEN = [
    "That link leads to a web page, not a file. Send a direct link to a video (MP4, MOV, AVI,"
    " WebM, MKV), an image (JPG, PNG, GIF, WebP) or audio (MP3, WAV, M4A, AAC, OGG), or send"
    " the file itself.",
    "That link isn't a file I can use. Send a video (MP4), an image (JPG) or audio (MP3).",
    "The download took longer than 120 s, so I stopped it. Try a faster link or send the file"
    " itself.",
    "I couldn't download that link: the server did not answer properly.",
    "That link answered with an error (HTTP 404).",
    "That link redirects somewhere I can't follow.", "That link redirects too many times.",
    "I couldn't find the server of that link.",
    "I can't download from that link: it points to a private or local address.",
    "That file is larger than the limit of 500 MB, so I stopped the download.",
    "That doesn't look like a web link I can download.",
    "I only download http:// and https:// links.",
    "clip.mp4 has no video or sound I can use.",
    "song.mp3 has no sound in it, so I can't use it as music.",
    "clip.mp4 is 2:00:00 long; the longest video I take is 30:00.",
    "song.mp3 is 95:00 long; the longest music I take is 60:00.",
    "I can't find the file clip.mp4.", "clip.mp4 is empty.",
    "clip.mp4 doesn't look like a video or audio file I can read (it may be damaged or cut "
    "short).",
    "clip.mp4 has no video stream; please send a video.",
    "clip.mp4 has neither pictures nor sound.", "clip.mp4 has no playable length.",
    "clip.mp4 has a damaged video stream.",
    "clip.mp4 has a video stream with no pictures in it (cut short?).",
    "photo.png isn't a picture I can read (it may be damaged).",
    "Photos can't be the clip with the local engine — send a video (mp4, mov, webm, mkv, "
    "avi).",
    "My storage is full right now (the limit is 2,048 MB), so I can't take that. Please try "
    "again later, or send a smaller file.",
    "The server's disk is full right now, so I can't take that. Please try again later.",
    "You're sending messages quickly; try again in 40 s.",
    "You've made 20 videos in the last 24 hours (the limit is 20); you can render again in "
    "3 h.",
    "Even a smaller copy is too big for this chat. Try a shorter clip, or \"export 720p\".",
    "The trim leaves less than a tenth of a second of video.",
    "This video is too long to fit in 50 MB at a watchable quality; trim it or ask for a "
    "download link.",
    "I no longer have the clip clip.mp4; please send it again.",
    "I no longer have the music song.mp3; please send it again.",
    "Send me a video first, then tell me what to do with it.",
    "There is nothing to undo.",
    "There's nothing more to undo — your clip is as you sent it.",
    "There's nothing to export yet: send me a video first.",
    "Got the music song.mp3 (0:03). It replaces built-in lofi.",
    "Got the music song.mp3 (0:03). Say \"add it at 30%\" to put it under your video.",
    "Got your video clip.mp4 (0:02, 320x240). Tell me what to do, e.g. \"add lofi music at "
    "30% and fade it out\".",
    "Sorry, something went wrong on our side (ref ab12cd34). Please try again.",
    "That took too long and was stopped (ref ab12cd34). Please try again.",
    "The timeline", "Timeline is empty.",
    "Your render was interrupted by a restart — send 'export' to try again.",
    "Your render finished after a restart.",
    "Your render could not be finished after a restart (ref ab12cd34) — send 'export' to try "
    "again.",
    "Backtrack restarted while it was receiving clip.mp4 — please send it again.",
    "Backtrack restarted while it was downloading song.mp3 — please send it again.",
    "Backtrack restarted while it was downloading your linked file — please send it again.",
    "Backtrack restarted while it was making your video — please send it again.",
    "Backtrack restarted while it was working on your edit — please send it again.",
    "Backtrack restarted while it was working on your message — please send it again.",
    "Here is your video (1.2 MB, 0:08). https://example.test/v/abc",
]


@pytest.mark.parametrize("english", errors())
def test_errors_in_chinese(english: str) -> None:
    assert chinese(english) != english
