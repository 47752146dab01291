"""The methods paragraph (`qualcode methods`): every figure comes from the run itself."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import qualcode
from qualcode.analysis.agreement import agreement, machine_table
from qualcode.analysis.methods import methods_statement

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def coding():
    data = pd.read_csv(ROOT / "examples" / "ketamine_survey.csv", dtype=str).fillna("")
    book = qualcode.load_codebook(ROOT / "codebooks" / "ketamine.yaml")
    return qualcode.code(data, book, id="respondent_id")


def test_statement_reports_the_manifest(coding):
    text = methods_statement(coding)
    m = coding.manifest
    assert m["codebook"]["sha256"] in text  # the full hash in the provenance list
    assert f"qualcode {qualcode.__version__}" in text
    assert f"spaCy {m['pipeline']['spacy']}" in text
    assert f"({len(m['codes'])} codes;" in text
    answered, coded = m["counts"]["answered"], m["counts"]["coded_any"]
    assert f"Of the {answered:,} respondents who answered, {coded:,}" in text
    assert f"({100 * coded / answered:.1f}%)" in text
    # Negation: one clause per mode, with the number of codes in each.
    modes = coding.summary_table["negation"].value_counts()
    assert f"did not count for {modes['exclude']} codes" in text
    assert f"negation was not checked for {modes['ignore']} codes" in text
    assert "Agreement" not in text


def test_statement_with_agreement(coding):
    machine = machine_table(coding)
    gold = machine.copy()
    rng = np.random.default_rng(0)
    flip = rng.random(gold.shape) < 0.05  # a human who disagrees on 5% of decisions
    gold = gold.where(~flip, 1 - gold)
    table = agreement(gold, machine, seed=1, n_boot=50)
    text = methods_statement(coding, agreement=table)
    micro = table.set_index("code").loc["(micro)"]
    assert f"F1 was {micro['f1']:.2f} (95% CI {micro['f1_low']:.2f}–{micro['f1_high']:.2f})" in text
    kappas = table.set_index("code").drop(index=["(micro)", "(macro)"])["kappa"].dropna()
    assert f"ranged from {kappas.min():.2f} to {kappas.max():.2f}" in text


def test_cli_methods_with_agree_output(coding, tmp_path):
    from typer.testing import CliRunner

    from qualcode.cli import app

    outdir = coding.save(tmp_path / "out")
    # A "human" coding: the machine's, with every 10th respondent's first code dropped.
    machine = machine_table(coding)
    rows = []
    for i, (unit, values) in enumerate(machine.iterrows()):
        codes = [c for c in machine.columns if values[c]]
        rows.append({"id": unit, "codes": ";".join(codes[1:] if i % 10 == 0 else codes)})
    gold = tmp_path / "human.csv"
    pd.DataFrame(rows).to_csv(gold, index=False)
    runner = CliRunner()
    agree = runner.invoke(app, ["agree", str(gold), str(outdir), "-o", str(tmp_path / "a.csv")])
    assert agree.exit_code == 0, agree.output
    result = runner.invoke(app, ["methods", str(outdir), "--agreement", str(tmp_path / "a.csv")])
    assert result.exit_code == 0, result.output
    assert "Agreement with human coding was measured" in result.output
    assert "pooled over codes, F1 was" in result.output
    named = ["methods", str(outdir), "--agreement", str(tmp_path / "a.csv"), "--reference", "X Y"]
    assert "Agreement with X Y was measured" in runner.invoke(app, named).output
    assert coding.manifest["codebook"]["sha256"] in result.output
    written = tmp_path / "methods.md"
    result = runner.invoke(app, ["methods", str(outdir), "-o", str(written)])
    assert result.exit_code == 0 and written.read_text(encoding="utf-8").startswith("Free-text")
    # Not an agree table, or no file: E756 naming the file.
    bad = tmp_path / "bad.csv"
    bad.write_text("code,n\nx,1\n", encoding="utf-8")
    for path in (bad, tmp_path / "missing.csv"):
        result = runner.invoke(app, ["methods", str(outdir), "--agreement", str(path)])
        assert result.exit_code == 1
        assert "E756" in result.output and path.name in result.output
    # Never over a file of the output folder.
    result = runner.invoke(app, ["methods", str(outdir), "-o", str(outdir / "summary.csv")])
    assert result.exit_code == 1 and "E402" in result.output
