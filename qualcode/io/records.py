"""Record formats that carry types: JSON Lines, Parquet and (optionally) SPSS/Stata files."""

from __future__ import annotations

import io
import json
from pathlib import Path

from qualcode.errors import Location, QualcodeError
from qualcode.io.cells import cell_text, normalise_text
from qualcode.io.table import RawTable, unique_header


def read_jsonl(text: str, path: Path) -> RawTable:
    """One JSON object per line; columns in order of first appearance; blank lines skipped."""
    records: list[dict[str, object]] = []
    positions: list[int] = []
    blank = 0
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the newline that ends the last record
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            blank += 1
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise QualcodeError(
                "E302", Location(str(path), line=number, column=exc.colno), path=path,
                problem=f"invalid JSON ({exc.msg})",
                fix="Each line must be one JSON object, e.g. {\"id\": 1, \"answer\": \"...\"}.",
            ) from None  # fmt: skip
        if not isinstance(record, dict):
            raise QualcodeError(
                "E302", Location(str(path), line=number), path=path,
                problem=f"a JSON {type(record).__name__}, not an object",
                fix="Each line must be one JSON object, e.g. {\"id\": 1, \"answer\": \"...\"}.",
            )  # fmt: skip
        records.append(record)
        positions.append(number)
    if not records:
        raise QualcodeError("E303", Location(str(path)), path=path)
    keys: dict[str, None] = {}
    for record in records:
        keys.update(dict.fromkeys(record))
    header = list(keys)
    rows = [[cell_text(record.get(key)) for key in header] for record in records]
    names, renamed = unique_header([normalise_text(k) for k in header])
    return RawTable(names, rows, positions, blank=blank, renamed=renamed)


def read_parquet(data: bytes, path: Path) -> RawTable:
    """Every column as text; string columns fast, other types through `cell_text`."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(io.BytesIO(data))
    except (pa.ArrowInvalid, OSError) as exc:
        raise QualcodeError(
            "E311", Location(str(path)), path=path, expected="Parquet",
            kind=f"not a readable Parquet file ({exc})", fix="Write it again with pandas or "
            "pyarrow, or export CSV.",
        ) from None  # fmt: skip
    columns = []
    for column in table.columns:
        values = column.to_pylist()
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            columns.append(["" if v is None else normalise_text(v) for v in values])
        else:
            columns.append([cell_text(v) for v in values])
    rows = [list(r) for r in zip(*columns)]
    names, renamed = unique_header([normalise_text(str(n)) for n in table.column_names])
    return RawTable(names, rows, list(range(1, len(rows) + 1)), renamed=renamed)


def read_stats_file(path: Path) -> RawTable:
    """SPSS (.sav, .zsav) or Stata (.dta) through pyreadstat: value labels become text and
    variable labels become question labels."""
    try:
        import pyreadstat
    except ImportError:
        raise QualcodeError(
            "E312", Location(str(path)), what=f"{path.suffix} files", package="pyreadstat",
            extra="spss",
        ) from None  # fmt: skip
    reader = pyreadstat.read_dta if path.suffix.lower() == ".dta" else pyreadstat.read_sav
    try:
        frame, meta = reader(str(path), apply_value_formats=True)
    except pyreadstat.ReadstatError as exc:
        raise QualcodeError(
            "E311", Location(str(path)), path=path, expected=path.suffix,
            kind=f"not a readable {path.suffix} file ({exc})",
            fix="Save it again from SPSS or Stata, or export CSV.",
        ) from None  # fmt: skip
    columns = [[cell_text(v) for v in frame[c].tolist()] for c in frame.columns]
    rows = [list(r) for r in zip(*columns)]
    names, renamed = unique_header([str(c) for c in frame.columns])
    labels = {
        name: normalise_text(label) for name, label in zip(names, meta.column_labels or []) if label
    }
    return RawTable(names, rows, list(range(1, len(rows) + 1)), labels=labels, renamed=renamed)
