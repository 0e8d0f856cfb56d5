"""The parser's rules about sound: music and original levels, removal, ducking, loudness.

Each rule reads a `Clause` (core/parser/phrases.py), blanks the words it used and fills the
`EditPlan` (core/local/edit_plan.py); core/parser/instructions.py calls them in a fixed order.
"""

from __future__ import annotations

import re

from core.draft import Draft
from core.local.edits import EditPlan
from core.parser import phrases as w
from core.parser.answers import is_little, is_more
from core.parser.phrases import Clause
from core.timeline.convert import timeline_of

__all__ = ["again", "bare_level", "duck", "levels", "loudness", "original", "remove_music",
           "tone"]

_TONE = (rf"\b(?:(?:add|put|make|with|give\s+it|boost|cut|reduce|lower|raise|increase|turn\s+(?:up"
         rf"|down))\s+(?:a\s+|the\s+|some\s+|more\s+|less\s+)?)?"
         rf"(?:(?:the\s+)?beat\s+drops?|bass\s+(?:boost|drop)|drop\s+the\s+beat|(?:more|less)\s+"
         rf"(?:bass|treble)|bass|treble|pitch|equali[sz]\w*|auto-?tune)\b"
         rf"(?:\s+(?:at|from|after)\s+{w.TU})?|(?<![降提])(?:低音|高音)(?![乐量])|均衡器?")


def tone(c: Clause, plan: EditPlan) -> None:
    """The sound's tone (bass, treble, pitch, a beat drop): said not done, never read as a
    place for the music ("add a beat drop at 0:10" is not "start the music at 0:10")."""
    if c.has(r"\bbeat\s+drops?\b.*\b(?:in|of|into)\s+(?:the|my)\s+(?:song|track|music)\b"):
        return  # "the beat drops at 0:45 in the song": where to start the song (song_rules)
    if c.take(_TONE):
        plan.notes.append("not done: I can't change the sound's tone (bass, treble, pitch) or "
                          "add a beat drop")


def loudness(c: Clause, plan: EditPlan) -> None:
    if c.take(r"\b(?:don'?t|do\s+not|no|without|skip|turn\s+off)\s+(?:normali[sz]\w*|loudness)\b"):
        plan.loudness_off = True
        return
    lufs = c.take(r"(?<![\d.])([-+−]?\d{1,2}(?:\.\d+)?)\s*lufs"
                  r"|(?:lufs|loudness|normali[sz]\w*)\s*(?:of|to|at)?\s*([-−]\d{1,2}(?:\.\d+)?|"
                  r"(?<=lufs\s)\d{1,2}(?:\.\d+)?)(?![\d.%])")
    target = c.take(r"\b(?:for|on|to)\s+(?:the\s+)?(youtube|spotify|tiktok|instagram|podcasts?|"
                    r"broadcast|tv|apple|streaming)\b")
    overall = c.take(r"\b(?:(?:make|turn)\s+)?(?:(?:the\s+)?(?:whole|entire)\s+(?:video|thing|clip)"
                     r"|everything|all\s+of\s+it)\s+(?:\w+\s+){0,2}(louder|up|quieter|softer|down"
                     r"|too\s+(?:quiet|soft|loud))\b"
                     r"(?!\s*(?:to|until|till)\s+\d)"  # "keep everything up to 10:30": a cut
                     r"|\b(?:louder|quieter)\s+overall"
                     r"|\boverall\s+(?:volume\s+|sound\s+)?(?:louder|quieter|up|down)"
                     r"|\bturn\s+up\s+the\s+whole\s+(?:video|thing)")
    if overall:  # the whole mix: a loudness target, loud for the web or calm for broadcast
        said = overall.group(0)
        quiet = re.search(r"quieter|softer|down|too\s+loud", said) is not None
        plan.loudness = -23.0 if quiet else -14.0
        return
    asked = c.take(r"\bnormali[sz]\w*|\bloudness\b|\bloud\s+enough\b|\bebu\b|\br128\b|标准化|响度")
    if not (lufs or asked or (target and plan.loudness is not None)):
        if target:  # "for youtube" without loudness words: leave it to the aspect rule
            c.text = c.text[:target.start()] + target.group(0) + c.text[target.end():]
        return
    if lufs:
        value = float((lufs.group(1) or lufs.group(2)).replace("−", "-"))
        plan.loudness = -abs(value)
    else:
        where = target.group(1) if target else ""
        plan.loudness = {"broadcast": -23.0, "tv": -23.0, "podcast": -16.0, "podcasts": -16.0,
                         "apple": -16.0}.get(where, -23.0 if c.has(r"ebu|r128") else -14.0)


def duck(c: Clause, plan: EditPlan) -> None:
    speech = r"\b(?:when|while|whenever|talk\w*|speak\w*|speech|voice)"
    parts = (p for p, kind in w.WINDOWS if kind not in ("start", "end"))
    if c.has(r"\bduck\w*") and not c.has(speech) and any(c.has(p) for p in parts):
        # "duck the music between 0:10 and 0:20": a dip there, read by `window` as "lower"
        c.text = re.sub(r"\bduck\w*", "lower", c.text, count=1)
        return
    if c.take(r"\b(?:don'?t|do\s+not|no|stop|without|turn\s+off)\s+(?:duck\w*|side-?chain\w*)"):
        plan.duck = False
    elif c.take(r"\bduck\w*|\bside-?chain\w*|闪避"
                r"|(?:说话|讲话)时.*(?:降低|减小|压低|小)(?:一点|点)?(?:背景)?(?:音乐)?"
                r"|(?:\b(?:lower|quieter|softer|down|reduce|dip|mute|cut|drop|duck|stop|pause)\w*\s+(?:the\s+)?"
                r"(?:music|song|it)?\s*)?\b(?:when(?:ever)?|while|during|as)\s+(?:i|we|someone|"
                r"people|they|he|she|anyone)?\s*(?:'m|am|are|is|'re)?\s*(?:start\s+)?(?:talk|speak|say|voice|"
                r"speech|dialog)\w*|\bunder\s+(?:my\s+|the\s+)?(?:voice|speech|talking|dialog\w*)"):
        plan.duck = True
        if c.take(r"\bby\s+\d+(?:\.\d+)?\s*(?:%|percent|db)|\b(?:more|less|harder|softer|deeper)\b"
                  r"|\b(?:more\s+|less\s+)?aggressive(?:ly)?\b") or re.match(r"\s*(?:more|less)\b",
                                                                        c.said):
            plan.notes.append("not done: how far the music goes down under speech is fixed")
        c.take(r"\b(?:when(?:ever)?|while|during|as)\s+(?:i|we|someone|people|they|he|she|anyone)?"
               r"\s*(?:'m|am|are|is|'re)?\s*(?:talk|speak|say|voice|speech|dialog)\w*")  # "duck
        # the music when I talk": the rest of the words are the duck's too


_WHEN_VERBS = (r"\b(?:stop|end|start|begin|finish|cut|trim|kick\s+in|come\s+in)\w*"
               r"(?:\s+(?:it|the\s+(?:music|song|video|clip)))?\s*$")
"""Words that make the number after "at" a time: "stop at 25" is never a level."""


def _hearing(c: Clause) -> tuple[str, float] | None:
    """What people say they cannot hear: the voice under the music (the music goes down) or
    the music itself (it goes up)."""
    if c.take(r"\b(?:can'?t|cannot|can\s+not|barely|hardly)\s+(?:even\s+)?(?:hear|understand)\s+"
              r"(?:myself|me|us|him|her|them|anyone|my\s+(?:own\s+)?(?:voice|words|self)|the\s+"
              r"(?:voices?|talking|speech|dialog\w*|words|narration|speaker)|what\s+(?:i|we|he|she|"
              r"they|people)(?:'m|'re|'s|\s+am|\s+are|\s+is)?\s+(?:say|said|saying))\b"
              r"|听不[到见清](?:我|人|说话|人声|原声|自己)"
              r"|(?:音乐|背景音乐|配乐)(?:盖住|盖过|压住|淹没|压过)了?(?:我的)?(?:声音|人声|原声|说话)"):
        return "factor", 0.7  # the music covers the voice: it goes down
    if c.take(r"\btoo\s+(?:quiet|soft|low)\b|听不[到见清]|太(?:小声|小|轻)|\binaudible\b"
              r"|\bhard\s+to\s+hear\b"
              r"|\b(?:can'?t|cannot|can\s+not|barely|hardly)\s+(?:even\s+)?hear\b"):
        return "factor", 1 / 0.7
    return None


def _named_level(c: Clause) -> tuple[str, float] | None:
    """Levels said in words: "barely audible", "50/50", "half the music volume", "at zero",
    "full volume", "halve it", "by half", "double"."""
    if c.take(r"\bbarely\s+audible\b|\bsubtle\b|\b(?:very\s+)?faint\b"
              r"|\bjust\s+in\s+the\s+background\b"):
        return "abs", 0.15
    if c.take(r"\b50\s*/\s*50\b|\b(?:equal|same|balanced?)\s+(?:volume|level|loudness)"):
        return "abs", 1.0  # as loud as the original sound
    if c.take(r"\bhalf\s+the\s+(?:music(?:'s)?|song(?:'s)?|background)\s+(?:volume|level)\b"):
        return "factor", 0.5  # "half the music volume": half of what it is
    if c.take(r"\b(?:at|to)\s+zero\b(?:\s+(?:volume|percent))?"):
        return "abs", 0.0
    if c.take(r"\bhalf\s+(?:the\s+)?volume\b|\b(?:to|at)\s+half\b"):
        return "abs", 0.5
    if m := c.take(r"\b(?:to|at)\s+(?:a\s+|one\s+)?(quarter|third)(?:\s+(?:of\s+the\s+)?volume)?"
                   r"\b"):
        return "abs", 0.25 if m.group(1) == "quarter" else 0.33
    if c.take(r"\bfull\s+volume\b|\bmax(?:imum)?\s+volume\b"):
        return "abs", 1.0
    if c.take(r"\bhalve\b|\bhalf\s+as\s+loud\b|\b(?:volume|level)\s+in\s+half\b"
              r"|减半|减小一半|降低一半"):
        return "factor", 0.5
    if c.take(r"\bby\s+(?:a\s+)?half\b"):
        return "factor", 1.5 if c.has(w.LOUDER) else 0.5
    if c.take(r"\bdouble\b|\btwice\s+as\s+loud\b|(?:加大|大|提高|增大|调大)一倍|翻倍"):
        return "factor", 2.0
    if m := c.take(r"(?<![\d.])(\d{1,2}(?:\.\d)?|two|three|four|five)\s*(?:x|times)\s+(?:as\s+)?"
                   r"(louder|loud|higher|quieter|softer|lower)\b"):  # "2x louder", "3 times less"
        said = {"two": "2", "three": "3", "four": "4", "five": "5"}.get(m.group(1), m.group(1))
        times = min(max(float(said), 1.0), 10.0)
        return "factor", times if m.group(2) in ("louder", "loud", "higher") else 1 / times
    return None


def _extreme(c: Clause) -> tuple[str, float] | None:
    """ "music to max", "all the way up", "at minimum", "all the way down"."""
    if c.take(r"\b(?:(?:to|at)\s+(?:the\s+)?max(?:imum)?|max(?:imum)?\s+(?:volume|level|it)"
              r"|all\s+the\s+way\s+up|as\s+loud\s+as\s+(?:it\s+)?(?:can|possible|it\s+goes))\b"
              r"|最大(?:声|音量)?"):
        return "abs", 1.0  # as loud as a track plays: its own level
    if c.take(r"\b(?:to|at)\s+(?:the\s+)?(?:min(?:imum)?|lowest)\b|\bas\s+(?:quiet|low|soft)\s+as"
              r"\s+(?:it\s+)?(?:can|possible)|最小(?:声|音量)?"):
        return "abs", 0.1  # "music at minimum": still there, only just
    if c.take(r"\ball\s+the\s+way\s+down\b"):
        return "abs", 0.0
    return None


def levels(c: Clause) -> tuple[str, float] | None:
    """("abs", volume) or ("factor", multiplier) for the level words of a clause."""
    if m := c.take(r"(\bby\s+|\b(?:up|down)\s+|(?<![\w.%])[+\-−]\s*|(?:调高|调低|提高|降低|增加"
                   r"|减少|加大|减小|调大|调小)了?\s*)?"
                   r"(\d+(?:\.\d+)?)\s*(?:%|percent|per\s+cent|pct)"
                   r"(\s+(?:quieter|softer|lower|less|louder|higher|more|up|down)\b)?"):
        share = float(m.group(2)) / 100
        said = (m.group(1) or "") + (m.group(3) or "")  # "up 20%", "20% down": a step
        down = c.has(w.QUIETER) or re.search(w.QUIETER + r"|less|down|调低|降低|减少|减小|调小"
                                             r"|^[-−]", said) is not None
        up = c.has(w.LOUDER) or re.search(w.LOUDER + r"|more|up|调高|提高|增加|加大|调大|^\+",
                                          said) is not None
        if (m.group(1) or m.group(3)) and down and share >= 1:
            c.take(w.QUIETER)
            return "abs", 0.0  # "music -100%": nothing left of it
        if (m.group(1) or m.group(3)) and (down or up) and share < 1 + up:
            c.take(w.QUIETER if down else w.LOUDER)  # "20% quieter" is a step, not a level
            return "factor", 1 - share if down else 1 + share
        return "abs", share
    if m := c.take(r"\b(\d{1,2}(?:\.\d)?)\s*(?:/|out\s+of|over)\s*10\b(?!\s*(?:s|seconds?|秒))"):
        return "abs", min(float(m.group(1)), 10.0) / 10  # "music to 3/10", "7 out of 10"
    if named := _extreme(c):
        return named
    if m := c.take(r"(?:\bvolume|\blevel|\bvol|音量)\s*"
                   r"(?:to|at|of|=|:|is|调到|调至|设为|设置为|为|到)?\s*(\d+(?:\.\d+)?)"
                   r"(?!\s*(?:db|s\b|seconds|秒|/|out\s+of))"):
        value = float(m.group(1))
        return "abs", value if value <= 2 else value / 100
    if m := c.take(r"\b(?:to|at)\s+(0?\.\d+|[012]\.\d+)(?![\d:%])"):
        return "abs", float(m.group(1))
    bare = re.search(r"\b(?:at|to)\s+(\d{1,3})"
                     r"(?![\d:.%/]|\s*(?:ms|s|sec|seconds?|m|min|minutes?|h|x|times|fps|p)\b)",
                     c.text)
    if bare and not re.search(_WHEN_VERBS, c.text[:bare.start()]):
        c.take(re.escape(bare.group(0)))
        return "abs", float(bare.group(1)) / 100  # "music at 30": a bare level is a percentage
    down = c.has(w.QUIETER) or c.has(r"\bdown\b")
    if m := c.take(r"(\b(?:at|to)\s+)?(?:\bby\s+)?(?<![\d.])([-+−]?\d{1,3}(?:\.\d+)?)\s*"
                   r"(?:db\b|分贝)"):
        db = float(m.group(2).replace("−", "-"))
        if m.group(2)[0] in "+-−":  # "+3 dB" is a step; "at -6 dB" and new music are levels
            adding = re.search(r"\b(?:add|put|use|play|with|insert)\b", c.said) is not None
            return ("abs" if m.group(1) or adding else "factor"), 10 ** (db / 20)
        if down or c.has(w.LOUDER) or c.has(r"\bup\b|调高|提高|增加|加大"):
            c.take(w.QUIETER if down else w.LOUDER)
            c.take(r"\b(?:down|up)\b")
            return "factor", 10 ** ((-db if down else db) / 20)
        return "abs", 10 ** (-db / 20)
    if named := _named_level(c):
        return named
    if heard := _hearing(c):
        return heard
    if c.take(r"\b(?:(?:not|don'?t|do\s+not|never)(?:\s+make\s+(?:it|the\s+music))?|no)\s+"
              r"(?:any\s+)?(?:louder|quieter|softer|lower|higher)\b|不要(?:再)?(?:大声|小声)"):
        return None  # "don't make it louder": the level stays (answers.py says so)
    step = 0.85 if c.has(w.LITTLE) else 0.5 if c.has(w.MUCH) else 0.7
    too_loud = r"\btoo\s+loud\b|太(?:大声|吵|响|大)|\bdrown\w*|\boverpower\w*|\bcover\w*\s+up"
    if (q := c.take(too_loud) or c.take(w.QUIETER)) or c.take(w.LOUDER):
        return "factor", step if q else 1 / step
    return None


def remove_music(c: Clause, plan: EditPlan) -> bool:
    if c.take(r"\b(?:keep|leave|want|use)\s+(?:only|just)\s+(?:my\s+|the\s+)?(?:own\s+)?(?:voice"
              r"|audio|sound|original(?:\s+(?:sound|audio))?)\b|^\W*(?:only|just)\s+(?:my\s+)?(?:own\s+)?"
              r"(?:voice|original\s+(?:sound|audio))\W*(?:please)?\W*$|只要原声|只保留原声|只要我的声音"):
        plan.source, plan.original, plan.original_volume = "remove", "keep", 1.0  # "only my voice"
        return True
    if c.take(r"\b(?:don'?t|do\s+not|never|not)\s+(?:remove|delete|drop|mute|kill|lose|cut)\s+"
              r"(?:the\s+)?(?:background\s+)?(?:music|song)\b"):
        plan.notes.append("the music stays as it is")
        return True
    if c.take(r"\b(?:remove|delete|drop|no|without|get\s+rid\s+of|take\s+out|take\s+off|mute|"
              r"turn\s+off|kill|lose|ditch|clear|strip)\s+(?:all\s+(?:of\s+)?(?:the\s+)?|the\s+|any\s+|"
              r"that\s+|this\s+)?(?:background\s+)?(?:music|song|soundtrack|track|bgm)s?\b"
              r"|^\W*(?:the\s+)?(?:background\s+)?(?:music|song|soundtrack|bgm)\s+(?:off|gone|out)\W*$"
              r"|(?:去掉|删除|删掉|移除|不要|取消|关闭|关掉)(?:背景)?(?:音乐|歌曲?|配乐)|(?:音乐|配乐)静音"):
        plan.source = "remove"
        return True
    return False


def original(c: Clause, plan: EditPlan) -> bool:
    """The original sound, when the clause is about it (or is a bare "mute")."""
    bare_mute = (r"^\s*(?:please\s+)?(?:mute|silence)(?:\s+(?:it|the\s+video|this|everything|"
                 r"the\s+clip))?\s*$|\bno\s+sound\b|\bsilent\b|静音|^\s*(?:please\s+)?(?:mute|remove|no"
                 r"|turn\s+off|kill|cut|drop|delete|disable)\s+(?:the\s+|all\s+)?(?:audio|sound|voices?)"
                 r"(?:\s+(?:please|completely|entirely))?\s*$")
    if not c.has(w.MUSIC) and c.take(bare_mute):
        plan.original, plan.original_volume = "mute", None
        return True
    if not c.has(w.MUSIC) and c.take(r"^\s*(?:please\s+)?unmute\b"):
        plan.original, plan.original_volume = "keep", 1.0
        return True
    if c.take(r"\b(?:replace|swap|switch)\s+(?:the\s+|my\s+)?(?:original\s+)?"
              r"(?:audio|sound|voice)\b"
              r"|\binstead\s+of\s+(?:the\s+|my\s+)?(?:original\s+)?(?:audio|sound|voice)\b"
              r"|只要音乐|只有音乐") or _only_music(c):
        plan.original, plan.original_volume = "mute", None
        plan.source = plan.source or "any"
        return False  # the music words are read next: "replace my audio with lofi music"
    if than := c.take(r"\b(quieter|softer|lower|louder|higher)\s+than\s+(?:my\s+|the\s+)?"
                      r"(?:original\s+)?(?:voice|audio|sound|talking|speech)\b"):
        plan.volume_factor = 0.7 if than.group(1) not in ("louder", "higher") else 1 / 0.7
        return False  # "music quieter than my voice" is about the music
    first_original = re.search(w.ORIGINAL, c.text)
    first_music = re.search(w.MUSIC + "|" + w.UPLOAD, c.text)
    if not first_original or (first_music and first_music.start() < first_original.start()):
        return False
    c.take(w.ORIGINAL)
    if c.take(r"\b(?:don'?t|do\s+not|never|not|no\s+need\s+to)\s+(?:\w+\s+)?(?:mute|silence|remove"
              r"|delete|drop|cut|lose|kill|strip|lower|reduce|turn\s+(?:off|down)|get\s+rid\s+of"
              r"|touch|change|alter)\w*"
              r"|不要(?:去掉|删除|静音|关掉)|别(?:去掉|删除|静音|关掉)"):
        plan.original, plan.original_volume = "keep", 1.0
        return True
    if c.take(r"\bkeep\s+(?:it\s+)?(?:loud|audible|clear|full|at\s+full\s+volume"
              r"|as\s+(?:it\s+)?is)\b"):
        plan.original, plan.original_volume = "keep", 1.0  # "keep my voice loud"
        return True
    if c.take(r"\b(?:mute\w*|silence|remove|delete|drop|no|without|turn\s+off|get\s+rid\s+of|kill|"
              r"lose|cut|strip|disable|off)\b|去掉|删除|关闭|关掉|不要|静音"):
        plan.original, plan.original_volume = "mute", None
        if c.take(rf"\b(?:for|in|during)\s+the\s+(?:first|last)\s+{w.T}|\bfrom\s+{w.T}\s+to\s+{w.T}"
                  rf"|\b(?:at|after|until|till)\s+{w.TU}"):
            plan.notes.append("your sound is muted for the whole video (I can't mute just a part)")
        return True
    level = levels(c) or bare_level(c)
    while level is not None and (c.take(w.QUIETER) or c.take(w.LOUDER)):
        pass  # "lower the original to 20%": the verb belongs to the level
    if level is not None and level[0] == "abs":
        plan.original, plan.original_volume = "lower", min(level[1], 1.0)
    elif level is not None:
        plan.original, plan.original_factor = None, level[1]
        plan.original_factor_said = re.search(r"\d|\bhal(?:f|ve)\b|\bdouble\b|\btwice\b|一半",
                                              c.said) is not None
    elif c.take(r"\b(?:keep|leave|preserve|retain|with|hear|restore|unmute|bring\s+back|back)\b"
                r"|保留|恢复|取消静音"):
        plan.original, plan.original_volume = "keep", 1.0
    return True


_ONLY_MUSIC = (r"\b(?:only|just)\s+(?:the\s+)?music\b|\bmusic\s+only\b")
_ONLY_WHEN = re.compile(r"\s*(?:at|in|for|during|from|after|until|till|to|between|before|on|when"
                        r"|while|since|starting|\d)\b|\s*\d")


def _only_music(c: Clause) -> bool:
    """ "only music", "music only": the music instead of the original sound, unless the words
    after it say when ("music only from 0:05 to 0:20", read in the request as said, before
    other rules blanked its times) or a time came before the "only" ("music for the first 15
    seconds only"): then "only" is about the time."""
    for m in re.finditer(_ONLY_MUSIC, c.said):
        if c.text[m.start():m.end()] == m.group(0) and not _ONLY_WHEN.match(c.said[m.end():]):
            c.text = c.text[:m.start()] + " " * len(m.group(0)) + c.text[m.end():]
            return True
    return False


def bare_level(c: Clause) -> tuple[str, float] | None:
    """ "original 50", "music 10": a number left alone after the words it goes with."""
    said_alone = (r"\W*(?:the\s+)?(?:music|song|bgm|original|voice|my\s+(?:voice|audio|sound)|音乐"
                  r"|原声|背景音乐)(?:\s+(?:audio|sound|volume|level))?\s*(?:at\s+|to\s+)?"
                  r"\d{1,3}(?:\.\d+)?\W*")
    alone = r"^\W*(?:(?:the\s+)?(?:music|song|音乐)\s*)?(\d{1,3}(?:\.\d+)?)\W*$"
    if re.fullmatch(said_alone, c.said) and (m := c.take(alone)):
        value = float(m.group(1))
        return "abs", value if value <= 2 and "." in m.group(1) else value / 100
    return None


def again(c: Clause, plan: EditPlan, draft: Draft) -> bool:
    """ "a bit more", "even more": the last volume step again (a smaller one for "a bit")."""
    last = timeline_of(draft).last_step
    if last is None or not is_more(c.text):
        return False
    factor = last.factor ** (0.5 if is_little(c.text) else 1.0)
    plan.repeat = True
    if last.target == "original":
        plan.original_factor = factor
    else:
        plan.volume_factor = factor
    c.text = ""
    return True
