"""The engine finds what the engine before issue 15 found (tests/legacy_engine), on random
answers made of the shipped codebooks' own terms, negation triggers and sentence breaks."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode import load_codebook, parse_codebook
from qualcode.codebook.model import Codebook
from qualcode.coding.chunk import SegmentTable, mark_coded
from qualcode.coding.compile import compile_codebook
from qualcode.coding.engine import Engine
from tests.legacy_engine import compile as legacy_compile
from tests.legacy_engine import engine as legacy_engine

ROOT = Path(__file__).resolve().parents[1]

# Rule kinds and settings the shipped codebooks do not use: `tokens` rules (lower-case and
# lemma tests), a single-letter term (tokenizer special cases), `unless`, `unit: answer`.
EXTRA = parse_codebook(
    """
name: extra
defaults: {negation: flag, unit: answer}
codes:
  - id: k
    match: [k, "k cramp*", {tokens: [{LOWER: bad}, {LEMMA: trip}]}]
    unless: [{tokens: [{LOWER: never}]}]
  - id: pain
    match: [pain, {near: [pain, kidney], within: 3}, {regex: 'piss\\w*'}]
""",
    "extra.yaml",
)

FILLER = ["I", "the", "and", "my", "it", "was", "really", "but", "very", "had", "have", "a"]
TRIGGERS = ["no", "not", "never", "don't", "didn't", "without", "denies", "free of", "no doubt",
            "ruled out", "is not a problem", "but", "however", "nothing helps"]  # fmt: skip
BREAKS = [".", "!", "?", ",", "\n", "\n\n", "...", ")", "-", "K.", "k."]


def _terms(codebook: Codebook) -> list[str]:
    """Every term written in the codebook, globs filled in, plus a few words regexes want."""
    out: set[str] = set()
    for code in codebook.walk():
        for rule in (*code.match, *code.unless):
            for term in rule.terms:
                out.add(re.sub(r"[*?]", lambda m: "ing" if m.group() == "*" else "e", str(term)))
            if rule.regex is not None:
                out.update(w for w in re.findall(r"[a-z]{3,}", rule.regex.pattern))
    return sorted(out)


@functools.cache
def _engines(name: str) -> tuple[Engine, legacy_engine.Engine, list[str]]:
    """Both engines for a codebook, compiled once (compiling is the slow part)."""
    codebook = EXTRA if name == "extra" else load_codebook(ROOT / "codebooks" / f"{name}.yaml")
    new = Engine(compile_codebook(codebook))
    old = legacy_engine.Engine(legacy_compile.compile_codebook(codebook))
    return new, old, _terms(codebook)


def _answers(name: str) -> st.SearchStrategy[list[str]]:
    words = st.sampled_from(_engines(name)[2] + FILLER + TRIGGERS + BREAKS)
    answer = st.lists(
        st.tuples(words, st.sampled_from([" ", " ", " ", "", "  ", "\n"])), max_size=30
    ).map(lambda parts: "".join(w + sep for w, sep in parts))
    return st.lists(answer, min_size=1, max_size=8)


def _new(engine: Engine, texts: list[str]) -> tuple[dict[str, list], np.ndarray]:
    segments = SegmentTable()
    matrix = np.zeros((len(texts), len(engine.c.codes)), dtype=np.int8)
    for row, hits in engine.find_all(texts):
        segments.record(hits, row, 0, texts[row])
        mark_coded(matrix, row, hits, engine.c)
    return segments.cols, matrix


def _old(engine: legacy_engine.Engine, texts: list[str]) -> tuple[dict[str, list], np.ndarray]:
    segments = legacy_engine.SegmentTable()
    matrix = np.zeros((len(texts), len(engine.c.codes)), dtype=np.int8)
    engine.run(texts, range(len(texts)), 0, matrix, segments)
    return segments.cols, matrix


def _check(name: str, texts: list[str]) -> None:
    new, old, _ = _engines(name)
    new_segments, new_matrix = _new(new, texts)
    old_segments, old_matrix = _old(old, texts)
    assert new_segments == old_segments, texts
    assert np.array_equal(new_matrix, old_matrix), texts


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_find_equals_the_old_engine_on_ketamine(data: st.DataObject) -> None:
    _check("ketamine", data.draw(_answers("ketamine")))


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_find_equals_the_old_engine_on_nhs_fft(data: st.DataObject) -> None:
    _check("nhs_fft", data.draw(_answers("nhs_fft")))


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_find_equals_the_old_engine_on_tokens_rules_and_answer_units(data: st.DataObject) -> None:
    _check("extra", data.draw(_answers("extra")))


def test_the_oracle_sees_hits() -> None:
    """The comparison is not vacuous: these answers give segments, negated ones included."""
    texts = ["My bladder is wrecked. I never had kidney pain.", "k cramps, no pain\nbad trips"]
    for name in ("ketamine", "extra"):
        segments, matrix = _new(_engines(name)[0], texts)
        assert len(segments["row"]) >= 2 and any(segments["negated"]) and matrix.any()
        _check(name, texts)
