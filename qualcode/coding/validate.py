"""Run a codebook's examples and non-examples as tests (`qualcode validate`).

The examples are coded as one chunk, straight from the chunk's matrix and segment columns:
no pandas and no summary statistics, so that `validate`, run after every edit of a
codebook, starts in about a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qualcode.codebook.model import Codebook
from qualcode.coding.chunk import code_chunk
from qualcode.coding.compile import compile_codebook


@dataclass(frozen=True)
class ExampleResult:
    """One example's outcome: `passed` and, when not, why."""

    code: str
    kind: str  # "example" or "non-example"
    text: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class _Hit:
    """A segment of an example, as segments.csv would show it."""

    match: str
    rule: str
    negated: bool


def check_examples(codebook: Codebook, model: str | None = None) -> list[ExampleResult]:
    """Code every example and non-example once; each example must be coded with its code,
    each non-example must not be."""
    cases = [
        (c.id, kind, text)
        for c in codebook.walk()
        for kind, texts in (("example", c.examples), ("non-example", c.non_examples))
        for text in texts
    ]
    if not cases:
        return []
    compiled = compile_codebook(codebook, model=model)
    result = code_chunk(compiled, [[text for _, _, text in cases]])
    matrix = result.matrix
    column = {cc.code.id: k for k, cc in enumerate(compiled.codes)}
    paths = [cc.code.path_str.split("/") for cc in compiled.codes]
    hits = _hits_by_row(result.segments, len(cases))
    results = []
    for row, (code_id, kind, text) in enumerate(cases):
        coded = bool(matrix[row, column[code_id]])
        # The hits of the code or of a code below it (whose path holds the code).
        mine = [hit for code, hit in hits[row] if code_id in paths[code]]
        if kind == "example":
            passed = coded
            detail = "coded" if coded else _why_not(mine)
        else:
            passed = not coded
            detail = (
                "not coded" + (" (negated hit)" if mine else "")
                if passed
                else (
                    "coded by "
                    + "; ".join(f"{h.rule!r} on {h.match!r}" for h in mine if not h.negated)
                    or "coded"
                )
            )
        results.append(ExampleResult(code_id, kind, text, passed, detail))
    return results


def _hits_by_row(columns: dict[str, list[Any]], n: int) -> list[list[tuple[int, _Hit]]]:
    """(code index, hit) per example, in the order of segments.csv: by start, end, then
    codebook order (the sort is stable, as the output's)."""
    order = sorted(
        range(len(columns["row"])),
        key=lambda i: (columns["start"][i], columns["end"][i], columns["code"][i]),
    )
    rows: list[list[tuple[int, _Hit]]] = [[] for _ in range(n)]
    for i in order:
        hit = _Hit(str(columns["match"][i]), str(columns["rule"][i]), bool(columns["negated"][i]))
        rows[int(columns["row"][i])].append((int(columns["code"][i]), hit))
    return rows


def _why_not(hits: list[_Hit]) -> str:
    if hits and all(h.negated for h in hits):
        return "not coded: every hit is negated (" + ", ".join(repr(h.match) for h in hits) + ")"
    return "not coded: no rule matched"
