"""The error catalogue: every code is used, every use exists, and each is tested somewhere."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from qualcode import QualcodeError, code, load_coding, parse_codebook
from qualcode.cli import app
from qualcode.errors import Errors

ROOT = Path(__file__).resolve().parents[1]


def raised_codes(folder: str) -> set[str]:
    text = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / folder).rglob("*.py"))
    return set(re.findall(r'"(E\d{3})"', text))


def test_every_catalogue_entry_is_raised_and_every_raise_is_catalogued() -> None:
    catalogue = {name for name in vars(Errors) if re.fullmatch(r"E\d{3}", name)}
    raised = raised_codes("qualcode")
    assert raised == catalogue


def test_every_error_code_is_exercised_by_a_test() -> None:
    catalogue = {name for name in vars(Errors) if re.fullmatch(r"E\d{3}", name)}
    assert catalogue <= raised_codes("tests")


def test_missing_id_and_unknown_negation_override() -> None:
    with pytest.raises(QualcodeError) as info:
        parse_codebook("name: T\ncodes:\n  - label: no id\n    match: [x]\n", "t.yaml")
    assert info.value.code == "E109" and info.value.where.line == 3
    cb = parse_codebook("name: T\ncodes: [{id: a, match: [x]}]\n", "t.yaml")
    with pytest.raises(QualcodeError) as info:
        code(pd.DataFrame({"t": ["x y z"]}), cb, text="t", negation="sometimes")
    assert info.value.code == "E113"


def test_load_coding_round_trip_and_refusal(tmp_path: Path) -> None:
    cb = parse_codebook("name: T\ncodes: [{id: a, codes: [{id: b, match: [bladder]}]}]\n", "t")
    frame = pd.DataFrame({"id": ["p1", "p2"], "t": ["my bladder", "no bladder trouble"]})
    coding = code(frame, cb, text="t", id="id")
    coding.save(tmp_path / "out")
    again = load_coding(tmp_path / "out")
    pd.testing.assert_frame_equal(again.matrix, coding.matrix.astype("int8"), check_dtype=False)
    assert again.segments["negated"].tolist() == coding.segments["negated"].tolist()
    assert again.segments["match"].tolist() == coding.segments["match"].tolist()
    assert again.manifest["codes"] == ["a", "b"]
    with pytest.raises(QualcodeError) as info:
        load_coding(tmp_path)
    assert info.value.code == "E404"


def test_kwic_needs_a_pattern_or_a_code(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("id,answer\n1,my bladder hurts\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["kwic", str(tmp_path / "a.csv")])
    assert result.exit_code == 1 and "E502" in result.output
