"""Output tables as CSV, XLSX and Parquet: formula payloads neutralised, exact round trips,
byte-identical re-saves, Excel's limits (E405, E406) and atomic writes. Real files only."""

from __future__ import annotations

import csv
import io
import json
import tempfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import numpy as np
import openpyxl
import openpyxl.worksheet._writer
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode import Coding, QualcodeError, code, load_coding, parse_codebook
from qualcode.coding.outdir import check_output_dir, finish_output
from qualcode.io import tables
from qualcode.io.tables import (
    FORMATS,
    NUMBER,
    TRIGGERS,
    TableWriter,
    column_dtypes,
    neutralise,
    neutralise_array,
    read_table,
    restore,
    text_array,
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


def test_csv_quotes_only_the_fields_that_need_it(tmp_path: Path, coding: Coding) -> None:
    coding.save(tmp_path / "out")
    raw = (tmp_path / "out" / "coded.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" not in raw
    # A carriage return, a quote, a comma or a line feed quotes that field and no other.
    assert b'\np4,x,"\'\r=1 my bladder",1,1,0\n' in raw
    assert b'\np0,-5,"\'=HYPERLINK(""http://x"",""y"") my bladder",1,1,0\n' in raw
    assert b"\np1,'=EU,'@SUM(A1) my bladder,1,1,0\n" in raw
    for name in ("coded", "segments", "summary"):
        text = (tmp_path / "out" / f"{name}.csv").read_bytes().decode("utf-8")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        if name == "coded":
            assert len(rows) == len(ANSWERS) + 1 and rows[1][1] == "-5"
            assert [row[2] for row in rows[1:]] == [neutralise(a) for a in ANSWERS]
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
    saved = Coding(coding.data, coding.segments, coding.matrix, coding.summary_table, before)
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
    pd.testing.assert_frame_equal(again.summary_table, coding.summary_table)
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
    pd.testing.assert_frame_equal(again.summary_table, coding.summary_table)


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
    coding_with = Coding(coding.data, coding.segments, coding.matrix, coding.summary_table,
                         dict(coding.manifest), extra={"by_question": extra})  # fmt: skip
    for fmt in FORMATS:
        coding_with.save(tmp_path / "out", fmt=fmt)
        assert (tmp_path / "out" / f"by_question.{fmt}").is_file()
        pd.testing.assert_frame_equal(load_coding(tmp_path / "out").extra["by_question"], extra)
    coding.save(tmp_path / "out", fmt="csv")  # a run without it removes it
    assert "by_question.csv" not in table_files(tmp_path / "out")


# --- streaming: TableWriter -----------------------------------------------------------------

AWKWARD = [
    "=1+2", "-5", "-2+3", "+3.2", "'=x", "a,b", 'say "hi"', "line\nbreak", "cr\ronly",
    "crlf\r\n", "", "@SUM(A1)", "\t=1", "\r=1", "-1,000", "-1e-3", "'-5", "-inf", "#N/A",
    "_x000D_ and \x07", "Ünï 🙂", "   ", "''=y", "-.5", "1e-3",
]  # fmt: skip


def awkward_frame(n: int, offset: int = 0) -> pd.DataFrame:
    """`n` rows of text that spreadsheets, CSV readers and XML all find awkward, and numbers."""
    pick = [AWKWARD[(offset + i) % len(AWKWARD)] for i in range(n)]
    return pd.DataFrame({
        "=name": pd.Series(pick, dtype="str"),
        "a,b": pd.Series([None if i % 4 == 1 else t for i, t in enumerate(pick[::-1])],
                         dtype=object),
        "code": pd.Series([i % 2 for i in range(n)], dtype="int8"),
        "big": pd.Series([(-1) ** i * 2**62 // (i + 1) for i in range(n)], dtype="int64"),
        "flag": pd.Series([i % 3 == 0 for i in range(n)], dtype=bool),
        "real": pd.Series([[0.1 + 0.2, float("nan"), float("-inf"), -0.0, 1.0][i % 5]
                           for i in range(n)], dtype="float64"),
        "maybe": pd.Series([None if i % 3 else i for i in range(n)], dtype="Int64"),
    })  # fmt: skip


@contextmanager
def small_blocks() -> Iterator[None]:
    """Row groups of 4 rows and CSV blocks of 3, so that a few rows cross both."""
    with (
        mock.patch.object(tables, "ROW_GROUP_ROWS", 4),
        mock.patch.object(tables, "CSV_BLOCK_ROWS", 3),
    ):
        yield


def stream(path: Path, fmt: str, table: pd.DataFrame, bounds: list[int]) -> TableWriter:
    """Write `table` in the chunks that `bounds` (sorted, repeats make empty chunks) cut."""
    with TableWriter(path, fmt) as writer:
        for start, end in zip([0, *bounds], [*bounds, len(table)]):
            writer.write(table.iloc[start:end])
    return writer


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(0, 11),
    cuts=st.lists(st.integers(0, 11), max_size=5),
    offset=st.integers(0, len(AWKWARD)),
    fmt=st.sampled_from(FORMATS),
)
def test_the_bytes_do_not_depend_on_the_chunks(
    n: int, cuts: list[int], offset: int, fmt: str
) -> None:
    table = awkward_frame(n, offset)
    with tempfile.TemporaryDirectory() as folder, small_blocks():
        one = write_table(Path(folder) / "one" / f"t.{fmt}", table, fmt)
        writer = stream(
            Path(folder) / "many" / f"t.{fmt}", fmt, table, sorted(min(c, n) for c in cuts)
        )
        assert writer.path.read_bytes() == one.read_bytes()
        assert writer.rows == n and writer.dtypes == column_dtypes(table)
        assert sorted(p.name for p in Path(folder, "many").iterdir()) == [f"t.{fmt}"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_one_row_at_a_time_equals_one_call_and_parquet_cuts_fixed_row_groups(
    tmp_path: Path, fmt: str
) -> None:
    table = awkward_frame(30)
    with small_blocks():
        one = write_table(tmp_path / "one" / f"t.{fmt}", table, fmt)
        rows = stream(tmp_path / "rows" / f"t.{fmt}", fmt, table, list(range(1, 30)))
        uneven = stream(tmp_path / "uneven" / f"t.{fmt}", fmt, table, [0, 0, 7, 7, 25])
    assert one.read_bytes() == rows.path.read_bytes() == uneven.path.read_bytes()
    if fmt == "parquet":
        groups = pq.ParquetFile(one).metadata
        assert [groups.row_group(i).num_rows for i in range(groups.num_row_groups)] == [
            4, 4, 4, 4, 4, 4, 4, 2,
        ]  # fmt: skip


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_streamed_output_folder_is_byte_identical_to_coding_save(
    tmp_path: Path, coding: Coding, fmt: str
) -> None:
    base = {k: v for k, v in coding.manifest.items() if k not in ("format", "tables")}
    saved = Coding(coding.data, coding.segments, coding.matrix, coding.summary_table, dict(base))
    saved.save(tmp_path / "saved", fmt=fmt)
    out = tmp_path / "streamed"
    check_output_dir(out)
    writers = {name: TableWriter(out / f"{name}.{fmt}", fmt) for name in saved.tables()}
    for name, table in saved.tables().items():
        writers[name].write(table.iloc[:0])
        for start in range(0, len(table), 4):
            writers[name].write(table.iloc[start : start + 4])
    manifest = finish_output(out, base, writers, fmt)  # closes the writers
    assert manifest == saved.manifest
    assert table_files(out) == table_files(tmp_path / "saved")
    for name in table_files(out):
        assert (out / name).read_bytes() == (tmp_path / "saved" / name).read_bytes(), name
    pd.testing.assert_frame_equal(load_coding(out).coded, coding.coded)


def openpyxl_temp_files() -> set[str]:
    return set(openpyxl.worksheet._writer.ALL_TEMP_FILES)


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_exception_or_abort_leaves_no_file_and_no_temp_file(tmp_path: Path, fmt: str) -> None:
    openpyxl_before = openpyxl_temp_files()
    path = tmp_path / f"t.{fmt}"
    with pytest.raises(RuntimeError), TableWriter(path, fmt) as writer:
        writer.write(awkward_frame(3))
        writer.write(awkward_frame(3))
        raise RuntimeError("interrupted")
    assert not list(tmp_path.iterdir())
    before = write_table(path, pd.DataFrame({"t": ["before"]}), fmt).read_bytes()
    writer = TableWriter(path, fmt)
    writer.write(pd.DataFrame({"t": ["after"]}))
    assert len(list(tmp_path.iterdir())) == 2  # the file and the writer's temporary file
    writer.abort()
    writer.abort()
    assert path.read_bytes() == before and table_files(tmp_path) == [f"t.{fmt}"]
    with pytest.raises(ValueError, match="aborted"):
        writer.write(pd.DataFrame({"t": ["again"]}))
    assert openpyxl_temp_files() == openpyxl_before


def test_every_chunk_needs_the_first_chunks_columns_and_dtypes(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    writer = TableWriter(path, "csv")
    writer.write(pd.DataFrame({"a": [1]}))
    with pytest.raises(ValueError, match="columns"):
        writer.write(pd.DataFrame({"b": [1]}))
    assert not list(tmp_path.iterdir())  # the writer aborted
    writer = TableWriter(path, "csv")
    writer.write(pd.DataFrame({"a": [1]}))
    with pytest.raises(ValueError, match="dtypes"):
        writer.write(pd.DataFrame({"a": [1.5]}))
    # An empty chunk, whose dtypes may be unknown, only needs the columns.
    empty = pd.DataFrame({"a": pd.Series([], dtype=object)})
    for fmt in FORMATS:
        with TableWriter(tmp_path / f"u.{fmt}", fmt) as writer:
            for chunk in (empty, pd.DataFrame({"a": [1, 2]}), empty, pd.DataFrame({"a": [3]})):
                writer.write(chunk)
        assert writer.rows == 3 and writer.dtypes == {"a": "int64"}
        back = read_table(writer.path, fmt)
        assert tables.with_dtypes(back, writer.dtypes)["a"].tolist() == [1, 2, 3]


def test_excel_limits_mid_stream_remove_the_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_table(tmp_path / "t.xlsx", pd.DataFrame({"t": ["before"]}), "xlsx")
    before = path.read_bytes()
    openpyxl_before = openpyxl_temp_files()
    writer = TableWriter(path, "xlsx")
    writer.write(pd.DataFrame({"n": [1, 2], "t": ["a", "b"]}))
    with pytest.raises(QualcodeError) as info:
        writer.write(pd.DataFrame({"n": [3, 4], "t": ["c", "=" * 40_000]}))
    err = info.value
    assert err.code == "E405" and err.where.row == 4 and "column 't'" in err.what
    assert "40,001 characters" in err.what  # as written: neutralised
    assert path.read_bytes() == before and table_files(tmp_path) == ["t.xlsx"]
    monkeypatch.setattr(tables, "XLSX_MAX_ROWS", 3)
    writer = TableWriter(path, "xlsx")
    writer.write(pd.DataFrame({"t": ["a", "b"]}))
    with pytest.raises(QualcodeError) as info:
        writer.write(pd.DataFrame({"t": ["c", "d"]}))
    assert info.value.code == "E406" and "t has 4 rows" in info.value.what
    assert path.read_bytes() == before and table_files(tmp_path) == ["t.xlsx"]
    assert openpyxl_temp_files() == openpyxl_before


# --- the vectorised cells against the reference ----------------------------------------------

CELL_TEXT = st.text(st.characters(exclude_categories=("Cs",))) | st.text(
    alphabet="'=+-@\t\r\n0123456789.,eE xa\"", max_size=8
)


@given(st.lists(st.none() | CELL_TEXT, max_size=12))
def test_vectorised_neutralise_is_neutralise(texts: list[str | None]) -> None:
    values = pa.array(texts, type=pa.large_string())
    assert neutralise_array(values).to_pylist() == [
        None if t is None else neutralise(t) for t in texts
    ]


def test_text_array_is_cell_text_for_every_kind_of_column() -> None:
    mixed = ["a", None, 1, 2.5, float("nan"), pd.NaT, pd.NA, pd.Timestamp("2020-01-02"), True]
    columns = [
        pd.Series(mixed, dtype=object),
        pd.Series(["a", None, "b"], dtype=object),
        pd.Series([None, None], dtype=object),
        pd.Series(["a", None, "b"], dtype="str"),
        pd.Series(["a", None, "b"], dtype="string"),
        pd.Series(["a", None], dtype=pd.ArrowDtype(pa.string())),
        pd.Series(["x", "y", "x"], dtype="category"),
        pd.Series(pd.to_datetime(["2020-01-01", None])),
    ]
    for column in columns:
        expected = [tables._cell_text(v) for v in column.tolist()]
        assert text_array(column).to_pylist() == expected, column.dtype


@settings(max_examples=50, deadline=None)
@given(st.lists(CELL_TEXT, min_size=1, max_size=6), st.booleans())
def test_csv_is_minimal_quoting_plus_carriage_returns(texts: list[str], two: bool) -> None:
    table = pd.DataFrame({"=t": texts, "n": np.arange(len(texts))})
    if not two:
        table = table[["=t"]]
    with tempfile.TemporaryDirectory() as folder:
        raw = write_table(Path(folder) / "t.csv", table, "csv").read_bytes()
    safe = table.copy()
    safe.columns = [neutralise(c) for c in table.columns]
    safe.iloc[:, 0] = [neutralise(t) for t in texts]
    expected = [list(safe.columns), *safe.astype(str).values.tolist()]
    assert list(csv.reader(io.StringIO(raw.decode("utf-8"), newline=""))) == expected
    if not any("\r" in t for t in texts):  # then exactly what pandas (csv.writer) writes
        assert raw == safe.to_csv(index=False, lineterminator="\n").encode("utf-8")
    for text in texts:  # a carriage return quotes its field, so no reader ends a row there
        if "\r" in text:
            assert ('"' + neutralise(text).replace('"', '""') + '"').encode() in raw


def test_csv_without_carriage_returns_is_what_pandas_writes(tmp_path: Path) -> None:
    table = awkward_frame(50)
    table = table[~table["=name"].str.contains("\r") & ~table["a,b"].str.contains("\r", na=False)]
    n = len(table)
    table = table.assign(
        f32=np.linspace(-1, 1, n, dtype="float32"),
        u64=np.arange(n, dtype="uint64") * 2**58,
        nbool=pd.array([None, True, False] * (n // 3) + [True] * (n % 3), dtype="boolean"),
        nfloat=pd.array([None, 0.1, float("inf")] * (n // 3) + [2.5] * (n % 3), dtype="Float64"),
        when=pd.to_datetime(["2020-01-02 03:04:05"] * n),
    )
    safe = table.copy()
    safe.columns = [neutralise(c) for c in table.columns]
    for name in ("=name", "a,b"):
        safe[neutralise(name)] = [t if t is None else neutralise(t) for t in table[name]]
    safe[neutralise("when")] = table["when"].astype(str)  # text: each cell's str()
    raw = write_table(tmp_path / "t.csv", table, "csv").read_bytes()
    assert raw == safe.to_csv(index=False, lineterminator="\n").encode("utf-8")


def test_an_object_column_is_text_in_parquet_whatever_its_first_chunk_holds(
    tmp_path: Path,
) -> None:
    table = pd.DataFrame({"t": pd.Series([None, None, "a", 3], dtype=object)})
    one = write_table(tmp_path / "one" / "t.parquet", table, "parquet")
    many = stream(tmp_path / "many" / "t.parquet", "parquet", table, [1, 2, 3])
    assert many.path.read_bytes() == one.read_bytes()
    assert pq.read_table(one).schema.field("t").type == pa.string()
    assert pq.read_table(one).column("t").to_pylist() == [None, None, "a", "3"]
