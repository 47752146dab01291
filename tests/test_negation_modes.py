"""Negation in coding: exclude / flag / ignore per code and as default; lexicon extensions."""

from __future__ import annotations

import functools

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode import code, parse_codebook

CODES = """\
codes:
  - id: bladder
    match: [bladder]
  - id: cravings
    negation: flag
    match: [craving]
  - id: mood
    negation: ignore
    match: [depressed]
"""

ANSWERS = [
    "I never had bladder problems",
    "No cravings anymore",
    "not depressed at all",
    "My bladder is wrecked but no cravings",
    "no doubt my bladder is wrecked",
]


def run(header: str):
    cb = parse_codebook("name: T\n" + header + CODES, "t.yaml")
    return code(pd.DataFrame({"a": ANSWERS}), cb, text="a")


def test_exclude_keeps_the_negated_segment_but_does_not_code() -> None:
    coding = run("defaults: {negation: exclude}\n")
    seg = coding.segments
    first = seg[seg["row"] == 1]
    assert first["code"].tolist() == ["bladder"] and first["negated"].tolist() == [True]
    assert coding.matrix["bladder"].tolist() == [0, 0, 0, 1, 1]


def test_flag_codes_negated_hits_and_marks_them() -> None:
    coding = run("defaults: {negation: exclude}\n")
    seg = coding.segments
    cravings = seg[seg["code"] == "cravings"]
    assert cravings["negated"].tolist() == [True, True]
    assert coding.matrix["cravings"].tolist() == [0, 1, 0, 1, 0]


def test_ignore_does_not_look_for_negation() -> None:
    coding = run("defaults: {negation: exclude}\n")
    seg = coding.segments
    assert seg[seg["code"] == "mood"]["negated"].tolist() == [False]
    assert coding.matrix["mood"].tolist() == [0, 0, 1, 0, 0]


def test_terminator_and_pseudo_trigger() -> None:
    seg = run("").segments
    row4 = seg[seg["row"] == 4].set_index("code")["negated"]
    assert not row4["bladder"] and row4["cravings"]  # "but" ends the scope of "no"
    row5 = seg[seg["row"] == 5].set_index("code")["negated"]
    assert not row5["bladder"]  # "no doubt" is a pseudo-trigger


def test_codebook_extends_the_lexicon() -> None:
    cb_text = "name: T\nnegation:\n  pre: [sans]\n" + CODES
    cb = parse_codebook(cb_text, "t.yaml")
    coding = code(pd.DataFrame({"a": ["sans bladder trouble", "bladder trouble"]}), cb, text="a")
    assert coding.segments["negated"].tolist() == [True, False]
    base = parse_codebook("name: T\n" + CODES, "t.yaml")
    plain = code(pd.DataFrame({"a": ["sans bladder trouble"]}), base, text="a")
    assert plain.segments["negated"].tolist() == [False]


def test_summary_counts_negated_segments_and_respects_modes() -> None:
    summary = run("").summary_table.set_index("code")
    assert summary.loc["bladder", "coded"] == 2
    assert summary.loc["bladder", "negated_segments"] == 1
    assert summary.loc["bladder", "answered"] == 5
    assert summary.loc["bladder", "percent"] == 40.0


NEG_PIECES = [
    "no", "not", "never", "bladder", "pain", "but", "ruled", "out", "don't", "don’t", "have",
    "is", "gone", ",", ".", "denies", "free", "of", "doubt", "only", "anymore", "without", "my",
    "hurts", "nothing", "helps", "\n",
]  # fmt: skip


@functools.cache
def _flagging_engine():
    from qualcode.coding.compile import compile_codebook

    cb = parse_codebook(
        "name: T\ndefaults: {negation: flag}\ncodes: [{id: b, match: [bladder, pain]}]\n"
    )
    compiled = compile_codebook(cb)
    return cb, compiled


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(NEG_PIECES), min_size=1, max_size=20))
def test_hash_precheck_agrees_with_the_detector(pieces: list[str]) -> None:
    """The engine skips the detector when no trigger word is near; that must not change a flag."""
    from qualcode.coding.engine import Engine

    cb, compiled = _flagging_engine()
    text = " ".join(pieces)
    coding = code(pd.DataFrame({"a": [text]}), cb, text="a", compiled=compiled)
    doc = compiled.pipeline.nlp.tokenizer(text)
    info = Engine(compiled).doc_info(doc, text)
    for seg in coding.segments.itertuples():
        start = next(t.i for t in doc if t.idx == seg.start)
        end = next(t.i for t in doc if t.idx + len(t) == seg.end) + 1
        first, last = info.unit_range(info.unit_of(start))
        tokens = [t.lower_ for t in doc[first:last]]
        expected = compiled.detector.find(tokens, start - first, min(end, last) - first)
        assert seg.negated == (expected is not None), (text, seg.match)


def test_one_rule_for_what_counts_matrix_counting_and_report_agree() -> None:
    """The matrix, `Coding.counting()` and the report's "rules that fired most" all follow
    `segment_counts`: under `negation: flag` a negated hit counts everywhere (the report
    used to drop it)."""
    from qualcode.codebook.model import NegationMode, segment_counts, segments_count
    from qualcode.export.report import top_rules

    coding = run("defaults: {negation: exclude}\n")
    seg = coding.segments
    counting = coding.counting()
    modes = {"bladder": "exclude", "cravings": "flag", "mood": "ignore"}
    expected = [segment_counts(n, modes[c]) for n, c in zip(seg["negated"], seg["code"])]
    assert counting.tolist() == expected
    assert segments_count(seg["negated"].astype(str), seg["code"].map(modes)).tolist() == expected
    for code_id in modes:
        coded_rows = set(seg.loc[counting & (seg["code"] == code_id), "row"])
        assert coded_rows == {i + 1 for i, v in enumerate(coding.matrix[code_id]) if v}
    rules = top_rules(coding).set_index("code")
    assert rules.loc["cravings", "hits"] == 2  # both negated, both count under flag
    assert rules.loc["bladder", "hits"] == 2  # the negated third is left out under exclude
    assert NegationMode("flag") == "flag" and str(NegationMode.FLAG) == "flag"
    assert not NegationMode.IGNORE.detects
