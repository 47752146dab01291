"""Builders for messy answers files, written by the project itself (no third-party text).

Each builder writes one real file to the path it is given and returns ``(path, expected)``:
what a correct reader should produce from it. ``expected`` is a plain dict (see
:class:`Expected`) whose text is *logical*: NFC-normalised, with every line break as ``\\n``
(a reader is expected to normalise CRLF and lone CR inside cells, and NFD to NFC).

The layouts imitate what the tools really write:

* Qualtrics: 3 header rows (field IDs, question texts, ``{"ImportId":...}``), UTF-8 with a
  BOM (R users reading Qualtrics CSVs keep renaming a mangled ``ï..StartDate`` column, the
  sign of a UTF-8 BOM read as Latin-1). See ``qualcode/io/surveys.py`` for the sources.
* SurveyMonkey: 2 header rows (question texts with blank cells over the further columns of
  a question; then "Response", "Open-Ended Response" or option labels).
* Excel: "Unicode Text" is UTF-16 LE with a BOM, tab-separated, CRLF between records and LF
  for a line break inside a cell; "CSV (Comma delimited)" on Windows is cp1252 with CRLF;
  European locales use ";" as the separator and "," as the decimal mark; old Mac Excel ended
  lines with a lone CR.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from pathlib import Path
from typing import TypedDict

__all__ = [
    "Expected",
    "cp1252_csv",
    "cr_only_csv",
    "decomposed_unicode_csv",
    "formula_payloads_csv",
    "logical",
    "qualtrics_csv",
    "qualtrics_xlsx",
    "semicolon_crlf_csv",
    "surveymonkey_csv",
    "utf16_tab_txt",
]


class Expected(TypedDict, total=False):
    """What a correct reader produces from a built file."""

    columns: list[str]  # column names after any survey header rows are resolved
    rows: list[dict[str, str]]  # one dict per respondent, every column present, all text
    text_columns: list[str]  # the free-text answer columns
    encoding: str  # the codec the file was written with (Python name)
    delimiter: str
    platform: str  # survey exports only: "Qualtrics" / "SurveyMonkey"
    header_rows: int  # survey exports only: extra header rows below the first
    labels: dict[str, str]  # survey exports only: column -> question text
    formula_rows: list[str]  # formula_payloads_csv only: ids whose raw answer starts a formula


def logical(text: str) -> str:
    """Text as the reader should hand it on: NFC, and CRLF / lone CR turned into LF."""
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


def _expected_rows(columns: list[str], rows: list[list[object]]) -> list[dict[str, str]]:
    return [{c: logical(_as_text(v)) for c, v in zip(columns, row)} for row in rows]


def _as_text(value: object) -> str:
    """How a reader should turn a typed spreadsheet cell into text (None -> "")."""
    return "" if value is None else str(value)


def _write_delimited(
    path: Path,
    rows: list[list[str]],
    *,
    encoding: str,
    delimiter: str = ",",
    lineterminator: str = "\r\n",
) -> None:
    """Write rows like a spreadsheet does: quote only when needed, given record separator."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(
        buffer, delimiter=delimiter, lineterminator=lineterminator, quoting=csv.QUOTE_MINIMAL
    )
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))


# --- Qualtrics -------------------------------------------------------------------------------

_Q_TZ = "America/Denver"
# (field ID in row 1, question text in row 2, import ID in row 3, timeZone in row 3?)
_Q_FIELDS: list[tuple[str, str, str, bool]] = [
    ("StartDate", "Start Date", "startDate", True),
    ("EndDate", "End Date", "endDate", True),
    ("Status", "Response Type", "status", False),
    ("IPAddress", "IP Address", "ipAddress", False),
    ("Progress", "Progress", "progress", False),
    ("Duration (in seconds)", "Duration (in seconds)", "duration", False),
    ("Finished", "Finished", "finished", False),
    ("RecordedDate", "Recorded Date", "recordedDate", True),
    ("ResponseId", "Response ID", "_recordId", False),
    ("RecipientLastName", "Recipient Last Name", "recipientLastName", False),
    ("RecipientFirstName", "Recipient First Name", "recipientFirstName", False),
    ("RecipientEmail", "Recipient Email", "recipientEmail", False),
    ("ExternalReference", "External Data Reference", "externalDataReference", False),
    ("LocationLatitude", "Location Latitude", "locationLatitude", False),
    ("LocationLongitude", "Location Longitude", "locationLongitude", False),
    ("DistributionChannel", "Distribution Channel", "distributionChannel", False),
    ("UserLanguage", "User Language", "userLanguage", False),
    ("Q1", "How did you hear about the clinic? - Selected Choice", "QID1", False),
    ("Q1_5_TEXT", "How did you hear about the clinic? - Other - Text", "QID1_5_TEXT", False),
    ("Q2", "What did you like about your visit?", "QID2_TEXT", False),
    ("Q3", "What should we do differently?", "QID3_TEXT", False),
]
_Q_COLUMNS = [f[0] for f in _Q_FIELDS]

# Progress, duration and coordinates are typed numbers in the XLSX export; in the CSV they are
# the same digits as text. Answers: commas, quotes, line breaks, accents, emoji, one empty.
_Q_RESPONSES: list[list[object]] = [
    [
        "2024-03-05 09:14:07", "2024-03-05 09:19:19", "IP Address", "203.0.113.24", 100, 312,
        "True", "2024-03-05 09:19:20", "R_1a2B3c4D5e6F7g8", "", "", "", "", 39.7392, -104.9903,
        "anonymous", "EN", "Friend or family", "",
        'Friendly staff, short wait, and the nurse said "no rush".',
        "Parking.\nAlso the signs to the lab are confusing.",
    ],
    [
        "2024-03-05 11:02:45", "2024-03-05 11:10:03", "IP Address", "198.51.100.7", 100, 438,
        "True", "2024-03-05 11:10:04", "R_3hJ9kL2mN4pQ6rS", "", "", "", "", 40.015, -105.2705,
        "anonymous", "EN", "Other", "Flyer at the café on Main St.",
        "Dr. Müller explained everything – very clear, très bien.",
        "",
    ],
    [
        "2024-03-06 08:30:00", "2024-03-06 08:41:12", "IP Address", "192.0.2.150", 100, 672,
        "True", "2024-03-06 08:41:13", "R_0zYxWvUtSrQpOnM", "", "", "", "", 39.5501, -105.7821,
        "anonymous", "EN", "Website", "",
        "Nothing, honestly.",
        'More evening slots; the 5 p.m. cutoff is hard, "really" hard,\nespecially for '
        "shift workers.",
    ],
    [
        "2024-03-07 19:05:31", "2024-03-07 19:07:02", "IP Address", "203.0.113.99", 45, 91,
        "False", "2024-03-14 19:07:05", "R_9QwErTyUiOpAsDf", "", "", "", "", 39.7392, -104.9903,
        "anonymous", "EN", "Friend or family", "",
        "Crème brûlée at the café 😊 and the jalapeño soup",
        "",
    ],
]  # fmt: skip

_Q_TEXT_COLUMNS = ["Q1_5_TEXT", "Q2", "Q3"]


def _qualtrics_header_rows() -> list[list[str]]:
    def import_id(key: str, zoned: bool) -> str:
        payload = {"ImportId": key, **({"timeZone": _Q_TZ} if zoned else {})}
        return json.dumps(payload, separators=(",", ":"))

    return [
        _Q_COLUMNS,
        [f[1] for f in _Q_FIELDS],
        [import_id(f[2], f[3]) for f in _Q_FIELDS],
    ]


def _qualtrics_expected() -> Expected:
    return Expected(
        columns=list(_Q_COLUMNS),
        rows=_expected_rows(_Q_COLUMNS, _Q_RESPONSES),
        text_columns=list(_Q_TEXT_COLUMNS),
        platform="Qualtrics",
        header_rows=2,
        labels={f[0]: f[1] for f in _Q_FIELDS},
    )


def qualtrics_csv(path: Path, encoding: str = "utf-8-sig") -> tuple[Path, Expected]:
    """A Qualtrics CSV export: 3 header rows, UTF-8 with BOM, CRLF, LF inside answers."""
    path = Path(path)
    rows = _qualtrics_header_rows() + [[_as_text(v) for v in r] for r in _Q_RESPONSES]
    _write_delimited(path, rows, encoding=encoding)
    return path, Expected(_qualtrics_expected(), encoding=encoding, delimiter=",")


def qualtrics_xlsx(path: Path) -> tuple[Path, Expected]:
    """The same export as XLSX: header rows as text, numbers as numbers, empty cells empty."""
    from openpyxl import Workbook

    path = Path(path)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in _qualtrics_header_rows():
        sheet.append(row)
    for response in _Q_RESPONSES:
        # Qualtrics leaves unanswered cells empty, not "" strings: write None for them.
        sheet.append([None if v == "" else v for v in response])
    book.save(path)
    return path, _qualtrics_expected()


# --- SurveyMonkey ----------------------------------------------------------------------------

_SM_META = [
    "Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address",
    "First Name", "Last Name", "Custom Data 1",
]  # fmt: skip
_SM_Q1 = "Which of our services did you use? (Select all that apply)"
_SM_Q2 = "Overall, how satisfied were you with your visit?"
_SM_Q3 = "What could we do better?"
_SM_Q4 = "Any other comments?"  # asked again on the last page: the export repeats the text

# (row-1 cell, row-2 cell, column name a reader should use)
_SM_QUESTION_COLUMNS: list[tuple[str, str, str]] = [
    (_SM_Q1, "Online booking", f"{_SM_Q1} - Online booking"),
    ("", "Phone line", f"{_SM_Q1} - Phone line"),
    ("", "Walk-in clinic", f"{_SM_Q1} - Walk-in clinic"),
    ("", "Other (please specify)", f"{_SM_Q1} - Other (please specify)"),
    (_SM_Q2, "Response", _SM_Q2),
    ("", "Open-Ended Response", f"{_SM_Q2} - Open-Ended Response"),
    (_SM_Q3, "Open-Ended Response", _SM_Q3),
    (_SM_Q4, "Open-Ended Response", _SM_Q4),
    (_SM_Q4, "Open-Ended Response", f"{_SM_Q4} (2)"),
]

_SM_RESPONSES: list[list[str]] = [
    [
        "114680234561", "431234567", "03/05/2024 09:14:07 AM", "03/05/2024 09:20:41 AM",
        "198.51.100.23", "", "", "", "",
        "Online booking", "", "Walk-in clinic", "",
        "Very satisfied", "",
        'The booking page worked, but the "confirm" button is tiny.',
        "Thanks, all good.", "",
    ],
    [
        "114680239874", "431234567", "03/05/2024 01:47:12 PM", "03/05/2024 01:58:30 PM",
        "203.0.113.61", "", "", "", "",
        "", "Phone line", "", "Letter from my GP",
        "Neither satisfied nor dissatisfied", "Waited 40 min, then it was fine",
        "Answer the phone faster.\nCall-backs would help, too.",
        "", "Merci – the receptionist was lovely.",
    ],
    [
        "114680251003", "431234568", "03/06/2024 10:03:55 AM", "03/06/2024 10:05:09 AM",
        "192.0.2.14", "", "", "", "",
        "", "", "", "",
        "Dissatisfied", "",
        "",
        "", "",
    ],
]  # fmt: skip


def surveymonkey_csv(path: Path, encoding: str = "utf-8") -> tuple[Path, Expected]:
    """A SurveyMonkey "expanded" CSV export: 2 header rows, a select-all question over four
    columns, a single choice with a comment column, open-ended questions, a repeated text."""
    path = Path(path)
    header = _SM_META + [c[0] for c in _SM_QUESTION_COLUMNS]
    second = [""] * len(_SM_META) + [c[1] for c in _SM_QUESTION_COLUMNS]
    _write_delimited(path, [header, second, *_SM_RESPONSES], encoding=encoding)
    columns = _SM_META + [c[2] for c in _SM_QUESTION_COLUMNS]
    questions = [c[0] for c in _SM_QUESTION_COLUMNS]
    for i, question in enumerate(questions):
        questions[i] = question or questions[i - 1]  # blank row-1 cells continue the question
    return path, Expected(
        columns=columns,
        rows=_expected_rows(columns, _SM_RESPONSES),
        text_columns=[
            f"{_SM_Q1} - Other (please specify)",
            f"{_SM_Q2} - Open-Ended Response",
            _SM_Q3,
            _SM_Q4,
            f"{_SM_Q4} (2)",
        ],
        encoding=encoding,
        delimiter=",",
        platform="SurveyMonkey",
        header_rows=1,
        labels=dict(zip([c[2] for c in _SM_QUESTION_COLUMNS], questions)),
    )


# --- Excel and friends -----------------------------------------------------------------------


def utf16_tab_txt(path: Path) -> tuple[Path, Expected]:
    """Excel "Unicode Text" (*.txt): UTF-16 LE with BOM, tabs, CRLF; LF inside a cell."""
    path = Path(path)
    columns = ["respondent", "answer", "age"]
    rows = [
        ["r01", "Très bien, merci", "34"],
        ["r02", 'Two lines:\nfirst, then "second"', "51"],
        ["r03", "東京の病院はとても親切でした", "29"],
        ["r04", "Emoji are fine 👍🏽", "42"],
        ["r05", "a\ttab inside the answer", "38"],
        ["r06", "", "60"],
    ]
    # Python's "utf-16" codec writes the BOM and uses the machine's order; Excel writes LE.
    text = io.StringIO(newline="")
    csv.writer(text, delimiter="\t", lineterminator="\r\n").writerows([columns, *rows])
    path.write_bytes(b"\xff\xfe" + text.getvalue().encode("utf-16-le"))
    return path, Expected(
        columns=columns,
        rows=_expected_rows(columns, rows),
        text_columns=["answer"],
        encoding="utf-16",
        delimiter="\t",
    )


def cp1252_csv(path: Path) -> tuple[Path, Expected]:
    """Excel "CSV (Comma delimited)" on Windows: cp1252, CRLF, smart quotes and € in answers."""
    path = Path(path)
    columns = ["respondent_id", "comment", "region", "visits"]
    rows = [
        ["1001", "The nurse was “wonderful” – truly.", "Nord", "3"],
        ["1002", "Café was closed; I’d like it open at 7.", "Süd", "1"],
        ["1003", "Parking costs €12 a day… too much!", "Ost", "5"],
        ["1004", "Müller’s team: 10/10", "West", "2"],
        ["1005", "It’s fine, I guess", "Nord", "1"],
        ["1006", "Naïve question – why no Sunday hours?", "Süd", "4"],
        ["1007", "“Quick”, ‘easy’, and cheap (under €5).", "Ost", "2"],
        ["1008", "", "West", "0"],
        ["1009", "Über-friendly staff — thank you", "Nord", "7"],
        ["1010", "Façade looks tired; the inside is great.", "Süd", "2"],
        ["1011", "Zu teuer: 45 € für die Beratung", "Ost", "1"],
        ["1012", "Line 1\nLine 2 – with a dash", "West", "3"],
    ]
    _write_delimited(path, [columns, *rows], encoding="cp1252")
    return path, Expected(
        columns=columns,
        rows=_expected_rows(columns, rows),
        text_columns=["comment"],
        encoding="cp1252",
        delimiter=",",
    )


def semicolon_crlf_csv(path: Path, encoding: str = "utf-8-sig") -> tuple[Path, Expected]:
    """European Excel: ";" separator, decimal commas, CRLF records and CRLF inside quotes."""
    path = Path(path)
    columns = ["ID", "Antwort", "Bewertung"]
    rows = [
        ["1", "Gut; aber zu laut", "4,5"],
        ["2", "Freundlich, schnell, günstig", "5"],
        ["3", "Erste Zeile\r\nZweite Zeile; mit Semikolon", "3,0"],
        ["4", 'Er sagte: "passt schon"', "2,5"],
        ["5", "", "1"],
    ]
    _write_delimited(path, [columns, *rows], encoding=encoding, delimiter=";")
    return path, Expected(
        columns=columns,
        rows=_expected_rows(columns, rows),
        text_columns=["Antwort"],
        encoding=encoding,
        delimiter=";",
    )


def cr_only_csv(path: Path) -> tuple[Path, Expected]:
    """Old Mac Excel: every line ends with a lone CR, also the break inside a quoted answer."""
    path = Path(path)
    columns = ["id", "answer", "group"]
    rows = [
        ["1", "Plain answer", "a"],
        ["2", "Comma, inside", "b"],
        ["3", "First line\rsecond line", "a"],
        ["4", "", "b"],
        ["5", "Last one", "a"],
    ]
    _write_delimited(path, [columns, *rows], encoding="utf-8", lineterminator="\r")
    return path, Expected(
        columns=columns,
        rows=_expected_rows(columns, rows),
        text_columns=["answer"],
        encoding="utf-8",
        delimiter=",",
    )


def formula_payloads_csv(path: Path) -> tuple[Path, Expected]:
    """Answers a spreadsheet would run as formulas (=, +, -, @, tab, CR first), plus a plain
    negative number "-5" in an attribute column that is data, not a formula.

    Reading must keep every answer exactly (after line-break normalisation: the CR-led answer
    reads as "\\n=..."); neutralising them is the output writer's job. ``formula_rows`` lists
    the ids whose raw answer starts with one of the trigger characters.
    """
    path = Path(path)
    columns = ["id", "answer", "score"]
    rows = [
        ["1", '=HYPERLINK("http://evil.example/x","click")', "3"],
        ["2", "@SUM(1+1)", "4"],
        ["3", "-2+3", "-5"],
        ["4", "+1", "2"],
        ["5", "\t=1+2", "1"],
        ["6", "\r=cmd|' /C calc'!A0", "0"],
        ["7", "- too slow\n- rude at the desk", "-1"],
        ["8", "Normal answer - with a dash = and an equals sign", "5"],
    ]
    _write_delimited(path, [columns, *rows], encoding="utf-8")
    return path, Expected(
        columns=columns,
        rows=_expected_rows(columns, rows),
        text_columns=["answer"],
        encoding="utf-8",
        delimiter=",",
        formula_rows=[r[0] for r in rows if r[1][:1] in ("=", "+", "-", "@", "\t", "\r")],
    )


def decomposed_unicode_csv(path: Path) -> tuple[Path, Expected]:
    """Answers in NFD (as macOS file names and some copy-paste produce): the reader should
    return NFC ("café" as one code point for é). "ﬁ" must survive: NFC, not NFKC."""
    path = Path(path)
    columns = ["id", "answer"]
    raw = [
        ["1", "cafe\u0301 au lait"],
        ["2", "nai\u0308ve Mu\u0308ller"],
        ["3", "Tie\u0302\u0301ng Vie\u0323\u0302t"],
        ["4", "\u1100\u1161\u11a8 (Hangul jamo)"],
        ["5", "already composed: caf\u00e9"],
        ["6", "the \ufb01ne print"],
    ]
    _write_delimited(path, [columns, *raw], encoding="utf-8")
    expected = _expected_rows(columns, raw)
    assert expected[0]["answer"] == "caf\u00e9 au lait"  # the builder's own sanity check
    return path, Expected(
        columns=columns,
        rows=expected,
        text_columns=["answer"],
        encoding="utf-8",
        delimiter=",",
    )
