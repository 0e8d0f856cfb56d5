"""The instruction parser: plain English (and basic Chinese) to edits on a local draft.

`apply_instruction` splits the text into requests ("a, b and c"), reads each with a few
rules in a fixed order (title, "a bit more", loudness, ducking, picture, fades, fit, trim,
music end, song offset, start, removal, original sound, music, volume), collects a `EditPlan`,
and writes it into a copy of the draft (core/local/edits.py). Rules blank the words they use, so
"fade in 2s" does not also start the music at 2 s. The sound rules live in
core/parser/sound_rules.py, parts of the video in core/parser/window_rules.py, the music's
fades and times in core/parser/music_times.py, the picture and title rules in
core/parser/shape_rules.py, the video's cut points in core/parser/trim_rules.py; a message
with no edit in it (thanks, hello, things Backtrack cannot do) gets its answer from
core/parser/answers.py. Undo and export are routed elsewhere.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass

from core.draft import Draft
from core.errors import NotUnderstood
from core.local.edits import Context, EditPlan, MusicRef, apply_plan
from core.music.moods import NAMES, SAY_MOODS
from core.parser import music_times as times
from core.parser import phrases as w
from core.parser import shape_rules as shape
from core.parser import sound_rules as sound
from core.parser import trim_rules
from core.parser import window_rules as windows
from core.parser.answers import HELP_TEXT, answer
from core.parser.phrases import Clause, T, seconds
from core.parser.quotes import QUOTE_MARK, extract_quotes
from core.parser.song_rules import pick_song, songs_in_turn
from core.timeline.convert import timeline_of

__all__ = ["HELP_TEXT", "Context", "MusicRef", "Parsed", "apply_instruction"]

NO_SONG = ("I don't have a song from you yet: send an audio file (mp3, m4a, wav) first, or "
           f"pick a built-in mood: {SAY_MOODS}.")


MAX_CHARS = 500
"""Longer messages are refused: real instructions are short, and it bounds the regex work."""


@dataclass(frozen=True)
class Parsed:
    """The edited copy of the draft, and what was done, in short phrases."""

    draft: Draft
    understood: tuple[str, ...]


def _music_as_is(c: Clause, plan: EditPlan) -> bool:
    """Songs Backtrack cannot fetch (said), "keep the music", and copyright-free music (the
    built-in music is); True when nothing else of the clause is about the music."""
    if c.take(w.FETCH):
        plan.notes.append(w.SONG_BY_NAME)
        c.text = ""
        return True
    if c.take(r"\b(?:keep|leave)\s+(?:the\s+)?(?:music|song)\b"):
        plan.source = plan.source or "any"
        return True
    if c.take(r"\bbuilt[-\s]?in\s+(?:song|music|track|one|mood)\b|内置音乐"):
        plan.source = "mood"  # "use a built-in song instead"
        return True
    if c.has(r"\b(?:mix|layer|blend|combine)\b.*\bwith\b|\b(?:at\s+the\s+same\s+time|on\s+top\s+of"
             r"\s+each\s+other|simultaneously)\b") and c.has(w.MUSIC):
        plan.notes.append("not done: I play songs one after the other, not on top of each other "
                          '(say "play both songs one after the other")')
        c.text = ""
        return True
    if swap := re.search(r"\b(?:swap|replace|switch|change)\s+(?!(?:to|for|with|into)\b)\S.*?"
                         r"\b(?:for|with|to|into)\b", c.text):
        c.text = " " * swap.end() + c.text[swap.end():]  # "swap my song for calm music": the new
    if c.take(r"\b(?:don'?t|do\s+not|never|no\s+need\s+to)\s+(?:add|put|use|want|need|include)\s+"
              r"(?:any\s+|the\s+|some\s+)?(?:background\s+)?(?:music|songs?)\b|不要(?:加|配)(?:背景)?音乐"):
        plan.notes.append('no music added (say "add music" when you want some)')
        c.text = ""
        return True
    if c.take(r"\b(?:no[-\s]+copyright(?:ed)?|copyright[-\s]+free|royalty[-\s]+free|non[-\s]*"
              r"copyright(?:ed)?|free\s+to\s+use)\b|无版权|免版权|没有版权"):
        plan.source = plan.source or "any"  # the built-in music is made here for the video
        plan.notes.append("the built-in music is made here for your video: free to use")
    return False


_SURPRISE = (
    r"\bsurprise\s+me\b|\b(?:you|u)\s+(?:pick|choose|decide)\b|\byour\s+(?:choice|call|pick)\b"
    r"|\bdealer'?s\s+choice\b|\bpick\s+(?:something|anything|one|a\s+mood|for\s+me)\b"
    r"|\brandom\s+(?:mood|music|song)\b|\bwhatever\s+you\s+(?:like|want|think|choose)\b"
    r"|\bsurprise\s+(?:music|song)\b|随便(?:来|加|配)?(?:点|一首|个)?(?:音乐|歌)?|你(?:来)?(?:选|挑|决定)"
    r"|随机(?:音乐|风格|一首)?")
"""The person leaves the music to us: "surprise me", "you pick", "随便"."""


def _music(c: Clause, plan: EditPlan, draft: Draft, ctx: Context) -> None:
    if _music_as_is(c, plan):
        return
    if c.has(w.UPLOAD) and (c.has(w.ADD) or not timeline_of(draft).music):
        c.take(w.UPLOAD)
        if ctx.music is None:
            plan.notes.append("not done: " + NO_SONG)
        else:
            plan.source = "upload"
        return
    if ctx.music is not None and c.take(r"^\W*(?:yes|ok|okay|sure|please)?\W*(?:add|use|put|insert|"
                                        r"include|play)\s+(?:it|that|this)\b|^\W*(?:好的?|好吧|可以|行)?"
                                        r"\W*(?:就)?(?:加上|加|用|放上|配上|放)(?:它|这首歌?|这个)"):
        plan.source = "upload"  # "add it", right after the bot said it got the song
        return
    if less := c.take(r"\bless\s+(epic|dramatic|cinematic|upbeat|energetic|happy|intense|busy|sad"
                      r"|calm|boring|sleepy|slow|chill|lofi)\b"):
        calm = less.group(1) in ("epic", "dramatic", "cinematic", "upbeat", "energetic", "happy",
                                 "intense", "busy", "sad")
        plan.source, plan.mood = "mood", "calm" if calm else "upbeat"
        return
    if c.take(r"\b(?:previous|last|old|earlier)\s+(?:music|song|track|one|mood)\b"):
        plan.notes.append('not done: say "undo" to go back to the music before')
        return
    if c.take(_SURPRISE):  # "surprise me": a mood of ours (another one when music plays)
        if timeline_of(draft).music:
            plan.source = "next"
        else:
            plan.source, plan.mood = "mood", NAMES[(ctx.seed or 0) % len(NAMES)]
        return
    for mood, pattern in w.MOOD_WORDS.items():
        if c.take(pattern):
            plan.source, plan.mood = "mood", mood
            return
    genre = re.search(r"(?:\b(add|put|use|want|need|play|some|with|give|try|like)\s+(?:some\s+|a\s+"
                      r"|an\s+|the\s+|more\s+)?(?:[a-z]+\s+)?)?\b([a-z]{3,})\s+(?:music|songs?"
                      r"|tunes?|beats?)\b", c.text)
    asked = genre is not None and genre.group(1) is not None
    if genre and (genre.group(2) in w.GENRES or (asked and genre.group(2) not in w.NOT_GENRES)):
        plan.notes.append(f'"{genre.group(2)}" is not a built-in mood (there are {SAY_MOODS})')
    elif other := re.search(rf"({w.GENRES_ZH})的?(?:音乐|歌|风格?|曲子)", c.text):
        plan.notes.append(f'"{other.group(1)}" is not a built-in mood (there are {SAY_MOODS})')
    if c.take(r"\b(?:next|another|different|other|new)\s+mood\b|\bchange\s+(?:the\s+)?mood\b"
              r"|换(?:一个|个)?(?:风格|情绪)"):
        plan.source = "next"  # another mood; "another one" is a new piece of the same mood
    elif c.take(r"\b(?:change|replace|switch|swap)\s+(?:the\s+)?(?:music|song|track|tune)\b|"
              r"\bnext\s+(?:song|track|one|music)\b|\b(?:don'?t|do\s+not)\s+like\s+(?:this|the|that)"
              r"\s+(?:music|song|track|one|mood)|\bhate\s+(?:this|the|that)\s+(?:music|song|track)|"
              r"\b(?:another|different|other)\s+(?:one|mood)\b|"
              r"\b(?:different|another|other|new)\s+(?:music|song|track|tune)\b|换(?:一首|个|首)?"
              r"(?:音乐|歌|背景音乐)|换(?:一首|一个|个|首)$"):
        plan.source = "another"
    elif c.take(r"\b(?:add|put|insert|give|want|need|use|overlay|include|play|some|with)\b(?=.*"
                r"\b(?:music|song|soundtrack|tunes?|beats?|track)\b)|\bbackground\s+(?:music|song|"
                r"track)\b|(?:加|来|配|放|整)\S*?(?:音乐|歌)|背景音乐|配乐"
                r"|^\W*(?:some\s+|the\s+)?(?:background\s+)?(?:music|song)\s+for\s+(?:a|an|my|the|this)\b"
                r"|^\W*(?:some\s+|the\s+)?(?:(?!(?:less|more|no|louder|quieter)\b)[a-z]+\s+)?"
                r"(?:music|song|音乐)\W*(?:please)?\W*$"):
        plan.source = plan.source or "any"


_RESET = (
    r"\b(?:revert|undo|remove|clear|reset|drop|cancel|delete|scrap|discard|wipe|lose)\s+(?:all|"
    r"everything|every\s+(?:edit|change)|all\s+(?:the\s+|my\s+|your\s+)?(?:edits|changes)|"
    r"all\s+of\s+(?:it|them))(?=\s*(?:please|now|and\b|then\b|$))|\b(?:go\s+)?back\s+to\s+"
    r"(?:the\s+|my\s+)?original(?:\s+(?:video|clip|version))?\b|\brestore\s+(?:the\s+|my\s+)?"
    r"original(?:\s+(?:video|clip|version))?\b|\bstart\s+(?:again\s+|over\s+)?from\s+scratch\b"
    r"|全部撤销|撤销(?:所有|全部)(?:修改|编辑|操作)?|恢复原(?:样|视频|状)|还原(?:视频)?$|回到原(?:视频|样)")
"""Every edit undone at once, the clip kept: "revert everything", "back to the original"."""


_VIDEO_FROM = (rf"^\W*(?:(?:start|begin)\s+(?:it\s+|the\s+(?:video|clip)\s+)?(?:at|from)|from)"
               rf"\s+({T})(?:\s+(?:to|until|till)\s+the\s+end)?\W*$")
"""'start at 5 seconds', 'from 0:05 to the end' with no music anywhere, 'start the video at
0:05' always: where the video starts."""


def _read(c: Clause, plan: EditPlan, draft: Draft, ctx: Context, quotes: list[str],
          music_said: bool = False) -> None:
    """One request read by the rules in their order; `music_said`: the message speaks of music
    somewhere (then a bare "start at 0:05" is the music's start)."""
    if c.take(_RESET):
        plan.reset = True
    shown = timeline_of(draft).title
    if (shape.retitle(c, plan, quotes, shown) or shape.title(c, plan, quotes, shown.text if shown
                                                             else None)
            or sound.again(c, plan, draft)):
        return
    sound.tone(c, plan)
    sound.loudness(c, plan)
    sound.duck(c, plan)
    windows.window(c, plan, bool(timeline_of(draft).music))
    shape.join(c, plan)
    shape.file_size(c, plan)
    shape.picture(c, plan)
    times.fades(c, plan, draft)
    times.fit(c, plan)
    trim_rules.trim(c, plan)
    times.until(c, plan, ctx, draft)
    times.offset(c, plan)
    if ((c.has(r"\bthe\s+(?:video|clip)\b") or not (
            music_said or plan.source or timeline_of(draft).music))
            and (begin := c.take(_VIDEO_FROM))):
        plan.trim = ("drop_first", seconds(begin.group(1)), 0.0)  # no music: the video's start
    times.start(c, plan, ctx, draft)
    if pick_song(c, plan) or sound.remove_music(c, plan) or sound.original(c, plan):
        return
    _music(c, plan, draft, ctx)
    about_music = plan.source or c.said != c.text or c.has(w.MUSIC)
    level = sound.levels(c) or (sound.bare_level(c) if about_music else None)
    if level is not None:
        kind, value = level
        while c.take(w.QUIETER) or c.take(w.LOUDER):  # "lower bgm to 10": one request
            pass
        if kind == "abs":
            plan.volume, plan.volume_factor = value, None
        else:
            if plan.volume_factor is not None and (plan.volume_factor > 1) == (value > 1):
                # "too quiet, I can't hear it" is one step, not two
                value = max(plan.volume_factor, value, key=lambda f: abs(f - 1))
                plan.volume_factor = None
            plan.volume_factor = (plan.volume_factor or 1.0) * value


def _leftover(c: Clause) -> bool:
    words = re.findall(r"[a-z']{3,}|[一-鿿]+", c.text)
    return any(word not in w.FILLER and not word.isdigit() for word in words)


_SIGNAL = (r"\d|\b(?:beginning|start|end|middle|intro|outro|first|last|half|quiet\w*|loud\w*"
           r"|soft\w*|lower|higher|seconds?|minutes?|fade\w*|speed\w*|faster|slower|gradual\w*"
           r"|slowly)\b|开头|结尾|中间|秒|分钟|倍速|加速|减速|慢慢|逐渐")
"""Words that carry part of a request: left over after the rules, that part was not done."""


def _unused(c: Clause) -> bool:
    text = re.sub(r"\b(?:not|instead\s+of|rather\s+than)\s+\S+", " ", c.text)  # "6s not 3s"
    text = re.sub(r"(?<![\d.:])\d+(?![\d.:]|\s*(?:%|s\b|ms\b|seconds?|minutes?|秒|分))", " ", text)
    if re.search(_SIGNAL, text) is not None:
        return True
    text = re.sub(r"\b(?:when|while|as)\s+(?:the\s+)?(?:video|clip|music|song)\s+(?:starts"
                  r"|begins|ends|plays|is\s+playing|comes\s+in)\b", " ", text)  # the edit's own
    place = re.search(r"\b(?:(?:during|in|at|on|near|around|before|after|over)\s+(?:the|my|this"
                      r"|that|an?|his|her|our|their)|when|while)\s+(.*)", text)
    return place is not None and _leftover(Clause(place.group(1)))  # "during the sunset scene"


_BACK_TO_NORMAL = (r"\s*(?:(?:and|then)\s+)?(?:back\s+)?(?:to\s+)?"
                   r"(?:normal|the\s+usual|as\s+before)(?:\s+(?:level|volume|again|after(?:wards)?|after\s+that))*\s*|\s*恢复(?:正常)?\s*")


_BACK_AT = (rf"\s*(?:(?:and|then)\s+)?(?:(?:bring\s+it\s+|turn\s+it\s+|put\s+it\s+|it\s+goes\s+)?"
            rf"back(?:\s+(?:up|down|to\s+normal))?|normal\s+again|back\s+to\s+(?:the\s+)?(?:usual"
            rf"|before))"
            rf"\s+(?:at|from|after|by)\s+({T})\s*")
"""The end of a level change said after it: "... and back up at 0:20"."""


_A_PART = rf"(?:\b(?:from|between)\s+)?{T}\s*(?:to|until|till|-|–)\s*{T}"
_BARE_PART = rf"\W*(?:(?:and|also)\s+)*{_A_PART}\W*"
"""A part of the video said alone after a request about another part: the same request."""


def apply_instruction(draft: Draft, text: str, ctx: Context) -> Parsed:
    """Apply a plain-language instruction to a copy of `draft`; NotUnderstood when nothing fits."""
    if len(text) > MAX_CHARS:
        raise NotUnderstood(f"That's a long message. Please send your requests in shorter "
                            f"messages (up to {MAX_CHARS} characters).")
    marked, quotes = extract_quotes(text)
    plan = EditPlan()
    ignored: list[str] = []
    after_music = False
    head = ""  # the words before the last part of the video said ("mute the music ")
    normalised = w.normalise(marked, ctx.video_duration_ms)
    music_said = re.search(w.MUSIC, normalised) is not None
    for part in w.clauses(songs_in_turn(normalised, plan)):
        if head and re.fullmatch(_BARE_PART, part):  # "… from 0:05 to 0:10 and from 0:20 to
            part = head + re.sub(r"^\W*(?:and|also)\s+", "", part)  # 0:25": the same again
        said_part = re.search(_A_PART, part)
        head = part[:said_part.start()] if said_part and said_part.start() > 0 else ""
        if plan.window is not None and re.fullmatch(_BACK_TO_NORMAL, part):
            continue  # "quieter for the first 3 s, then back to normal": it comes back anyway
        if plan.window is not None and plan.window[0] == "after" and (
                back := re.fullmatch(_BACK_AT, part)):
            # "down at 0:10 and back up at 0:20": the change ends there
            plan.window = ("range", plan.window[1], seconds(back.group(1)), *plan.window[3:])
            continue
        before = copy.deepcopy(plan)
        clause = Clause(part, after_music)
        _read(clause, plan, draft, ctx, quotes, music_said)
        if plan == before and _leftover(clause):
            ignored.append(part)
        elif _unused(clause):  # partly read: the part left over is said, never dropped
            ignored.append(" ".join(clause.text.split()))
        after_music = plan.source != before.source or plan.volume != before.volume
    if plan.is_empty():
        problems = [n.removeprefix("not done: ") for n in plan.notes]
        problems = [n[:1].upper() + n[1:] for n in problems]
        has_video = bool(timeline_of(draft).clips)
        raise NotUnderstood("\n\n".join(problems) if problems else answer(text, has_video)
                            or "Sorry, I didn't understand that. " + HELP_TEXT)
    result = draft.copy()
    understood = apply_plan(plan, result, ctx)
    understood += [f'not understood: "{_show(part, quotes)}"' for part in ignored]
    return Parsed(result, tuple(understood))


def _show(part: str, quotes: list[str]) -> str:
    return re.sub(f"{QUOTE_MARK}(\\d+){QUOTE_MARK}", lambda m: quotes[int(m.group(1))], part)
