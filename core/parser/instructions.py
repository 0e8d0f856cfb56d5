"""The instruction parser: plain English (and basic Chinese) to edits on a local draft.

`apply_instruction` splits the text into requests ("a, b and c"), reads each with a few
rules in a fixed order (title, "a bit more", loudness, ducking, picture, fades, fit, trim,
music end, song offset, start, removal, original sound, music, volume), collects a `EditPlan`,
and writes it into a copy of the draft (core/local/edits.py). Rules blank the words they use, so
"fade in 2s" does not also start the music at 2 s. The sound rules live in
core/parser/sound_rules.py, the picture and title rules in core/parser/shape_rules.py, the
video's cut points in core/parser/trim_rules.py; a
message with no
edit in it (thanks, hello, things Backtrack cannot do) gets its answer from core/parser/answers.py.
Undo and export are routed elsewhere.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass

from core.draft import Draft
from core.errors import NotUnderstood
from core.local.edits import DEFAULT, Context, EditPlan, MusicRef, apply_plan
from core.music.moods import SAY_MOODS
from core.parser import phrases as w
from core.parser import shape_rules as shape
from core.parser import sound_rules as sound
from core.parser import trim_rules
from core.parser.answers import HELP_TEXT, answer
from core.parser.phrases import QUOTE_MARK, TU, Clause, T, seconds
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


# Rules ---------------------------------------------------------------------------------

def _fades(c: Clause, plan: EditPlan, draft: Draft) -> None:
    off = c.take(r"\b(?:no|without|remove|don'?t|do\s+not|skip)\s+(?:the\s+|a\s+|any\s+)?"
                 r"fad(?:e|es|ing)(?:\s+(in|out))?\b"
                 r"|(?:不要|别|去掉|取消|没有|不)(?:(淡入)|(淡出)|淡入淡出)")
    if off:
        which = "in" if off.group(2) else "out" if off.group(3) else off.group(1)
        if which != "out":
            plan.fade_in = 0.0
        if which != "in":
            plan.fade_out = 0.0
    it = r"(?:it\s+|(?:the\s+)?(?:music|song)\s+|this\s+)?"
    pattern = (rf"(?P<out>\bfad(?:e|es|ed|ing)\s+{it}(?:out|away)\b"
               rf"(?:(?:\s+(?:the\s+)?(?:music|song))?\s+(?:at|towards?|near)\s+the"
               rf"\s+(?:very\s+)?end\b(?!\s+(?:over|for|in|during|lasting|\d)))?"
               r"|\bfad(?:e|es|ed|ing)\s+(?:it\s+)?(?:at|by|towards|near)\s+the\s+end\b|^\s*(?:it\s+)?out\b(?=\s+(?:over|for|in|"
               r"during|\d))|(?:在)?(?:结尾|末尾|最后)(?:处|时|的时候)?(?:音乐)?淡出|淡出|渐出|渐弱)"
               rf"|(?P<in>\bfad(?:e|es|ed|ing)\s+{it}in\b|\bfad(?:e|es|ed|ing)\s+(?:it\s+)?(?:at|from)"
               r"\s+the\s+(?:start|beginning)\b|淡入|渐入|渐强)|(?P<bare>\bfad(?:e|es|ed|ing)\b)")
    pace = (c.take(r"\b(slow|gentle|smooth|soft|long|gradual|quick|fast|short|sharp|brief)(?:er)?"
                   r"\s+(?=fad)")
            or c.take(r"(?:(?<=\bin\s)|(?<=\bout\s))\s*(?:more\s+)?(slow|gentle|smooth|long"
                      r"|gradual|quick|fast|short)(?:er|ly)?\b"))
    default = DEFAULT if not pace else 5000.0 if pace.group(1) in (
        "slow", "gentle", "smooth", "soft", "long", "gradual") else 1000.0
    found = list(re.finditer(pattern, c.text))
    for i, m in enumerate(found):
        after_end = found[i + 1].start() if i + 1 < len(found) else len(c.text)
        after = re.match(rf"\s*(?:(?:the\s+)?(?:music|song)\s+)?(?:at\s+the\s+end\s*)?"
                         rf"(?:over|for|of|in|during|lasting|the\s+last"
                         rf"|last|the\s+first|to|should\s+be|=|:|is)?\s*(?:the\s+first\s+)?"
                         rf"(?:the\s+last\s+)?({T})", c.text[m.end():after_end])
        before = re.search(rf"({T})\s*-?\s*(?:long\s+)?$", c.text[:m.start()])
        ends = re.match(rf"\s*(?:at|by|after|ending\s+at)\s+({TU})", c.text[m.end():after_end])
        if ends and not m.group("in"):  # "fade out at 0:20": the music ends there
            plan.until, after = seconds(ends.group(1)), None
            length, span = default, (m.end(), m.end() + ends.end())
        elif after:
            length, span = seconds(after.group(1)), (m.end(), m.end() + after.end())
        elif too := re.match(r"\s*(?:is\s+|was\s+)?(?:way\s+|a\s+bit\s+|much\s+)?too\s+(long|slow"
                             r"|short|fast|quick|abrupt|sudden)\b", c.text[m.end():after_end]):
            song = timeline_of(draft).song
            now = float((song.fade_in if m.group("in") else song.fade_out) if song else 0)
            now = now or (2000.0 if m.group("in") else 3000.0)
            length = now / 2 if too.group(1) in ("long", "slow") else now * 2
            span = (m.end(), m.end() + too.end())
        elif before:
            length, span = seconds(before.group(1)), (before.start(), m.start())
        else:
            length, span = default, (m.start(), m.start())
        if m.group("in"):
            plan.fade_in = length
        else:
            plan.fade_out = length
        c.text = c.text[:span[0]] + " " * (span[1] - span[0]) + c.text[span[1]:]
    c.take(pattern)
    while c.take(pattern):
        pass


def _fit(c: Clause, plan: EditPlan) -> None:
    # "cut from 1:30 to the end" is the video's end; "music from 0:05 to the end" the music's
    to_the_end = ("" if c.has(w.MUSIC) else r"(?<!\d\s)") + r"\b(?:till|until|to)\s+the\s+end\b"
    if c.take(r"\b(?:don'?t|do\s+not|no|without|never|stop)\s+(?:loop|repeat)\w*|\bplay(?:s|ed)?"
              r"\s+(?:it\s+|the\s+(?:music|song)\s+)?(?:only\s+|just\s+)?once\b|\b(?:only|just)\s+"
              r"once\b|\bone\s+time\b|不(?:要)?循环|播放一次|只播一次"):
        plan.fit = "once"
    elif c.take(w.BACK_TIME):
        plan.align = "end"  # the song's own ending on the video's last frame
    elif c.take(r"\btoo\s+short\b|\bends?\s+too\s+(?:early|soon)|\bsilen\w*\s+at\s+the\s+end"
                r"|\bstops?\s+(?:before|early|too\s+soon)"):
        plan.fit, plan.until = "loop", 0.0  # "the song ends too early": play to the end
    elif c.take(r"\bloop\w*|\brepeat\w*|循环|\btwice\b(?!\s+as)"
                r"|\b\d+\s+times\b(?!\s+(?:as|louder|quieter))"):
        plan.fit = "loop"
    elif c.take(r"\b(?:cut|trim|end|stop)\s+(?:the\s+)?(?:music|song)\s+(?:at|to|with)\s+"
                r"(?:the\s+)?(?:end|video)\b|\bfit\s+(?:the\s+)?(?:music|song)\b|\bmatch\s+(?:the\s+)?"
                r"(?:video(?:'s)?\s+)?length\b|\ball\s+the\s+way\b|" + to_the_end):
        plan.fit, plan.until = "trim", 0.0


def _offset(c: Clause, plan: EditPlan) -> None:
    if not (c.has(w.MUSIC + r"|跳过") or (c.after_music and c.has(r"\bskip\b"))):
        return
    if c.take(r"\bfrom\s+the\s+(?:start|beginning)\s+of\s+the\s+(?:song|music|track)"):
        plan.offset = 0.0
        return
    m = (c.take(rf"\b(?:from|at)\s+({T})\s+(?:of|in|into)\s+(?:the\s+|my\s+|this\s+)?"
                rf"(?:song|music|track|tune|audio)")
         or c.take(rf"({T})\s+into\s+(?:the\s+)?(?:song|music|track)")
         or c.take(rf"\b(?:skip|{w.DROP_VERBS})(?:the\s+)?(?:first\s+)?({T})")
         or (None if c.has(r"\b(?:add|put|insert|bring|overlay)\b|加") else
             c.take(rf"\bfrom\s+({TU})(?!\s+(?:of|in)\s+the\s+video)")
             if not re.search(r"\b(?:until|till|to)\s+the\s+end\b", c.said) else None)
         or c.take(rf"(?:跳过|去掉)(?:歌曲?|音乐)?的?前?\s*({T})|从(?:歌曲?|音乐)的?\s*({T})"))
    if m:
        plan.offset = seconds(next(g for g in m.groups() if g))
        c.take(_START_WORDS)


def _until(c: Clause, plan: EditPlan, ctx: Context, draft: Draft) -> None:
    """Where the music stops: "music from 0:05 to 0:20", "stop the music at 0:20", "3 seconds
    before the end"."""
    if not (c.has(w.MUSIC) or c.after_music or c.has(r"\b(?:stop|end)\s+it\b")):
        return
    if c.has(r"\b(?:stop|end|ends|ending|finish|cut)\w*\b|结束|停") and (
            early := c.take(_BEFORE_THE_END)):
        length = _video_length(draft, ctx)
        if length:
            plan.until = max(length - seconds(next(g for g in early.groups() if g)), 100.0)
        else:
            plan.notes.append("not done: I don't know the video's length for that")
        c.take(r"\b(?:stop|end|cut|finish)\w*(?:\s+(?:the\s+)?(?:music|song|it))?\b")
        return
    if quiet := c.take(rf"\b(?:silence|mute|no|without)\s+(?:the\s+)?(?:music|song)\s+(?:for|in|"
                       rf"during)\s+the\s+first\s+({T})|\bfirst\s+({T})\s+(?:without|with\s+no|no)"
                       rf"\s+(?:the\s+)?(?:music|song)"):
        plan.start = seconds(next(g for g in quiet.groups() if g))  # "no music in the first 3 s"
        return
    if after := c.take(rf"\bno\s+(?:more\s+)?(?:music|song)\s+(?:after|from|past|beyond)\s+({T})"):
        plan.until = seconds(after.group(1))  # "no music after 0:20"
        return
    if rng := c.take(rf"\bfrom\s+({T})\s*(?:to|until|till|-|–)\s*({TU})|从\s*({T})\s*到\s*({TU})"):
        a, b = (g for g in rng.groups() if g)
        if seconds(b) > seconds(a, b):
            plan.start, plan.until = seconds(a, b), seconds(b)
        return
    if m := (c.take(rf"\b(?:stop|end|cut|finish)\w*\s+(?:the\s+)?(?:music|song|it)?\s*"
                    rf"(?:at|after|by)\s+({T})")
             or c.take(rf"\b(?:until|till|up\s+to)\s+({T})|(?:到|在)\s*({TU})\s*(?:结束|停)")
             or c.take(rf"\b(?:for|in|during)\s+(?:only\s+)?the\s+first\s+({T})"
                       rf"|\bfirst\s+({T})\s+only")):
        plan.until = seconds(next(g for g in m.groups() if g))
    elif m := c.take(rf"\b(?:for|lasting)\s+(?:only\s+|just\s+)?({TU})"):
        plan.music_length = seconds(m.group(1))


_BEFORE_THE_END = (
    rf"\b({T})\s+(?:before\s+the\s+(?:very\s+)?end(?:\s+of\s+the\s+(?:video|clip))?"
    rf"|before\s+the\s+(?:video|clip)\s+(?:ends|is\s+over|finishes)|(?:too\s+)?early|earlier)\b"
    rf"|(?:结束前|提前)\s*({T})")
"""A music end counted back from the video's end: "stop the music 3 s before the end"."""


def _video_length(draft: Draft, ctx: Context) -> float | None:
    """The length the video plays for: its trim when there is one, else the clip's."""
    timeline = timeline_of(draft)
    if timeline.trim is not None:
        return float(timeline.trim[1] - timeline.trim[0])
    return ctx.video_duration_ms or timeline.full_length or None


_START_WORDS = (r"\b(?:start|begin|kick\s+in|come\s+in|bring\s+in|play)\w*"
                r"(?:\s+(?:the\s+)?(?:music|song|track|it))?\b")
"""The verb of a start or offset already read from its time ("start the song at 1:30")."""


def _start(c: Clause, plan: EditPlan, ctx: Context, draft: Draft) -> None:
    if c.has(r"\b(?:stop|end|ends|cut|finish|until|till)\b|结束|停"):
        return  # an end we could not read is not a start
    if shift := c.take(rf"({TU})\s+(later|earlier|sooner)\b"):
        song = timeline_of(draft).song
        now = float(song.start) if song is not None else 0.0
        step = seconds(shift.group(1)) * (1 if shift.group(2) == "later" else -1)
        plan.start = max(now + step, 0.0)
        c.take(_START_WORDS)
        return
    if c.take(r"\b(?:from|at)\s+the\s+(?:very\s+)?(?:start|beginning)\b|从头"):
        plan.start = 0.0
        return
    if last := c.take(rf"\b(?:(?:for|in|during)\s+(?:only\s+)?|only\s+(?:for\s+|in\s+)?)the\s+"
                      rf"last\s+({T})|\blast\s+({T})\s+only"):
        length = _video_length(draft, ctx)
        if length:  # "music for the last 10 seconds"
            plan.start = max(length - seconds(next(g for g in last.groups() if g)), 0.0)
        return
    m = (c.take(rf"\bdelay(?:ed)?\s+(?:the\s+(?:music|song)\s+|it\s+)?(?:by\s+)?({T})")
         or c.take(r"\b(?:start|begin|kick\s+in|come\s+in)\w*\s+(?:the\s+(?:music|song)\s+|it\s+)?"
                   r"(?:at|after|from)\s+(\d+(?:\.\d+)?)(?![\d:.%]|\s*(?:ms|s|secs?|seconds?|m|mins?|minutes?|h|hours?)(?![a-z])|\s*[秒分])")
         or c.take(rf"\b(?:at|after|from)\s+({TU})")
         or c.take(rf"(?:从)?第?\s*({TU})\s*(?:开始|后)")
         or (c.take(rf"({TU})\s+in\b") if c.has(r"\b(?:start|begin|come|kick|bring)") else None))
    if not m:
        return
    at = seconds(next(g for g in m.groups() if g))
    if ctx.video_duration_ms is not None and at >= ctx.video_duration_ms and c.has(w.MUSIC):
        plan.offset = at  # past the end of the video: they mean a point in the song
    else:
        plan.start = at
    c.take(_START_WORDS)


def _music(c: Clause, plan: EditPlan, draft: Draft, ctx: Context) -> None:
    if c.take(w.FETCH):
        plan.notes.append(w.SONG_BY_NAME)
        c.text = ""
        return
    if c.take(r"\b(?:keep|leave)\s+(?:the\s+)?(?:music|song)\b"):
        plan.source = plan.source or "any"
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
                r"|^\W*(?:some\s+|the\s+)?(?:(?!(?:less|more|no|louder|quieter)\b)[a-z]+\s+)?"
                r"(?:music|song|音乐)\W*(?:please)?\W*$"):
        plan.source = plan.source or "any"


def _read(c: Clause, plan: EditPlan, draft: Draft, ctx: Context, quotes: list[str]) -> None:
    shown = timeline_of(draft).title
    if shape.title(c, plan, quotes, shown.text if shown else None) or sound.again(c, plan, draft):
        return
    sound.loudness(c, plan)
    sound.duck(c, plan)
    sound.window(c, plan)
    shape.join(c, plan)
    shape.file_size(c, plan)
    shape.picture(c, plan)
    _fades(c, plan, draft)
    _fit(c, plan)
    trim_rules.trim(c, plan)
    _until(c, plan, ctx, draft)
    _offset(c, plan)
    _start(c, plan, ctx, draft)
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
           r"|soft\w*|lower|higher|seconds?|minutes?|fade\w*)\b|开头|结尾|中间|秒|分钟")
"""Words that carry part of a request: left over after the rules, that part was not done."""


def _unused(c: Clause) -> bool:
    text = re.sub(r"\b(?:not|instead\s+of|rather\s+than)\s+\S+", " ", c.text)  # "6s not 3s"
    text = re.sub(r"(?<![\d.:])\d+(?![\d.:]|\s*(?:%|s\b|ms\b|seconds?|minutes?|秒|分))", " ", text)
    return re.search(_SIGNAL, text) is not None


_BACK_TO_NORMAL = (r"\s*(?:(?:and|then)\s+)?(?:back\s+)?(?:to\s+)?"
                   r"(?:normal|the\s+usual|as\s+before)(?:\s+(?:level|volume|again|after(?:wards)?|after\s+that))*\s*|\s*恢复(?:正常)?\s*")


def apply_instruction(draft: Draft, text: str, ctx: Context) -> Parsed:
    """Apply a plain-language instruction to a copy of `draft`; NotUnderstood when nothing fits."""
    if len(text) > MAX_CHARS:
        raise NotUnderstood(f"That's a long message. Please send your requests in shorter "
                            f"messages (up to {MAX_CHARS} characters).")
    marked, quotes = w.extract_quotes(text)
    plan = EditPlan()
    ignored: list[str] = []
    after_music = False
    for part in w.clauses(songs_in_turn(w.normalise(marked, ctx.video_duration_ms), plan)):
        if plan.window is not None and re.fullmatch(_BACK_TO_NORMAL, part):
            continue  # "quieter for the first 3 s, then back to normal": it comes back anyway
        before = copy.deepcopy(plan)
        clause = Clause(part, after_music)
        _read(clause, plan, draft, ctx, quotes)
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
