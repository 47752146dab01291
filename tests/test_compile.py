"""Compiling a codebook never changes the pipeline it is given: it says which tokenizer special
cases its rules need, and the pipeline's owner applies them."""

from __future__ import annotations

from qualcode import parse_codebook
from qualcode.coding.compile import compile_codebook, tokenizer_cases
from qualcode.text.pipeline import apply_special_cases, make_pipeline

CB = parse_codebook("name: T\ncodes: [{id: k, match: [k, {near: [x, bladder]}]}]\n", "t.yaml")


def _tokens(pipeline, text: str) -> list[str]:
    return [t.text for t in pipeline.nlp.tokenizer(text)]


def test_a_given_pipeline_is_left_as_it_was() -> None:
    pipeline = make_pipeline("en")
    rules = dict(pipeline.nlp.tokenizer.rules)
    compiled = compile_codebook(CB, pipeline=pipeline)
    assert pipeline.nlp.tokenizer.rules == rules
    assert _tokens(pipeline, "I quit k.")[-1] == "k."
    assert set(compiled.special_cases) == {"k.", "K.", "x.", "X."}


def test_the_owner_applies_the_cases_the_codebook_needs() -> None:
    assert _tokens(compile_codebook(CB).pipeline, "I quit K.")[-2:] == ["K", "."]
    pipeline = make_pipeline("en")
    apply_special_cases(pipeline.nlp, tokenizer_cases(CB))
    assert _tokens(pipeline, "I quit k.")[-2:] == ["k", "."]
    assert _tokens(pipeline, "J. Smith")[0] == "J."  # other initials are untouched
