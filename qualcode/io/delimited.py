"""Delimited text (CSV, TSV, Excel's tab-separated .txt): sniff the delimiter, parse strictly.

Parsed with Python's C `csv` module rather than pandas: it handles quoted line breaks and
tells us the line every record starts on, so a row with the wrong number of fields is named
by its line and can be skipped and counted; pandas' fast parser silently pads short rows.
"""

from __future__ import annotations

import csv
import io
import itertools
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from qualcode.errors import Location, QualcodeError

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


class DelimitedRows:
    """The rows of delimited text, streamed: `header` first, then iterate for the rows.

    A row as wide as the header is kept; a longer one whose extra fields are all empty
    (a trailing delimiter) is kept without them; any other row is bad. Bad rows are listed in
    `skipped` when `skip_bad_rows`; otherwise iteration ends with E310 naming the first bad
    line and the others (the rest of the file is still read, to name them all). Blank lines
    are counted in `blank`. Both are complete once iteration ends.
    """

    def __init__(
        self, blocks: Iterable[str], delimiter: str, path: Path, skip_bad_rows: bool = False
    ) -> None:
        lines = itertools.chain.from_iterable(io.StringIO(b, newline="") for b in blocks)
        self._reader = csv.reader(lines, delimiter=delimiter, strict=True)
        self.delimiter = delimiter
        self.path = path
        self.skip_bad_rows = skip_bad_rows
        self.skipped: list[dict[str, object]] = []
        self.blank = 0
        self.header = self._read_header()

    def _read_header(self) -> list[str]:
        try:
            for record in self._reader:
                if any(cell.strip() for cell in record):  # blank lines above it are skipped
                    return record
        except csv.Error as exc:
            raise self._quote_error(exc) from None
        raise QualcodeError("E303", Location(str(self.path)), path=self.path)

    def _quote_error(self, exc: csv.Error, line: int | None = None) -> QualcodeError:
        """E302 at `line`, where the record with the bad quote starts."""
        return QualcodeError(
            "E302", Location(str(self.path), line=line or self._reader.line_num), path=self.path,
            problem=str(exc),
            fix="A quoted answer is not closed, or a quote is followed by text; check the "
            "quotes on this line (a literal quote inside a quoted answer is written twice: "
            "\"\").",
        )  # fmt: skip

    def __iter__(self) -> Iterator[list[str]]:
        reader = self._reader
        width = len(self.header)
        bad: list[tuple[int, list[str]]] = []
        end = reader.line_num  # the line the previous record ended on
        try:
            for record in reader:
                if len(record) == width:  # the common case, kept short: millions of rows
                    end = reader.line_num
                    if not bad or self.skip_bad_rows:
                        yield record
                    continue
                line, end = end + 1, reader.line_num
                if len(record) <= 1 and (not record or not record[0].strip()):
                    # A blank line, not a record, unless it is an answer in a one-column file.
                    if width > 1 or not record:
                        self.blank += 1
                        continue
                elif len(record) > width and not any(record[width:]):
                    record = record[:width]
                else:
                    bad.append((line, record))
                    if self.skip_bad_rows:
                        reason = f"{len(record)} field(s) where the header has {width}"
                        self.skipped.append({"line": line, "reason": reason})
                    continue
                if not bad or self.skip_bad_rows:
                    yield record
        except csv.Error as exc:
            raise self._quote_error(exc, end + 1) from None
        if bad and not self.skip_bad_rows:
            raise self._bad_rows_error(bad)

    def _bad_rows_error(self, bad: list[tuple[int, list[str]]]) -> QualcodeError:
        line, record = bad[0]
        more = ""
        if len(bad) > 1:
            lines = ", ".join(str(b[0]) for b in bad[1:6]) + (", ..." if len(bad) > 6 else "")
            more = f" ({len(bad) - 1} more bad row(s), at line(s) {lines})"
        shown = self.delimiter if self.delimiter != ONE_COLUMN else ","
        return QualcodeError(
            "E310", Location(str(self.path), line=line), line=line, got=len(record),
            expected=len(self.header), preview=_preview(record, shown), more=more,
            delimiter=shown,
        )  # fmt: skip


def _preview(record: list[str], delimiter: str, limit: int = 70) -> str:
    text = delimiter.join(record).replace("\n", " ")
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")
