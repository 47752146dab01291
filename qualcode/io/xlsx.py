"""Excel workbooks (.xlsx, .xlsm) through openpyxl: the first sheet, or the one named."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from qualcode.errors import Location, QualcodeError, did_you_mean
from qualcode.io.cells import cell_text
from qualcode.io.table import RawTable, unique_header


def read_xlsx(data: bytes, path: Path, sheet: str | None = None) -> tuple[RawTable, str]:
    """Read one sheet; return the table and the sheet's name. Cells become text.

    Formulas are read as the values Excel last calculated (`data_only`). Fully empty rows are
    not answers: they are counted, not kept. Positions are the sheet's row numbers.
    """
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        raise QualcodeError(
            "E311", Location(str(path)), path=path, expected="XLSX",
            kind=f"not a readable workbook ({exc})",
            fix="Open it in Excel or LibreOffice and save it as .xlsx, or export CSV.",
        ) from None  # fmt: skip
    try:
        names = book.sheetnames
        if sheet is None:
            ws = book.worksheets[0]
        elif sheet in names:
            ws = book[sheet]
        else:
            raise QualcodeError(
                "E313", Location(str(path)), sheet=sheet, path=path,
                suggestion=did_you_mean(sheet, names), sheets=", ".join(names),
            )  # fmt: skip
        # Some writers record a wrong used range; read-only mode would trust it and cut rows.
        ws.reset_dimensions()
        return _sheet_table(ws.iter_rows(values_only=True), path), ws.title
    finally:
        book.close()


def _sheet_table(cells, path: Path) -> RawTable:  # type: ignore[no-untyped-def]
    header: list[str] | None = None
    rows: list[list[str]] = []
    positions: list[int] = []
    blank = 0
    width = 0
    for number, values in enumerate(cells, start=1):
        texts = [cell_text(v) for v in values]
        while texts and not texts[-1]:
            texts.pop()
        if not texts:
            if header is not None:
                blank += 1
            continue
        if header is None:
            header = texts
            continue
        width = max(width, len(texts))
        rows.append(texts)
        positions.append(number)
    if header is None:
        raise QualcodeError("E303", Location(str(path)), path=path)
    # A value right of the last named column must not be dropped: give its column a name.
    header = header + [""] * (max(width, len(header)) - len(header))
    for row in rows:
        row.extend([""] * (len(header) - len(row)))
    names, renamed = unique_header(header)
    return RawTable(names, rows, positions, blank=blank, renamed=renamed, raw_header=header)
