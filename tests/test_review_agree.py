"""`qualcode agree OUTDIR --coder A [--coder B]`: review decisions as the gold table.

Real parts: `qualcode apply` on the bundled example, decisions written through the store API,
then `agree` through the CLI runner; the figures are checked against counts made by hand."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from qualcode.cli import app
from qualcode.coding.result import load_coding
from qualcode.errors import QualcodeError
from qualcode.review.corpus import ReviewCorpus
from qualcode.review.gold import gold_from_store
from qualcode.review.store import open_store

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = ROOT / "codebooks" / "ketamine.yaml"
SURVEY = ROOT / "examples" / "ketamine_survey.csv"
runner = CliRunner()


@pytest.fixture(scope="module")
def applied(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("agree") / "out"
    result = runner.invoke(app, ["apply", str(CODEBOOK), str(SURVEY), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def outdir(applied: Path, tmp_path: Path) -> Path:
    """A fresh copy of the applied folder (each test writes its own decisions)."""
    import shutil

    return Path(shutil.copytree(applied, tmp_path / "out"))


def first_hits(corpus: ReviewCorpus, n: int) -> list:
    """The first machine hit of each of the first `n` answers that have one."""
    seen: dict[tuple[int, str], object] = {}
    for h in corpus.hits:
        if h.counts and (h.row, h.question) not in seen:
            seen[(h.row, h.question)] = h
        if len(seen) == n:
            break
    return list(seen.values())


def agree_csv(*args: str) -> pd.DataFrame:
    result = runner.invoke(app, ["agree", *args, "-f", "csv", "--n-boot", "20"])
    assert result.exit_code == 0, result.output
    return pd.read_csv(io.StringIO(result.stdout))


def test_coder_against_the_machine_counts_only_the_answers_reviewed(outdir: Path) -> None:
    corpus = ReviewCorpus.from_coding(load_coding(outdir))
    store = open_store(outdir)
    hits = first_hits(corpus, 6)
    # ann accepts 4 hits, rejects 2 (whole answer off for that code), marks one uncoded done
    for h in hits[:4]:
        store.decide(coder="ann", respondent=h.respondent, question=h.question, code=h.code,
                     start=h.start, end=h.end, decision="accept",
                     text=corpus.text(h.row, h.question))  # fmt: skip
    for h in hits[4:]:
        store.decide(coder="ann", respondent=h.respondent, question=h.question, code=h.code,
                     decision="reject", text=corpus.text(h.row, h.question))  # fmt: skip
    coded = {(h.row, h.question) for h in corpus.hits}
    row, q = next((r, q) for r in range(1, 50) for q in corpus.questions if (r, q) not in coded)
    store.decide(coder="ann", respondent=corpus.respondents[row - 1], question=q, code="",
                 decision="done", text=corpus.text(row, q))  # fmt: skip
    store.close()

    gold = gold_from_store(outdir, "ann")
    assert len(gold) == 7 and gold.index.names == ["id", "question"]
    assert gold.attrs["answers"] == 7 and gold.attrs["coder"] == "ann"
    frame = agree_csv(str(outdir), "--coder", "ann")
    micro = frame.set_index("code").loc["(micro)"]
    n_codes = len(corpus.codes)
    assert micro["n"] == 7 * n_codes
    # the two rejected codes are the only disagreements (machine 1, ann 0), unless a
    # descendant or another hit of the code keeps it on
    assert micro["fn"] == 0 and 1 <= micro["fp"] <= 2 * len(hits[0].code_path.split("/"))
    # the same figures as finalize's gold.csv read as a gold file
    final = outdir.parent / "final"
    assert runner.invoke(app, ["finalize", str(outdir), "--coder", "ann", "-o", str(final)]
                         ).exit_code == 0  # fmt: skip
    pd.testing.assert_frame_equal(frame, agree_csv(str(final / "gold.csv"), str(outdir)))
    result = runner.invoke(app, ["agree", str(outdir), "--coder", "ann", "--n-boot", "20"])
    assert result.exit_code == 0, result.output
    assert "answers (respondent, question) the coder reviewed" in result.output
    assert "Agreement of machine with ann" in result.output


def test_two_coders_are_compared_on_the_answers_both_reviewed(outdir: Path) -> None:
    corpus = ReviewCorpus.from_coding(load_coding(outdir))
    store = open_store(outdir)
    hits = first_hits(corpus, 10)
    for i, h in enumerate(hits):
        text = corpus.text(h.row, h.question)
        key = dict(respondent=h.respondent, question=h.question, code=h.code, text=text)
        store.decide(coder="ann", **key, start=h.start, end=h.end, decision="accept")
        if i < 6:  # bob reviews six of ann's ten answers; rejects the code in two of them
            store.decide(coder="bob", **key, decision="reject" if i < 2 else "add")
    store.close()
    frame = agree_csv(str(outdir), "--coder", "ann", "--coder", "bob")
    table = frame.set_index("code")
    assert set(table["n"].iloc[:-2]) == {6}
    assert {"kappa", "alpha"} <= set(frame.columns)
    assert table.loc["(micro)", "fp"] == 0 and table.loc["(micro)", "fn"] >= 2
    screen = runner.invoke(app, ["agree", str(outdir), "--coder", "ann", "--coder", "bob",
                                 "--n-boot", "20"])  # fmt: skip
    assert screen.exit_code == 0, screen.output
    assert "Only the 6 answers both reviewed are compared." in screen.output


def test_clear_errors_for_unknown_coder_no_decisions_and_no_overlap(outdir: Path) -> None:
    # no store at all
    result = runner.invoke(app, ["agree", str(outdir), "--coder", "ann"])
    assert result.exit_code == 1 and "E802" in result.output
    corpus = ReviewCorpus.from_coding(load_coding(outdir))
    store = open_store(outdir)
    h1, h2 = first_hits(corpus, 2)
    store.decide(coder="ann", respondent=h1.respondent, question=h1.question, code=h1.code,
                 decision="add", text=corpus.text(h1.row, h1.question))  # fmt: skip
    store.decide(coder="bob", respondent=h2.respondent, question=h2.question, code=h2.code,
                 decision="add", text=corpus.text(h2.row, h2.question))  # fmt: skip
    # cid only decided about an answer whose text has since changed: stale, nothing applies
    store.decide(coder="cid", respondent=h1.respondent, question=h1.question, code=h1.code,
                 decision="add", text="another text")  # fmt: skip
    store.memo(coder="dee", kind="code", target=h1.code, text="a memo, no decision")
    store.close()
    result = runner.invoke(app, ["agree", str(outdir), "--coder", "anne"])
    assert result.exit_code == 1 and "E806" in result.output and "ann" in result.output
    result = runner.invoke(app, ["agree", str(outdir), "--coder", "dee"])
    assert result.exit_code == 1 and "E806" in result.output
    result = runner.invoke(app, ["agree", str(outdir), "--coder", "cid"])
    assert result.exit_code == 1 and "E809" in result.output and "1 stale" in result.output
    with pytest.raises(QualcodeError) as err:
        gold_from_store(outdir, "cid")
    assert err.value.code == "E809"
    result = runner.invoke(app, ["agree", str(outdir), "--coder", "ann", "--coder", "bob"])
    assert result.exit_code == 1 and "E810" in result.output
    # usage: a second path with --coder, or neither
    result = runner.invoke(app, ["agree", str(outdir), str(outdir), "--coder", "ann"])
    assert result.exit_code == 2
    result = runner.invoke(app, ["agree", str(outdir)])
    assert result.exit_code == 2
    # options that only mean something for a gold table are refused, not ignored
    for extra in (["--id", "respondent_id"], ["--map", "x=bladder"]):
        result = runner.invoke(app, ["agree", str(outdir), "--coder", "ann", *extra])
        assert result.exit_code == 2 and "not to --coder" in result.output
