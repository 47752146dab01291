"""Exemplar quotes per code: a few short, clear, attributed quotes from different respondents.

:func:`select_quotes` picks them from a :class:`~qualcode.coding.result.Coding`; the
renderers in :mod:`qualcode.export.quotes` lay them out as Markdown, LaTeX, Word, HTML or CSV.

The selection rule, per code (a parent code draws on the hits of all its descendants):

1. candidates are the quote units (sentences, or answers under ``unit: answer``) that hold
   a hit of the code that is not negated, with at least `min_words` words;
2. each unit gets a tier: 0 when no other code has a segment in it (negated or not; for a
   parent, codes outside its subtree) and it has at most `max_words` words, 1 when it is
   longer (it will be trimmed), 2 and 3 likewise when another code shares the unit;
3. every unit gets a random key from ``numpy.random.default_rng([seed, crc32(code id)])``
   (units in row, question, position order), so a code's quotes do not depend on which other
   codes are asked for; each respondent (input row) keeps one unit: the lowest (tier, key);
4. respondents are ranked by (tier, key) and the first `per_code` taken; with `by`, the
   groups (sorted values of that column; a missing value is the group "") take turns, each
   giving its best remaining respondent, until `per_code` are taken or none are left;
   a unit with the same words as one already taken (case and punctuation aside) is skipped.
"""

from __future__ import annotations

import re
import string
import zlib
from collections import deque
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from qualcode.codebook.model import Code, Codebook, check_code_ids
from qualcode.errors import QualcodeError, did_you_mean
from qualcode.text.redact import KINDS, apply_redactions, find_redactions, shift

if TYPE_CHECKING:  # the same package; result.py imports this module at run time
    from qualcode.coding.result import Coding

ELLIPSIS = "…"
#: Columns of the frame select_quotes returns.
QUOTE_COLUMNS = [
    "code", "label", "theme", "depth", "row", "id", "group", "question", "quote",
    "attribution", "words", "trimmed", "pure", "redacted", "redactions",
]  # fmt: skip
#: Names a template may use besides the input columns.
TEMPLATE_NAMES = ("id", "row", "question", "code", "label", "group")
#: The default attribution lists the id and at most this many attribute columns.
MAX_ATTRIBUTES = 4
#: An input column is an attribute (for the default attribution) when no value is longer.
MAX_ATTRIBUTE_LENGTH = 40

_WORD = re.compile(r"\S+")


def select_quotes(
    coding: Coding,
    codebook: Codebook,
    codes: Sequence[str] | None = None,
    per_code: int = 3,
    by: str | None = None,
    seed: int = 1,
    min_words: int = 6,
    max_words: int = 60,
    *,
    attribution: str | None = None,
    redact: bool = True,
    names: Iterable[str] = (),
) -> pd.DataFrame:
    """Pick up to `per_code` exemplar quotes for each code (see the module for the rule).

    `codes`: code ids (default: every code, in codebook order; the result keeps codebook
    order). `by`: an input column to stratify by (its value is the ``group`` column).
    A unit longer than `max_words` words is cut to `max_words` words around the hit, with
    "…" where words were left out. `attribution`: a template such as ``"({id}, {region})"``
    (str.format with the names of input columns and of :data:`TEMPLATE_NAMES`); by default
    the id then the values of `by` and of the other short attribute columns, empty ones
    left out. `redact` replaces e-mails, phone numbers, URLs, handles and `names` in quotes
    and attributions (:mod:`qualcode.text.redact`).

    Returns one row per quote with :data:`QUOTE_COLUMNS`; ``frame.attrs["quotes"]`` records
    the options and the codes asked for (the renderers use it).
    """
    if per_code < 1:
        raise ValueError("per_code must be at least 1")
    if min_words > max_words:
        raise ValueError("min_words must not exceed max_words")
    wanted = _wanted_codes(codebook, codes)
    data = coding.data
    if by is not None and by not in data.columns:
        raise QualcodeError(
            "E304", None, column=by, path="the coded table",
            suggestion=did_you_mean(by, list(data.columns)),
            available=", ".join(map(str, data.columns)),
        )  # fmt: skip
    attributes = attribute_columns(coding, by)
    if attribution is not None:
        check_template(attribution, [*TEMPLATE_NAMES, *map(str, data.columns)])
    names = tuple(names)
    units = _units(coding)
    rows = []
    for code in wanted:
        chosen = _choose(units, code, data, per_code, by, seed, min_words, max_words)
        for unit in chosen:
            rows.append(
                _quote_row(unit, code, codebook, data, by, attributes, attribution,
                           max_words, redact, names)
            )  # fmt: skip
    frame = pd.DataFrame(rows, columns=QUOTE_COLUMNS)
    frame = frame.astype({"depth": "int64", "row": "int64", "words": "int64"})
    frame.attrs["quotes"] = {
        "codes": [c.id for c in wanted],
        "per_code": per_code,
        "by": by,
        "seed": seed,
        "min_words": min_words,
        "max_words": max_words,
        "redact": redact,
        "names": len(names),
    }
    return frame


def _wanted_codes(codebook: Codebook, codes: Sequence[str] | None) -> list[Code]:
    ids = codebook.ids
    if codes is None:
        return list(codebook.walk())
    check_code_ids(codes, ids)
    asked = set(codes)
    return [c for c in codebook.walk() if c.id in asked]


def attribute_columns(coding: Coding, by: str | None = None) -> list[str]:
    """The columns the default attribution shows after the id: `by` first, then the input
    columns that are neither answers nor the id and whose values are all short (at most
    :data:`MAX_ATTRIBUTE_LENGTH` characters), at most :data:`MAX_ATTRIBUTES` in all."""
    options = coding.manifest.get("options", {})
    skip = {*(options.get("text") or []), options.get("id")}
    columns = [by] if by is not None else []
    for column in coding.data.columns:
        if column in skip or column in columns or len(columns) >= MAX_ATTRIBUTES:
            continue
        lengths = coding.data[column].dropna().astype(str).str.len()
        if len(lengths) and lengths.max() <= MAX_ATTRIBUTE_LENGTH:
            columns.append(column)
    return columns


def check_template(template: str, names: Sequence[str]) -> list[str]:
    """The field names of an attribution template; E652 when it cannot be parsed or has
    positional fields, E651 for a name that is not one of `names`."""
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    except ValueError as exc:
        raise QualcodeError("E652", None, template=template, problem=str(exc)) from None
    for field in fields:
        name = re.split(r"[.\[]", field, maxsplit=1)[0]
        if name == "" or name.isdigit():
            raise QualcodeError(
                "E652", None, template=template, problem="a field needs a name, as in {id}"
            )
        if name not in names or name != field:
            raise QualcodeError(
                "E651", None, name=field, template=template,
                suggestion=did_you_mean(name, list(names)), names=", ".join(names),
            )  # fmt: skip
    return fields


class _Unit:
    """A quote unit with hits: where it is, its text, and its segments."""

    __slots__ = ("row", "id", "question", "start", "text", "codes", "hits")

    def __init__(self, row: int, id: str, question: str, start: int, text: str) -> None:
        self.row, self.id, self.question, self.start, self.text = row, id, question, start, text
        self.codes: set[str] = set()  # every code with a segment here, negated or not
        self.hits: list[tuple[str, int, int]] = []  # (code, start, end) not negated, in unit


#: A candidate unit of a respondent: (tier, random key, unit, the hit's span).
_Ranked = tuple[int, float, _Unit, tuple[int, int]]


def _units(coding: Coding) -> list[_Unit]:
    """Every unit that holds a segment, in row, question, position order."""
    seg = coding.segments
    data = coding.data
    units: dict[tuple[object, ...], _Unit] = {}
    for row, id_, question, code, start, end, quote, negated in zip(
        seg["row"].tolist(), seg["id"].tolist(), seg["question"].tolist(),
        seg["code"].tolist(), seg["start"].tolist(), seg["end"].tolist(),
        seg["quote"].tolist(), seg["negated"].tolist(),
    ):  # fmt: skip
        quote = "" if not isinstance(quote, str) else quote
        answer = data[question].iat[row - 1] if question in data.columns else None
        at = _unit_start(answer, quote, int(start), int(end))
        key = (row, question, at, quote)
        unit = units.get(key)
        if unit is None:
            unit = units[key] = _Unit(int(row), str(id_), str(question), at, quote)
        unit.codes.add(code)
        if not _true(negated):
            unit.hits.append((code, int(start) - at, int(end) - at))
    return sorted(units.values(), key=lambda u: (u.row, u.question, u.start))


def _true(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return bool(value)


def _unit_start(answer: Any, quote: str, start: int, end: int) -> int:
    """The offset of the unit `quote` in the answer, the occurrence that holds [start, end)."""
    if isinstance(answer, str) and quote:
        at = answer.rfind(quote, 0, start + len(quote))
        if at >= 0 and at + len(quote) >= end:
            return at
    return start  # not found (the answer changed): positions then count from the hit


def _choose(
    units: list[_Unit], code: Code, data: pd.DataFrame, per_code: int, by: str | None,
    seed: int, min_words: int, max_words: int,
) -> list[tuple[_Unit, tuple[int, int]]]:  # fmt: skip
    """The units chosen for `code`, each with the span of its first hit of the code."""
    family = {c.id for c in code.walk()}
    candidates = []
    for unit in units:
        spans = [(s, e) for c, s, e in unit.hits if c in family]
        if not spans:
            continue
        words = len(_WORD.findall(unit.text))
        if words < min_words:
            continue
        tier = (0 if unit.codes <= family else 2) + (1 if words > max_words else 0)
        candidates.append((unit, min(spans), tier))
    rng = np.random.default_rng([seed, zlib.crc32(code.id.encode("utf-8"))])
    keys = rng.random(len(candidates))
    best: dict[int, _Ranked] = {}
    for (unit, span, tier), key in zip(candidates, keys.tolist()):
        ranked = (tier, key, unit, span)
        if unit.row not in best or ranked[:2] < best[unit.row][:2]:
            best[unit.row] = ranked
    ordered = sorted(best.values(), key=lambda r: r[:2])
    if by is None:
        queues = [deque(ordered)]
    else:
        groups: dict[str, deque[_Ranked]] = {}
        for entry in ordered:
            groups.setdefault(_text(data[by].iat[entry[2].row - 1]), deque()).append(entry)
        queues = [groups[g] for g in sorted(groups)]
    chosen: list[tuple[_Unit, tuple[int, int]]] = []
    seen: set[str] = set()
    turn = 0
    while len(chosen) < per_code and any(queues):
        queue = queues[turn % len(queues)]
        while queue:
            _, _, unit, span = queue.popleft()
            same = _same_text(unit.text)
            if same not in seen:  # two respondents who wrote the same words: show it once
                seen.add(same)
                chosen.append((unit, span))
                break
        turn += 1
    return chosen


def _same_text(text: str) -> str:
    """What two quotes that read the same share: their words, case-folded."""
    return " ".join(re.findall(r"\w+", text.casefold()))


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return str(value)


def _quote_row(
    chosen: tuple[_Unit, tuple[int, int]], code: Code, codebook: Codebook, data: pd.DataFrame,
    by: str | None, attributes: list[str], template: str | None, max_words: int,
    redact: bool, names: tuple[str, ...],
) -> dict[str, Any]:  # fmt: skip
    unit, (start, end) = chosen
    text, kinds = unit.text, set()
    if redact:
        spans = find_redactions(text, names)
        start, end = shift(start, spans), max(shift(end, spans), shift(start, spans) + 1)
        text = apply_redactions(text, spans)
        kinds |= {s.kind for s in spans}
    quote, trimmed = trim_words(text, start, end, max_words)
    record = data.iloc[unit.row - 1]
    group = _text(record[by]) if by is not None else ""
    values = {str(k): _text(v) for k, v in record.items()}
    values.update(
        id=unit.id, row=str(unit.row), question=unit.question, code=code.id, label=code.label,
        group=group,
    )  # fmt: skip
    if template is None:
        shown = [unit.id, *(values[c] for c in attributes)]
        attribution = "(" + ", ".join(v for v in shown if v) + ")"
    else:
        attribution = template.format_map(values)
    if redact:
        spans = find_redactions(attribution, names)
        attribution = apply_redactions(attribution, spans)
        kinds |= {s.kind for s in spans}
    return {
        "code": code.id,
        "label": code.label,
        "theme": code.path[0],
        "depth": len(code.path) - 1,
        "row": unit.row,
        "id": unit.id,
        "group": group,
        "question": unit.question,
        "quote": quote,
        "attribution": attribution,
        "words": len(_WORD.findall(quote.replace(ELLIPSIS, " "))),
        "trimmed": trimmed,
        "pure": unit.codes <= {c.id for c in code.walk()},
        "redacted": redact,
        "redactions": ";".join(k for k in KINDS if k in kinds),
    }


def trim_words(text: str, start: int, end: int, max_words: int) -> tuple[str, bool]:
    """`text` stripped; when it has more than `max_words` words, the `max_words` words
    around the span [start, end) (centred on it, shifted to stay inside the text), with "…"
    where words were cut. Returns the text and whether it was cut."""
    words = list(_WORD.finditer(text))
    if len(words) <= max_words:
        return text.strip(), False
    first = next((i for i, w in enumerate(words) if w.end() > start), len(words) - 1)
    last = next((i for i, w in enumerate(words) if w.end() >= end), len(words) - 1)
    middle = (first + last) // 2
    lo = max(0, min(middle - (max_words - 1) // 2, len(words) - max_words))
    hi = lo + max_words
    quote = text[words[lo].start() : words[hi - 1].end()]
    return (ELLIPSIS + " " if lo > 0 else "") + quote + (
        " " + ELLIPSIS if hi < len(words) else ""
    ), True
