"""The "qualcode" spaCy component: the same segments as `qualcode.code`, as labelled spans."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
from spacy import displacy
from spacy.tokens import DocBin

import qualcode
import qualcode.spacy_component  # noqa: F401  (registers the factory)
from qualcode import QualcodeError
from qualcode.text.pipeline import make_pipeline

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = ROOT / "codebooks" / "ketamine.yaml"
SURVEY = ROOT / "examples" / "ketamine_survey.csv"
QUESTIONS = ["q1_harms", "q2_treatment", "q3_awareness"]


@pytest.fixture(scope="module")
def survey():
    answers, _source = qualcode.read_answers(SURVEY)
    return answers


def expected_segments(answers, **options) -> list[tuple]:
    coding = qualcode.code(answers, CODEBOOK, text=QUESTIONS, id="respondent_id", **options)
    seg = coding.segments
    return sorted(
        zip(
            seg["row"].tolist(), seg["question"].tolist(), seg["start"].tolist(),
            seg["end"].tolist(), seg["code"].tolist(), seg["negated"].tolist(),
            seg["rule"].tolist(), seg["match"].tolist(),
        )
    )  # fmt: skip


def component_segments(nlp: spacy.Language, answers, key: str = "qualcode") -> list[tuple]:
    out = []
    for question in QUESTIONS:
        texts = answers[question].tolist()
        for row, doc in enumerate(nlp.pipe(texts), start=1):
            for span in doc.spans[key]:
                out.append((row, question, span.start_char, span.end_char, span.label_,
                            span._.negated, span._.rule, span.text))  # fmt: skip
    return sorted(out)


@pytest.mark.parametrize("make", [lambda: spacy.blank("en"), lambda: make_pipeline("en").nlp])
def test_spans_equal_the_segments_of_code_for_every_answer(survey, make) -> None:
    nlp = make()
    nlp.add_pipe("qualcode", config={"codebook": str(CODEBOOK)})
    got = component_segments(nlp, survey)
    want = expected_segments(survey)
    assert len(want) > 2000 and any(s[5] for s in want)  # negated hits are part of the test
    assert got == want


def test_negation_override_and_dropping_negated_hits(survey) -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("qualcode", config={"codebook": str(CODEBOOK), "negation": "ignore"})
    assert component_segments(nlp, survey) == expected_segments(survey, negation="ignore")

    nlp = spacy.blank("en")
    nlp.add_pipe("qualcode", config={"codebook": str(CODEBOOK), "include_negated": False})
    want = [s for s in expected_segments(survey) if not s[5]]
    assert component_segments(nlp, survey) == want


def test_a_pipeline_with_a_lemmatizer_matches_code_with_that_model(survey, tmp_path) -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    nlp.to_disk(tmp_path / "model")
    nlp.add_pipe("qualcode", config={"codebook": str(CODEBOOK)})
    want = expected_segments(survey, model=str(tmp_path / "model"))
    assert component_segments(nlp, survey) == want
    assert nlp.get_pipe("qualcode").trained


def test_parents_get_no_spans_and_labels_are_code_ids() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("qualcode", config={"codebook": str(CODEBOOK), "spans_key": "codes"})
    doc = nlp("My bladder is wrecked from K. I never had kidney pain.")
    spans = doc.spans["codes"]
    assert [(s.text, s.label_, s._.negated, s._.rule) for s in spans] == [
        ("bladder", "bladder", False, "bladder"),
        ("kidney", "kidney", True, "kidney"),
    ]
    assert "qualcode" not in doc.spans


def test_two_codes_on_the_same_words_keep_their_own_rule_and_negation(write_codebook) -> None:
    path = write_codebook(
        "name: T\ncodes:\n"
        "  - id: pain\n    negation: ignore\n    match: [pain]\n"
        "  - id: hurt\n    match: ['pai*']\n"
    )
    nlp = spacy.blank("en")
    nlp.add_pipe("qualcode", config={"codebook": str(path)})
    doc = nlp("I never had pain.")
    got = [
        (s.start_char, s.end_char, s.label_, s._.negated, s._.rule) for s in doc.spans["qualcode"]
    ]
    assert got == [(12, 16, "pain", False, "pain"), (12, 16, "hurt", True, "pai*")]


def test_single_letter_special_cases_can_be_left_out(write_codebook) -> None:
    path = write_codebook("name: T\ncodes:\n  - id: k\n    match: [k]\n")
    nlp = spacy.blank("en")
    nlp.add_pipe("qualcode", config={"codebook": str(path)})
    doc = nlp("I quit k.")
    assert [t.text for t in doc][-2:] == ["k", "."]
    assert [s.text for s in doc.spans["qualcode"]] == ["k"]

    plain = spacy.blank("en")
    rules = dict(plain.tokenizer.rules)
    plain.add_pipe("qualcode", config={"codebook": str(path), "split_abbreviations": False})
    assert plain.tokenizer.rules == rules
    doc = plain("I quit k.")
    assert [t.text for t in doc][-1] == "k." and len(doc.spans["qualcode"]) == 0
    doc = plain("k is why I quit")
    assert [s.text for s in doc.spans["qualcode"]] == ["k"]


def test_to_disk_from_disk_and_bytes_keep_the_codebook(tmp_path, write_codebook) -> None:
    path = write_codebook("name: T\ncodes:\n  - id: pain\n    match: [pain]\n")
    nlp = spacy.blank("en")
    nlp.add_pipe("qualcode", config={"codebook": str(path)})
    nlp.to_disk(tmp_path / "saved")
    path.write_text("name: T\ncodes:\n  - id: ache\n    match: [ache]\n", encoding="utf-8")
    loaded = spacy.load(tmp_path / "saved")  # the stored copy wins over the edited file
    doc = loaded("pain and ache")
    assert [(s.text, s.label_) for s in doc.spans["qualcode"]] == [("pain", "pain")]
    assert loaded.get_pipe("qualcode").codebook.path == str(path)
    path.unlink()
    with pytest.raises(QualcodeError) as info:  # the config still names the file
        spacy.load(tmp_path / "saved")
    assert info.value.code == "E101"
    moved = spacy.load(tmp_path / "saved", config={"components": {"qualcode": {"codebook": None}}})
    doc = moved("pain")
    assert [s.label_ for s in doc.spans["qualcode"]] == ["pain"]

    again = spacy.blank("en")
    again.add_pipe("qualcode")
    again.from_bytes(loaded.to_bytes())
    doc = again("more pain")
    assert [s.label_ for s in doc.spans["qualcode"]] == ["pain"]


def test_spans_and_attributes_survive_a_docbin() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("qualcode", config={"codebook": str(CODEBOOK)})
    data = DocBin(docs=[nlp("I never had kidney pain.")], store_user_data=True).to_bytes()
    (doc,) = DocBin().from_bytes(data).get_docs(spacy.blank("en").vocab)
    assert [(s.label_, s._.negated, s._.rule) for s in doc.spans["qualcode"]] == [
        ("kidney", True, "kidney")
    ]


def test_displacy_shows_the_code_labels() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("qualcode", config={"codebook": str(CODEBOOK)})
    doc = nlp("My bladder is wrecked. The waiting list was months long.")
    labels = {s.label_ for s in doc.spans["qualcode"]}
    assert len(labels) >= 2
    html = displacy.render(doc, style="span", options={"spans_key": "qualcode"})
    for label in labels:
        assert label in html
    # With no options displaCy draws doc.spans["sc"], which the component also fills.
    plain = displacy.render(doc, style="span")
    assert all(label in plain for label in labels)
    assert [(s.start, s.end, s.label_) for s in doc.spans["sc"]] == [
        (s.start, s.end, s.label_) for s in doc.spans["qualcode"]
    ]


def test_display_key_never_takes_another_components_spans() -> None:
    nlp = spacy.blank("en")

    @spacy.Language.component("other_sc_writer")
    def other(doc):
        doc.spans["sc"] = [doc[0:1]]
        return doc

    nlp.add_pipe("other_sc_writer")
    nlp.add_pipe("qualcode", config={"codebook": str(CODEBOOK)})
    doc = nlp("My bladder is wrecked.")
    assert [s.text for s in doc.spans["sc"]] == ["My"]
    assert [s.label_ for s in doc.spans["qualcode"]] == ["bladder"]
    off = spacy.blank("en")
    off.add_pipe("qualcode", config={"codebook": str(CODEBOOK), "display_key": None})
    assert "sc" not in off("My bladder is wrecked.").spans


def test_configuration_errors_are_qualcode_errors(tmp_path, write_codebook) -> None:
    nlp = spacy.blank("en")
    with pytest.raises(QualcodeError) as info:
        nlp.add_pipe("qualcode", config={"codebook": str(tmp_path / "missing.yaml")})
    assert info.value.code == "E101"
    bad = write_codebook("name: T\ncodes: [\n")
    with pytest.raises(QualcodeError) as info:
        nlp.add_pipe("qualcode", config={"codebook": str(bad)})
    assert info.value.code == "E102" and str(bad) in str(info.value)
    with pytest.raises(QualcodeError) as info:
        nlp.add_pipe("qualcode", config={"codebook": str(CODEBOOK), "negation": "drop"})
    assert info.value.code == "E113"
    nlp.add_pipe("qualcode")  # no codebook: allowed until the first Doc (from_disk may follow)
    with pytest.raises(QualcodeError) as info:
        nlp("some text")
    assert info.value.code == "E751" and "add_pipe" in str(info.value)
