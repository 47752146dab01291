"""The result of coding: segments, the respondent x code matrix, a summary and a manifest.

Saved as a folder (``coded.csv``, ``segments.csv``, ``summary.csv``, ``manifest.json``; or the
same tables as ``.xlsx`` or ``.parquet``) that every later verb reads, so `apply` runs once and
everything downstream is reproducible. The folder itself (files, checks, manifest) is
:mod:`qualcode.coding.outdir`; this module is the data and the methods over it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from qualcode.codebook.load import load_codebook
from qualcode.codebook.model import Codebook, NegationMode, segments_count
from qualcode.coding.outdir import codebook_path, read_output_dir, write_output_dir
from qualcode.coding.prevalence import prevalence_by
from qualcode.coding.quotes import select_quotes

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
        those of :func:`qualcode.coding.quotes.select_quotes`."""
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
        self.manifest = write_output_dir(outdir, self.tables(), self.manifest, fmt, input_path)
        return Path(outdir)


def load_coding(outdir: str | Path) -> Coding:
    """Read a folder written by `Coding.save` / `qualcode apply` back into a :class:`Coding`
    (tables as :func:`~qualcode.coding.outdir.read_output_dir` restores them; tables beyond
    coded/segments/summary are put in `Coding.extra`)."""
    found = read_output_dir(outdir)
    frames = dict(found.tables)
    codes = found.manifest.get("codes", [])
    coded = frames.pop("coded")
    return Coding(
        data=coded.drop(columns=codes),
        segments=frames.pop("segments"),
        matrix=coded[codes].astype("int8"),
        summary_table=frames.pop("summary"),
        manifest=found.manifest,
        extra=frames,
    )
