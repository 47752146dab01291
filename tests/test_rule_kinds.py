"""Every rule kind dumps itself and loads back: through codebook YAML, and through a quanteda
dictionary (or a warning naming the rule when quanteda cannot express it)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from qualcode import code, parse_codebook
from qualcode.codebook.dump import draft_yaml
from qualcode.codebook.model import Codebook, Rule
from qualcode.dictionaries import import_dictionary
from qualcode.dictionaries.to_quanteda import codebook_to_quanteda
from qualcode.rules.dump import draft_from_codebook, rule_spec
from qualcode.rules.registry import KINDS, kind_of

# One code per kind, named after it. A new kind must add its code here (the first test fails
# until it does), and say whether quanteda can express it.
CODEBOOK = parse_codebook(
    """
name: kinds
defaults: {negation: ignore}
codes:
  - id: word
    match: [crave]
  - id: phrase
    match: [kidney pain]
  - id: glob
    match: ["crav*", "k cramp*"]
  - id: near
    match: [{near: [pain, kidney], within: 3}]
  - id: regex
    match: [{regex: '\\bk ?hole\\b'}]
  - id: tokens
    match: [{tokens: [{LOWER: bad}, {LOWER: {IN: [trip, trips]}}]}]
""",
    "kinds.yaml",
)
QUANTEDA_EXPRESSES = {"word": True, "phrase": True, "glob": True, "tokens": True,
                      "near": False, "regex": False}  # fmt: skip
ANSWERS = [
    "I crave it", "She craved more", "craving badly", "kidney pain today", "my kidney pains",
    "pain in my kidney", "in the k hole", "a khole", "bad trip", "two bad trips", "k cramps",
    "nothing at all", "bad", "trip",
]  # fmt: skip


def _rules(codebook: Codebook) -> list[tuple[str, Rule]]:
    return [(c.id, r) for c in codebook.walk() for r in (*c.match, *c.unless)]


def _same(a: Rule, b: Rule) -> bool:
    def fields(r: Rule) -> tuple[object, ...]:
        pattern = r.regex.pattern if r.regex is not None else None
        return r.kind, r.source, r.terms, r.within, r.tokens, pattern

    return fields(a) == fields(b)


def _coded(codebook: Codebook) -> dict[str, list[bool]]:
    matrix = code(pd.DataFrame({"a": ANSWERS}), codebook, text="a").matrix
    return {c: matrix[c].astype(bool).tolist() for c in codebook.ids}


def test_every_registered_kind_is_covered_here() -> None:
    assert {r.kind for _, r in _rules(CODEBOOK)} == set(KINDS) == set(QUANTEDA_EXPRESSES)
    assert all(code_id == rule.kind for code_id, rule in _rules(CODEBOOK))


def test_every_kind_round_trips_through_codebook_yaml() -> None:
    text = draft_yaml(draft_from_codebook(CODEBOOK))
    back = parse_codebook(text, "back.yaml")
    pairs = list(zip(_rules(CODEBOOK), _rules(back), strict=True))
    for (id_a, a), (id_b, b) in pairs:
        assert id_a == id_b and _same(a, b), (a, b)
        assert rule_spec(a) == kind_of(a).to_yaml(a) == rule_spec(b)
    assert _coded(back) == _coded(CODEBOOK)


def test_every_kind_round_trips_through_quanteda_or_says_why_not(tmp_path: Path) -> None:
    exported = codebook_to_quanteda(CODEBOOK)
    path = tmp_path / "kinds.yml"
    path.write_text(exported.text, encoding="utf-8")
    text, _notes = import_dictionary(path, "quanteda")
    back = parse_codebook(text, "back.yaml")
    ours, theirs = _coded(CODEBOOK), _coded(back)
    assert any(any(v) for v in ours.values())
    for code_id, rule in _rules(CODEBOOK):
        said = [w for w in exported.warnings if w.startswith(f"{code_id}: {rule.source}:")]
        if QUANTEDA_EXPRESSES[rule.kind]:
            assert not said and theirs[code_id] == ours[code_id], (code_id, exported.text)
        else:
            assert len(said) == 1 and "dropped" in said[0]
            assert not any(theirs.get(code_id, [])), code_id
