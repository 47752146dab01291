"""`qualcode apply` on the files researchers really have: every bad input is a clear error
(exit 1, no traceback), every row is accounted for, and the outputs are safe to open."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from qualcode import load_coding
from qualcode.cli import app
from tests import messy_files

runner = CliRunner()

CODEBOOK = """\
name: Clinic feedback
version: "1"
codes:
  - id: staff
    match: [staff, nurse, receptionist, rude, helpful, kind]
  - id: waiting
    match: [wait*, slow, queue, delay*]
  - id: sums
    match: [{regex: 'SUM|HYPERLINK'}]
"""


@pytest.fixture
def codebook(tmp_path: Path) -> Path:
    path = tmp_path / "cb.yaml"
    path.write_text(CODEBOOK, encoding="utf-8")
    return path


def apply(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["apply", *args])


BAD_INPUTS = {
    "missing": (None, "E301", "not found"),
    "empty": (b"", "E303", "no rows"),
    "header_only": (b"id,answer\r\n", "E309", "header row but no answers"),
    "bad_row": (b"id,answer\n1,ok\n2,a,b\n", "E310", "line 3 has 3 field(s)"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01", "E311", "binary file"),
    "unclosed_quote": (b'id,answer\n1,"never closed\n', "E302", "quote"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_a_clear_error_not_a_traceback(
    tmp_path: Path, codebook: Path, case: str
) -> None:
    data, code, needle = BAD_INPUTS[case]
    path = tmp_path / "answers.csv"
    if data is not None:
        path.write_bytes(data)
    result = apply(str(codebook), str(path), "--text", "answer")
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # typer.Exit, not a crash
    assert f"error {code}" in result.output and needle in result.output
    assert str(path) in result.output and "how to fix" in result.output
    assert not (tmp_path / "answers.qualcode").exists()


def test_undecodable_bytes_with_a_named_encoding(tmp_path: Path, codebook: Path) -> None:
    path = tmp_path / "answers.csv"
    path.write_bytes("id,answer\n1,na\u00efve\n".encode("cp1252"))
    result = apply(str(codebook), str(path), "--encoding", "utf-8")
    assert result.exit_code == 1 and "error E308" in result.output
    assert "offset 14" in result.output and "--encoding" in result.output


def test_unknown_sheet_and_unknown_column(tmp_path: Path, codebook: Path) -> None:
    path, _ = messy_files.qualtrics_xlsx(tmp_path / "q.xlsx")
    result = apply(str(codebook), str(path), "--sheet", "Sheet 2")
    assert result.exit_code == 1 and "error E313" in result.output
    result = apply(str(codebook), str(path), "--text", "Q_2")
    assert result.exit_code == 1 and "Did you mean 'Q2'?" in result.output


def test_skip_bad_rows_accounts_for_every_row(tmp_path: Path, codebook: Path) -> None:
    path = tmp_path / "answers.csv"
    path.write_bytes(
        b"id;answer;age\r\n1;the nurse was kind;30\r\n2;too;many;fields\r\n\r\n"
        b"3;;41\r\n4;short\r\n5;long wait, slow queue;52\r\n"
    )
    out = tmp_path / "out"
    result = apply(str(codebook), str(path), "--text", "answer", "--skip-bad-rows", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "skipped 2 bad row(s) at line(s) 3, 6" in result.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    counts = manifest["counts"]
    assert (counts["rows"], counts["skipped_rows"], counts["blank_rows"]) == (3, 2, 1)
    assert (counts["answered"], counts["no_answer"], counts["coded_any"]) == (2, 1, 2)
    assert [s["line"] for s in manifest["input"]["skipped"]] == [3, 6]
    assert manifest["input"]["delimiter"] == ";"
    coding = load_coding(out)
    assert coding.data["id"].tolist() == ["1", "3", "5"]  # one output row per row read


def test_qualtrics_xlsx_to_xlsx_per_question(tmp_path: Path, codebook: Path) -> None:
    path, expected = messy_files.qualtrics_xlsx(tmp_path / "export.xlsx")
    out = tmp_path / "out"
    result = apply(
        str(codebook), str(path), "--text", "Q2", "--text", "Q3", "--per-question",
        "--format", "xlsx", "-o", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Qualtrics export: skipped 2 extra header row(s)" in result.output
    assert "inferred id column: ResponseId" in result.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["questions"] == [
        {"column": "Q2", "label": expected["labels"]["Q2"]},
        {"column": "Q3", "label": expected["labels"]["Q3"]},
    ]
    assert manifest["input"]["header_rows"] == 3 and manifest["format"] == "xlsx"
    coded = openpyxl.load_workbook(out / "coded.xlsx", read_only=True)
    rows = list(coded.worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 1 + len(expected["rows"])  # header + one row per response
    by_question = load_coding(out).extra["by_question"]
    assert len(by_question) == 2 * len(expected["rows"])
    assert set(by_question["question"]) == {"Q2", "Q3"}
    summary = load_coding(out).extra["summary_by_question"]
    assert set(summary["question_label"]) == {expected["labels"]["Q2"], expected["labels"]["Q3"]}


def test_formula_payloads_are_neutralised_in_csv_and_xlsx(tmp_path: Path, codebook: Path) -> None:
    path, expected = messy_files.formula_payloads_csv(tmp_path / "formulas.csv")
    for fmt in ("csv", "xlsx", "parquet"):
        out = tmp_path / fmt
        result = apply(str(codebook), str(path), "--text", "answer", "-f", fmt, "-o", str(out))
        assert result.exit_code == 0, result.output
        coding = load_coding(out)  # reverses the neutralisation: the exact text comes back
        assert coding.data["answer"].tolist() == [r["answer"] for r in expected["rows"]]
    raw = (tmp_path / "csv" / "coded.csv").read_text(encoding="utf-8")
    assert "\n1,\"'=HYPERLINK(" in raw and "'@SUM(1+1)" in raw and ",-5," in raw
    sheet = openpyxl.load_workbook(tmp_path / "xlsx" / "coded.xlsx").worksheets[0]
    answers = {row[0].value: row[1] for row in sheet.iter_rows(min_row=2)}
    for row_id in expected["formula_rows"]:
        cell = answers[row_id]
        assert cell.data_type == "s"  # never a formula
        # A plain signed number ("+1") is data, not a formula: it stays as typed (outputs.md).
        assert cell.value.startswith("'") or cell.value == "+1"
    assert answers["8"].value.startswith("Normal answer")


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_whole_output_folder_is_byte_identical(
    tmp_path: Path, codebook: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    path, _ = messy_files.semicolon_crlf_csv(tmp_path / "europe.csv")
    for name in ("a", "b"):
        result = apply(str(codebook), str(path), "--per-question", "-f", fmt, "-q",
                       "-o", str(tmp_path / name))  # fmt: skip
        assert result.exit_code == 0, result.output
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert files == sorted(p.name for p in (tmp_path / "b").iterdir()) and len(files) == 6
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_kwic_reads_the_same_files(tmp_path: Path) -> None:
    path, _ = messy_files.qualtrics_xlsx(tmp_path / "export.xlsx")
    result = runner.invoke(app, ["kwic", str(path), "staff", "--text", "Q2"])
    assert result.exit_code == 0, result.output
    assert "Qualtrics export" in result.output and "hits" in result.output
