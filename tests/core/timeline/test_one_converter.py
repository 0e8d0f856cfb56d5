"""No module of core/ or bots/ reads a draft's raw `m` dict except the converter
(core/timeline/convert.py): everything else reads the typed timeline. Checked on the tokens of
every module, so a docstring describing the format does not count, while `seg["m"]`,
`.get("m")`, `.pop("m")` and the raw views' `.meta` do."""

from __future__ import annotations

import io
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
CONVERTER = ROOT / "core" / "timeline" / "convert.py"
ACCESSORS = {"get", "pop", "setdefault"}


def raw_m_reads(source: str) -> list[tuple[int, str]]:
    """(line, what) for every raw `m` access in a module's source."""
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline)
              if t.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT,
                                tokenize.INDENT, tokenize.DEDENT)]
    found = []
    for i, tok in enumerate(tokens):
        before = [t.string for t in tokens[max(i - 3, 0):i]]
        if tok.type == tokenize.STRING and tok.string in ('"m"', "'m'"):
            if before[-1:] == ["["] or (before[-2:-1] and before[-2] in ACCESSORS
                                        and before[-1] == "(" and before[-3:-2] == ["."]):
                found.append((tok.start[0], tok.line.strip()))
        elif tok.type == tokenize.NAME and tok.string == "meta" and before[-1:] == ["."]:
            found.append((tok.start[0], tok.line.strip()))
    return found


def test_the_checker_finds_each_kind_of_raw_read() -> None:
    source = ('a = seg["m"]\nb = seg.get("m", {})\nc = draft.meta.get("trim")\n'
              "d = raw.pop('m')\ne = {'m': 1}\nf = unit.startswith('m')\n")
    assert [line for line, _ in raw_m_reads(source)] == [1, 2, 3, 4]


def test_only_the_converter_reads_raw_m() -> None:
    offenders = []
    for folder in ("core", "bots"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == CONVERTER:
                continue
            offenders += [f"{path.relative_to(ROOT)}:{line}: {text}"
                          for line, text in raw_m_reads(path.read_text(encoding="utf-8"))]
    assert not offenders, "raw draft `m` reads outside the converter:\n" + "\n".join(offenders)
