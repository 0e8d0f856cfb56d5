"""Quoted texts in a message (titles), taken out before anything else reads the words.

`extract_quotes` replaces each quoted text by a marker (QUOTE_MARK, its number, QUOTE_MARK), so
no rule acts on a title's words: "add the title "Fade out" for 3 s" adds a title and fades
nothing. Straight double quotes pair by nesting, so a title may hold quotes of its own.
"""

from __future__ import annotations

import re

__all__ = ["QUOTE_MARK", "extract_quotes"]

QUOTE_MARK = "\x01"
"""Stands for a quoted text in a clause: QUOTE_MARK + index + QUOTE_MARK."""

_QUOTES = [
    re.compile(r"“([^”]*)”"), re.compile(r"„([^“”]*)[“”]"),
    re.compile(r"«([^»]*)»"), re.compile(r"「([^」]*)」"), re.compile(r"『([^』]*)』"),
    re.compile(r"‘([^’]*)’"), re.compile(r"《([^》]*)》"),
    # 'single quotes' only when they cannot be an apostrophe (don't, it's)
    re.compile(r"(?:(?<=^)|(?<=[\s:(]))'((?:[^']|(?<=\w)'(?=\w))+)'(?=$|[\s,.;:!?)])"),
]
# An unquoted title after "title:", up to "for 3 s", a comma or the end.
_BARE_TITLE = re.compile(
    r"((?:加|添加|放|打)(?:个|一个|上)?(?:标题|字幕)\s+|(?:title|caption|heading|text|标题|字幕)\s*(?:[:：]|\s(?:saying|that\s+says|which\s+says|"
    r"reading|with\s+the\s+words?|of)\s)\s*|(?:\b(?:add|put|insert|with)\s+(?:a\s+|the\s+)?|^\s*)"
    r"(?:title|caption|heading|text)\s+(?!(?:is|should|was|text|size|font|colou?r|bigger|smaller|"
    r"larger|longer|shorter|last|lasts|position|place|style|bold)\b)(?!(?:for|at|from|to|of|in|on|the|a|please|saying|that|"
    r"which|reading|with)\b))([^,;\n\x01]+?)"
    r"(?=\s+(?:for|at|from|during)\s+\S|\s+(?:and|then)\s+(?:add|put|use|make|fade|mute|"
    r"keep|trim|cut|turn|set|with|music|some|lofi|lo-fi|upbeat|calm|cinematic|chill|epic|happy|"
    r"acoustic|electronic|jazz|sad|"
    r"background|a\s+song|vertical|square)\b|[,;\n]|$)", re.IGNORECASE)


_THEN = (r"\s*(?=\s(?:and|then)\s+(?:add|put|use|make|fade|mute|keep|trim|cut|turn|set|lower|"
         r"raise|remove|delete|start|end|stop|play|music|vertical|square)\b|[,;\n]|$)")
"""Where a title's words said without quotes end: "… and trim the first 2 seconds"."""
_SAYING_LATER = re.compile(
    r"(\b(?:title|caption|text)\b[^\n\x01]*?\b(?:saying|that\s+says|which\s+says|reading)\s+)"
    r"([^,;\n\x01]+?)" + _THEN, re.IGNORECASE)
"""A title whose words come after a place: "add a title at the end saying Thanks for watching"
(the words run to the end of the message)."""


_RENAMED = re.compile(
    r"(\b(?:rename|change|set|switch)\s+(?:the\s+)?(?:title|text|caption)\s+to\s+|\b(?:title|text|caption)"
    r"\s+should\s+(?:say|be|read)\s+|\bmake\s+the\s+(?:title|text|caption)\s+(?:say|read)\s+"
    r"|(?:把)?标题(?:改成|换成|改为)\s*)"
    r"(?![\"“]|(?:bold|italic|bigger|smaller|larger|red|blue|green|yellow|black|white|size|font|"
    r"colou?r|shorter|longer|the\s+(?:end|start|beginning|middle|top|bottom))\b|\d)"
    r"([^,;\n\x01]+?)" + _THEN, re.IGNORECASE)
"""New words for the title on the timeline, unquoted: "rename the title to Bye"."""


def _nested_quotes(text: str) -> list[tuple[int, int]]:
    """The outermost pairs of straight double quotes, as (opening, closing) positions. Outside
    quotes a quote opens; inside, one after a space and before a letter opens another and any
    other closes, so a title with quotes in it stays one title: `add the title "It's "my"
    day"`. When they do not balance, they pair left to right."""
    marks = [i for i, ch in enumerate(text) if ch == '"']
    pairs: list[tuple[int, int]] = []
    depth, opened = 0, 0
    for i in marks:
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        if depth == 0 or ((before.isspace() or before in "([{:") and not after.isspace()):
            opened = i if depth == 0 else opened
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                pairs.append((opened, i))
    if depth:
        return list(zip(marks[::2], marks[1::2], strict=False))
    return pairs


def extract_quotes(text: str) -> tuple[str, list[str]]:
    """Replace quoted texts by markers; returns the new text and the quoted texts in order."""
    found: list[str] = []

    def mark(quoted: str) -> str:
        found.append(quoted.strip())
        return f" {QUOTE_MARK}{len(found) - 1}{QUOTE_MARK} "

    for start, end in reversed(_nested_quotes(text)):
        text = text[:start] + mark(text[start + 1:end]) + text[end + 1:]
    found.reverse()  # marked from the end, so the numbers run backwards until now
    text = re.sub(f"{QUOTE_MARK}(\\d+){QUOTE_MARK}",
                  lambda m: f"{QUOTE_MARK}{len(found) - 1 - int(m.group(1))}{QUOTE_MARK}", text)
    for pattern in _QUOTES:
        text = pattern.sub(lambda m: mark(m.group(1)), text)
    text = _BARE_TITLE.sub(lambda m: m.group(1) + mark(m.group(2)), text)
    if not found:
        text = _SAYING_LATER.sub(lambda m: m.group(1) + mark(m.group(2)), text)
    if not found:
        text = _RENAMED.sub(lambda m: m.group(1) + mark(m.group(2)), text)
    return text, found
