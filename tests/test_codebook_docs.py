"""docs/codebook-format.md: every key is documented, and its worked example is real output."""

import re
from pathlib import Path

import pandas as pd

import qualcode
from qualcode.codebook import load

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "codebook-format.md").read_text(encoding="utf-8")


def _blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", DOC, flags=re.S)


def test_every_key_and_rule_kind_is_documented():
    keys = (
        *load.TOP_KEYS, *load.CODE_KEYS, *load.DEFAULTS_KEYS, *load.NEGATION_KEYS,
        *(k for keys in load.RULE_KEYS.values() for k in keys), *load.NEGATION_MODES, *load.UNITS,
    )  # fmt: skip
    missing = sorted({k for k in keys if f"`{k}" not in DOC})
    assert not missing, f"undocumented in docs/codebook-format.md: {missing}"


def test_semantics_example_is_real_output(tmp_path):
    codebook_text = next(b for b in _blocks("yaml") if "Semantics demo" in b)
    answers_csv, segments_csv, coded_csv = _blocks("csv")[-3:]
    (tmp_path / "demo.yaml").write_text(codebook_text, encoding="utf-8")
    (tmp_path / "answers.csv").write_text(answers_csv, encoding="utf-8")
    answers, _ = qualcode.read_answers(tmp_path / "answers.csv")
    coding = qualcode.code(answers, qualcode.load_codebook(tmp_path / "demo.yaml"), id="id")
    coding.save(tmp_path / "out")
    assert (tmp_path / "out" / "segments.csv").read_text(encoding="utf-8") == segments_csv
    assert (tmp_path / "out" / "coded.csv").read_text(encoding="utf-8") == coded_csv
    text = answers.at[0, "answer"]
    seg = pd.read_csv(tmp_path / "out" / "segments.csv")
    assert all(text[s:e] == m for s, e, m in zip(seg.start[:4], seg.end[:4], seg.match[:4]))
