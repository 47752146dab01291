"""Read answers: a file (or a glob of partitions) as a stream of DataFrame chunks of text.

Every cell is text: an id "007" stays "007", "NA" stays "NA", numbers, dates and booleans
from typed formats become the text Excel would show, and missing cells become "" ("no
answer"). Text is NFC-normalised with `\\n` line endings before anything is coded, so every
offset in the outputs refers to that normalised text. What was read, how it was decoded and
every row not kept (with its line and the reason) are described by :class:`Source`, which
goes into the manifest.

`open_answers` streams (memory does not grow with the file); `read_answers` reads it whole.
"""

from __future__ import annotations

import glob
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from qualcode.errors import Location, QualcodeError, Warnings
from qualcode.io.decode import detect, sniff_binary, text_blocks
from qualcode.io.delimited import ONE_COLUMN, SNIFF_CHARS, DelimitedRows, sniff_delimiter
from qualcode.io.records import read_jsonl, read_parquet, read_stats_file
from qualcode.io.table import RawTable, apply_survey_layout, named
from qualcode.io.xlsx import read_xlsx

DELIMITED = {".csv", ".tsv", ".tab", ".txt"}
WORKBOOKS = {".xlsx", ".xlsm"}
STATS = {".sav", ".zsav", ".dta"}
JSONL = {".jsonl", ".ndjson"}
KNOWN = DELIMITED | WORKBOOKS | STATS | JSONL | {".parquet"}
SUPPORTED = ".csv, .tsv, .txt, .xlsx, .parquet, .jsonl, .sav, .zsav, .dta"
CHUNK_ROWS = 10_000


@dataclass
class Source:
    """What was read and how: recorded in the manifest so a run can be checked and repeated."""

    path: str
    sha256: str
    format: str
    rows: int = 0
    encoding: str | None = None
    encoding_method: str | None = None  # "given", "bom", "utf-8" or "guessed"
    delimiter: str | None = None
    sheet: str | None = None
    platform: str | None = None  # a detected survey export: "Qualtrics", "SurveyMonkey"
    header_rows: int = 1
    blank: int = 0
    skipped: list[dict[str, object]] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    files: list[dict[str, object]] = field(default_factory=list)  # when a glob of partitions
    notes: list[str] = field(default_factory=list)  # warnings for the user, not the manifest

    def describe(self) -> dict[str, object]:
        described: dict[str, object] = {
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
        if self.files:
            described["files"] = self.files
        return described


class AnswerStream:
    """Answers opened for reading: `columns` and `source` now, rows by `chunks()`.

    `source` is complete (rows, skipped and blank rows, notes) once `chunks()` is exhausted.
    """

    def __init__(self, paths: list[Path], pattern: str, first: RawTable, first_source: Source,
                 options: dict[str, object]) -> None:  # fmt: skip
        self._paths = paths
        self._first: RawTable | None = first
        self._options = options
        self.columns = list(first.header)
        self.labels = dict(first.labels)
        self.source = first_source
        if len(paths) > 1:
            self.source.path = pattern
            self.source.sha256 = _combined_sha(paths)

    def chunks(self, size: int = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
        """DataFrames of at most `size` rows, all text; E309 at the end when there were none."""
        source = self.source
        for i, path in enumerate(self._paths):
            if i == 0 and self._first is not None:
                table, part = self._first, source
                self._first = None
            else:
                table, part = _open_one(path, **self._options)  # type: ignore[arg-type]
                if table.header != self.columns:
                    raise QualcodeError(
                        "E314", Location(str(path)), path=path, first=self._paths[0],
                        columns=", ".join(table.header), expected=", ".join(self.columns),
                    )  # fmt: skip
            rows = 0
            for frame in table.chunks(size):
                rows += len(frame)
                yield frame
            source.rows += rows
            source.blank += table.tally.blank
            skipped = table.tally.skipped
            if len(self._paths) > 1:
                skipped = [{"file": str(path), **s} for s in skipped]
                source.files.append({"path": str(path), "sha256": part.sha256, "rows": rows})
            source.skipped.extend(skipped)
            if part is not source:
                source.notes.extend(n for n in part.notes if n not in source.notes)
        if source.rows == 0:
            raise QualcodeError("E309", Location(source.path), path=source.path)
        if source.skipped:
            lines = ", ".join(str(s["line"]) for s in source.skipped[:10])
            more = ", ..." if len(source.skipped) > 10 else ""
            source.notes.append(Warnings.W306.format(n=len(source.skipped), lines=lines + more))


def open_answers(
    path: str | Path,
    encoding: str | None = None,
    *,
    sheet: str | None = None,
    delimiter: str | None = None,
    skip_bad_rows: bool = False,
) -> AnswerStream:
    """Open an answers file, or a glob of partitions with the same columns (read in sorted
    order), for streaming. Detection (encoding, delimiter, survey layout) happens here.

    `encoding` and `delimiter` override detection; `sheet` picks an XLSX sheet by name (the
    first by default); `skip_bad_rows` skips rows with the wrong number of fields (listed in
    ``Source.skipped``) instead of stopping at the first.
    """
    pattern = str(path)
    paths = _expand(pattern)
    options: dict[str, object] = {"encoding": encoding, "sheet": sheet, "delimiter": delimiter,
               "skip_bad_rows": skip_bad_rows}  # fmt: skip
    table, source = _open_one(paths[0], **options)  # type: ignore[arg-type]
    return AnswerStream(paths, pattern, table, source, options)


def read_answers(
    path: str | Path,
    encoding: str | None = None,
    *,
    sheet: str | None = None,
    delimiter: str | None = None,
    skip_bad_rows: bool = False,
) -> tuple[pd.DataFrame, Source]:
    """Read an answers file whole; return the table (all text) and a description of it.
    The options are those of :func:`open_answers`."""
    stream = open_answers(
        path, encoding, sheet=sheet, delimiter=delimiter, skip_bad_rows=skip_bad_rows
    )
    frames = list(stream.chunks(CHUNK_ROWS * 10))
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return frame, stream.source


def _expand(pattern: str) -> list[Path]:
    path = Path(pattern)
    if path.is_file():
        return [path]
    if any(ch in pattern for ch in "*?["):
        matches = sorted(Path(p) for p in glob.glob(pattern) if Path(p).is_file())
        if matches:
            suffixes = {p.suffix.lower() for p in matches}
            if len(suffixes) > 1:
                raise QualcodeError(
                    "E306", Location(pattern), suffix=" and ".join(sorted(suffixes)),
                    path=pattern, supported="one format per glob; " + SUPPORTED,
                )  # fmt: skip
            return matches
    raise QualcodeError("E301", Location(pattern), path=pattern)


def _combined_sha(paths: list[Path]) -> str:
    """A hash of the partitions' hashes, in order (each file's own is in `files`)."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        with open(path, "rb") as handle:
            while block := handle.read(1 << 22):
                digest.update(block)
    return digest.hexdigest()


def _open_one(
    path: Path,
    encoding: str | None = None,
    sheet: str | None = None,
    delimiter: str | None = None,
    skip_bad_rows: bool = False,
) -> tuple[RawTable, Source]:
    suffix = path.suffix.lower()
    if suffix not in KNOWN:
        raise QualcodeError(
            "E306", Location(str(path)), suffix=suffix or "(none)", path=path, supported=SUPPORTED
        )
    if sheet is not None and suffix not in WORKBOOKS:
        raise QualcodeError(
            "E302", Location(str(path)), path=path, problem="--sheet applies to workbooks only",
            fix="Drop --sheet for a file that is not .xlsx.",
        )  # fmt: skip
    try:
        size = path.stat().st_size
        head = path.open("rb").read(4096) if size else b""
    except OSError as exc:
        raise QualcodeError(
            "E302", Location(str(path)), path=path, problem=exc.strerror or str(exc),
            fix="Check that the file is readable (permissions, or a cloud file not yet synced).",
        ) from None  # fmt: skip
    if size == 0 or (size <= 4096 and not head.strip()):
        raise QualcodeError("E303", Location(str(path)), path=path)
    source = Source(str(path), "", suffix.lstrip("."))
    if suffix in WORKBOOKS:
        table, source.sheet = read_xlsx(path, sheet)
        source.format = "xlsx"
    elif suffix == ".parquet":
        table = read_parquet(path)
    elif suffix in STATS:
        table = read_stats_file(path)
    else:
        expected = "JSON Lines" if suffix in JSONL else "delimited text"
        sniff_binary(head, path, expected)
        detected = detect(path, encoding, expected)
        source.sha256 = detected.sha256
        source.encoding, source.encoding_method = detected.encoding, detected.method
        if detected.method == "guessed":
            source.notes.append(Warnings.W305.format(path=path, encoding=detected.encoding))
        if suffix in JSONL:
            table = read_jsonl(path, detected.encoding)
            source.format = "jsonl"
        else:
            table = _open_delimited(path, detected.encoding, delimiter, skip_bad_rows, source)
    if not source.sha256:
        source.sha256 = _sha256(path)
    if source.format in ("csv", "xlsx"):
        apply_survey_layout(table)
    source.labels = table.labels
    source.platform = table.platform
    source.header_rows = table.header_rows
    if table.platform:
        source.notes.append(Warnings.W307.format(platform=table.platform, n=table.header_rows - 1))
    if table.renamed:
        source.notes.append(Warnings.W308.format(n=len(table.renamed),
                                                 renamed="; ".join(table.renamed[:5])))  # fmt: skip
    return table, source


def _open_delimited(
    path: Path, encoding: str, delimiter: str | None, skip_bad_rows: bool, source: Source
) -> RawTable:
    blocks = text_blocks(path, encoding)
    sample: list[str] = []
    for block in blocks:  # enough text to sniff the delimiter, then the rest of the stream
        sample.append(block)
        if sum(map(len, sample)) >= SNIFF_CHARS:
            break
    chosen = _delimiter_option(delimiter) or sniff_delimiter("".join(sample))
    source.delimiter = None if chosen == ONE_COLUMN else chosen
    source.format = "csv"
    rows = DelimitedRows(_chain(sample, blocks), chosen, path, skip_bad_rows)
    return named(rows.header, rows, rows)


def _chain(first: list[str], rest: Iterator[str]) -> Iterator[str]:
    yield from first
    yield from rest


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def _delimiter_option(delimiter: str | None) -> str | None:
    if delimiter is None:
        return None
    names = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
    value = names.get(delimiter.lower(), delimiter)
    if len(value) != 1:
        raise QualcodeError(
            "E302", None, path="--delimiter", problem=f"{delimiter!r} is not one character",
            fix="Give one character, or one of: tab, comma, semicolon, pipe.",
        )  # fmt: skip
    return value
