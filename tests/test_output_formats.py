"""Output tables as CSV, XLSX and Parquet: formula payloads neutralised, exact round trips,
byte-identical re-saves, Excel's limits (E405, E406) and atomic writes. Real files only."""

from __future__ import annotations

import csv
import io
import json
import time
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode import Coding, QualcodeError, code, load_coding, parse_codebook
from qualcode.io import tables
from qualcode.io.tables import (
    FORMATS,
    NUMBER,
    TRIGGERS,
    neutralise,
    read_table,
    restore,
    write_table,
)

BOOK = parse_codebook(
    "name: T\ncodes:\n  - id: harms\n    codes:\n"
    "      - {id: bladder, match: [bladder]}\n      - {id: cravings, match: [craving]}\n",
    "t.yaml",
)
PAYLOADS = ['=HYPERLINK("http://x","y")', "@SUM(A1)", "-2+3", "\t=1", "\r=1", "+cmd|' /C calc'!A0"]
ANSWERS = [
    *(f"{p} my bladder" for p in PAYLOADS),
    "'=already quoted, craving",
    "no cravings at all",
    "",
    "Ünïcödé bladder 🙂 two\nlines",
    "a_x000D_literal and a\x07bell, bladder",
]


def frame(answers: list[str]) -> pd.DataFrame:
    n = len(answers)
    return pd.DataFrame({
        "id": [f"p{i}" for i in range(n)],
        "region": ["-5", "=EU", "+3.2", "Europe"][:n] + ["x"] * max(0, n - 4),
        "answer": answers,
    })  # fmt: skip


@pytest.fixture(scope="module")
def coding() -> Coding:
    return code(frame(ANSWERS), BOOK, text="answer", id="id")


def table_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- neutralise / restore -----------------------------------------------------------------


@given(st.text() | st.text(alphabet="'=+-@\t\r0123456789.,eE xa", max_size=8))
def test_restore_inverts_neutralise_and_no_output_starts_a_formula(text: str) -> None:
    safe = neutralise(text)
    assert restore(safe) == text
    assert safe[:1] not in TRIGGERS or NUMBER.fullmatch(safe)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("=1+2", "'=1+2"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"), ("'=1", "''=1"), ("-inf", "'-inf"), ("-", "'-"), ("-1,00", "'-1,00"),
        ("-5", "-5"), ("+3.2", "+3.2"), ("-1,000", "-1,000"), ("-1e-3", "-1e-3"), ("-.5", "-.5"),
        ("'-5", "'-5"), ("'abc", "'abc"), ("plain", "plain"), ("", ""), ("1e-3", "1e-3"),
    ],
)  # fmt: skip
def test_neutralise_examples(text: str, expected: str) -> None:
    assert neutralise(text) == expected and restore(expected) == text


# --- what lands in the files --------------------------------------------------------------


def test_xlsx_cells_are_neutralised_strings_never_formulas(tmp_path: Path, coding: Coding) -> None:
    coding.save(tmp_path / "out", fmt="xlsx")
    book = openpyxl.load_workbook(tmp_path / "out" / "coded.xlsx")
    assert book.sheetnames == ["coded"]
    sheet = book["coded"]
    header = [c.value for c in sheet[1]]
    assert header == ["id", "region", "answer", "harms", "bladder", "cravings"]
    for row, payload in enumerate(PAYLOADS, start=2):
        cell = sheet.cell(row=row, column=3)
        assert cell.data_type == "s" and cell.value.startswith("'"), (payload, cell.value)
        if "\r" not in payload:  # a CR is stored as Office's _x000D_ escape
            assert cell.value == f"'{payload} my bladder"
    # A plain signed number stays as it is; "=EU" is quoted; code columns are numbers.
    assert [sheet.cell(row=r, column=2).value for r in (2, 3, 4)] == ["-5", "'=EU", "+3.2"]
    assert {sheet.cell(row=r, column=2).data_type for r in (2, 3, 4)} == {"s"}
    assert sheet.cell(row=2, column=5).value == 1 and sheet.cell(row=2, column=5).data_type == "n"
    segments = openpyxl.load_workbook(tmp_path / "out" / "segments.xlsx")["segments"]
    negated = [c.value for c in next(segments.iter_cols(min_col=10, max_col=10))]
    assert negated[0] == "negated" and set(negated[1:]) == {True, False}


def test_xlsx_never_stores_text_as_formula_or_error(tmp_path: Path) -> None:
    texts = ["=1+2", "#N/A", "#DIV/0!", "=", "@", "+", "-", "'"]
    write_table(tmp_path / "t.xlsx", pd.DataFrame({"t": texts}), "xlsx")
    cells = [c for (c,) in openpyxl.load_workbook(tmp_path / "t.xlsx")["t"].iter_rows(min_row=2)]
    assert [c.data_type for c in cells] == ["s"] * len(texts)
    assert [c.value for c in cells] == ["'=1+2", "#N/A", "#DIV/0!", "'=", "'@", "'+", "'-", "'"]
    assert read_table(tmp_path / "t.xlsx", "xlsx")["t"].tolist() == texts


def test_csv_bytes_hold_neutralised_text(tmp_path: Path) -> None:
    texts = ["=1+2", "-5", "-2+3", "@x", "'=y", "+3.2", "ok, fine", "a\nb"]
    path = write_table(tmp_path / "t.csv", pd.DataFrame({"=h": texts, "n": range(8)}), "csv")
    assert path.read_bytes() == (
        b"'=h,n\n'=1+2,0\n-5,1\n'-2+3,2\n'@x,3\n''=y,4\n+3.2,5\n\"ok, fine\",6\n\"a\nb\",7\n"
    )


def test_csv_with_a_carriage_return_quotes_every_text_field(tmp_path: Path, coding: Coding) -> None:
    coding.save(tmp_path / "out")
    raw = (tmp_path / "out" / "coded.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" not in raw
    assert b'"\'\r=1 my bladder"' in raw and b'\'=HYPERLINK(""http://x"",""y"")' in raw
    for name in ("coded", "segments", "summary"):
        text = (tmp_path / "out" / f"{name}.csv").read_bytes().decode("utf-8")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        if name == "coded":
            assert len(rows) == len(ANSWERS) + 1 and rows[1][1] == "-5"
        for field in (f for row in rows for f in row):
            assert field[:1] not in TRIGGERS or NUMBER.fullmatch(field), (name, field)


def test_parquet_keeps_the_exact_text(tmp_path: Path, coding: Coding) -> None:
    coding.save(tmp_path / "out", fmt="parquet")
    stored = pq.read_table(tmp_path / "out" / "coded.parquet").to_pydict()
    assert stored["answer"] == ANSWERS and stored["region"][:3] == ["-5", "=EU", "+3.2"]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == "parquet" and manifest["spreadsheet_escaping"] is False


# --- round trips --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_save_and_load_round_trip(tmp_path: Path, coding: Coding, fmt: str) -> None:
    before = {k: v for k, v in coding.manifest.items() if k not in ("format", "tables")}
    saved = Coding(coding.data, coding.segments, coding.matrix, coding.summary, before)
    saved.save(tmp_path / "out", fmt=fmt)
    assert table_files(tmp_path / "out") == sorted(
        ["manifest.json", f"coded.{fmt}", f"segments.{fmt}", f"summary.{fmt}"]
    )
    assert "format" not in before  # the caller's dict is not changed; a new one replaces it
    assert saved.manifest["format"] == fmt
    assert saved.manifest["spreadsheet_escaping"] is (fmt != "parquet")
    assert list(saved.manifest["tables"]) == ["coded", "segments", "summary"]
    again = load_coding(tmp_path / "out")
    assert again.manifest == saved.manifest
    pd.testing.assert_frame_equal(again.coded, coding.coded)
    pd.testing.assert_frame_equal(again.data, coding.data)
    pd.testing.assert_frame_equal(again.matrix, coding.matrix)
    pd.testing.assert_frame_equal(again.segments, coding.segments)
    pd.testing.assert_frame_equal(again.summary, coding.summary)
    assert again.data["answer"].tolist() == ANSWERS
    assert again.matrix.dtypes.eq("int8").all() and again.segments["negated"].dtype == bool


def test_load_reads_folders_written_before_formats_existed(tmp_path: Path, coding: Coding) -> None:
    coding.save(tmp_path / "out")
    path = tmp_path / "out" / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    for key in ("format", "spreadsheet_escaping", "tables"):
        del manifest[key]
    path.write_text(json.dumps(manifest), encoding="utf-8")
    again = load_coding(tmp_path / "out")
    pd.testing.assert_frame_equal(again.coded, coding.coded)
    pd.testing.assert_frame_equal(again.segments, coding.segments)
    pd.testing.assert_frame_equal(again.summary, coding.summary)


@pytest.mark.parametrize("fmt", FORMATS)
def test_types_and_awkward_values_round_trip(tmp_path: Path, fmt: str) -> None:
    table = pd.DataFrame({
        "text": ["a\r\nb", "_x0041_ \x00\x1f\ufffe", "   ", "#N/A"],
        "small": pd.Series([1, 0, 1, 1], dtype="int8"),
        "big": [2**62, -(2**53) - 1, 0, 7],
        "real": [0.1 + 0.2, float("nan"), float("-inf"), -0.0],
        "flag": [True, False, True, False],
        "maybe": pd.Series([1, None, 3, None], dtype="Int64"),
    })  # fmt: skip
    path = write_table(tmp_path / f"t.{fmt}", table, fmt)
    back = read_table(path, fmt)
    if fmt != "parquet":
        assert back.dtypes.map(pd.api.types.is_string_dtype).all()
        back = tables.with_dtypes(back, tables.column_dtypes(table))
    pd.testing.assert_frame_equal(back, table)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.text(st.characters(exclude_categories=("Cs",))), min_size=1, max_size=6))
def test_any_text_round_trips_through_every_format(texts: list[str]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        for fmt in FORMATS:
            path = write_table(Path(folder) / f"t.{fmt}", pd.DataFrame({"t": texts}), fmt)
            assert read_table(path, fmt)["t"].tolist() == texts, fmt


# --- determinism --------------------------------------------------------------------------


def test_resaving_gives_identical_bytes(
    tmp_path: Path, coding: Coding, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    for fmt in FORMATS:
        coding.save(tmp_path / f"a_{fmt}", fmt=fmt)
    time.sleep(1.1)  # openpyxl stamps core.xml with the clock, to the second
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 3 * 365 * 86400)  # zip entry times
    for fmt in FORMATS:
        coding.save(tmp_path / f"b_{fmt}", fmt=fmt)
    for fmt in FORMATS:
        for name in ("coded", "segments", "summary"):
            first = (tmp_path / f"a_{fmt}" / f"{name}.{fmt}").read_bytes()
            assert first == (tmp_path / f"b_{fmt}" / f"{name}.{fmt}").read_bytes(), (fmt, name)
    with zipfile.ZipFile(tmp_path / "a_xlsx" / "coded.xlsx") as archive:
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    assert core.count("1980-01-01T00:00:00Z") == 2


def test_xlsx_times_follow_source_date_epoch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    write_table(tmp_path / "t.xlsx", pd.DataFrame({"t": ["x"]}), "xlsx")
    with zipfile.ZipFile(tmp_path / "t.xlsx") as archive:
        assert {i.date_time for i in archive.infolist()} == {(2023, 11, 14, 22, 13, 20)}
        assert archive.read("docProps/core.xml").decode().count("2023-11-14T22:13:20Z") == 2


# --- Excel's limits -----------------------------------------------------------------------


def test_a_cell_too_long_for_excel_is_e405_and_fine_elsewhere(tmp_path: Path) -> None:
    long = ("my bladder aches " + "lorem ipsum " * 3400)[:40_000]
    coding = code(frame(["short bladder", long]), BOOK, text="answer", id="id")
    with pytest.raises(QualcodeError) as info:
        coding.save(tmp_path / "x", fmt="xlsx")
    err = info.value
    assert err.code == "E405" and err.where.row == 2 and "column 'answer'" in err.what
    assert "40,000 characters" in err.what and "coded" in err.what
    assert not (tmp_path / "x").exists()  # checked before anything was written
    for fmt in ("csv", "parquet"):
        coding.save(tmp_path / fmt, fmt=fmt)
        assert load_coding(tmp_path / fmt).data["answer"].tolist() == ["short bladder", long]


def test_excel_counts_characters_beyond_the_bmp_twice(tmp_path: Path) -> None:
    with pytest.raises(QualcodeError) as info:  # 20,000 characters, 40,000 UTF-16 units
        write_table(tmp_path / "t.xlsx", pd.DataFrame({"t": ["ok", "🙂" * 20_000]}), "xlsx")
    assert info.value.code == "E405" and "40,000" in info.value.what
    assert not list(tmp_path.iterdir())
    fits = "x" * tables.XLSX_MAX_CELL
    path = write_table(tmp_path / "t.xlsx", pd.DataFrame({"t": [fits]}), "xlsx")
    assert read_table(path, "xlsx")["t"].tolist() == [fits]
    with pytest.raises(QualcodeError) as info:  # 32,767 characters, 32,768 once quoted
        write_table(tmp_path / "u.xlsx", pd.DataFrame({"t": ["=" + fits[1:]]}), "xlsx")
    assert "32,768" in info.value.what


def test_a_megabyte_answer_round_trips_in_csv(tmp_path: Path) -> None:
    huge = "=" + 'ab,"c\n' * 200_000
    path = write_table(tmp_path / "t.csv", pd.DataFrame({"t": [huge, "x"]}), "csv")
    assert read_table(path, "csv")["t"].tolist() == [huge, "x"]


def test_too_many_rows_for_excel_is_e406(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tables, "XLSX_MAX_ROWS", 3)
    write_table(tmp_path / "ok.xlsx", pd.DataFrame({"t": ["a", "b", "c"]}), "xlsx")
    coding = code(frame(["bladder", "craving", "x", "y"]), BOOK, text="answer", id="id")
    with pytest.raises(QualcodeError) as info:
        coding.save(tmp_path / "x", fmt="xlsx")
    assert info.value.code == "E406" and "coded has 4 rows" in info.value.what
    assert not (tmp_path / "x").exists()
    coding.save(tmp_path / "x", fmt="csv")


# --- atomic writes and the output folder --------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_failed_write_leaves_the_previous_file(tmp_path: Path, fmt: str) -> None:
    path = write_table(tmp_path / f"t.{fmt}", pd.DataFrame({"t": ["before"]}), fmt)
    before = path.read_bytes()
    with pytest.raises(UnicodeEncodeError):  # a lone surrogate cannot be written as UTF-8
        write_table(path, pd.DataFrame({"t": ["after", "\ud800"]}), fmt)
    assert path.read_bytes() == before and table_files(tmp_path) == [f"t.{fmt}"]


def test_resaving_in_another_format_removes_the_old_tables(tmp_path: Path, coding: Coding) -> None:
    out = tmp_path / "out"
    coding.save(out)
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    coding.save(out, fmt="xlsx")
    assert table_files(out) == [
        "coded.xlsx", "manifest.json", "notes.txt", "segments.xlsx", "summary.xlsx",
    ]  # fmt: skip
    coding.save(out, fmt="parquet")
    assert table_files(out) == [
        "coded.parquet", "manifest.json", "notes.txt", "segments.parquet", "summary.parquet",
    ]  # fmt: skip
    assert load_coding(out).manifest["format"] == "parquet"


@pytest.mark.parametrize("name", ["coded.xlsx", "summary.parquet", "segments.csv"])
def test_refuses_to_overwrite_the_input_with_any_format(tmp_path: Path, name: str) -> None:
    out = tmp_path / "out"
    out.mkdir()
    data = pd.DataFrame({"answer": ["bladder"]})
    coding = code(data, BOOK, text="answer")
    coding.save(out)
    (out / name).write_bytes(b"precious")
    for fmt in FORMATS:
        with pytest.raises(QualcodeError) as info:
            coding.save(out, input_path=out / name, fmt=fmt)
        assert info.value.code == "E402"
    assert (out / name).read_bytes() == b"precious"


def test_extra_tables_are_saved_and_loaded(tmp_path: Path, coding: Coding) -> None:
    extra = pd.DataFrame({"question": ["answer"], "n": [3]})
    coding_with = Coding(coding.data, coding.segments, coding.matrix, coding.summary,
                         dict(coding.manifest), extra={"by_question": extra})  # fmt: skip
    for fmt in FORMATS:
        coding_with.save(tmp_path / "out", fmt=fmt)
        assert (tmp_path / "out" / f"by_question.{fmt}").is_file()
        pd.testing.assert_frame_equal(load_coding(tmp_path / "out").extra["by_question"], extra)
    coding.save(tmp_path / "out", fmt="csv")  # a run without it removes it
    assert "by_question.csv" not in table_files(tmp_path / "out")
