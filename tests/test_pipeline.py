"""The text pipeline: offline default, a named installed pipeline, never a download."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import spacy

from qualcode import QualcodeError, code, parse_codebook
from qualcode.text.pipeline import load_lemma_table, make_pipeline

CB = parse_codebook(
    "name: T\ncodes:\n  - id: cravings\n    match: [craving]\n  - id: k\n    match: [k]\n", "t"
)


def test_default_is_blank_with_lookup_lemmas() -> None:
    pipe = make_pipeline("en")
    assert pipe.nlp.pipe_names == ["sentencizer"]
    assert pipe.lemma("cravings") == "craving"
    assert not pipe.trained
    assert "lookup lemmas" in pipe.describe()["name"]


def test_a_language_without_a_lemma_table_still_works() -> None:
    assert load_lemma_table("xx") == {}
    pipe = make_pipeline("xx")
    assert pipe.lemma("anything") == "anything"


def test_unknown_language_and_uninstalled_model_are_clear_errors() -> None:
    with pytest.raises(QualcodeError) as info:
        make_pipeline("zz-not-a-language")
    assert info.value.code == "E202"
    with pytest.raises(QualcodeError) as info:
        make_pipeline("en", model="en_core_web_sm_not_installed")
    assert info.value.code == "E201" and "never downloads" in str(info.value)


@pytest.fixture(scope="module")
def saved_pipeline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real spaCy pipeline on disk with a lemmatizer component (lookup mode)."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    path = tmp_path_factory.mktemp("pipeline") / "en_test_pipeline"
    nlp.to_disk(path)
    return path


def test_a_named_pipeline_is_used_for_lemmas_and_sentences(saved_pipeline: Path) -> None:
    frame = pd.DataFrame({"a": ["The cravings. I quit k.", "nothing here"]})
    default = code(frame, CB, text="a")
    trained = code(frame, CB, text="a", model=str(saved_pipeline))
    assert trained.manifest["pipeline"]["components"] == ["sentencizer", "lemmatizer"]
    pd.testing.assert_frame_equal(default.segments, trained.segments)
    assert trained.segments["quote"].tolist() == ["The cravings.", "I quit k."]


def test_lookup_table_corrections_change_what_words_match() -> None:
    from qualcode.text.pipeline import LEMMA_FIXES, _lemma_table_cached

    shipped = dict(_lemma_table_cached("en"))
    # The entries corrected are wrong as shipped (if spacy-lookups-data fixes one, drop it).
    assert shipped["does"] == "doe" and shipped["taxes"] == "taxis" and shipped["bit"] == "bite"
    assert all(load_lemma_table("en")[w] == lemma for w, lemma in LEMMA_FIXES["en"].items())
    book = parse_codebook(
        "name: T\ncodes:\n"
        "  - id: do\n    match: [do]\n  - id: tax\n    match: [tax]\n"
        "  - id: bad\n    match: [bad]\n  - id: wrong\n    match: [wrong]\n"
        "  - id: bite\n    match: [bite]\n  - id: wound\n    match: [wound]\n",
        "t.yaml",
    )
    texts = ["He does nothing.", "Taxes went up.", "It got worse.", "A bit tired.",
             "The wounds healed."]  # fmt: skip
    matrix = code(pd.DataFrame({"text": texts}), book, text="text").matrix
    assert matrix["do"].tolist() == [1, 0, 0, 0, 0]
    assert matrix["tax"].tolist() == [0, 1, 0, 0, 0]
    assert matrix["bad"].tolist() == [0, 0, 1, 0, 0] and matrix["wrong"].sum() == 0
    assert matrix["bite"].sum() == 0
    assert matrix["wound"].tolist() == [0, 0, 0, 0, 1]
