"""Run a codebook's examples and non-examples as tests (`qualcode validate`)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from qualcode.codebook.model import Codebook
from qualcode.coding.compile import compile_codebook
from qualcode.coding.run import code


@dataclass(frozen=True)
class ExampleResult:
    """One example's outcome: `passed` and, when not, why."""

    code: str
    kind: str  # "example" or "non-example"
    text: str
    passed: bool
    detail: str


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
    frame = pd.DataFrame({"text": [t for _, _, t in cases]})
    coding = code(frame, codebook, text="text", compiled=compile_codebook(codebook, model=model))
    seg = coding.segments
    results = []
    for row, (code_id, kind, text) in enumerate(cases):
        coded = bool(coding.matrix.iloc[row][code_id])
        mine = seg[
            (seg["row"] == row + 1)
            & seg["code_path"].str.split("/").map(lambda p, c=code_id: c in p)
        ]
        if kind == "example":
            passed = coded
            detail = "coded" if coded else _why_not(mine)
        else:
            passed = not coded
            detail = (
                "not coded" + (" (negated hit)" if len(mine) else "")
                if passed
                else (
                    "coded by "
                    + "; ".join(
                        f"{r.rule!r} on {r.match!r}" for r in mine.itertuples() if not r.negated
                    )
                    or "coded"
                )
            )
        results.append(ExampleResult(code_id, kind, text, passed, detail))
    return results


def _why_not(segments: pd.DataFrame) -> str:
    if len(segments) and segments["negated"].all():
        return (
            "not coded: every hit is negated ("
            + ", ".join(repr(m) for m in segments["match"])
            + ")"
        )
    return "not coded: no rule matched"
