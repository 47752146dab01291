"""Output tables as CSV, Excel (.xlsx) or Parquet: safe to open, atomic, reproducible.

Spreadsheet safety (OWASP "CSV injection"): survey answers are written by strangers, and a
cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return may be run as a
formula by Excel or LibreOffice (``=HYPERLINK(...)``, ``@SUM(...)``, DDE payloads). In CSV and
XLSX such text gets a leading ``'`` (:func:`neutralise`), so it is shown as text and never
evaluated; :func:`read_table` takes it off again (:func:`restore`), exactly. Plain signed
numbers (``-5``, ``+3.2``, ``-1,000``, ``-1e-3``; see :data:`NUMBER`) are left alone: they are
attribute values, not formulas. Parquet is not opened by spreadsheets and keeps the exact text.

Every file is written to a temporary file in the same folder and moved into place
(:mod:`qualcode.io.write`), and the same rows always give the same bytes, however they were
split into the chunks of a streamed write (:class:`TableWriter`, which :func:`write_table`
and ``Coding.save`` use too): XLSX entries are stamped with ``SOURCE_DATE_EPOCH`` when set,
else with 1980-01-01 00:00:00 UTC (the earliest time a zip file can hold), never with the
clock; Parquet row groups have a fixed size (:data:`ROW_GROUP_ROWS`).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import shutil
import tempfile
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any, Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from qualcode.errors import Location, QualcodeError
from qualcode.io.formula import NUMBER as NUMBER
from qualcode.io.formula import TRIGGERS as TRIGGERS
from qualcode.io.formula import neutralise as neutralise
from qualcode.io.formula import restore as restore
from qualcode.io.write import AtomicFile, stable_zip_entry

FORMATS = ("csv", "xlsx", "parquet")

#: Excel's limits: characters in a cell (counted in UTF-16 units, as Excel does) and rows
#: below the header row in a sheet.
XLSX_MAX_CELL = 32_767
XLSX_MAX_ROWS = 1_048_575

#: The time stamped into XLSX files when SOURCE_DATE_EPOCH is not set.
DEFAULT_STAMP = datetime(1980, 1, 1, tzinfo=timezone.utc)

_ALERT = TRIGGERS | {"'"}  # first characters that neutralise/restore may have to look at


# The rule of _needs_quote for RE2 (Arrow): past any leading "'", a trigger first, and not a
# plain number. RE2's "$" is the end of the text, as Python's fullmatch needs.
_TRIGGER_RE2 = r"^'*[=+\-@\t\r\n]"  # TRIGGERS
_NUMBER_RE2 = "^'*(?:" + NUMBER.pattern + ")$"


def neutralise_array(values: pa.Array) -> pa.Array:
    """:func:`neutralise` of every cell of an Arrow string array at once (nulls stay null)."""
    alert = pc.fill_null(pc.match_substring_regex(values, _TRIGGER_RE2), False)
    if not pc.any(alert).as_py():
        return values
    number = pc.fill_null(pc.match_substring_regex(values, _NUMBER_RE2), False)
    needs = pc.and_(alert, pc.invert(number))
    if not pc.any(needs).as_py():
        return values
    quote = pa.scalar("'", type=values.type)
    prefixed = pc.binary_join_element_wise(quote, values.filter(needs), pa.scalar("", values.type))
    return pc.replace_with_mask(values, needs, prefixed)


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


def text_array(column: pd.Series) -> pa.Array:
    """A text column's cells as an Arrow large-string array, null for missing: the same as
    :func:`_cell_text` of every cell, without a Python call per cell for string columns."""
    dtype = column.dtype
    strings = isinstance(dtype, pd.StringDtype) or (
        isinstance(dtype, pd.ArrowDtype)
        and (
            pa.types.is_string(dtype.pyarrow_dtype) or pa.types.is_large_string(dtype.pyarrow_dtype)
        )
    )
    if strings or (
        pd.api.types.is_object_dtype(dtype)
        and pd.api.types.infer_dtype(column, skipna=True) in ("string", "empty")
    ):
        values = pa.array(column, type=pa.large_string(), from_pandas=True)
    else:
        values = pa.array([_cell_text(v) for v in column.tolist()], type=pa.large_string())
    return _as_array(values)


def _as_array(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks()
    return values


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


def check_table(path: Path, frame: pd.DataFrame, fmt: str, *, name: str | None = None) -> None:
    """Raise E406/E405 when `frame` does not fit an Excel sheet (only for ``fmt="xlsx"``).

    Cells are measured as written, i.e. after :func:`neutralise`. The row in E405 is the
    1-based data row (the sheet row minus the header). `name` is the table named in the
    message (default: the file's stem).
    """
    if fmt != "xlsx":
        return
    table = Path(path).stem if name is None else name
    if len(frame) > XLSX_MAX_ROWS:
        raise QualcodeError("E406", Location(str(path)), table=table, n=len(frame))
    texts = {i: _safe_texts(col) for i, (_name, col) in enumerate(frame.items()) if _is_text(col)}
    _check_lengths(path, table, list(frame.columns), texts, offset=0)


def _check_lengths(
    path: Path, table: str, names: list[Any], texts: dict[int, list[str | None]], offset: int
) -> None:
    """Raise E405 for the first cell (in row order, then column order) of `texts` (column
    position -> neutralised cells) that is too long for Excel; `offset` rows came before."""
    too_long = []  # (row, column position, length): the first in each column
    for position, cells in texts.items():
        lengths = (
            (row, _excel_length(text))
            for row, text in enumerate(cells)
            if text is not None and len(text) > XLSX_MAX_CELL // 2
        )
        first = next(((row, n) for row, n in lengths if n > XLSX_MAX_CELL), None)
        if first is not None:
            too_long.append((first[0], position, first[1]))
    if too_long:
        row, position, n = min(too_long)
        row += offset + 1
        raise QualcodeError(
            "E405", Location(str(path), row=row),
            table=table, row=row, column=str(names[position]), n=n,
        )  # fmt: skip


# --- writing --------------------------------------------------------------------------

#: Rows per Parquet row group. The writer buffers rows and always cuts row groups of exactly
#: this many rows (the last may be shorter), so the file does not depend on how the rows
#: were handed to :meth:`TableWriter.write`.
ROW_GROUP_ROWS = 65_536

#: Rows of CSV rendered at a time (bounds memory; has no effect on the bytes written).
CSV_BLOCK_ROWS = 65_536


def write_table(path: Path, frame: pd.DataFrame, fmt: str) -> Path:
    """Write `frame` (without its index) to `path` as `fmt`, atomically; return `path`.

    The same as one :meth:`TableWriter.write` of the whole frame (see :class:`TableWriter`
    for the formats), except that for xlsx Excel's limits are checked first
    (:func:`check_table`), so E405/E406 leave no temporary file behind at all.
    """
    path = Path(path)
    if fmt not in FORMATS:
        raise ValueError(f"unknown table format {fmt!r}; use one of {', '.join(FORMATS)}")
    check_table(path, frame, fmt)
    with TableWriter(path, fmt) as writer:
        writer.write(frame)
    return writer.close()


class TableWriter:
    """Write one table in chunks: `write(frame)` any number of times (same columns and dtypes
    each time), then `close()`; or use as a context manager (an exception removes the temp
    file and leaves any previous file intact).

    The bytes of the file depend only on the rows, never on how they were split into
    `write` calls, and :func:`write_table` (and so ``Coding.save``) is one such call:

    - ``csv``: UTF-8 without BOM, ``\\n`` line endings, a header row; text cells and column
      names neutralised (:func:`neutralise`); a field is quoted (``"``, doubled inside) when
      it holds a comma, a double quote, a line feed or a carriage return, and a row's only
      field when it is empty; everything else is written bare. This is
      ``csv.writer(lineterminator="\\n")``'s ``QUOTE_MINIMAL``, plus quoting of a carriage
      return, which many readers would otherwise take for a line end. Numbers are written as
      ``DataFrame.to_csv`` writes them (shortest round-trip ``repr`` of floats, ``True``/
      ``False``, missing values and NaN empty).
    - ``xlsx``: one sheet named `name` (default: the file's stem, ``coded.xlsx`` -> sheet
      ``coded``), streamed with openpyxl's write-only mode (inline strings); text cells and
      column names neutralised and always stored as strings (never formulas or error
      values), numbers as numbers with every digit (``repr``), booleans as booleans, missing
      values and NaN as empty cells, +-inf as the text ``inf``/``-inf``. Characters XML
      cannot hold (U+0000-U+0008, U+000B, U+000C, U+000E-U+001F, U+FFFE, U+FFFF) and the
      carriage return (which XML would turn into a line feed) are written with Office's own
      ``_xHHHH_`` escape, which Excel decodes and :func:`read_table` reverses exactly.
      `write` raises E406 when the rows written would pass :data:`XLSX_MAX_ROWS` (``n`` in
      the message is the rows so far) and E405 for the first cell that is too long (its row
      counted over the whole table), before any row of that chunk is written.
    - ``parquet``: pyarrow, the exact text (no neutralisation), dtypes kept; row groups of
      exactly :data:`ROW_GROUP_ROWS` rows. Object columns are always stored as strings
      (cells that are not strings as their text), whatever the chunk holds.

    The temporary file (beside `path`) is created by the first `write`; `close` moves it into
    place and returns `path`. Any exception in `write` or `close` aborts the writer (the
    temporary file is removed, `path` is left as it was) and is raised again; `abort()` does
    the same on demand. `close()` without any `write` writes a table with no columns.

    Every chunk must have the columns of the first, and every chunk with rows the dtypes of
    the first chunk with rows (empty chunks are only checked for their columns, so a caller
    may hand over an empty frame whose dtypes could not be known); otherwise ValueError.

    Attributes: `rows` (rows written so far) and `dtypes` (:func:`column_dtypes` of the
    table, from the first chunk with rows, for the manifest).
    """

    def __init__(self, path: Path, fmt: str, *, name: str | None = None) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown table format {fmt!r}; use one of {', '.join(FORMATS)}")
        self.path = Path(path)
        self.fmt = fmt
        self.name = self.path.stem if name is None else name
        self.rows = 0
        self.dtypes: dict[str, str] = {}
        self._columns: list[Any] | None = None
        self._types: list[Any] | None = None  # dtypes of the first chunk (with rows, once seen)
        self._typed = False  # whether _types come from a chunk with rows
        self._file: AtomicFile | None = None
        self._sink: _Sink | None = None
        self._state = "open"  # then "closed" or "aborted"

    @property
    def closed(self) -> bool:
        """True once `close()` has moved the file into place."""
        return self._state == "closed"

    def write(self, frame: pd.DataFrame) -> None:
        """Append the rows of `frame` (its index is ignored)."""
        if self._state != "open":
            raise ValueError(f"{self.path}: the table writer is {self._state}")
        try:
            self._accept(frame)
            if self._sink is None:
                self._file = AtomicFile(self.path)
                self._sink = _SINKS[self.fmt](self._file.handle, self.path, self.name, frame)
            self._sink.write(frame, self.rows)
            self.rows += len(frame)
        except BaseException:
            self.abort()
            raise

    def close(self) -> Path:
        """Finish the file and move it atomically to `path`; return `path`."""
        if self._state == "closed":
            return self.path
        if self._state != "open":
            raise ValueError(f"{self.path}: the table writer is {self._state}")
        if self._sink is None:
            self.write(pd.DataFrame())
        assert self._sink is not None and self._file is not None
        try:
            self._sink.finish()
            self._file.commit()
        except BaseException:
            self.abort()
            raise
        self._state = "closed"
        return self.path

    def abort(self) -> None:
        """Remove the temporary file; `path` is left as it was. Nothing happens after
        `close()`, and a second `abort()` does nothing."""
        if self._state != "open":
            return
        self._state = "aborted"
        try:
            if self._sink is not None:
                with contextlib.suppress(Exception):
                    self._sink.discard()
        finally:
            if self._file is not None:
                self._file.discard()

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        if kind is not None:
            self.abort()
        elif self._state == "open":
            self.close()

    def _accept(self, frame: pd.DataFrame) -> None:
        """Check `frame`'s columns and dtypes against the first chunk's; note its dtypes."""
        columns = list(frame.columns)
        if self._columns is None:
            self._columns = columns
        elif columns != self._columns:
            raise ValueError(
                f"{self.path}: a chunk has columns {columns}, the first had {self._columns}"
            )
        types = list(frame.dtypes)
        if self._typed:
            if len(frame) and types != self._types:
                raise ValueError(
                    f"{self.path}: a chunk has dtypes {types}, the first had {self._types}"
                )
        elif len(frame) or self._types is None:
            self._types = types
            self._typed = len(frame) > 0
            self.dtypes = column_dtypes(frame)


class _Sink(Protocol):
    """One format's streaming writer, on the temporary file's binary handle. Made by the
    first chunk (which it may use for the header), then fed every chunk, `offset` being the
    rows written before it."""

    def __init__(self, handle: IO[bytes], path: Path, name: str, first: pd.DataFrame) -> None: ...

    def write(self, frame: pd.DataFrame, offset: int) -> None: ...

    def finish(self) -> None: ...

    def discard(self) -> None: ...


# --- csv


class _CsvSink:
    def __init__(self, handle: IO[bytes], path: Path, name: str, first: pd.DataFrame) -> None:
        self.handle = handle
        fields = [_csv_field(neutralise(str(column))) for column in first.columns]
        header = '""' if fields == [""] else ",".join(fields)
        handle.write(f"{header}\n".encode())

    def write(self, frame: pd.DataFrame, offset: int) -> None:
        for start in range(0, len(frame), CSV_BLOCK_ROWS):
            _write_strings(self.handle, _csv_lines(frame.iloc[start : start + CSV_BLOCK_ROWS]))

    def finish(self) -> None:
        pass

    def discard(self) -> None:
        pass


_CSV_SPECIAL = ',"\r\n'


def _csv_field(text: str) -> str:
    """One CSV field as written (the reference for :func:`_csv_quote`)."""
    if any(c in text for c in _CSV_SPECIAL):
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv_lines(frame: pd.DataFrame) -> pa.Array:
    """The CSV rows of `frame` (no header), each ending in ``\\n``, as an Arrow large-string
    array: the rendering :class:`TableWriter` streams, row by row independent of the rest."""
    fields = [_csv_column(column) for _name, column in frame.items()]
    if not fields:
        return pa.array(["\n"] * len(frame), type=pa.large_string())
    if len(fields) == 1:  # an empty row would read as a blank line: csv writes ""
        fields[0] = pc.if_else(pc.equal(fields[0], ""), _ls('""'), fields[0])
    fields[-1] = pc.binary_join_element_wise(fields[-1], _ls(""), _ls("\n"))
    if len(fields) == 1:
        return fields[0]
    return pc.binary_join_element_wise(*fields, _ls(","))


def _ls(text: str) -> pa.Scalar:
    return pa.scalar(text, type=pa.large_string())


def _write_strings(handle: IO[bytes], lines: pa.Array) -> None:
    """Write the concatenated bytes of a large-string array (no nulls) without copying."""
    if len(lines) == 0:
        return
    _validity, offsets, data = lines.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int64)
    start, end = int(bounds[lines.offset]), int(bounds[lines.offset + len(lines)])
    if end > start:
        handle.write(memoryview(data)[start:end])


def _csv_column(column: pd.Series) -> pa.Array:
    """A column's CSV fields, as written (quoted where needed, "" for missing)."""
    if _is_text(column):
        return _csv_quote(neutralise_array(text_array(column)))
    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype):
        values = _as_array(pa.array(column, from_pandas=True))
        texts = pc.if_else(values, _ls("True"), _ls("False"))
    elif pd.api.types.is_integer_dtype(dtype):
        texts = _as_array(pa.array(column, from_pandas=True)).cast(pa.large_string())
    elif pd.api.types.is_float_dtype(dtype):
        kind = np.dtype(getattr(dtype, "numpy_dtype", dtype))
        missing = column.isna().to_numpy(dtype=bool)
        values = column.to_numpy(dtype=kind, na_value=np.nan).astype(str)  # as to_csv does
        texts = pa.array(values, type=pa.large_string(), mask=missing)
    else:  # an odd numeric type (complex, ...): its text, as to_csv writes it
        return _csv_quote(text_array(column))
    return pc.fill_null(texts, _ls(""))


def _csv_quote(values: pa.Array) -> pa.Array:
    """Vectorised :func:`_csv_field` of every cell, with missing cells as ""."""
    values = pc.fill_null(values, _ls(""))
    special = pc.match_substring_regex(values, '[,"\r\n]')
    if not pc.any(special).as_py():
        return values
    quoted = pc.binary_join_element_wise(
        _ls('"'), pc.replace_substring(values.filter(special), '"', '""'), _ls('"'), _ls("")
    )
    return pc.replace_with_mask(values, special, quoted)


# --- xlsx


class _XlsxSink:
    def __init__(self, handle: IO[bytes], path: Path, name: str, first: pd.DataFrame) -> None:
        from openpyxl import Workbook

        self.handle, self.path, self.name = handle, path, name
        self.book = Workbook(write_only=True)
        self.sheet = self.book.create_sheet(title=_sheet_name(name))
        self.sheet.append([self._cell("s", neutralise(str(column))) for column in first.columns])

    def _cell(self, kind: str, text: str) -> Any:
        from openpyxl.cell.cell import Cell

        # Set the stored text and type directly: openpyxl's value setter would cut text at
        # 32,767 characters (counting our escapes), make "=..." a formula and "#N/A" an error,
        # and format floats with 16 digits only.
        cell = Cell(self.sheet, row=1, column=1)  # openpyxl sets the position when it writes
        cell._value = _ooxml_escape(text) if kind == "s" else text
        cell.data_type = kind
        return cell

    def write(self, frame: pd.DataFrame, offset: int) -> None:
        rows = offset + len(frame)
        if rows > XLSX_MAX_ROWS:
            raise QualcodeError("E406", Location(str(self.path)), table=self.name, n=rows)
        texts = {
            i: _safe_texts(col) for i, (_name, col) in enumerate(frame.items()) if _is_text(col)
        }
        _check_lengths(self.path, self.name, list(frame.columns), texts, offset)
        columns = [
            [None if not t else ("s", t) for t in texts[i]]
            if i in texts
            else [_xlsx_number(v) for v in column.tolist()]
            for i, (_name, column) in enumerate(frame.items())
        ]
        cell = self._cell
        for row in zip(*columns) if columns else ([] for _ in range(len(frame))):
            self.sheet.append([None if v is None else cell(*v) for v in row])

    def finish(self) -> None:
        with tempfile.SpooledTemporaryFile(max_size=64 << 20) as raw:
            self.book.save(raw)
            raw.seek(0)
            _repack(raw, self.handle, self.book.properties)

    def discard(self) -> None:
        """Close the sheet and remove openpyxl's own temporary file of its rows."""
        try:
            if not self.sheet.closed:
                self.sheet.close()
        finally:
            writer = getattr(self.sheet, "_writer", None)
            if writer is not None and os.path.exists(writer.out):
                writer.cleanup()


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
    properties.created = properties.modified = naive
    properties.creator = "qualcode"
    properties.lastModifiedBy = None
    with (
        zipfile.ZipFile(raw) as src,
        zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            out = stable_zip_entry(info.filename, naive)
            if info.filename == "docProps/core.xml":
                dst.writestr(out, tostring(properties.to_tree()))
                continue
            big = info.file_size >= zipfile.ZIP64_LIMIT
            with src.open(info) as data, dst.open(out, "w", force_zip64=big) as target:
                shutil.copyfileobj(data, target, 1 << 20)


# --- parquet


class _ParquetSink:
    def __init__(self, handle: IO[bytes], path: Path, name: str, first: pd.DataFrame) -> None:
        self.handle = handle
        self.first = first.iloc[:0]  # the schema when no chunk has rows
        self.schema: pa.Schema | None = None
        self.writer: Any = None
        self.buffer: list[pa.Table] = []
        self.buffered = 0

    def write(self, frame: pd.DataFrame, offset: int) -> None:
        if not len(frame):
            return
        table = self._table(frame)
        self.buffer.append(table)
        self.buffered += len(table)
        if len(self.buffer) >= 256:  # many small chunks: one table costs less memory
            self.buffer = [pa.concat_tables(self.buffer).combine_chunks()]
        while self.buffered >= ROW_GROUP_ROWS:
            self._flush(ROW_GROUP_ROWS)

    def _table(self, frame: pd.DataFrame) -> pa.Table:
        import pyarrow.parquet as pq

        out = _parquet_frame(frame)
        table = pa.Table.from_pandas(out, preserve_index=False)
        if self.schema is None:
            self.schema = _fixed_schema(table.schema, out)
            self.writer = pq.ParquetWriter(self.handle, self.schema)
        columns = [column.cast(f.type) for column, f in zip(table.columns, self.schema)]
        return pa.Table.from_arrays(columns, schema=self.schema)

    def _flush(self, n: int) -> None:
        """Write the first `n` buffered rows as one row group, from contiguous arrays."""
        table = pa.concat_tables(self.buffer)
        self.writer.write_table(table.slice(0, n).combine_chunks(), row_group_size=n)
        rest = table.slice(n)
        self.buffer = [rest] if len(rest) else []
        self.buffered -= n

    def finish(self) -> None:
        if self.writer is None:
            self._table(self.first)
        if self.buffered:
            self._flush(self.buffered)
        self.writer.close()

    def discard(self) -> None:
        if self.writer is not None:
            self.writer.close()


def _parquet_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` without its index, with str column names, and object columns that mix types
    as their text (one Arrow type must hold a column)."""
    out = frame.reset_index(drop=True)
    out.columns = [str(name) for name in frame.columns]
    for i, (_name, column) in enumerate(out.items()):
        if pd.api.types.is_object_dtype(column.dtype) and pd.api.types.infer_dtype(
            column, skipna=True
        ) not in ("string", "empty"):
            out.isetitem(i, pd.Series([_cell_text(v) for v in column], dtype=object))
    return out


def _fixed_schema(schema: pa.Schema, frame: pd.DataFrame) -> pa.Schema:
    """`schema` with object columns as strings, whatever the chunk it came from held (all
    missing, in particular), so that it depends on the dtypes only."""
    objects = {str(n) for n, col in frame.items() if pd.api.types.is_object_dtype(col.dtype)}
    fields = [f.with_type(pa.string()) if f.name in objects else f for f in schema]
    metadata = dict(schema.metadata or {})
    if b"pandas" in metadata:
        pandas_meta = json.loads(metadata[b"pandas"])
        for entry in pandas_meta.get("columns", []):
            if entry.get("field_name") in objects:
                entry["pandas_type"] = "unicode"
                entry["metadata"] = None
        metadata[b"pandas"] = json.dumps(pandas_meta).encode()
    return pa.schema(fields, metadata=metadata)


_SINKS: dict[str, type[_Sink]] = {"csv": _CsvSink, "xlsx": _XlsxSink, "parquet": _ParquetSink}


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
