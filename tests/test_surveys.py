"""detect_survey on real files from tests/messy_files.py, parsed here with csv / openpyxl.

The files are parsed directly (not with qualcode.io.read) so these tests pin the detection and
the fixtures themselves: applying the detected layout to the parsed rows must give exactly the
rows each builder says a correct reader produces.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.io.surveys import SurveyLayout, detect_survey
from tests import messy_files
from tests.messy_files import Expected, logical

Table = list[list[str]]


def parse_delimited(path: Path, encoding: str, delimiter: str) -> Table:
    text = path.read_bytes().decode(encoding)
    return [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def parse_xlsx(path: Path) -> Table:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        return [
            ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
        ]
    finally:
        book.close()


def parse(path: Path, expected: Expected) -> Table:
    if path.suffix == ".xlsx":
        return parse_xlsx(path)
    return parse_delimited(path, expected["encoding"], expected["delimiter"])


def detect(table: Table) -> SurveyLayout | None:
    return detect_survey(table[0], table[1:4])


def apply(layout: SurveyLayout | None, table: Table) -> tuple[list[str], list[dict[str, str]]]:
    """What the reader does with a layout: drop the extra header rows, rename the columns."""
    columns, data = table[0], table[1:]
    if layout is not None:
        columns, data = layout.columns, data[layout.header_rows :]
    return columns, [{c: logical(v) for c, v in zip(columns, row)} for row in data]


# --- survey exports --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "build, suffix",
    [(messy_files.qualtrics_csv, ".csv"), (messy_files.qualtrics_xlsx, ".xlsx")],
    ids=["csv", "xlsx"],
)
def test_qualtrics_export_is_detected(
    tmp_path: Path, build: Callable[[Path], tuple[Path, Expected]], suffix: str
) -> None:
    path, expected = build(tmp_path / f"export{suffix}")
    table = parse(path, expected)
    layout = detect(table)
    assert layout is not None
    assert (layout.platform, layout.header_rows) == ("Qualtrics", 2)
    assert layout.columns == expected["columns"] == table[0]
    assert layout.labels == expected["labels"]
    assert layout.labels["Q2"] == "What did you like about your visit?"
    columns, rows = apply(layout, table)
    assert rows == expected["rows"]
    assert [r["ResponseId"] for r in rows][0] == "R_1a2B3c4D5e6F7g8"
    assert any("\n" in r["Q3"] for r in rows) and any(r["Q3"] == "" for r in rows)


def test_qualtrics_csv_is_utf8_with_bom_and_a_left_over_bom_does_not_matter(
    tmp_path: Path,
) -> None:
    path, expected = messy_files.qualtrics_csv(tmp_path / "export.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbfStartDate,")
    table = parse_delimited(path, "utf-8", ",")  # a decoder that keeps the BOM
    assert table[0][0] == "\ufeffStartDate"
    layout = detect(table)
    assert layout is not None and layout.columns == expected["columns"]


def test_qualtrics_import_ids_with_single_quotes_and_a_stray_cell(tmp_path: Path) -> None:
    header = ["StartDate", "ResponseId", "Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "Q7", "Q8", "note"]
    labels = ["Start Date", "Response ID"] + [f"Question {i}" for i in range(1, 9)] + [""]
    ids = ["{'ImportId': 'startDate'}", "{'ImportId': '_recordId'}"]
    ids += [f"{{'ImportId': 'QID{i}_TEXT'}}" for i in range(1, 9)] + ["added by hand"]
    layout = detect_survey(header, [labels, ids, ["2024-01-01"] * 11])
    assert layout is not None and layout.header_rows == 2 and layout.columns == header
    assert "note" not in layout.labels and layout.labels["Q8"] == "Question 8"


def test_qualtrics_legacy_export() -> None:
    # The layout of qualtRics' tests/testthat/files/sample_legacy.csv (our own values).
    header = ["V1", "V2", "V3", "V4", "V5", "V6", "V7", "V8", "V9", "V10", "Q1", "Q2", ""]
    names = [
        "ResponseID", "ResponseSet", "Name", "ExternalDataReference", "EmailAddress",
        "IPAddress", "Status", "StartDate", "EndDate", "Finished",
        "Which clinic did you visit?", "What went well?", "",
    ]  # fmt: skip
    row = ["R_1a2B3c4D5e6F7g8", "Default Response Set", "Anonymous", "", "", "203.0.113.5"]
    row += ["0", "2017-07-18 08:28:09", "2017-07-18 08:28:48", "1", "2", "Quick, friendly.", ""]
    layout = detect_survey(header, [names, row])
    assert layout is not None
    assert (layout.platform, layout.header_rows) == ("Qualtrics", 1)
    assert layout.columns == names[:10] + ["Q1", "Q2", ""]
    assert layout.labels == {"Q1": "Which clinic did you visit?", "Q2": "What went well?"}


def test_surveymonkey_export_is_detected(tmp_path: Path) -> None:
    path, expected = messy_files.surveymonkey_csv(tmp_path / "sm.csv")
    table = parse(path, expected)
    layout = detect(table)
    assert layout is not None
    assert (layout.platform, layout.header_rows) == ("SurveyMonkey", 1)
    assert layout.columns == expected["columns"]
    assert len(set(layout.columns)) == len(layout.columns) == len(table[0])
    assert layout.labels == expected["labels"]
    assert "Respondent ID" not in layout.labels
    columns, rows = apply(layout, table)
    assert rows == expected["rows"]
    assert set(expected["text_columns"]) <= set(columns)


def test_surveymonkey_from_a_spreadsheet_with_empty_cells_as_none() -> None:
    header = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address"]
    header += ["Email Address", "First Name", "Last Name", "Custom Data 1", "Q?", None, "Why?"]
    second = [None] * 9 + ["Yes", "No", "Open-ended response"]  # capitalisation varies
    first = [11468023456, 431234567, "x", "x", "x", None, None, None, None, "Yes", None, "ok"]
    layout = detect_survey(header, [second, first])  # type: ignore[list-item]
    assert layout is not None
    assert layout.columns[9:] == ["Q? - Yes", "Q? - No", "Why?"]
    assert layout.labels == {"Q? - Yes": "Q?", "Q? - No": "Q?", "Why?": "Why?"}


def test_surveymonkey_older_spelling_and_name_collisions() -> None:
    header = ["RespondentID", "CollectorID", "StartDate", "EndDate", "IP Address"]
    header += ["Email Address", "First Name", "LastName", "Custom Data"]
    header += ["Comments?", "Comments? (2)", "Comments?", "Rate us", "", ""]
    second = [""] * 9 + ["Open-Ended Response"] * 3 + ["Response", "Other (please specify)", ""]
    layout = detect_survey(header, [second])
    assert layout is not None and layout.columns[:9] == header[:9]
    assert layout.columns[9:] == [
        "Comments?", "Comments? (2)", "Comments? (3)",
        "Rate us", "Rate us - Other (please specify)", "Rate us (2)",
    ]  # fmt: skip


def test_surveymonkey_with_blank_second_row_and_multiline_question() -> None:
    header = ["Respondent ID", "Collector ID", "How was\nyour  visit?"]
    layout = detect_survey(header, [["", "", ""], ["1", "2", "fine"]])
    assert layout is not None and layout.columns[2] == "How was your visit?"


# --- ordinary tables stay ordinary ------------------------------------------------------------

PLAIN = [
    messy_files.utf16_tab_txt,
    messy_files.cp1252_csv,
    messy_files.semicolon_crlf_csv,
    messy_files.cr_only_csv,
    messy_files.formula_payloads_csv,
    messy_files.decomposed_unicode_csv,
]


@pytest.mark.parametrize("build", PLAIN, ids=[b.__name__ for b in PLAIN])
def test_plain_fixtures_are_not_surveys_and_parse_as_expected(
    tmp_path: Path, build: Callable[[Path], tuple[Path, Expected]]
) -> None:
    path, expected = build(tmp_path / f"{build.__name__}.csv")
    table = parse(path, expected)
    assert detect(table) is None
    columns, rows = apply(None, table)
    assert columns == expected["columns"] and rows == expected["rows"]


def test_fixture_bytes_are_what_the_tools_write(tmp_path: Path) -> None:
    utf16, _ = messy_files.utf16_tab_txt(tmp_path / "u.txt")
    assert (
        utf16.read_bytes().startswith(b"\xff\xfer\x00e\x00")
        and b"\r\x00\n\x00" in utf16.read_bytes()
    )
    cp, _ = messy_files.cp1252_csv(tmp_path / "c.csv")
    assert b"\x80" in cp.read_bytes() and b"\x93" in cp.read_bytes()  # € and “ in cp1252
    semi, _ = messy_files.semicolon_crlf_csv(tmp_path / "s.csv")
    assert b'"Erste Zeile\r\nZweite Zeile; mit Semikolon"' in semi.read_bytes()
    mac, _ = messy_files.cr_only_csv(tmp_path / "m.csv")
    assert b"\n" not in mac.read_bytes() and mac.read_bytes().count(b"\r") == 7
    nfd, expected = messy_files.decomposed_unicode_csv(tmp_path / "n.csv")
    assert "cafe\u0301".encode() in nfd.read_bytes()
    assert expected["rows"][5]["answer"] == "the \ufb01ne print"
    _, formulas = messy_files.formula_payloads_csv(tmp_path / "f.csv")
    assert formulas["formula_rows"] == ["1", "2", "3", "4", "5", "6", "7"]
    assert formulas["rows"][2]["score"] == "-5" and formulas["rows"][5]["answer"][0] == "\n"


@pytest.mark.parametrize(
    "header, rows",
    [
        (["id", "answer", "age"], [["1", "Fine", "34"], ["2", "Too slow", "51"]]),
        (["id", "answer"], [["1", "Response"], ["2", "Open-Ended Response"], ["3", "ok"]]),
        (["question", "kind"], [["How was it?", "Response"], ["Why?", "Open-Ended Response"]]),
        # A SurveyMonkey export whose second header row was already removed by hand.
        (
            ["Respondent ID", "Collector ID", "Start Date", "What could we do better?"],
            [["114680234561", "431234567", "03/05/2024", "Response times"]],
        ),
        (["Respondent ID", "Collector ID"], [["", ""]]),  # no question columns at all
        # One import-ID-looking cell in an otherwise ordinary row.
        (["id", "payload", "x", "y"], [["1", "a", "b", "c"], ["2", '{"ImportId":"QID1"}', "", ""]]),
        (["id", "json"], [["1", "x"], ["2", '{"ImportId": 5}']]),
        (["V1", "V2", "Q1"], [["1", "2", "ResponseID"], ["3", "4", "5"]]),
        (["V1", "V2"], [["ResponseID", "Name"]]),  # no ResponseSet: not the legacy layout
        (["id"], []),
        ([], [["1"]]),
    ],
)
def test_ordinary_tables_return_none(header: list[str], rows: Table) -> None:
    assert detect_survey(header, rows) is None


def test_short_and_long_rows_never_raise() -> None:
    header = ["StartDate", "ResponseId", "Q1"]
    rows = [["Start Date"], ['{"ImportId":"startDate"}', '{"ImportId":"_recordId"}', "", "x"]]
    layout = detect_survey(header, rows)
    assert (
        layout is not None
        and layout.columns == header
        and layout.labels == {"StartDate": "Start Date"}
    )
    assert detect_survey(header, [["a"], []]) is None
    assert detect_survey(header, [[], [], [], []]) is None


# --- properties --------------------------------------------------------------------------------

ordinary_cell = st.text(max_size=30).filter(lambda s: "importid" not in s.lower())
table = st.lists(ordinary_cell, min_size=1, max_size=8).flatmap(
    lambda head: st.tuples(
        st.just(head),
        st.lists(st.lists(ordinary_cell, max_size=len(head) + 2), max_size=3),
    )
)


@settings(max_examples=200, deadline=None)
@given(table)
def test_ordinary_tables_are_never_qualtrics(data: tuple[list[str], Table]) -> None:
    header, rows = data
    layout = detect_survey(header, rows)
    assert layout is None or layout.platform != "Qualtrics"


any_cell = st.one_of(
    st.text(max_size=20),
    st.sampled_from(
        ['{"ImportId":"QID1"}', "{'ImportId': 'x'}", "Respondent ID", "Collector ID", "V1", "V2",
         "ResponseID", "ResponseSet", "Response", "Open-Ended Response", "", "\ufeffV1"]
    ),
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    st.lists(any_cell, max_size=8),
    st.lists(st.lists(any_cell, max_size=10), max_size=4),
)
def test_detection_never_raises_and_names_every_column(header: list[str], rows: Table) -> None:
    layout = detect_survey(header, rows)
    if layout is not None:
        assert len(layout.columns) == len(header)
        assert 1 <= layout.header_rows <= min(2, len(rows))
        named = [c for c in layout.columns if c]
        assert len(named) == len(set(named))
        assert set(layout.labels) <= set(named) and all(layout.labels.values())
