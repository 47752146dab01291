"""Quote units: qualcode's sentence bounds equal spaCy's Sentencizer plus line breaks."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode import parse_codebook
from qualcode.coding.compile import compile_codebook
from qualcode.coding.engine import Engine

PIECES = [
    "word",
    "K",
    "bladder",
    ".",
    "!",
    "?",
    "...",
    ")",
    '"',
    "(",
    "\n",
    "\n\n",
    "  ",
    ",",
    "😞",
]
CB = parse_codebook("name: T\ncodes: [{id: a, match: [bladder]}]\n", "t.yaml")
ENGINE = Engine(compile_codebook(CB))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=25))
def test_sentence_bounds_match_spacy_sentencizer(pieces: list[str]) -> None:
    engine = ENGINE
    compiled = engine.c
    text = " ".join(pieces)
    doc = compiled.pipeline.nlp.tokenizer(text)
    info = engine.doc_info(doc, text)
    # Reference: the Sentencizer's rule applied in one forward pass (as spaCy does),
    # with line-break whitespace tokens also ending a unit.
    sentencizer = compiled.pipeline.nlp.get_pipe("sentencizer")
    sentencizer(doc)
    starts, seen = [0], False
    for tok in doc:
        in_chars = tok.text in sentencizer.punct_chars
        if tok.i and seen and not tok.is_punct and not in_chars:
            starts.append(tok.i)
            seen = False
        elif in_chars:
            seen = True
        if tok.is_space and "\n" in tok.text:
            seen = True
    spacy_starts = [t.i for t in doc if t.is_sent_start]
    newline_free = "\n" not in text
    if newline_free:
        assert starts == spacy_starts  # the reference pass is spaCy's sentencizer
    for i in range(len(doc)):
        first = max(s for s in starts if s <= i)
        later = [s for s in starts if s > i]
        assert info.unit_of(i) == first, (text, i)
        assert info.unit_range(first) == (first, later[0] if later else len(doc)), (text, i)
