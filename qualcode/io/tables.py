"""Output tables as CSV, Excel (.xlsx) or Parquet: safe to open, atomic, reproducible.

Spreadsheet safety (OWASP "CSV injection"): survey answers are written by strangers, and a
cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return may be run as a
formula by Excel or LibreOffice (``=HYPERLINK(...)``, ``@SUM(...)``, DDE payloads). In CSV and
XLSX such text gets a leading ``'`` (:func:`neutralise`), so it is shown as text and never
evaluated; :func:`read_table` takes it off again (:func:`restore`), exactly. Plain signed
numbers (``-5``, ``+3.2``, ``-1,000``, ``-1e-3``; see :data:`NUMBER`) are left alone: they are
attribute values, not formulas. Parquet is not opened by spreadsheets and keeps the exact text.

Every file is written to a temporary file in the same folder and moved into place
(:mod:`qualcode.io.write`), and the same frame always gives the same bytes: XLSX entries are
stamped with ``SOURCE_DATE_EPOCH`` when set, else with 1980-01-01 00:00:00 UTC (the earliest
time a zip file can hold), never with the clock.
"""

from __future__ import annotations

import csv
import math
import os
import re
import shutil
import tempfile
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from qualcode.errors import Location, QualcodeError
from qualcode.io.write import atomic_write, atomic_write_bytes

FORMATS = ("csv", "xlsx", "parquet")

#: First characters that make a spreadsheet treat a cell as a formula (OWASP), and LF: the
#: reader turns a leading CR into LF, and a spreadsheet that trims leading whitespace would
#: then see the formula after it.
TRIGGERS = frozenset("=+-@\t\r\n")

#: A plain number, which is never neutralised even when it starts with a sign: an optional
#: sign, ASCII digits (optionally grouped in threes by commas: ``1,000``), an optional
#: decimal part and an optional exponent. ``-5``, ``+3.2``, ``-1,000.5``, ``-.5``, ``-1e-3``
#: match; ``-2+3``, ``-1,00``, ``- 5``, ``-inf``, ``+`` do not.
NUMBER = re.compile(
    r"[+-]?(?:(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
)

#: Excel's limits: characters in a cell (counted in UTF-16 units, as Excel does) and rows
#: below the header row in a sheet.
XLSX_MAX_CELL = 32_767
XLSX_MAX_ROWS = 1_048_575

#: The time stamped into XLSX files when SOURCE_DATE_EPOCH is not set.
DEFAULT_STAMP = datetime(1980, 1, 1, tzinfo=timezone.utc)

_ALERT = TRIGGERS | {"'"}  # first characters that neutralise/restore may have to look at


def _needs_quote(text: str) -> bool:
    core = text.lstrip("'")
    return core[:1] in TRIGGERS and NUMBER.fullmatch(core) is None


def neutralise(text: str) -> str:
    """Prefix `text` with ``'`` when a spreadsheet could read it as a formula.

    The rule looks past any ``'`` already there (``'=1`` becomes ``''=1``), which is what
    makes :func:`restore` its exact inverse for every string.
    """
    return "'" + text if _needs_quote(text) else text


def restore(text: str) -> str:
    """Undo :func:`neutralise`: ``restore(neutralise(s)) == s`` for every string ``s``."""
    return text[1:] if text[:1] == "'" and _needs_quote(text[1:]) else text


# --- cells ----------------------------------------------------------------------------


def _is_text(column: pd.Series) -> bool:
    """Text columns are everything but booleans and numbers (object, str, category, dates)."""
    return not pd.api.types.is_numeric_dtype(column.dtype)  # bool counts as numeric


def _cell_text(value: object) -> str | None:
    """A text column's cell as a string, or None when missing (None, NaN, NaT, NA)."""
    if isinstance(value, str):
        return value
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):  # list-like cells: pd.isna answers element-wise
        pass
    return str(value)


def _safe_texts(column: pd.Series) -> list[str | None]:
    """A text column's cells, neutralised; None for missing."""
    texts = [_cell_text(v) for v in column.tolist()]
    return [t if t is None or t[:1] not in _ALERT else neutralise(t) for t in texts]


def column_dtypes(frame: pd.DataFrame) -> dict[str, str]:
    """The dtypes of the columns that are not plain text (numbers, booleans, dates, ...).

    CSV and XLSX hold text, so these are recorded (in the manifest) and handed back to
    :func:`with_dtypes` after :func:`read_table`.
    """
    return {
        str(name): str(column.dtype)
        for name, column in frame.items()
        if not (pd.api.types.is_object_dtype(column.dtype) or _is_string(column.dtype))
    }


def _is_string(dtype: Any) -> bool:
    return isinstance(dtype, pd.StringDtype)


_BOOLEANS = {"True": True, "False": False}


def with_dtypes(frame: pd.DataFrame, dtypes: dict[str, str]) -> pd.DataFrame:
    """Convert text columns read from CSV/XLSX back to `dtypes` ("" is a missing value).

    A column that does not convert cleanly stays text, rather than becoming wrong numbers.
    """
    out = frame.copy()
    for name, dtype in dtypes.items():
        if name in out.columns:
            out[name] = _as_dtype(out[name], dtype)
    return out


def _as_dtype(column: pd.Series, dtype: str) -> pd.Series:
    cells = column.astype(object)
    values = cells.where(cells != "", None)
    try:
        target = pd.api.types.pandas_dtype(dtype)
        if pd.api.types.is_bool_dtype(target):
            if any(v is not None and v not in _BOOLEANS for v in values):
                return column
            flags = [None if v is None else _BOOLEANS[v] for v in values]
            if None in flags and isinstance(target, np.dtype):  # numpy bool has no "missing"
                return column
            return pd.Series(flags, index=column.index, dtype=target, name=column.name)
        if pd.api.types.is_numeric_dtype(target):
            return pd.to_numeric(values).astype(target)
        return values.astype(target)
    except (ValueError, TypeError, OverflowError):
        return column


# --- checks ---------------------------------------------------------------------------


def _excel_length(text: str) -> int:
    """Characters as Excel counts them (UTF-16 units): characters beyond U+FFFF count twice."""
    if len(text) <= XLSX_MAX_CELL // 2:
        return len(text)
    return len(text.encode("utf-16-le", errors="surrogatepass")) // 2


def check_table(path: Path, frame: pd.DataFrame, fmt: str) -> None:
    """Raise E406/E405 when `frame` does not fit an Excel sheet (only for ``fmt="xlsx"``).

    Cells are measured as written, i.e. after :func:`neutralise`. The row in E405 is the
    1-based data row (the sheet row minus the header).
    """
    if fmt != "xlsx":
        return
    table = Path(path).stem
    if len(frame) > XLSX_MAX_ROWS:
        raise QualcodeError("E406", Location(str(path)), table=table, n=len(frame))
    too_long = []  # (row, column position, length): the first in each column
    for position, (_name, column) in enumerate(frame.items()):
        if _is_text(column):
            lengths = (
                (row, _excel_length(text))
                for row, text in enumerate(_safe_texts(column))
                if text is not None and len(text) > XLSX_MAX_CELL // 2
            )
            first = next(((row, n) for row, n in lengths if n > XLSX_MAX_CELL), None)
            if first is not None:
                too_long.append((first[0], position, first[1]))
    if too_long:
        row, position, n = min(too_long)
        raise QualcodeError(
            "E405", Location(str(path), row=row + 1),
            table=table, row=row + 1, column=str(frame.columns[position]), n=n,
        )  # fmt: skip


# --- writing --------------------------------------------------------------------------


def write_table(path: Path, frame: pd.DataFrame, fmt: str) -> Path:
    """Write `frame` (without its index) to `path` as `fmt`, atomically; return `path`.

    - ``csv``: UTF-8 without BOM, ``\\n`` line endings, as ``DataFrame.to_csv(index=False)``;
      text cells and column names neutralised.
    - ``xlsx``: one sheet named after the file (``coded.xlsx`` -> sheet ``coded``); text
      cells and column names neutralised and always stored as strings (never formulas or
      error values), numbers as numbers with every digit (``repr``), booleans as booleans,
      missing values and NaN as empty cells, +-inf as the text ``inf``/``-inf``. Characters
      XML cannot hold (U+0000-U+0008, U+000B, U+000C, U+000E-U+001F, U+FFFE, U+FFFF) and the
      carriage return (which XML would turn into a line feed) are written with Office's own
      ``_xHHHH_`` escape, which Excel decodes and :func:`read_table` reverses exactly.
      Raises E405/E406 (:func:`check_table`) before anything is written.
    - ``parquet``: pyarrow, the exact text (no neutralisation), dtypes kept.
    """
    path = Path(path)
    if fmt == "csv":
        out = _csv_frame(frame)
        # Python's csv module quotes a field holding "\n" but not one holding a lone "\r",
        # which readers then take for a line end: quote every text field when there is one.
        cr = any("\r" in str(name) for name in out.columns) or any(
            col.str.contains("\r", regex=False, na=False).any()
            for _name, col in out.items()
            if pd.api.types.is_object_dtype(col.dtype)
        )
        quoting = csv.QUOTE_NONNUMERIC if cr else csv.QUOTE_MINIMAL
        return atomic_write(
            path, lambda f: out.to_csv(f, index=False, lineterminator="\n", quoting=quoting)
        )
    if fmt == "xlsx":
        check_table(path, frame, fmt)
        sheet = _sheet_name(path.stem)
        return atomic_write_bytes(path, lambda handle: _write_xlsx(handle, frame, sheet))
    if fmt == "parquet":
        return atomic_write_bytes(path, lambda handle: _write_parquet(handle, frame))
    raise ValueError(f"unknown table format {fmt!r}; use one of {', '.join(FORMATS)}")


def _csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with its text cells and column names neutralised."""
    columns = {}
    for i, (_name, col) in enumerate(frame.items()):
        safe = _is_text(col)
        columns[i] = (
            pd.Series(_safe_texts(col), dtype=object) if safe else col.reset_index(drop=True)
        )
    out = pd.DataFrame(columns, index=pd.RangeIndex(len(frame)))
    out.columns = [neutralise(str(name)) for name in frame.columns]
    return out


def _sheet_name(stem: str) -> str:
    """An Excel sheet name: at most 31 characters, none of []:*?/\\."""
    return (re.sub(r"[\[\]:*?/\\]", "_", stem) or "table")[:31]


_XML_ESCAPE = re.compile(
    r"_(?=x[0-9A-Fa-f]{4}(?:_|[\x00-\x08\x0b-\x1f\ufffe\uffff]))|[\x00-\x08\x0b-\x1f\ufffe\uffff]"
)
_XML_UNESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _ooxml_escape(text: str) -> str:
    """Office's ST_Xstring escape: a character XML cannot hold (or a CR) as ``_xHHHH_``, and
    a literal ``_`` that would read as such an escape as ``_x005F_``."""
    return _XML_ESCAPE.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


def _ooxml_unescape(text: str) -> str:
    return _XML_UNESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def _xlsx_columns(frame: pd.DataFrame) -> list[list[tuple[str, str] | None]]:
    """Each column as a list of (data type, text as stored) or None for an empty cell."""
    columns = []
    for _name, column in frame.items():
        if _is_text(column):
            columns.append([None if not t else ("s", t) for t in _safe_texts(column)])
        else:
            columns.append([_xlsx_number(v) for v in column.tolist()])
    return columns


def _xlsx_number(value: Any) -> tuple[str, str] | None:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, bool):
        return ("b", "1" if value else "0")
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return ("s", neutralise(str(value)))
        return ("n", repr(value))
    if isinstance(value, int):
        return ("n", str(value))
    text = _cell_text(value)  # an odd numeric type: keep its text
    return None if text is None else ("s", neutralise(text))


def _write_xlsx(handle: IO[bytes], frame: pd.DataFrame, sheet: str) -> None:
    from openpyxl import Workbook
    from openpyxl.cell.cell import Cell

    book = Workbook(write_only=True)
    ws = book.create_sheet(title=sheet)

    def cell(kind: str, text: str) -> Cell:
        # Set the stored text and type directly: openpyxl's value setter would cut text at
        # 32,767 characters (counting our escapes), make "=..." a formula and "#N/A" an error,
        # and format floats with 16 digits only.
        c = Cell(ws, row=1, column=1)  # openpyxl sets the position when it writes the row
        c._value = _ooxml_escape(text) if kind == "s" else text
        c.data_type = kind
        return c

    ws.append([cell("s", neutralise(str(name))) for name in frame.columns])
    columns = _xlsx_columns(frame)
    for row in zip(*columns) if columns else ([] for _ in range(len(frame))):
        ws.append([None if v is None else cell(*v) for v in row])
    with tempfile.SpooledTemporaryFile(max_size=64 << 20) as raw:
        book.save(raw)
        raw.seek(0)
        _repack(raw, handle, book.properties)


def stamp() -> datetime:
    """SOURCE_DATE_EPOCH as a UTC time when set, else :data:`DEFAULT_STAMP`."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    return datetime.fromtimestamp(int(epoch), tz=timezone.utc) if epoch else DEFAULT_STAMP


def _repack(raw: IO[bytes], handle: IO[bytes], properties: Any) -> None:
    """Copy openpyxl's zip with fixed entry times and attributes, and a docProps/core.xml
    whose created/modified times are :func:`stamp` (openpyxl writes the clock into both)."""
    from openpyxl.xml.functions import tostring

    moment = stamp()
    naive = moment.astimezone(timezone.utc).replace(tzinfo=None)
    date_time = max(min(naive, datetime(2107, 12, 31, 23, 59, 58)), datetime(1980, 1, 1))
    properties.created = properties.modified = naive
    properties.creator = "qualcode"
    properties.lastModifiedBy = None
    with (
        zipfile.ZipFile(raw) as src,
        zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            out = zipfile.ZipInfo(info.filename, date_time=date_time.timetuple()[:6])
            out.compress_type = zipfile.ZIP_DEFLATED
            out.create_system = 3
            out.external_attr = 0o644 << 16
            if info.filename == "docProps/core.xml":
                dst.writestr(out, tostring(properties.to_tree()))
                continue
            big = info.file_size >= zipfile.ZIP64_LIMIT
            with src.open(info) as data, dst.open(out, "w", force_zip64=big) as target:
                shutil.copyfileobj(data, target, 1 << 20)


def _write_parquet(handle: IO[bytes], frame: pd.DataFrame) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = frame.reset_index(drop=True)
    out.columns = [str(name) for name in frame.columns]
    for i, (_name, column) in enumerate(out.items()):
        # An object column mixing types cannot be stored as one Arrow type: keep its text.
        if pd.api.types.is_object_dtype(column.dtype) and pd.api.types.infer_dtype(
            column, skipna=True
        ) not in ("string", "empty"):
            out.isetitem(i, pd.Series([_cell_text(v) for v in column], dtype=object))
    pq.write_table(pa.Table.from_pandas(out, preserve_index=False), handle)


# --- reading --------------------------------------------------------------------------


def read_table(path: Path, fmt: str) -> pd.DataFrame:
    """Read a table written by :func:`write_table`.

    CSV and XLSX come back as text columns ("" for empty cells) with :func:`restore` applied
    to every cell and column name; give them their dtypes back with :func:`with_dtypes`.
    Parquet comes back as stored.
    """
    path = Path(path)
    if fmt == "csv":
        frame = pd.read_csv(
            path, dtype=str, keep_default_na=False, skip_blank_lines=False, encoding="utf-8"
        )
        return _restored(frame)
    if fmt == "xlsx":
        return _read_xlsx(path)
    if fmt == "parquet":
        return pd.read_parquet(path)
    raise ValueError(f"unknown table format {fmt!r}; use one of {', '.join(FORMATS)}")


def _restored(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for i, (_name, column) in enumerate(frame.items()):
        if column.str.startswith("'").any():
            out.isetitem(i, column.map(restore).astype(column.dtype))
    out.columns = [restore(name) for name in frame.columns]
    return out


def _read_xlsx(path: Path) -> pd.DataFrame:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = [_xlsx_text(v) for v in next(rows, ())]
        body = [[_xlsx_text(v) for v in row] for row in rows]
    finally:
        book.close()
    width = max([len(header), *map(len, body)])
    header += [""] * (width - len(header))
    for row in body:  # a row's trailing empty cells are not stored
        row += [""] * (width - len(row))
    return pd.DataFrame(body, columns=header, dtype=str)


def _xlsx_text(value: object) -> str:
    """A cell as the text CSV would hold: restored text, ``repr`` of numbers, True/False."""
    if value is None:
        return ""
    if isinstance(value, str):
        return restore(_ooxml_unescape(value))
    return str(value)
