"""Every rule kind, overlap and nesting, roll-up, `unless`, and exact offsets."""

from __future__ import annotations

import functools
import textwrap

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode import code, parse_codebook
from qualcode.coding.engine import Hit, keep_longest, minimal_windows


def book(codes_yaml: str, defaults: str = "negation: flag"):
    text = f"name: T\ndefaults: {{{defaults}}}\ncodes:\n" + textwrap.indent(
        textwrap.dedent(codes_yaml), "  "
    )
    return parse_codebook(text, "t.yaml")


def run(cb, *answers: str):
    return code(pd.DataFrame({"answer": list(answers)}), cb, text="answer")


def hits(cb, answer: str, code_id: str | None = None) -> list[str]:
    seg = run(cb, answer).segments
    if code_id:
        seg = seg[seg["code"] == code_id]
    return seg["match"].tolist()


def test_word_matches_inflections_via_lemmas_case_insensitively() -> None:
    cb = book("- id: b\n  match: [bladder, craving]\n")
    assert hits(cb, "My Bladders hurt and the CRAVINGS are bad") == ["Bladders", "CRAVINGS"]
    # The word as written is the lemma to match: "crave" covers crave/craved/craving, while
    # "craving" covers craving/cravings but not "crave" (lookup lemmas are context-free).
    assert hits(cb, "I crave it") == []
    crave = book("- id: c\n  match: [crave, liver]\n")
    assert hits(crave, "craved, craving, craves") == ["craved", "craving", "craves"]
    assert hits(crave, "where I live") == []  # the lookup table says liver -> live
    assert hits(cb, "gallbladder") == []  # a word is a whole token, not a substring


def test_phrase_is_a_token_sequence_with_each_token_lemmatised() -> None:
    cb = book("- id: k\n  match: [k bladder, k-hole]\n")
    assert hits(cb, "my k bladders are done") == ["k bladders"]
    assert hits(cb, "fell into a K-hole") == ["K-hole"]
    assert hits(cb, "k and then bladder") == []


def test_phrase_spans_extra_whitespace_but_not_other_tokens() -> None:
    cb = book("- id: k\n  match: [k bladder]\n")
    assert hits(cb, "k  bladder") == ["k  bladder"]
    assert hits(cb, "k,bladder") == []


def test_glob_within_a_token() -> None:
    cb = book('- id: g\n  match: ["crav*", "urinat?", "k cramp*"]\n')
    assert hits(cb, "Cravings, urinate, K cramps") == ["Cravings", "urinate", "K cramps"]
    assert hits(cb, "urinating") == []  # ? is exactly one character


def test_single_letter_rule_splits_abbreviation_tokens() -> None:
    # spaCy keeps "k." as one token; a codebook rule `k` makes the tokenizer split it.
    cb = book("- id: k\n  match: [k, quit k]\n")
    assert hits(cb, "I quit k.") == ["quit k"]
    assert hits(cb, "I QUIT K.") == ["QUIT K"]
    assert hits(cb, "i quit k. then relapsed") == ["quit k"]
    other = book("- id: q\n  match: [quit]\n")
    assert run(other, "J. Smith quit").segments["quote"].tolist() == ["J. Smith quit"]


def test_regex_hit_is_widened_to_whole_tokens() -> None:
    cb = book('- id: r\n  match: [{regex: "ladd"}]\n')
    seg = run(cb, "my bladder hurts").segments
    assert seg["match"].tolist() == ["bladder"]
    assert (seg["start"].iloc[0], seg["end"].iloc[0]) == (3, 10)


def test_near_all_terms_within_n_words_in_one_sentence() -> None:
    cb = book("- id: n\n  match: [{near: [pain, pee], within: 3}]\n")
    assert hits(cb, "pain when I pee") == ["pain when I pee"]
    assert hits(cb, "pain, when I pee") == ["pain, when I pee"]  # punctuation is not a word
    assert hits(cb, "pain when I really need to pee") == []
    assert hits(cb, "It is pain. I pee.") == []  # not in one sentence
    assert hits(cb, "I pee with pain") == ["pee with pain"]  # order does not matter


def test_tokens_rule_is_a_raw_spacy_matcher_pattern() -> None:
    cb = book("- id: t\n  match: [{tokens: [{LOWER: k}, {LEMMA: cramp}]}]\n")
    assert hits(cb, "the K cramps again") == ["K cramps"]


def test_unless_suppresses_the_code_in_the_same_sentence_only() -> None:
    cb = book("- id: b\n  match: [bladder]\n  unless: [bladder cancer screening]\n")
    assert hits(cb, "I had a bladder cancer screening.") == []
    assert hits(cb, "I had a bladder cancer screening. My bladder hurts.") == ["bladder"]


def test_nested_hits_of_one_code_count_once_longest_wins() -> None:
    cb = book("- id: b\n  match: [bladder, k bladder]\n")
    seg = run(cb, "my k bladder").segments
    assert seg["match"].tolist() == ["k bladder"]
    assert seg["rule"].tolist() == ["k bladder"]


def test_overlapping_hits_of_different_codes_all_count() -> None:
    cb = book("- id: a\n  match: [k bladder]\n- id: b\n  match: [bladder]\n")
    seg = run(cb, "my k bladder").segments
    assert sorted(zip(seg["code"], seg["match"])) == [("a", "k bladder"), ("b", "bladder")]


def test_parent_is_coded_when_any_child_is() -> None:
    cb = book(
        """\
        - id: harms
          codes:
            - id: physical
              codes:
                - id: bladder
                  match: [bladder]
            - id: mood
              match: [sad]
        """
    )
    coding = run(cb, "my bladder", "so sad", "nothing")
    m = coding.matrix
    assert m["harms"].tolist() == [1, 1, 0]
    assert m["physical"].tolist() == [1, 0, 0]
    assert m["bladder"].tolist() == [1, 0, 0]
    assert m["mood"].tolist() == [0, 1, 0]
    assert coding.segments["code_path"].tolist() == ["harms/physical/bladder", "harms/mood"]


@pytest.mark.parametrize(
    "answer",
    [
        "My bladder 😞 hurts",
        "café au lait then bladder",  # decomposed accent (e + combining acute)
        "line one\r\nmy bladder\r\n",
        "👩‍👩‍👧 family, k bladder 💊",
        "e\u0301e\u0301 BLADDER",
    ],
)
def test_offsets_are_code_points_into_the_answer_as_read(answer: str) -> None:
    cb = book("- id: b\n  match: [bladder]\n")
    seg = run(cb, answer).segments
    assert len(seg) == 1
    s = seg.iloc[0]
    assert answer[s["start"] : s["end"]] == s["match"]
    assert s["match"].lower() == "bladder"


def test_every_row_is_kept_including_empty_answers() -> None:
    cb = book("- id: b\n  match: [bladder]\n")
    coding = code(
        pd.DataFrame({"id": ["a", "b", "c", "d"], "answer": ["bladder", "", "   ", "no"]}),
        cb,
        text="answer",
        id="id",
    )
    assert len(coding.matrix) == 4
    assert coding.matrix["b"].tolist() == [1, 0, 0, 0]
    assert coding.summary_table.loc[0, "answered"] == 2
    assert coding.manifest["counts"]["no_answer"] == 2


def test_quote_is_the_sentence_holding_the_hit() -> None:
    cb = book("- id: b\n  match: [bladder]\n")
    seg = run(cb, "I started at 19. My bladder is wrecked now! Anyway.").segments
    assert seg["quote"].tolist() == ["My bladder is wrecked now!"]


def test_line_breaks_end_a_quote_unit() -> None:
    cb = book("- id: b\n  match: [bladder]\n")
    seg = run(cb, "no cravings\nbladder pain every day").segments
    assert seg["quote"].tolist() == ["bladder pain every day"]


def test_unit_answer_makes_the_whole_answer_the_unit() -> None:
    cb = book("- id: b\n  match: [bladder]\n", defaults="negation: flag, unit: answer")
    seg = run(cb, "First. My bladder hurts.").segments
    assert seg["quote"].tolist() == ["First. My bladder hurts."]


PREFILTER_CB = """\
- id: a
  match: [bladder, "crav*", k cramp, {near: [pain, pee], within: 4}, not, na, can, "*ache"]
- id: b
  match: [{regex: "\\\\bket\\\\b"}, anxious, {regex: "caf\\\\w"}, {regex: "end$"}, mg]
"""
PIECES = [
    "Bladders",
    "bladder",
    "gallbladder",
    "CRAVING",
    "k",
    "cramps",
    "K-cramps",
    "pain",
    "pee",
    "ket",
    "kets",
    "anxious",
    "cannot",
    "gonna",
    "can't",
    "don't",
    "10mg",
    "mg",
    "café",
    "cafe",
    "headache",
    "ache",
    "İstanbul",
    "end",
    "end\n",
    "naive",
    "😞",
    ".",
    ",",
    "-",
    "\n",
    "  ",
    "\x0b",
    "ﬁne",
    "Kelvin\u212a",
    "e\u0301",
]


@functools.cache
def prefilter_pair():
    """The same codebook compiled with and without the screen (compiled once: it is slow)."""
    from qualcode.coding.compile import compile_codebook

    cb = book(PREFILTER_CB)
    with_filter = compile_codebook(cb)
    without = compile_codebook(cb)
    without.prefilter = None
    without.re2_precheck = False  # every answer is tokenised and searched with Python re
    return cb, with_filter, without


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(PIECES), max_size=8), min_size=1, max_size=6))
def test_prefilter_does_not_change_results(answers: list[list[str]]) -> None:
    cb, with_filter, without = prefilter_pair()
    assert with_filter.prefilter is not None
    texts = ["".join(a[: len(a) // 2]) + " " + " ".join(a) for a in answers]
    frame = pd.DataFrame({"answer": texts})
    a = code(frame, cb, text="answer", compiled=with_filter)
    b = code(frame, cb, text="answer", compiled=without)
    pd.testing.assert_frame_equal(a.segments, b.segments)
    pd.testing.assert_frame_equal(a.matrix, b.matrix)


SPANS = st.lists(
    st.tuples(st.integers(0, 30), st.integers(1, 8), st.integers(0, 3)), max_size=40
).map(lambda spans: [Hit(s, s + n, f"r{o}", o) for s, n, o in spans])


@settings(max_examples=300, deadline=None)
@given(SPANS)
def test_keep_longest_equals_its_definition(hits: list[Hit]) -> None:
    """The O(n log n) pass keeps exactly what the pairwise definition keeps: a hit survives
    unless it lies inside a hit kept before it (by start, longest first, codebook order)."""
    expected: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (h.start, -h.end, h.order)):
        if not any(k.start <= hit.start and hit.end <= k.end for k in expected):
            expected.append(hit)
    assert keep_longest(hits) == expected


@settings(max_examples=300, deadline=None)
@given(SPANS)
def test_minimal_windows_equal_their_definition(hits: list[Hit]) -> None:
    """A `near` window survives unless it contains another, different window."""
    expected = [
        h for h in hits
        if not any(h.start <= o.start and o.end <= h.end and (o.start, o.end) != (h.start, h.end)
                   for o in hits)
    ]  # fmt: skip
    assert minimal_windows(hits) == expected


def test_a_long_answer_with_thousands_of_hits_is_linear_enough() -> None:
    """25,000 hits in one answer: the nesting passes must not compare every pair."""
    hits = [Hit(i * 3, i * 3 + 2, "r", 0) for i in range(25_000)]
    assert len(keep_longest(hits)) == len(minimal_windows(hits)) == 25_000
