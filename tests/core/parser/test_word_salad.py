"""Random word salad from the parser's own vocabulary: only NotUnderstood or a sane draft."""

from __future__ import annotations

import json
import random

from core.draft import AUDIO, Draft
from core.errors import NotUnderstood
from core.parser.instructions import Context, MusicRef, apply_instruction

VOCABULARY = """add use music song my the a at to from for fade in out over 5 s 0:05 1:30 20% 30
percent db -12 +3 lufs -14 volume 0.3 quieter louder mute keep original voice audio duck when i
talk normalize trim cut first last only 10 seconds 9:16 vertical square crop bars 720p 4k title
" ' “ ” and , . then skip of into start after delay loop once don't play remove no lofi calm epic
upbeat 加 背景音乐 淡出 淡入 音量 静音 秒 前 最后 between - : 1 2 100 999 0 .5 5.5 1m30s half
double"""
WORDS = VOCABULARY.split()
CONTEXTS = [Context(30_000, True, None), Context(None, False, MusicRef("a", "b.mp3", 5000)),
            Context(1000, True, MusicRef("a", "b.mp3", 0))]


def start(i: int) -> Draft:
    if i % 2:
        return Draft()
    return Draft({"t": [{"tt": 0, "sg": [{"s": 0, "d": 30_000, "m": {}}]},
                        {"tt": 1, "sg": [{"s": 0, "d": 30_000, "m": {"mood": "lofi"}}]}],
                  "m": {"trim": [1000, 2000]}})


def test_word_salad_never_breaks_the_parser() -> None:
    rng = random.Random(7)
    understood = 0
    for i in range(2000):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 12)))
        draft = start(i)
        before = draft.to_json()
        try:
            parsed = apply_instruction(draft, text, rng.choice(CONTEXTS))
        except NotUnderstood as err:
            assert err.user_message
            continue
        understood += 1
        assert draft.to_json() == before, text
        json.dumps(parsed.draft.data, allow_nan=False)
        for track in parsed.draft.tracks:
            for seg in track.segments:
                assert seg.start_ms >= 0 and seg.duration_ms >= 0, text
        music = parsed.draft.first_segment(AUDIO)
        if music is not None and music.volume is not None:
            assert 0 <= music.volume <= 2, text
        assert parsed.understood, text
    assert understood > 700  # the salad is mostly made of words it knows
