"""The result of coding: segments, the respondent x code matrix, a summary and a manifest.

Saved as a folder (``coded.csv``, ``segments.csv``, ``summary.csv``, ``manifest.json``; or the
same tables as ``.xlsx`` or ``.parquet``) that every later verb reads, so `apply` runs once and
everything downstream is reproducible.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from qualcode.codebook.model import Codebook, NegationMode, segments_count
from qualcode.errors import Location, QualcodeError
from qualcode.io.tables import (
    FORMATS,
    TableWriter,
    check_table,
    read_table,
    with_dtypes,
)
from qualcode.io.write import write_json

MANIFEST = "manifest.json"
#: Every output folder has the core tables; a table `Coding.tables` may add (in `extra`) is
#: listed in TABLES too, so that `check_output_dir` protects the input file from it.
CORE_TABLES = ("coded", "segments", "summary")
TABLES = (*CORE_TABLES, "by_question", "summary_by_question")  # the last two: --per-question
FILES = (*(f"{table}.{fmt}" for table in TABLES for fmt in FORMATS), MANIFEST)
SEGMENT_COLUMNS = [
    "row", "id", "question", "code", "code_path", "start", "end",
    "match", "quote", "negated", "rule",
]  # fmt: skip


@dataclass
class Coding:
    """Coded answers: what :func:`qualcode.code` returns and :func:`load_coding` reads back.

    - `data`: the input table (every row, answers as text);
    - `matrix`: one 0/1 int8 column per code id, sharing the index of `data` (a parent is 1
      when any descendant is);
    - `segments`: one row per hit (``row, id, question, code, code_path, start, end, match,
      quote, negated, rule``; offsets are code points into the answer);
    - `summary_table`: per code n, N, %, Wilson CI, segments (``summary.csv``); see
      :meth:`summary` for the same with groups;
    - `manifest`: versions, codebook and input hashes, options, counts (``manifest.json``).
    """

    data: pd.DataFrame
    segments: pd.DataFrame
    matrix: pd.DataFrame
    summary_table: pd.DataFrame
    manifest: dict[str, Any] = field(default_factory=dict)
    #: Further tables (name -> frame), saved and loaded with the three above.
    extra: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: The codebook it was coded with, when known (set by `code`; `load_coding` leaves it
    #: None and :meth:`load_codebook` finds it from the manifest).
    codebook: Codebook | None = field(default=None, repr=False, compare=False)

    def summary(self, by: str | None = None) -> pd.DataFrame:
        """Prevalence per code, in codebook order.

        Without `by`: a copy of the summary table (``summary.csv``: code, label, path, depth,
        coded, answered, percent, ci95_low, ci95_high, segments, negated_segments, negation).
        With `by` (an input column): per group of that column n, N, % and Wilson CI, and a
        test of independence per code (chi-square, or Fisher's exact test when expected
        counts are small) with Holm-adjusted p-values and Cramér's V, as `qualcode summary
        --by`; ``frame.attrs["notes"]`` says who was left out and which tests were used.
        """
        if by is None:
            return self.summary_table.copy()
        from qualcode.analysis.crosstab import prevalence_by

        frame, notes = prevalence_by(self, by)
        frame.attrs["notes"] = notes
        return frame

    def counting(self) -> pd.Series:
        """True for each segment that codes its answer: every segment except a negated one
        of a code whose negation mode is "exclude" (the mode in force, as the summary table
        records it, `--negation` included). The one rule `apply`, `agree`, `topics
        --uncoded` and `diff` share."""
        seg = self.segments
        modes = dict(
            zip(self.summary_table["code"].astype(str), self.summary_table["negation"].astype(str))
        )
        if len(seg) == 0:
            return pd.Series([], index=seg.index, dtype=bool)
        code_modes = [modes.get(c, NegationMode.EXCLUDE.value) for c in seg["code"].astype(str)]
        return pd.Series(segments_count(seg["negated"], code_modes), index=seg.index)

    def load_codebook(self, path: str | Path | None = None) -> Codebook:
        """The codebook of this coding: `path` when given, else the one it was coded with,
        else the file the manifest records (E656 when that file is gone)."""
        from qualcode.codebook.load import load_codebook

        if path is None and self.codebook is not None:
            return self.codebook
        return load_codebook(codebook_path(self.manifest, path))

    def quotes(
        self,
        codes: list[str] | None = None,
        per_code: int = 3,
        *,
        by: str | None = None,
        seed: int = 1,
        codebook: str | Path | Codebook | None = None,
        **options: Any,
    ) -> pd.DataFrame:
        """Exemplar quotes: up to `per_code` per code (distinct respondents, no negated hits,
        redacted by default), chosen reproducibly with `seed`; stratified by the column `by`.
        Further options (`min_words`, `max_words`, `attribution`, `redact`, `names`) are
        those of :func:`qualcode.analysis.quotes.select_quotes`."""
        from qualcode.analysis.quotes import select_quotes

        book = codebook if isinstance(codebook, Codebook) else self.load_codebook(codebook)
        return select_quotes(self, book, codes, per_code, by, seed, **options)

    @property
    def coded(self) -> pd.DataFrame:
        """The input table with one 0/1 column per code appended."""
        return pd.concat([self.data, self.matrix], axis=1)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables `save` writes, by name (the file is ``<name>.<format>``), in order:
        coded, segments, summary, then any in `extra`."""
        core = {"coded": self.coded, "segments": self.segments, "summary": self.summary_table}
        return {**core, **self.extra}

    def save(
        self, outdir: str | Path, input_path: str | Path | None = None, fmt: str = "csv"
    ) -> Path:
        """Write every table of `tables()` as ``<name>.<fmt>`` into `outdir`, then the manifest.

        Each file is written atomically, by one :class:`~qualcode.io.tables.TableWriter` call
        per table (so a streamed write of the same rows gives the same bytes); the manifest
        goes last, so a folder with a manifest is a complete output. Excel's limits (E405,
        E406) are checked for every table before anything is written. Table files of another
        format (or of tables this run does not have) left by an earlier run are removed after
        the manifest is written, so the folder never mixes runs. `self.manifest` is replaced
        by the manifest written: a copy with ``format``, ``spreadsheet_escaping`` and
        ``tables`` (name -> file, rows and the dtypes of the columns that are not text, which
        `load_coding` restores) set (see :func:`finish_output`).
        """
        if fmt not in FORMATS:
            raise ValueError(f"unknown output format {fmt!r}; use one of {', '.join(FORMATS)}")
        outdir = Path(outdir)
        tables = self.tables()
        check_table_names(tables)
        check_output_dir(outdir, input_path, tables=tuple(tables))
        for name, frame in tables.items():
            check_table(outdir / f"{name}.{fmt}", frame, fmt, name=name)
        outdir.mkdir(parents=True, exist_ok=True)
        written = {}
        for name, frame in tables.items():
            with TableWriter(outdir / f"{name}.{fmt}", fmt, name=name) as writer:
                writer.write(frame)  # closed (the file moved into place) on leaving the block
            written[name] = writer
        self.manifest = finish_output(outdir, self.manifest, written, fmt, input_path=input_path)
        return outdir


class WrittenTable(Protocol):
    """What the manifest records of a table written as ``<name>.<fmt>`` (rows, and the
    dtypes of its columns that are not text); a :class:`~qualcode.io.tables.TableWriter`
    has both."""

    rows: int
    dtypes: dict[str, str]


def check_table_names(tables: Mapping[str, object]) -> None:
    """Raise ValueError unless every table name is letters, digits and '_' (a file stem)."""
    if bad := [name for name in tables if not re.fullmatch(r"\w+", name)]:
        raise ValueError(f"table names must be letters, digits and '_', not {bad[0]!r}")


def finish_output(
    outdir: str | Path,
    manifest: Mapping[str, Any],
    tables: Mapping[str, WrittenTable],
    fmt: str,
    *,
    input_path: str | Path | None = None,
) -> dict[str, Any]:
    """Finish an output folder: close the tables' writers, write the manifest, then remove
    the table files an earlier run left there. Returns the manifest written.

    `tables` maps each table's name to what is written as ``<outdir>/<name>.<fmt>``, in the
    order the manifest should list them: normally its
    :class:`~qualcode.io.tables.TableWriter`, which is closed here (in that order) if it is
    still open; anything else with ``rows`` and ``dtypes`` stands for a file already in
    place. The manifest is a copy of `manifest` with ``format`` (`fmt`),
    ``spreadsheet_escaping`` (true for csv and xlsx) and ``tables`` (name -> ``file``,
    ``rows``, ``dtypes``) set; it is written atomically and last, so a folder with a manifest
    is complete. Then every ``<table>.<format>`` file that is not one of `tables` in `fmt` is
    removed, for the tables qualcode knows (:data:`TABLES`), those the folder's previous
    manifest listed and those in `tables`; the input (`input_path`) is never removed.

    ``Coding.save`` and the streaming ``apply`` both end with it: check the folder with
    :func:`check_output_dir`, write each table with a ``TableWriter``, then call this. If it
    raises, abort the writers (a closed writer's abort does nothing).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown output format {fmt!r}; use one of {', '.join(FORMATS)}")
    check_table_names(tables)
    outdir = Path(outdir)
    for table in tables.values():
        if isinstance(table, TableWriter):
            table.close()  # a no-op when already closed
    earlier = _manifest_tables(outdir)
    written = {
        **manifest,
        "format": fmt,
        "spreadsheet_escaping": fmt in ("csv", "xlsx"),
        "tables": {
            name: {"file": f"{name}.{fmt}", "rows": table.rows, "dtypes": dict(table.dtypes)}
            for name, table in tables.items()
        },
    }
    write_json(outdir / MANIFEST, written)
    keep = {f"{name}.{fmt}" for name in tables}
    for name in {*TABLES, *earlier, *tables}:
        for other in FORMATS:
            stale = outdir / f"{name}.{other}"
            if stale.name not in keep and stale.is_file() and not _same(stale, input_path):
                stale.unlink()
    return written


def check_output_dir(
    outdir: Path, input_path: str | Path | None = None, tables: tuple[str, ...] = TABLES
) -> None:
    """Refuse to overwrite the input or to write into a folder qualcode did not make.

    The input may not be the folder or any file a save could write there: ``<table>.<fmt>``
    for every table in `tables` and every format, and the manifest.
    """
    outdir = Path(outdir)
    if input_path is not None:
        names = {*FILES, *(f"{table}.{fmt}" for table in tables for fmt in FORMATS)}
        if _same(outdir, input_path) or any(_same(outdir / f, input_path) for f in names):
            raise QualcodeError("E402", Location(str(input_path)), path=input_path)
    if outdir.exists():
        if not outdir.is_dir():
            raise QualcodeError("E401", Location(str(outdir)), path=outdir)
        if any(outdir.iterdir()) and not is_output_dir(outdir):
            raise QualcodeError("E401", Location(str(outdir)), path=outdir)


def _same(path: Path, other: str | Path | None) -> bool:
    return other is not None and path.resolve() == Path(other).resolve()


def is_output_dir(path: Path) -> bool:
    """True when `path` holds a manifest written by qualcode."""
    try:
        return "qualcode" in json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False


def _manifest_tables(outdir: Path) -> list[str]:
    """The tables an earlier save recorded in `outdir` (only plain names are trusted)."""
    try:
        listed = json.loads((outdir / MANIFEST).read_text(encoding="utf-8")).get("tables")
    except (OSError, ValueError, AttributeError):
        return []
    return list(_table_entries(listed))


def _table_entries(listed: Any) -> dict[str, dict[str, Any]]:
    """``manifest["tables"]`` as name -> entry; a list of names is accepted too."""
    if isinstance(listed, dict):
        entries = {k: v if isinstance(v, dict) else {} for k, v in listed.items()}
    elif isinstance(listed, list):
        entries = {k: {} for k in listed if isinstance(k, str)}
    else:
        return {}
    return {k: v for k, v in entries.items() if re.fullmatch(r"\w+", k)}


# The dtypes of manifests written before tables were recorded (always CSV).
LEGACY_DTYPES: dict[str, dict[str, str]] = {
    "segments": {"row": "int64", "start": "int64", "end": "int64", "negated": "bool"},
    "summary": {
        "depth": "int64", "coded": "int64", "answered": "int64", "percent": "float64",
        "ci95_low": "float64", "ci95_high": "float64", "segments": "int64",
        "negated_segments": "int64",
    },
}  # fmt: skip


def codebook_path(
    manifest: Mapping[str, Any],
    codebook: str | Path | None = None,
    outdir: str | Path | None = None,
) -> Path:
    """`codebook` when given, else the codebook file the manifest records; E656 (located at
    ``OUTDIR/manifest.json`` when `outdir` is given) when that file is gone. Every verb that
    needs the codebook of an output folder asks here."""
    if codebook is not None:
        return Path(codebook)
    path = (manifest.get("codebook") or {}).get("path")
    if not path or not Path(path).is_file():
        where = Location(str(Path(outdir) / MANIFEST)) if outdir is not None else None
        raise QualcodeError("E656", where, path=path)
    return Path(path)


def load_coding(outdir: str | Path) -> Coding:
    """Read a folder written by `Coding.save` / `qualcode apply`, in whichever format it has.

    The tables come back as they were saved: the input columns as text, the code columns as
    int8, and every other column that is not text in the dtype recorded in the manifest (for
    CSV and XLSX; Parquet stores its dtypes). Spreadsheet escaping is undone. Tables beyond
    coded/segments/summary are put in `Coding.extra`.
    """
    outdir = Path(outdir)
    if not is_output_dir(outdir):
        raise QualcodeError("E404", Location(str(outdir)), path=outdir)
    manifest = json.loads((outdir / MANIFEST).read_text(encoding="utf-8"))
    codes = manifest.get("codes", [])
    fmt = manifest.get("format", "csv")
    if fmt not in FORMATS:
        raise ValueError(f"{outdir}: unknown table format {fmt!r} in {MANIFEST}")
    entries = _table_entries(manifest.get("tables")) or {name: {} for name in CORE_TABLES}
    frames = {}
    for name, entry in entries.items():
        frame = read_table(outdir / f"{name}.{fmt}", fmt)
        if fmt != "parquet":
            dtypes = entry.get("dtypes")
            if not isinstance(dtypes, dict):
                dtypes = (
                    {c: "int8" for c in codes} if name == "coded" else LEGACY_DTYPES.get(name, {})
                )
            frame = with_dtypes(frame, dtypes)
        frames[name] = frame
    coded = frames.pop("coded")
    return Coding(
        data=coded.drop(columns=codes),
        segments=frames.pop("segments"),
        matrix=coded[codes].astype("int8"),
        summary_table=frames.pop("summary"),
        manifest=manifest,
        extra=frames,
    )
