"""Read an answers file into a DataFrame of text, keeping every row and every column.

Every cell is text: an id "007" stays "007", "NA" stays "NA", numbers, dates and booleans
from typed formats become the text Excel would show, and missing cells become "" ("no
answer"). Text is NFC-normalised with `\\n` line endings before anything is coded, so every
offset in the outputs refers to that normalised text. What was read, how it was decoded and
every row not kept (with its line and the reason) are described by :class:`Source`, which
goes into the manifest.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from qualcode.errors import Location, QualcodeError, Warnings
from qualcode.io.cells import normalise_text
from qualcode.io.decode import decode, sniff_binary
from qualcode.io.delimited import ONE_COLUMN, parse_delimited, sniff_delimiter
from qualcode.io.records import read_jsonl, read_parquet, read_stats_file
from qualcode.io.table import RawTable, apply_survey_layout
from qualcode.io.xlsx import read_xlsx

DELIMITED = {".csv", ".tsv", ".tab", ".txt"}
SUPPORTED = ".csv, .tsv, .txt, .xlsx, .parquet, .jsonl, .sav, .zsav, .dta"


@dataclass
class Source:
    """What was read and how: recorded in the manifest so a run can be checked and repeated."""

    path: str
    sha256: str
    format: str
    rows: int
    encoding: str | None = None
    encoding_method: str | None = None  # "given", "bom", "utf-8" or "guessed"
    delimiter: str | None = None
    sheet: str | None = None
    platform: str | None = None  # a detected survey export: "Qualtrics", "SurveyMonkey"
    header_rows: int = 1
    blank: int = 0
    skipped: list[dict[str, object]] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # warnings for the user, not the manifest

    def describe(self) -> dict[str, object]:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "format": self.format,
            "encoding": self.encoding,
            "encoding_method": self.encoding_method,
            "delimiter": self.delimiter,
            "sheet": self.sheet,
            "survey_platform": self.platform,
            "header_rows": self.header_rows,
            "rows": self.rows,
            "blank_rows": self.blank,
            "skipped_rows": len(self.skipped),
            "skipped": self.skipped,
            "normalisation": "NFC, line endings as \\n",
        }


def read_answers(
    path: str | Path,
    encoding: str | None = None,
    *,
    sheet: str | None = None,
    delimiter: str | None = None,
    skip_bad_rows: bool = False,
) -> tuple[pd.DataFrame, Source]:
    """Read an answers file; return the table (all text) and a description of the source.

    `encoding` and `delimiter` override detection; `sheet` picks an XLSX sheet by name (the
    first by default); `skip_bad_rows` skips rows with the wrong number of fields (listed in
    ``Source.skipped``) instead of stopping at the first.
    """
    path = Path(path)
    if not path.is_file():
        raise QualcodeError("E301", Location(str(path)), path=path)
    suffix = path.suffix.lower()
    if suffix not in DELIMITED | {".xlsx", ".xlsm", ".parquet", ".jsonl", ".ndjson", ".sav",
                                  ".zsav", ".dta"}:  # fmt: skip
        raise QualcodeError(
            "E306", Location(str(path)), suffix=suffix or "(none)", path=path, supported=SUPPORTED
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise QualcodeError(
            "E302", Location(str(path)), path=path, problem=exc.strerror or str(exc),
            fix="Check that the file is readable (permissions, or a cloud file not yet synced).",
        ) from None  # fmt: skip
    if len(data) < 4096 and not data.strip():  # a large blank file ends as E303 when parsed
        raise QualcodeError("E303", Location(str(path)), path=path)
    source = Source(str(path), hashlib.sha256(data).hexdigest(), suffix.lstrip("."), 0)
    if sheet is not None and suffix not in (".xlsx", ".xlsm"):
        raise QualcodeError(
            "E302", Location(str(path)), path=path, problem="--sheet applies to workbooks only",
            fix="Drop --sheet for a file that is not .xlsx.",
        )  # fmt: skip
    if suffix in (".xlsx", ".xlsm"):
        table, source.sheet = read_xlsx(data, path, sheet)
        source.format = "xlsx"
    elif suffix == ".parquet":
        table = read_parquet(data, path)
    elif suffix in (".sav", ".zsav", ".dta"):
        table = read_stats_file(path)
    else:
        sniff_binary(data, path, expected="JSON Lines" if suffix in (".jsonl", ".ndjson") else
                     "delimited text")  # fmt: skip
        decoded = decode(data, path, encoding)
        source.encoding, source.encoding_method = decoded.encoding, decoded.method
        if decoded.method == "guessed":
            source.notes.append(Warnings.W305.format(path=path, encoding=decoded.encoding))
        text = normalise_text(decoded.text)
        if suffix in (".jsonl", ".ndjson"):
            table = read_jsonl(text, path)
            source.format = "jsonl"
        else:
            chosen = _delimiter_option(delimiter) or sniff_delimiter(text)
            table = parse_delimited(text, chosen, path, skip_bad_rows)
            source.delimiter = None if chosen == ONE_COLUMN else chosen
            source.format = "csv"
    if source.format in ("csv", "xlsx"):
        apply_survey_layout(table)
    if not table.rows:
        raise QualcodeError("E309", Location(str(path)), path=path)
    _record(source, table)
    return table.to_frame(), source


def _delimiter_option(delimiter: str | None) -> str | None:
    if delimiter is None:
        return None
    named = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
    value = named.get(delimiter.lower(), delimiter)
    if len(value) != 1:
        raise QualcodeError(
            "E302", None, path="--delimiter", problem=f"{delimiter!r} is not one character",
            fix="Give one character, or one of: tab, comma, semicolon, pipe.",
        )  # fmt: skip
    return value


def _record(source: Source, table: RawTable) -> None:
    source.rows = len(table.rows)
    source.blank = table.blank
    source.skipped = table.skipped
    source.labels = table.labels
    source.platform = table.platform
    source.header_rows = table.header_rows
    if table.skipped:
        lines = ", ".join(str(s["line"]) for s in table.skipped[:10])
        more = ", ..." if len(table.skipped) > 10 else ""
        source.notes.append(Warnings.W306.format(n=len(table.skipped), lines=lines + more))
    if table.platform:
        source.notes.append(Warnings.W307.format(platform=table.platform, n=table.header_rows - 1))
    if table.renamed:
        source.notes.append(Warnings.W308.format(n=len(table.renamed),
                                                 renamed="; ".join(table.renamed[:5])))  # fmt: skip
