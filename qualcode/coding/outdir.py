"""The output folder on disk: which files it holds, checking it before writing, finishing it
(manifest last), recognising one, and reading its tables back.

It knows tables and a manifest, not :class:`~qualcode.coding.result.Coding`: `Coding.save`,
`load_coding` and the streaming `apply` all go through it, so every writer makes the same
folder and every reader trusts the same things. It also holds the guards a verb that reads a
folder needs before writing beside it (:func:`refuse_output_in`) and :func:`codebook_path`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from qualcode.coding.manifest import MANIFEST as MANIFEST
from qualcode.coding.manifest import is_output_dir as is_output_dir
from qualcode.coding.manifest import table_entries as table_entries
from qualcode.errors import Location, QualcodeError
from qualcode.io.tables import FORMATS, TableWriter, check_table, read_table, with_dtypes
from qualcode.io.write import same_file, write_json

#: Every output folder has the core tables; a table `Coding.tables` may add (in `extra`) is
#: listed in TABLES too, so that `check_output_dir` protects the input file from it.
CORE_TABLES = ("coded", "segments", "summary")
TABLES = (*CORE_TABLES, "by_question", "summary_by_question")  # the last two: --per-question
FILES = (*(f"{table}.{fmt}" for table in TABLES for fmt in FORMATS), MANIFEST)


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
            if stale.name not in keep and stale.is_file() and not same_file(stale, input_path):
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
        if same_file(outdir, input_path) or any(same_file(outdir / f, input_path) for f in names):
            raise QualcodeError("E402", Location(str(input_path)), path=input_path)
    if outdir.exists():
        if not outdir.is_dir():
            raise QualcodeError("E401", Location(str(outdir)), path=outdir)
        if any(outdir.iterdir()) and not is_output_dir(outdir):
            raise QualcodeError("E401", Location(str(outdir)), path=outdir)


def _manifest_tables(outdir: Path) -> list[str]:
    """The tables an earlier save recorded in `outdir` (only plain names are trusted)."""
    try:
        listed = json.loads((outdir / MANIFEST).read_text(encoding="utf-8")).get("tables")
    except (OSError, ValueError, AttributeError):
        return []
    return list(table_entries(listed))


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


@dataclass
class OutputTables:
    """What :func:`read_output_dir` found: the manifest, the table format and every table
    (name -> frame, in the manifest's order), with the dtypes restored."""

    manifest: dict[str, Any]
    fmt: str
    tables: dict[str, pd.DataFrame]


def read_output_dir(outdir: str | Path) -> OutputTables:
    """Read a folder written by `Coding.save` / `qualcode apply`, in whichever format it has.

    The tables come back as they were saved: the input columns as text, the code columns as
    int8, and every other column that is not text in the dtype recorded in the manifest (for
    CSV and XLSX; Parquet stores its dtypes). Spreadsheet escaping is undone. E404 when the
    folder has no qualcode manifest.
    """
    outdir = Path(outdir)
    if not is_output_dir(outdir):
        raise QualcodeError("E404", Location(str(outdir)), path=outdir)
    manifest = json.loads((outdir / MANIFEST).read_text(encoding="utf-8"))
    codes = manifest.get("codes", [])
    fmt = manifest.get("format", "csv")
    if fmt not in FORMATS:
        raise ValueError(f"{outdir}: unknown table format {fmt!r} in {MANIFEST}")
    entries = table_entries(manifest.get("tables")) or {name: {} for name in CORE_TABLES}
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
    return OutputTables(manifest, fmt, frames)


def refuse_output_in(outdir: str | Path, output: str | Path | None) -> None:
    """E402 when `output` is one of the files of the output folder `outdir` being read: a
    verb that reads a folder must never write over it (``summary -o OUTDIR/summary.csv``)."""
    if output is None:
        return
    target = Path(output).resolve()
    if any((Path(outdir) / name).resolve() == target for name in FILES):
        raise QualcodeError("E402", Location(str(output)), path=output)


def write_output_dir(
    outdir: str | Path,
    tables: Mapping[str, pd.DataFrame],
    manifest: Mapping[str, Any],
    fmt: str = "csv",
    input_path: str | Path | None = None,
) -> dict[str, Any]:
    """Write every table as ``<name>.<fmt>`` into `outdir`, then the manifest; returns the
    manifest written (see :func:`finish_output`). The body of ``Coding.save``."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown output format {fmt!r}; use one of {', '.join(FORMATS)}")
    outdir = Path(outdir)
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
    return finish_output(outdir, manifest, written, fmt, input_path=input_path)
