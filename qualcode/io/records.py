"""Record formats that carry types: JSON Lines, Parquet and (optionally) SPSS/Stata files.
Each is streamed: rows are produced batch by batch."""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Iterator
from pathlib import Path

from qualcode.errors import Location, QualcodeError
from qualcode.io.cells import cell_text, normalise_text
from qualcode.io.decode import text_blocks
from qualcode.io.table import RawTable, RowTally, named

BATCH = 10_000


def read_jsonl(path: Path, encoding: str) -> RawTable:
    """One JSON object per line; columns in order of first appearance; blank lines skipped.

    Two passes: the first finds every key (a key first seen on the last line is a column of
    every row), the second yields the rows.
    """
    keys: dict[str, None] = {}
    any_record = False
    for _number, record in _objects(path, encoding, RowTally()):
        keys.update(dict.fromkeys(record))
        any_record = True
    if not any_record:
        raise QualcodeError("E303", Location(str(path)), path=path)
    header = list(keys)
    tally = RowTally()
    rows = (
        [cell_text(record.get(key)) for key in header]
        for _number, record in _objects(path, encoding, tally)
    )
    return named([normalise_text(k) for k in header], rows, tally)


def _objects(path: Path, encoding: str, tally: RowTally) -> Iterator[tuple[int, dict]]:  # type: ignore[type-arg]
    lines = itertools.chain.from_iterable(
        io.StringIO(b, newline="") for b in text_blocks(path, encoding)
    )
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            tally.blank += 1
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
        yield number, record


def read_parquet(path: Path) -> RawTable:
    """Every column as text, batch by batch; string columns fast, others via `cell_text`."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise QualcodeError(
            "E311", Location(str(path)), path=path, expected="Parquet",
            kind=f"not a readable Parquet file ({exc})", fix="Write it again with pandas or "
            "pyarrow, or export CSV.",
        ) from None  # fmt: skip
    header = [normalise_text(str(n)) for n in parquet.schema_arrow.names]

    def rows() -> Iterator[list[str]]:
        for batch in parquet.iter_batches(batch_size=BATCH):
            columns = []
            for column in batch.columns:
                values = column.to_pylist()
                if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
                    columns.append(["" if v is None else normalise_text(v) for v in values])
                else:
                    columns.append([cell_text(v) for v in values])
            yield from (list(r) for r in zip(*columns))

    return named(header, rows(), RowTally())


def read_stats_file(path: Path) -> RawTable:
    """SPSS (.sav, .zsav) or Stata (.dta) through pyreadstat, in chunks: value labels become
    text and variable labels become question labels."""
    try:
        import pyreadstat
    except ImportError:
        raise QualcodeError(
            "E312", Location(str(path)), what=f"reading {path.suffix} files", package="pyreadstat",
            extra="spss",
        ) from None  # fmt: skip
    reader = pyreadstat.read_dta if path.suffix.lower() == ".dta" else pyreadstat.read_sav
    try:
        _empty, meta = reader(str(path), metadataonly=True)
    except pyreadstat.ReadstatError as exc:
        raise QualcodeError(
            "E311", Location(str(path)), path=path, expected=path.suffix,
            kind=f"not a readable {path.suffix} file ({exc})",
            fix="Save it again from SPSS or Stata, or export CSV.",
        ) from None  # fmt: skip

    def rows() -> Iterator[list[str]]:
        chunks = pyreadstat.read_file_in_chunks(
            reader, str(path), chunksize=BATCH, apply_value_formats=True
        )
        for frame, _meta in chunks:
            columns = [[cell_text(v) for v in frame[c].tolist()] for c in frame.columns]
            yield from (list(r) for r in zip(*columns))

    table = named([str(c) for c in meta.column_names], rows(), RowTally())
    table.labels = {
        name: normalise_text(label)
        for name, label in zip(table.header, meta.column_labels or [])
        if label
    }
    return table
