"""The built-in moods: what each one plays (General MIDI programs, tempo range, keys, chord
language, parts and drum feel) and the words people use for it, in English and Chinese.

Chords are written as Roman numerals relative to the key's tonic: upper case is major, lower
case minor, a leading "b" lowers the root a semitone, and a suffix adds colour ("7", "maj7",
"9", "maj9", "add9", "sus2", "sus4", "6", "dim"). "ii7/V7" is two chords in one bar.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAJOR = (0, 2, 4, 5, 7, 9, 11)
MINOR = (0, 2, 3, 5, 7, 8, 10)
DORIAN = (0, 2, 3, 5, 7, 9, 10)


@dataclass(frozen=True)
class Part:
    """One instrument: a General MIDI program (0-based), how it plays, its level and place."""

    program: int
    style: str
    velocity: int = 80
    pan: int = 64
    octave: int = 0
    """Shift from the style's usual register, in octaves."""


@dataclass(frozen=True)
class Mood:
    name: str
    zh: str
    blurb: str
    words: tuple[str, ...]
    """English and Chinese words (regular expressions) that ask for this mood."""
    bpm: tuple[int, int]
    keys: tuple[int, ...]
    """Tonic pitch classes (0 = C) the seed picks from."""
    scale: tuple[int, ...]
    verses: tuple[str, ...]
    """Four-bar progressions; each section of the body plays one."""
    cadence: str
    """The chord of the bar before the final one, which resolves to `final`."""
    final: str
    chords: Part
    bass: Part
    lead: Part | None
    pad: Part | None
    drums: str
    swing: float = 0.5
    """Where the off-beat eighth falls, as a share of the beat (0.5 straight, ~0.6 swung)."""
    lead_density: float = 0.6
    reverb: int = 60
    zh_blurb: str = ""
    """`blurb` in Chinese (what `moods` says to people writing in Chinese)."""


MOODS: dict[str, Mood] = {m.name: m for m in (
    Mood("lofi", "低保真", "lo-fi beats: electric piano, soft bass, lazy swung drums",
         (r"lofi", r"lo-fi", r"chill\w*", r"study\w*", r"mellow", r"lazy", r"chillhop",
          r"hip[\s-]?hop", r"boom\s+bap",
          r"低保真", r"学习", r"慵懒"),
         (70, 86), (5, 3, 2, 0), MAJOR,
         ("ii9 V9 Imaj9 vi9", "IVmaj7 iii7 ii7 Imaj7", "vi9 ii9 V9 Imaj7", "Imaj7 vi7 IVmaj7 V9"),
         "V9", "Imaj9",
         Part(4, "lofi", 62, 50), Part(33, "lofi", 88, 64, -1), Part(11, "lead", 62, 80),
         None, "lofi", swing=0.6, lead_density=0.45, reverb=70,
         zh_blurb="低保真节拍：电钢琴、柔和的贝斯、慵懒的摇摆鼓"),
    Mood("upbeat", "欢快", "bright pop: piano, picked bass, marimba hook, handclap drums",
         (r"upbeat", r"happy", r"happier", r"cheerful", r"fun", r"bright", r"pop", r"lively",
          r"livelier", r"positive", r"uplifting", r"energetic", r"more\s+energy",
          r"faster\s+(?:music|song|one|tempo)",
          r"欢快", r"开心", r"快乐", r"活泼", r"活力"),
         (112, 128), (0, 7, 2, 9), MAJOR,
         ("I V vi IV", "vi IV I V", "IV I V vi", "I iii IV V"),
         "V", "Iadd9",
         Part(0, "stabs", 74, 50), Part(34, "pulse8", 84, 64, -1), Part(12, "lead", 84, 84),
         Part(48, "block", 44, 70), "pop", lead_density=0.7, reverb=45,
         zh_blurb="明快流行：钢琴、拨弦贝斯、马林巴旋律、拍手鼓点"),
    Mood("calm", "平静",
         "calm: piano arpeggios and celesta over a warm pad, a triangle instead of drums",
         (r"calm\w*", r"peaceful", r"gentle", r"soothing", r"serene", r"ambient", r"meditat\w*",
          r"relax\w*", r"dreamy", r"romantic", r"(?<!jazz )(?<!jazzy )piano",  # piano-led
          r"wedding", r"slower\s+(?:music|song|one|tempo)", r"softer\s+(?:music|song|one)",
          r"平静", r"轻松", r"放松", r"舒缓", r"安静", r"浪漫", r"温柔", r"钢琴"),
         (64, 76), (0, 7, 5, 2), MAJOR,
         ("Imaj7 IVmaj7 vi7 IVmaj7", "Iadd9 V vi IV", "IVmaj7 Imaj7 ii7 Vsus4",
          "vi7 IVmaj7 Imaj7 V"),
         "Vsus4", "Imaj9",
         Part(0, "arp", 62, 56), Part(32, "sustain", 64, 64, -1), Part(8, "lead", 60, 76),
         Part(89, "block", 58, 64), "chimes", lead_density=0.3, reverb=90,
         zh_blurb="平静：钢琴琶音和钢片琴，温暖的铺底，三角铁代替鼓"),
    Mood("cinematic", "电影", "cinematic: string ostinato, horns, timpani swells",
         (r"cinematic", r"dramatic", r"movie", r"film", r"orchestral", r"suspense\w*",
          r"mysterious", r"dark(?:er)?\s+(?:music|song|one|mood|vibes?)", r"moody", r"moodier",
          r"spooky", r"scary",
          r"horror", r"halloween", r"电影", r"大气", r"悬疑", r"恐怖"),
         (66, 82), (9, 2, 4, 0), MINOR,
         ("i bVI bIII bVII", "i iv bVI V", "bVI bVII i i", "i bVII bVI bVII"),
         "V", "i",
         Part(48, "ostinato", 72, 60), Part(43, "sustain", 78, 64, -1), Part(60, "lead", 70, 72),
         Part(49, "block", 58, 70), "cinematic", lead_density=0.35, reverb=95,
         zh_blurb="电影感：弦乐固定音型、圆号、定音鼓渐强"),
    Mood("acoustic", "民谣", "acoustic: strummed steel guitar, upright bass, shaker and flute",
         (r"acoustic", r"folk", r"guitar", r"campfire", r"travel", r"vlog", r"warm",
          r"country", r"民谣", r"吉他", r"清新", r"旅行"),
         (88, 108), (7, 2, 0, 9), MAJOR,
         ("I V vi IV", "I IV I V", "vi IV I V", "IV I ii V"),
         "V", "I",
         Part(25, "strum", 66, 56), Part(32, "root", 80, 64, -1), Part(73, "lead", 64, 78),
         None, "acoustic", lead_density=0.5, reverb=55,
         zh_blurb="原声民谣：扫弦的钢弦吉他、低音提琴、沙锤和长笛"),
    Mood("electronic", "电子", "electronic: saw arpeggios, synth bass, four-on-the-floor",
         (r"electronic", r"edm", r"dance", r"techno", r"house", r"synth\w*", r"club", r"party",
          r"gym", r"workout", r"fitness", r"sports?", r"trap",
          r"电子", r"动感", r"蹦迪"),
         (120, 128), (9, 5, 2, 7), MINOR,
         ("i bVI bIII bVII", "i iv bVI bVII", "bVI bVII i i", "i bIII bVII iv"),
         "bVII", "i",
         Part(81, "arp16", 58, 40), Part(38, "pulse8", 90, 64, -1), Part(80, "lead", 60, 88),
         Part(90, "block", 56, 64), "four", lead_density=0.5, reverb=50,
         zh_blurb="电子：锯齿波琶音、合成器贝斯、四四拍底鼓"),
    Mood("jazz", "爵士", "jazz: piano comping, walking bass, vibraphone, brushed swing",
         (r"jazz", r"jazzy", r"swing", r"cafe", r"coffee", r"lounge", r"bossa",
          r"爵士", r"咖啡", r"咖啡馆"),
         (104, 136), (5, 10, 3, 0), MAJOR,
         ("ii7/V7 Imaj7 vi7/II7 ii7/V7", "Imaj7 vi7 ii7 V7", "iii7/VI7 ii7/V7 Imaj7 IV7",
          "Imaj7/VI7 ii7/V7 iii7/VI7 ii7/V7"),
         "V9", "Imaj9",
         Part(0, "comp", 66, 50), Part(32, "walk", 88, 64, -1), Part(11, "lead", 72, 80),
         None, "jazz", swing=0.64, lead_density=0.6, reverb=55,
         zh_blurb="爵士：钢琴伴奏、行走贝斯、颤音琴、鼓刷摇摆"),
    Mood("epic", "史诗", "epic: full strings and brass, choir, big drums",
         (r"epic", r"heroic", r"powerful", r"battle", r"intense", r"trailer", r"victory",
          r"史诗", r"激昂", r"燃", r"震撼", r"热血"),
         (84, 100), (2, 9, 0, 4), MINOR,
         ("i bVI bVII i", "i bIII bVII bVI", "bVI bIII bVII i", "i iv bVI bVII"),
         "V", "i",
         Part(48, "ostinato", 82, 56), Part(48, "sustain", 84, 64, -1), Part(61, "lead", 82, 72),
         Part(52, "block", 66, 70), "epic", lead_density=0.4, reverb=85,
         zh_blurb="史诗：完整的弦乐和铜管、合唱、大鼓"),
    Mood("sad", "伤感", "sad: slow piano and strings in a minor key",
         (r"sad", r"sadder", r"melanchol\w*", r"emotional", r"nostalgi\w*", r"lonely",
          r"heartbreak\w*", r"伤感", r"悲伤", r"难过", r"忧伤", r"怀旧"),
         (62, 74), (9, 4, 2, 7), MINOR,
         ("i bVI bIII bVII", "i iv bVII bIII", "bVI bVII i i", "iv i bVI V"),
         "V", "i",
         Part(0, "arp", 64, 58), Part(42, "sustain", 62, 64, -1), Part(0, "lead", 68, 70, 1),
         Part(49, "block", 54, 72), "none", lead_density=0.35, reverb=85,
         zh_blurb="伤感：小调的慢钢琴和弦乐"),
)}

NAMES: tuple[str, ...] = tuple(MOODS)
SAY_MOODS = ", ".join(NAMES[:-1]) + " or " + NAMES[-1]


def mood(name: str) -> Mood:
    try:
        return MOODS[name]
    except KeyError:
        raise ValueError(f"unknown mood {name!r}; known: {', '.join(NAMES)}") from None


def _pattern(m: Mood) -> str:
    words = "|".join(w for w in (m.name, *m.words) if w.isascii())
    chinese = "|".join(w for w in m.words if not w.isascii())
    return rf"\b(?:{words})\b" + (f"|{chinese}" if chinese else "")


WORDS: dict[str, str] = {m.name: _pattern(m) for m in MOODS.values()}
"""mood -> a regular expression of the words that ask for it (for the parser)."""


def find(text: str) -> str | None:
    """The mood a name, synonym or Chinese word names ("chill" -> lofi, "史诗" -> epic)."""
    said = text.strip().lower()
    for name, pattern in WORDS.items():
        if re.search(pattern, said):
            return name
    return None
