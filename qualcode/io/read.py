"""Read an answers file into a DataFrame of text, keeping every row and every column.

Cells are read as text (``dtype=str``, no NA guessing): an id "007" stays "007" and an answer
"NA" stays "NA". Empty cells become "" and count as "no answer".
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from qualcode.errors import Location, QualcodeError

READERS = {".csv": ",", ".tsv": "\t", ".tab": "\t", ".txt": "\t"}
SUPPORTED = ".csv, .tsv, .txt (tab-separated), .parquet, .jsonl"


@dataclass(frozen=True)
class Source:
    """What was read: recorded in the manifest."""

    path: str
    sha256: str
    encoding: str
    format: str
    rows: int

    def describe(self) -> dict[str, object]:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "encoding": self.encoding,
            "format": self.format,
            "rows": self.rows,
        }


def read_answers(path: str | Path, encoding: str | None = None) -> tuple[pd.DataFrame, Source]:
    """Read an answers file; return the table (all text) and a description of the source."""
    path = Path(path)
    if not path.is_file():
        raise QualcodeError("E301", Location(str(path)), path=path)
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    suffix = path.suffix.lower()
    if suffix in READERS:
        frame, used = _read_delimited(data, path, READERS[suffix], encoding)
        fmt = "csv" if READERS[suffix] == "," else "tsv"
    elif suffix == ".parquet":
        frame, used, fmt = _as_text(pd.read_parquet(io.BytesIO(data))), "binary", "parquet"
    elif suffix in (".jsonl", ".ndjson"):
        text, used = _decode(data, path, encoding)
        try:
            frame = _as_text(pd.read_json(io.StringIO(text), lines=True, dtype=False))
        except ValueError as exc:
            raise QualcodeError(
                "E302", Location(str(path)), path=path, problem=str(exc),
                fix="Each line must be one JSON object.",
            ) from None  # fmt: skip
        fmt = "jsonl"
    else:
        raise QualcodeError(
            "E306", Location(str(path)), suffix=suffix or "(none)", path=path, supported=SUPPORTED
        )
    if len(frame) == 0:
        raise QualcodeError("E303", Location(str(path)), path=path)
    return frame, Source(str(path), digest, used, fmt, len(frame))


def _decode(data: bytes, path: Path, encoding: str | None) -> tuple[str, str]:
    if not data.strip():
        raise QualcodeError("E303", Location(str(path)), path=path)
    enc = encoding or "utf-8-sig"
    try:
        return data.decode(enc), enc
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise QualcodeError(
            "E308", Location(str(path), line=line), encoding=enc, offset=exc.start
        ) from None
    except LookupError:
        raise QualcodeError(
            "E302", Location(str(path)), path=path, problem=f"unknown encoding '{enc}'",
            fix="Name a Python codec such as utf-8, cp1252, latin-1 or utf-16.",
        ) from None  # fmt: skip


def _read_delimited(
    data: bytes, path: Path, sep: str, encoding: str | None
) -> tuple[pd.DataFrame, str]:
    text, used = _decode(data, path, encoding)
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_filter=False
        )
    except pd.errors.EmptyDataError:
        raise QualcodeError("E303", Location(str(path)), path=path) from None
    except pd.errors.ParserError as exc:
        raise QualcodeError(
            "E302", Location(str(path)), path=path, problem=" ".join(str(exc).split()),
            fix="Every line needs the same number of fields; quote answers that contain "
            "the delimiter or line breaks.",
        ) from None  # fmt: skip
    return frame, used


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Cells to text; missing values to "" (no answer), so nothing downstream sees NaN."""
    return frame.astype(object).where(frame.notna(), "").astype(str)
