"""Excel workbooks (.xlsx, .xlsm) through openpyxl: the first sheet, or the one named."""

from __future__ import annotations

import itertools
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from qualcode.errors import Location, QualcodeError, did_you_mean
from qualcode.io.cells import cell_text
from qualcode.io.table import RawTable, RowTally, named


def read_xlsx(path: Path, sheet: str | None = None) -> tuple[RawTable, str]:
    """Open one sheet; return the table (rows streamed) and the sheet's name.

    Cells become text. Formulas are read as the values Excel last calculated (`data_only`).
    Fully empty rows are not answers: they are counted, not kept. A value right of the last
    named column gets a column of its own (named when the header is read: openpyxl's
    read-only mode streams rows, so the width is that of the widest row among the first
    thousand; a wider row later is an error rather than silently cut).
    """
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        raise QualcodeError(
            "E311", Location(str(path)), path=path, expected="XLSX",
            kind=f"not a readable workbook ({exc})",
            fix="Open it in Excel or LibreOffice and save it as .xlsx, or export CSV.",
        ) from None  # fmt: skip
    names = book.sheetnames
    if sheet is not None and sheet not in names:
        book.close()
        raise QualcodeError(
            "E313", Location(str(path)), sheet=sheet, path=path,
            suggestion=did_you_mean(sheet, names), sheets=", ".join(names),
        )  # fmt: skip
    ws = book[sheet] if sheet is not None else book.worksheets[0]
    # Some writers record a wrong used range; read-only mode would trust it and cut rows.
    ws.reset_dimensions()
    tally = RowTally()
    rows = _texts(ws.iter_rows(values_only=True), tally, book)
    header: list[str] | None = None
    for _number, texts in rows:
        if texts:
            header = texts
            break
    if header is None:
        book.close()
        raise QualcodeError("E303", Location(str(path)), path=path)
    tally.blank = 0  # empty rows above the header are not answers either, nor counted
    # Look ahead for values right of the header, so that their columns exist from the start.
    ahead = []
    for item in rows:
        ahead.append(item)
        if len(ahead) >= 1000:
            break
    width = max([len(header), *(len(t) for _n, t in ahead)])
    header = header + [""] * (width - len(header))
    body = _padded(ahead, rows, width, tally, path)
    return named(header, body, tally), ws.title


def _texts(cells: Any, tally: RowTally, book: Any) -> Iterator[tuple[int, list[str]]]:
    """(sheet row number, cell texts without trailing empties); empty rows are counted."""
    try:
        for number, values in enumerate(cells, start=1):
            texts = [cell_text(v) for v in values]
            while texts and not texts[-1]:
                texts.pop()
            if not texts:
                tally.blank += 1
                continue
            yield number, texts
    finally:
        book.close()


def _padded(
    ahead: list[tuple[int, list[str]]],
    rest: Iterator[tuple[int, list[str]]],
    width: int,
    tally: RowTally,
    path: Path,
) -> Iterator[list[str]]:
    for number, texts in itertools.chain(ahead, rest):
        if len(texts) > width:
            raise QualcodeError(
                "E310", Location(str(path), row=number), line=number, got=len(texts),
                expected=width, preview=repr(" | ".join(texts)[:70]), more="",
                delimiter="(cells)",
            )  # fmt: skip
        yield texts + [""] * (width - len(texts))
