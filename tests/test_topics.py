"""`qualcode topics`: themes in the answers, the number chosen by coherence, candidate codes."""

from __future__ import annotations

import json
import math
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import sparse
from typer.testing import CliRunner

from qualcode.analysis.topic_coherence import npmi_matrix, topic_coherence
from qualcode.analysis.topic_terms import TermExtractor
from qualcode.analysis.topics import TopicModel
from qualcode.cli import app
from qualcode.codebook.load import ID_RE
from qualcode.text.pipeline import make_pipeline
from tests.conftest import shared_file

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "ketamine_survey.csv"
CODEBOOK = ROOT / "codebooks" / "ketamine.yaml"
QUESTIONS = ["q1_harms", "q2_treatment", "q3_awareness"]


def run(*args: object) -> object:
    result = CliRunner().invoke(app, ["topics", *map(str, args)])
    return result


def folder_bytes(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(path.iterdir())}


def non_blank_answers(csv: Path, id_col: str, questions: list[str]) -> set[tuple[str, str]]:
    frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
    return {(r[id_col], q) for _, r in frame.iterrows() for q in questions if r[q].strip()}


@pytest.fixture(scope="module")
def example_auto(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("topics") / "auto"
    stubs = out.parent / "stubs.yaml"
    result = run(EXAMPLE, "-o", out, "--by", "region", "--suggest", stubs)
    assert result.exit_code == 0, result.output
    return out


# -- preprocessing and the coherence measure ----------------------------------------------
def test_terms_are_lemmas_without_stop_words_and_bigrams_only_of_adjacent_words() -> None:
    extractor = TermExtractor(make_pipeline("en"))
    [terms] = extractor.terms(["The cravings were constant, and my bladder is wrecked in 2024!"])
    assert "craving" in terms and "bladder" in terms and "wreck" in terms
    assert not {"the", "and", "my", "is", "2024", ",", "!"} & set(terms)
    assert "bladder wreck" not in terms  # "is" stood between them
    assert "craving constant" not in terms  # so did "were"
    [terms] = extractor.terms(["k bladder pain. I quit k."])
    assert "bladder pain" in terms and "k" not in terms and "k." not in terms


def test_npmi_by_hand() -> None:
    # 4 answers: a in 1,2; b in 1,2; c in 3; d in all four.
    occ = sparse.csr_matrix(np.array([[1, 1, 0, 1], [1, 1, 0, 1], [0, 0, 1, 1], [0, 0, 0, 1]]))
    counts = np.asarray(occ.sum(axis=0)).ravel().astype(float)
    joint = (occ.T @ occ).toarray().astype(float)
    npmi = npmi_matrix(counts, joint, 4)
    assert npmi[0, 1] == pytest.approx(1.0)  # always together
    assert npmi[0, 2] == -1.0  # never together
    p_ad = 2 / 4
    expected = math.log(p_ad / (2 / 4 * 1.0)) / -math.log(p_ad)  # independent of d: 0
    assert npmi[0, 3] == pytest.approx(expected) and expected == pytest.approx(0.0)
    names = ["a", "b", "c", "a b"]
    # "a b" contains "a": that pair is left out, so topic [a, a b] has no pair -> 0.
    assert topic_coherence(occ, [[0, 1], [0, 2], [0, 3]], names) == pytest.approx([1, -1, 0])


def test_short_answers_of_two_words_are_modelled_and_single_words_reported() -> None:
    themes = {
        "bladder": ["bladder pain", "bladder burning", "painful bladder", "bladder damage"],
        "waiting": ["long waiting", "waiting list", "waiting months", "long queue"],
        "cost": ["expensive treatment", "expensive rehab", "cost money", "rehab cost"],
    }
    texts, truth = [], []
    for i in range(8):
        for theme, answers in themes.items():
            texts.append(answers[i % 4] + (" honestly" if i % 2 else ""))
            truth.append(theme)
    texts += ["bladder", "expensive", "!!"]
    model = TopicModel(k=3, seed=0).fit(texts)
    status = model.answers_["status"].tolist()
    assert status[-3:] == ["too short"] * 3
    assert status[:-3] == ["modelled"] * len(truth)
    topics = model.answers_["topic"].tolist()[:-3]
    for theme in themes:
        mine = [t for t, th in zip(topics, truth) if th == theme]
        assert max(mine.count(t) for t in set(mine)) >= 0.75 * len(mine), (theme, mine)


# -- the bundled example ------------------------------------------------------------------
def test_auto_k_is_the_peak_of_the_coherence_curve_inside_the_range(example_auto: Path) -> None:
    curve = pd.read_csv(example_auto / "coherence.csv")
    assert curve["k"].tolist() == list(range(2, 11))
    chosen = int(curve.loc[curve["chosen"], "k"].item())
    assert chosen == int(curve.loc[curve["npmi"].round(4).idxmax(), "k"])
    assert 2 < chosen < 10  # a peak, not the edge of the range
    manifest = json.loads((example_auto / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["k"] == chosen and manifest["method"] == "nmf" and manifest["seed"] == 0
    topics = pd.read_csv(example_auto / "topics.csv")
    assert topics["topic"].tolist() == list(range(1, chosen + 1))
    assert topics["size"].is_monotonic_decreasing
    svg = (example_auto / "topics.svg").read_text(encoding="utf-8")
    # A standalone SVG file: well-formed XML in the SVG namespace, or browsers show markup.
    root = ElementTree.fromstring(svg.encode("utf-8"))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert svg.count("<polyline") == 1 and f"k = {chosen}" in svg
    assert all(f"Topic {t}:" in svg for t in topics["topic"])


def test_every_answer_appears_once_in_answers_csv(example_auto: Path) -> None:
    answers = pd.read_csv(example_auto / "answers.csv", dtype=str, keep_default_na=False)
    keys = list(zip(answers["id"], answers["question"]))
    assert len(keys) == len(set(keys))
    assert set(keys) == non_blank_answers(EXAMPLE, "respondent_id", QUESTIONS)
    modelled = answers[answers["status"] == "modelled"]
    assert (modelled["topic"] != "").all()
    assert (answers.loc[answers["status"] != "modelled", "topic"] == "").all()
    sizes = pd.read_csv(example_auto / "topics.csv").set_index("topic")["size"]
    assert modelled["topic"].astype(int).value_counts().sort_index().tolist() == sizes.tolist()


def test_representative_answers_belong_to_their_topic_and_are_distinct(example_auto: Path) -> None:
    rep = pd.read_csv(example_auto / "representative.csv", dtype=str, keep_default_na=False)
    answers = pd.read_csv(example_auto / "answers.csv", dtype=str, keep_default_na=False)
    topic_of = dict(zip(zip(answers["id"], answers["question"]), answers["topic"]))
    for topic, group in rep.groupby("topic"):
        assert 3 <= len(group) <= 5
        assert group["text"].str.lower().nunique() == len(group)
        assert all(topic_of[(i, q)] == topic for i, q in zip(group["id"], group["question"]))


def test_by_table_adds_up(example_auto: Path) -> None:
    by = pd.read_csv(example_auto / "by_region.csv")
    sizes = pd.read_csv(example_auto / "topics.csv").set_index("topic")["size"]
    assert by.groupby("topic")["n"].sum().tolist() == sizes.tolist()
    assert by.groupby("region")["percent"].sum().round(1).eq(100.0).all()
    regions = pd.read_csv(EXAMPLE, dtype=str)["region"].unique()
    assert set(by["region"]) == set(regions)


def test_suggestions_validate_and_name_their_topic(example_auto: Path) -> None:
    stubs = example_auto.parent / "stubs.yaml"
    doc = yaml.safe_load(stubs.read_text(encoding="utf-8"))
    terms = pd.read_csv(example_auto / "terms.csv")
    assert doc["name"] == "Suggested codes from ketamine_survey.csv"
    assert len(doc["codes"]) == len(terms["topic"].unique())
    for number, stub in enumerate(doc["codes"], start=1):
        assert ID_RE.match(stub["id"])
        assert stub["definition"].startswith("TODO")
        assert 5 <= len(stub["match"]) <= 8
        assert set(stub["match"]) <= set(terms.loc[terms["topic"] == number, "term"])
        assert stub["examples"]
    assert len({s["id"] for s in doc["codes"]}) == len(doc["codes"])
    assert "# from topic 1 of `qualcode topics" in stubs.read_text(encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(stubs)])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output


def test_same_seed_gives_the_same_folder_bytes(tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert run(EXAMPLE, "--k", 4, "--seed", 3, "-o", tmp_path / name).exit_code == 0
    assert folder_bytes(tmp_path / "a") == folder_bytes(tmp_path / "b")
    # LDA's fit depends on its seed: another seed is a different, equally valid run.
    for name, seed in (("l0", 0), ("l0b", 0), ("l1", 1)):
        result = run(EXAMPLE, "--k", 3, "--method", "lda", "--seed", seed, "-o", tmp_path / name)
        assert result.exit_code == 0, result.output
    assert folder_bytes(tmp_path / "l0") == folder_bytes(tmp_path / "l0b")
    manifest = json.loads((tmp_path / "l1" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 1 and manifest["method"] == "lda" and manifest["k"] == 3


def test_rerun_into_the_folder_removes_files_of_the_earlier_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run(EXAMPLE, "--k", 3, "--by", "region", "-o", out).exit_code == 0
    assert (out / "by_region.csv").is_file()
    assert run(EXAMPLE, "--k", 3, "-o", out).exit_code == 0
    assert not (out / "by_region.csv").exists() and not (out / "coherence.csv").exists()


# -- residual mode ------------------------------------------------------------------------
def test_uncoded_models_exactly_the_answers_no_code_matched(tmp_path: Path) -> None:
    applied = tmp_path / "applied"
    result = CliRunner().invoke(app, ["apply", str(CODEBOOK), str(EXAMPLE), "-o", str(applied),
                                      "-q"])  # fmt: skip
    assert result.exit_code == 0, result.output
    # Independently of qualcode: an answer is coded when a segment counts for it.
    seg = pd.read_csv(applied / "segments.csv", dtype=str, keep_default_na=False)
    modes = dict(pd.read_csv(applied / "summary.csv", dtype=str)[["code", "negation"]].values)
    counts = [not (n == "True" and modes[c] == "exclude") for n, c in zip(seg["negated"],
                                                                         seg["code"])]  # fmt: skip
    coded = set(zip(seg["id"][counts], seg["question"][counts]))
    assert any(n == "True" for n in seg["negated"])  # the negation case is exercised

    out, stubs = tmp_path / "residue", tmp_path / "residue.yaml"
    result = run(EXAMPLE, "--uncoded", applied, "--k", 2, "-o", out, "--suggest", stubs)
    assert result.exit_code == 0, result.output
    answers = pd.read_csv(out / "answers.csv", dtype=str, keep_default_na=False)
    marked = set(zip(answers["id"][answers["status"] == "coded"],
                     answers["question"][answers["status"] == "coded"]))  # fmt: skip
    assert marked == coded
    assert set(zip(answers["id"], answers["question"])) == non_blank_answers(
        EXAMPLE, "respondent_id", QUESTIONS
    )
    assert f"coded: {len(coded)}" in result.output
    book_ids = {c["id"] for c in yaml.safe_load(CODEBOOK.read_text(encoding="utf-8"))["codes"]}
    stub_ids = {c["id"] for c in yaml.safe_load(stubs.read_text(encoding="utf-8"))["codes"]}
    assert stub_ids and not stub_ids & book_ids
    assert CliRunner().invoke(app, ["validate", str(stubs)]).exit_code == 0


# -- bad input ----------------------------------------------------------------------------
def test_errors_come_from_the_catalogue(tmp_path: Path) -> None:
    few = tmp_path / "few.csv"
    few.write_text("id,answer\n" + "".join(f"{i},the bladder pain again\n" for i in range(8)),
                   encoding="utf-8")  # fmt: skip
    result = run(few, "--text", "answer")
    assert result.exit_code == 1 and "E721" in result.output and "8 usable" in result.output
    for bad in ("1", "many"):
        result = run(EXAMPLE, "--k", bad)
        assert result.exit_code == 1 and "E723" in result.output
    result = run(EXAMPLE, "--k", 3, "--by", "regoin", "-o", tmp_path / "x")
    assert result.exit_code == 1 and "E304" in result.output and "region" in result.output
    result = run(EXAMPLE, "--k", 3, "--suggest", EXAMPLE, "-o", tmp_path / "y")
    assert result.exit_code == 1 and "E726" in result.output
    result = run(EXAMPLE, "-o", EXAMPLE)
    assert result.exit_code == 1 and "E402" in result.output

    applied = tmp_path / "applied"
    other = tmp_path / "other.csv"
    other.write_bytes(EXAMPLE.read_bytes().replace(b"P001", b"X001"))
    CliRunner().invoke(app, ["apply", str(CODEBOOK), str(other), "-o", str(applied), "-q"])
    result = run(EXAMPLE, "--uncoded", applied, "--k", 2)
    assert result.exit_code == 1 and "E722" in result.output
    result = run(other, "--uncoded", applied, "-o", applied)
    assert result.exit_code == 1 and "E725" in result.output


# -- real answers -------------------------------------------------------------------------
def test_gadarian_immigration_answers(tmp_path: Path) -> None:
    answers = shared_file("gadarian/gadarian.csv")
    out = tmp_path / "gadarian"
    result = run(answers, "--text", "open.ended.response", "-o", out, "--suggest",
                 tmp_path / "g.yaml")  # fmt: skip
    assert result.exit_code == 0, result.output
    curve = pd.read_csv(out / "coherence.csv")
    chosen = int(curve.loc[curve["chosen"], "k"].item())
    assert chosen == int(curve.loc[curve["npmi"].round(4).idxmax(), "k"])
    # One question about immigration: the curve falls as k grows (more topics put rarer words
    # in the top 10, and pairs that never co-occur score -1); a few broad themes win.
    assert 2 <= chosen <= 5
    terms = set(pd.read_csv(out / "terms.csv")["term"])
    assert {"immigrant", "job", "illegal"} <= terms  # what the answers are about
    answers_csv = pd.read_csv(out / "answers.csv")
    assert len(answers_csv) == 341 - (pd.read_csv(answers)["open.ended.response"]
                                      .fillna("").str.strip() == "").sum()  # fmt: skip
    assert CliRunner().invoke(app, ["validate", str(tmp_path / "g.yaml")]).exit_code == 0


def test_top_terms_are_only_terms_the_topic_weighs() -> None:
    # Many topics over few-word answers: some topics put weight on fewer than --top terms.
    # The rest of such a list must not be filled with weight-0 terms in vocabulary order
    # (they would be shown as top terms, scored for coherence and suggested as match rules).
    rng = np.random.default_rng(1)
    words = "pain help money family jobs crime school doctor nurse bus train house food".split()
    texts = [" ".join(rng.choice(words, size=int(rng.integers(1, 4)))) for _ in range(200)]
    model = TopicModel(k=10, seed=0).fit(texts)
    assert (model.terms_["weight"] > 1e-6).all(), model.terms_[model.terms_["weight"] <= 1e-6]
    for topic in model.topics_.itertuples(index=False):
        shown = model.terms_[model.terms_["topic"] == topic.topic]
        assert topic.terms.count(";") == len(shown) - 1 and len(shown) >= 1


def test_suggest_does_not_overwrite_an_existing_file_without_force(tmp_path: Path) -> None:
    stubs = tmp_path / "stubs.yaml"
    stubs.write_text("# my edited stubs\n", encoding="utf-8")
    result = run(EXAMPLE, "--k", 3, "-o", tmp_path / "out", "--suggest", stubs)
    assert result.exit_code == 1 and "E403" in result.output
    assert stubs.read_text(encoding="utf-8") == "# my edited stubs\n"
    assert not (tmp_path / "out").exists()  # refused before any work
    result = run(EXAMPLE, "--k", 3, "-o", tmp_path / "out", "--suggest", stubs, "--force")
    assert result.exit_code == 0, result.output
    assert CliRunner().invoke(app, ["validate", str(stubs)]).exit_code == 0


def test_too_small_a_vocabulary_for_k_says_so(tmp_path: Path) -> None:
    # 90 answers are plenty; 3 themes of 5 words give too few terms for 40 topics. The error
    # must not claim that topics "needs at least 20" answers when 90 were usable.
    rng = np.random.default_rng(3)
    themes = [["bladder", "pain", "toilet", "blood", "kidney"],
              ["rehab", "detox", "doctor", "service", "waiting"]]  # fmt: skip
    rows = [" ".join(rng.choice(themes[i % 2], size=4)) for i in range(90)]
    answers = tmp_path / "a.csv"
    pd.DataFrame({"id": range(90), "answer": rows}).to_csv(answers, index=False)
    result = run(answers, "--text", "answer", "--k", 40, "-o", tmp_path / "out")
    assert result.exit_code == 1 and "E721" in result.output, result.output
    assert "90 usable" in result.output and "needs at least 80 such terms" in result.output
    assert "at least 20" not in result.output


def test_uncoded_reads_the_sheet_apply_read(tmp_path: Path) -> None:
    # The same workbook (same SHA-256), coded from its second sheet: without --sheet, topics
    # must read that sheet too, or the coded answers land on the wrong rows.
    survey = pd.read_csv(EXAMPLE, dtype=str, keep_default_na=False)
    book = tmp_path / "two.xlsx"
    with pd.ExcelWriter(book) as writer:
        survey.iloc[::-1].to_excel(writer, sheet_name="reversed", index=False)
        survey.to_excel(writer, sheet_name="survey", index=False)
    applied = tmp_path / "applied"
    result = CliRunner().invoke(app, ["apply", str(CODEBOOK), str(book), "--sheet", "survey",
                                      "-o", str(applied), "-q"])  # fmt: skip
    assert result.exit_code == 0, result.output
    seg = pd.read_csv(applied / "segments.csv", dtype=str, keep_default_na=False)
    modes = dict(pd.read_csv(applied / "summary.csv", dtype=str)[["code", "negation"]].values)
    counts = [not (n == "True" and modes[c] == "exclude") for n, c in zip(seg["negated"],
                                                                         seg["code"])]  # fmt: skip
    coded = set(zip(seg["id"][counts], seg["question"][counts]))
    out = tmp_path / "residue"
    result = run(book, "--uncoded", applied, "--k", 2, "-o", out)
    assert result.exit_code == 0, result.output
    answers = pd.read_csv(out / "answers.csv", dtype=str, keep_default_na=False)
    is_coded = answers["status"] == "coded"
    assert set(zip(answers["id"][is_coded], answers["question"][is_coded])) == coded
