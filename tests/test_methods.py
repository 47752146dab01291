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
    modes = coding.summary["negation"].value_counts()
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
