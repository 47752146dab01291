"""Delimited text (CSV, TSV, Excel's tab-separated .txt): sniff the delimiter, parse strictly.

Parsed with Python's C `csv` module rather than pandas: it handles quoted line breaks and
tells us the line every record starts on, so a row with the wrong number of fields is named
by its line and can be skipped and counted; pandas' fast parser silently pads short rows.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

from qualcode.errors import Location, QualcodeError
from qualcode.io.table import RawTable, unique_header

CANDIDATES = (",", ";", "\t", "|")
ONE_COLUMN = "\x1f"  # ASCII unit separator: never in survey text, so a line stays whole
SNIFF_CHARS = 1 << 16
SNIFF_ROWS = 200

# The default cap is 128 KiB per field; a pasted essay can be larger. Our own text, our limit.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def sniff_delimiter(text: str) -> str:
    """The candidate that splits the header into several fields and the most of the first
    rows into as many (a trailing empty field aside); ties go to the wider split, then to
    the order , ; tab |. When no candidate splits the header, the file is one column per line
    (its answers may hold commas). A header that splits is never read as one column: broken
    rows then get a clear error rather than being glued into one field.
    """
    sample = text[:SNIFF_CHARS]
    truncated = len(text) > SNIFF_CHARS
    best: tuple[float, int, int] | None = None
    chosen = ONE_COLUMN
    for rank, delimiter in enumerate(CANDIDATES):
        rows = _sample_rows(sample, delimiter, truncated)
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        body = rows[1:]
        fits = sum(len(r) == width or (len(r) > width and not any(r[width:])) for r in body)
        score = (fits / len(body) if body else 1.0, width, -rank)
        if best is None or score > best:
            best, chosen = score, delimiter
    return chosen


def _sample_rows(sample: str, delimiter: str, truncated: bool) -> list[list[str]]:
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            if row and any(cell.strip() for cell in row):
                rows.append(row)
            if len(rows) > SNIFF_ROWS:
                break
    except csv.Error:
        pass
    if truncated and len(rows) > 1:
        rows.pop()  # the sample may have cut the last record in half
    return rows


def parse_delimited(text: str, delimiter: str, path: Path, skip_bad_rows: bool = False) -> RawTable:
    """Parse `text` (already normalised to `\\n` line endings) into a RawTable.

    A row as wide as the header is kept; a longer one whose extra fields are all empty
    (a trailing delimiter) is kept without them; any other row is bad: an error naming its
    line, or skipped and listed when `skip_bad_rows`.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    rows: list[list[str]] = []
    positions: list[int] = []
    bad: list[tuple[int, list[str]]] = []
    blank = 0
    start = 1
    try:
        for record in reader:
            line, start = start, reader.line_num + 1
            if header is None:
                if any(cell.strip() for cell in record):  # blank lines above it are skipped
                    header = record
                continue
            if len(record) <= 1 and (not record or not record[0].strip()):
                # A blank line, not a record, unless it is an answer in a one-column file.
                if len(header) > 1 or not record:
                    blank += 1
                    continue
            if len(record) > len(header) and not any(record[len(header) :]):
                record = record[: len(header)]
            if len(record) != len(header):
                bad.append((line, record))
                continue
            rows.append(record)
            positions.append(line)
    except csv.Error as exc:
        raise QualcodeError(
            "E302", Location(str(path), line=start), path=path, problem=str(exc),
            fix="A quoted answer is not closed, or a quote is followed by text; check the "
            "quotes on this line (a literal quote inside a quoted answer is written twice: \"\").",
        ) from None  # fmt: skip
    if header is None:
        raise QualcodeError("E303", Location(str(path)), path=path)
    width = len(header)
    if bad and not skip_bad_rows:
        line, record = bad[0]
        more = ""
        if len(bad) > 1:
            lines = ", ".join(str(b[0]) for b in bad[1:6]) + (", ..." if len(bad) > 6 else "")
            more = f" ({len(bad) - 1} more bad row(s), at line(s) {lines})"
        shown = delimiter if delimiter != ONE_COLUMN else ","
        raise QualcodeError(
            "E310", Location(str(path), line=line), line=line, got=len(record),
            expected=width, preview=_preview(record, shown), more=more, delimiter=shown,
        )  # fmt: skip
    skipped = [
        {"line": line, "reason": f"{len(record)} field(s) where the header has {width}"}
        for line, record in bad
    ]
    names, renamed = unique_header(header)
    return RawTable(
        names, rows, positions, skipped=skipped, blank=blank, renamed=renamed, raw_header=header
    )


def _preview(record: list[str], delimiter: str, limit: int = 70) -> str:
    text = delimiter.join(record).replace("\n", " ")
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")
