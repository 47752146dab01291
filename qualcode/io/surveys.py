"""Recognise survey-platform exports whose first data rows are really extra header rows.

Qualtrics and SurveyMonkey both write more than one header row. A plain CSV reader takes the
first row as the header and the others as answers, so "Start Date" or "Open-Ended Response"
would be coded as if a respondent had written it. The reader parses a file into a header and
rows of text and calls :func:`detect_survey` with the first few rows; a :class:`SurveyLayout`
says how many rows to drop, which column names to use, and the question text of each column.

Detection is deliberately conservative: it needs a marker no ordinary table has by accident
(a row of ``{"ImportId": ...}`` cells; SurveyMonkey's "Respondent ID"/"Collector ID" header
over a row that is blank under those columns). Anything else is left alone (``None``).

What the formats are based on:

* Qualtrics (current "data table" export, CSV/TSV/XLSX): Qualtrics' support page
  "Understanding Your Dataset" ("CSV and TSV files come with 3 rows of headers": the field ID
  such as EndDate or Q1, then the question text, then the import ID); the sample export
  ``tests/testthat/files/sample.csv`` and ``read_survey()`` of the rOpenSci R package
  qualtRics (column names from row 1, labels from row 2, data from row 4); public scripts that
  drop the ``{"ImportId":"startDate","timeZone":"America/Denver"}`` row, and the same layout in
  XLSX files (R helpers that skip 3 rows "for CSV or XLSX" downloads). qualtRics also matches
  ``{'ImportId': '...'}`` with single quotes, so both quote styles are accepted here.
* Qualtrics legacy export ("as of 2017"): ``tests/testthat/files/sample_legacy.csv`` and
  ``read_survey(legacy = TRUE)`` in qualtRics: row 1 is ``V1..V10`` then ``Q1, Q2, ...``,
  row 2 is ``ResponseID, ResponseSet, Name, ExternalDataReference, EmailAddress, IPAddress,
  Status, StartDate, EndDate, Finished`` then the question texts; no import-ID row. Qualtrics'
  older "Understanding Your Dataset" page describes the same ResponseID/ResponseSet fields.
  Only that exact opening (V1, V2 over ResponseID ... ResponseSet) is recognised.
* SurveyMonkey ("All responses data", expanded, CSV/XLSX): row 1 is Respondent ID, Collector
  ID, Start Date, End Date, IP Address, Email Address, First Name, Last Name, Custom Data 1,
  then one cell per question with empty cells over the question's further columns; row 2 is
  blank under the metadata and holds "Response", "Open-Ended Response" or an answer option
  over each question column. Based on public parsers of real exports (e.g. a GGWash election
  questionnaire parser that quotes both rows of its export verbatim, a survey-scoring script
  quoting row 1 with ``In what country do you live?,,``), and older exports spelled
  ``RespondentID,CollectorID,StartDate,EndDate,...,LastName,Custom Data``. The capitalisation
  of "Open-Ended Response" varies between sources, so row-2 keywords are matched ignoring case.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

QUALTRICS = "Qualtrics"
SURVEYMONKEY = "SurveyMonkey"


@dataclass(frozen=True)
class SurveyLayout:
    """How to read a survey platform's export: rows to drop, names to use, question texts."""

    platform: str  # "Qualtrics" or "SurveyMonkey"
    header_rows: int  # how many of the first data rows are extra header rows to drop
    columns: list[str]  # the column names to use (same length as the header)
    labels: dict[str, str]  # column name -> question text; columns without one are absent


def detect_survey(header: list[str], first_rows: list[list[str]]) -> SurveyLayout | None:
    """Return the layout of a Qualtrics or SurveyMonkey export, or None for any other table.

    ``header`` is the parsed first row; ``first_rows`` up to three rows below it. Rows may be
    shorter or longer than the header (missing cells count as empty, extra cells are ignored),
    and odd input never raises: the reader must still be able to read a table we do not know.
    """
    head = [_text(cell) for cell in header]
    if not head:
        return None
    # A BOM the decoder left in place would hide "Respondent ID" / "V1" in the first cell.
    head[0] = head[0].removeprefix("\ufeff")
    rows = [[_text(cell) for cell in (row or ())] for row in list(first_rows or ())[:3]]
    for detect in (_qualtrics, _qualtrics_legacy, _surveymonkey):
        layout = detect(head, rows)
        if layout is not None:
            return layout
    return None


# --- Qualtrics -------------------------------------------------------------------------------

# {"ImportId":"QID2_TEXT"} or {"ImportId":"startDate","timeZone":"America/Denver"}; older files
# used {'ImportId': 'QID2_TEXT'}. Matched by pattern, not json.loads, to accept both quote styles.
_IMPORT_ID = re.compile(
    r"""^\{\s*(["'])ImportId\1\s*:\s*(["'])(?P<id>[^"']*)\2\s*(?:,.*)?\}$""", re.DOTALL
)
# Share of the non-empty cells of row 3 that must be import IDs: a hand-edited cell or an
# added column must not hide the export, but a table with a stray JSON cell is not one.
_IMPORT_ID_SHARE = 0.9


def _qualtrics(head: list[str], rows: list[list[str]]) -> SurveyLayout | None:
    if len(rows) < 2:
        return None
    third = [_cell(rows[1], i).strip() for i in range(len(head))]
    filled = [cell for cell in third if cell]
    ids = [m.group("id") if (m := _IMPORT_ID.match(cell)) else "" for cell in third]
    matched = sum(1 for cell in filled if _IMPORT_ID.match(cell))
    # Every Qualtrics column has an import ID, so row 3 is (nearly) full and (nearly) all IDs.
    if matched == 0 or matched < _IMPORT_ID_SHARE * len(filled) or 2 * len(filled) < len(head):
        return None
    # Row 1 holds Qualtrics' own field names (ResponseId, Q1, Q2_TEXT): keep them; a column
    # without one is named by its import ID rather than left anonymous.
    columns = _unique([name.strip() or ids[i] for i, name in enumerate(head)])
    labels = _labels(columns, [_cell(rows[0], i) for i in range(len(head))])
    return SurveyLayout(QUALTRICS, 2, columns, labels)


_LEGACY_NAME = re.compile(r"^V\d+$")


def _qualtrics_legacy(head: list[str], rows: list[list[str]]) -> SurveyLayout | None:
    if not rows or len(head) < 2:
        return None
    second = [_cell(rows[0], i).strip() for i in range(len(head))]
    if head[0].strip() != "V1" or head[1].strip() != "V2" or second[0] != "ResponseID":
        return None
    if "ResponseSet" not in second:
        return None
    # V1..V10 say nothing; row 2 holds the documented field names (ResponseID, StartDate...),
    # so those become the names. Question columns keep Q1, Q2 and get row 2 as their label.
    renamed = [bool(_LEGACY_NAME.match(name.strip()) and second[i]) for i, name in enumerate(head)]
    columns = _unique([second[i] if renamed[i] else name.strip() for i, name in enumerate(head)])
    texts = ["" if renamed[i] else second[i] for i in range(len(head))]
    return SurveyLayout(QUALTRICS, 1, columns, _labels(columns, texts))


# --- SurveyMonkey ----------------------------------------------------------------------------

# Metadata columns before the questions, compared without spaces/underscores and case:
# current exports say "Respondent ID", older ones "RespondentID" and "Custom Data".
_SM_META = re.compile(
    r"^(respondentid|collectorid|startdate|enddate|ipaddress|emailaddress|firstname|lastname"
    r"|customdata\d*)$"
)
# Row-2 cells that mean "the answer to the question above", not an answer option.
_SM_WHOLE_ANSWER = {"response", "open-ended response"}


def _surveymonkey(head: list[str], rows: list[list[str]]) -> SurveyLayout | None:
    if not rows:
        return None
    keys = [_key(name) for name in head]
    if keys[0] != "respondentid" or "collectorid" not in keys[1:4]:
        return None
    n_meta = 0
    while n_meta < len(keys) and _SM_META.match(keys[n_meta]):
        n_meta += 1
    second = [" ".join(_cell(rows[0], i).split()) for i in range(len(head))]
    # Row 2 of an export is blank under the metadata; a respondent's row has a Respondent ID
    # there. This is what keeps a cleaned-up export (second row already removed) untouched.
    if n_meta == len(head) or any(second[:n_meta]):
        return None
    columns: list[str] = []
    texts: list[str] = []
    question = ""
    for i, raw in enumerate(head):
        title = " ".join(raw.split())
        if i < n_meta:
            columns.append(title)
            texts.append("")
            continue
        # An empty header cell continues the question to its left (its further options).
        starts_question = bool(title)
        if starts_question:
            question = title
        sub = second[i]
        if not question:
            name = sub
        elif not sub or (starts_question and sub.casefold() in _SM_WHOLE_ANSWER):
            name = question  # the question's one answer column
        else:
            name = f"{question} - {sub}"  # an option, or the "other"/comment text column
        columns.append(name)
        texts.append(question)
    columns = _unique(columns)
    return SurveyLayout(SURVEYMONKEY, 1, columns, _labels(columns, texts))


# --- helpers ---------------------------------------------------------------------------------


def _text(value: object) -> str:
    """A cell as text; the type hints say str, but a stray None or number must not raise."""
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _cell(row: Sequence[str], i: int) -> str:
    return row[i] if i < len(row) else ""


def _key(name: str) -> str:
    return re.sub(r"[\s_]+", "", name).casefold()


def _labels(columns: list[str], texts: list[str]) -> dict[str, str]:
    """Column -> question text, whitespace collapsed; empty names or texts are left out."""
    labels: dict[str, str] = {}
    for name, text in zip(columns, texts):
        label = " ".join(text.split())
        if name and label:
            labels[name] = label
    return labels


def _unique(names: list[str]) -> list[str]:
    """Make repeated names unique ("Q", "Q (2)"); an empty name stays empty for the reader.

    SurveyMonkey repeats a question's text when the survey asks it twice; a suffix must not
    collide with a name that is already in the header, so all original names are reserved.
    """
    reserved = set(names)
    used: set[str] = set()
    result: list[str] = []
    for name in names:
        if name and name in used:
            k = 2
            while f"{name} ({k})" in used or f"{name} ({k})" in reserved:
                k += 1
            name = f"{name} ({k})"
        used.add(name)
        result.append(name)
    return result
