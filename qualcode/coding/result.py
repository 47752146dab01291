"""The result of coding: segments, the respondent x code matrix, a summary and a manifest.

Saved as a folder (``coded.csv``, ``segments.csv``, ``summary.csv``, ``manifest.json``) that
every later verb reads, so `apply` runs once and everything downstream is reproducible.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from qualcode.errors import Location, QualcodeError
from qualcode.io.write import write_csv, write_json

MANIFEST = "manifest.json"
FILES = ("coded.csv", "segments.csv", "summary.csv", MANIFEST)
SEGMENT_COLUMNS = [
    "row", "id", "question", "code", "code_path", "start", "end",
    "match", "quote", "negated", "rule",
]  # fmt: skip


@dataclass
class Coding:
    """Coded answers. `matrix` shares the index of `data`; `segments` has one row per hit."""

    data: pd.DataFrame
    segments: pd.DataFrame
    matrix: pd.DataFrame
    summary: pd.DataFrame
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def coded(self) -> pd.DataFrame:
        """The input table with one 0/1 column per code appended."""
        return pd.concat([self.data, self.matrix], axis=1)

    def save(self, outdir: str | Path, input_path: str | Path | None = None) -> Path:
        """Write the four output files into `outdir` (atomically, one file at a time)."""
        outdir = Path(outdir)
        check_output_dir(outdir, input_path)
        outdir.mkdir(parents=True, exist_ok=True)
        write_csv(outdir / "coded.csv", self.coded)
        write_csv(outdir / "segments.csv", self.segments)
        write_csv(outdir / "summary.csv", self.summary)
        # The manifest goes last: a folder with a manifest is a complete output.
        write_json(outdir / MANIFEST, self.manifest)
        return outdir


def check_output_dir(outdir: Path, input_path: str | Path | None = None) -> None:
    """Refuse to overwrite the input or to write into a folder qualcode did not make."""
    if input_path is not None:
        inp = Path(input_path).resolve()
        if outdir.resolve() == inp or any((outdir / f).resolve() == inp for f in FILES):
            raise QualcodeError("E402", Location(str(input_path)), path=input_path)
    if outdir.exists():
        if not outdir.is_dir():
            raise QualcodeError("E401", Location(str(outdir)), path=outdir)
        if any(outdir.iterdir()) and not is_output_dir(outdir):
            raise QualcodeError("E401", Location(str(outdir)), path=outdir)


def is_output_dir(path: Path) -> bool:
    """True when `path` holds a manifest written by qualcode."""
    try:
        return "qualcode" in json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False


def load_coding(outdir: str | Path) -> Coding:
    """Read a folder written by `Coding.save` / `qualcode apply`."""
    outdir = Path(outdir)
    if not is_output_dir(outdir):
        raise QualcodeError("E404", Location(str(outdir)), path=outdir)
    manifest = json.loads((outdir / MANIFEST).read_text(encoding="utf-8"))
    codes = manifest.get("codes", [])
    coded = pd.read_csv(outdir / "coded.csv", dtype=str, keep_default_na=False)
    matrix = coded[codes].astype("int8")
    data = coded.drop(columns=codes)
    segments = pd.read_csv(
        outdir / "segments.csv", dtype={"id": str, "question": str}, keep_default_na=False
    )
    if len(segments):
        segments["negated"] = segments["negated"].astype(str).eq("True")
    summary = pd.read_csv(outdir / "summary.csv", keep_default_na=False)
    return Coding(data=data, segments=segments, matrix=matrix, summary=summary, manifest=manifest)
