"""Keyword in context: every hit of a pattern or of a code, with words either side."""

from __future__ import annotations

import io

import pandas as pd
from ruamel.yaml import YAML

from qualcode.codebook.load import parse_codebook
from qualcode.codebook.model import Codebook, check_code_ids
from qualcode.coding.run import code


def pattern_codebook(pattern: str, regex: bool = False, language: str = "en") -> Codebook:
    """A one-code codebook whose only rule is `pattern` (a rule as written in a codebook)."""
    rule: object = {"regex": pattern} if regex else pattern
    doc = {
        "name": "kwic",
        "language": language,
        "defaults": {"negation": "flag"},  # show negated hits too, marked
        "codes": [{"id": "pattern", "match": [rule]}],
    }
    buf = io.StringIO()
    YAML(typ="safe").dump(doc, buf)
    return parse_codebook(buf.getvalue(), "<pattern>")


def kwic(
    data: pd.DataFrame,
    codebook: Codebook,
    code_id: str | None = None,
    text: str | list[str] | None = None,
    id: str | None = None,
    window: int = 5,
) -> pd.DataFrame:
    """One row per hit: id, question, left context, match, right context, code, rule, negated."""
    if code_id is not None:
        check_code_ids([code_id], codebook.ids)
    coding = code(data, codebook, text=text, id=id, negation=None)
    seg = coding.segments
    if code_id is not None:
        seg = seg[seg["code_path"].str.split("/").map(lambda p: code_id in p)]
    texts = {q: data[q].astype(str).tolist() for q in seg["question"].unique()}
    rows = []
    for s in seg.itertuples(index=False):
        answer = texts[s.question][s.row - 1]
        left = " ".join(answer[: s.start].split()[-window:]) if window else ""
        right = " ".join(answer[s.end :].split()[:window]) if window else ""
        rows.append({
            "id": s.id, "question": s.question, "left": left, "match": s.match, "right": right,
            "code": s.code, "rule": s.rule, "negated": bool(s.negated),
        })  # fmt: skip
    columns = ["id", "question", "left", "match", "right", "code", "rule", "negated"]
    return pd.DataFrame(rows, columns=columns)
