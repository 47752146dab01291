"""`apply_file`: code an answers file (or a glob of partitions) into an output folder, streamed.

The file is read in chunks; each chunk's raw answers are coded where the executor says (this
process, `jobs` worker processes, or a Dask cluster); each chunk's rows of the output tables
are written as soon as they are coded, and the summary is accumulated as counts. Memory does
not grow with the number of answers, and the output files are the same bytes whatever the
engine or number of jobs (chunks are fixed-size and results are taken in input order).
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qualcode.codebook.load import load_codebook
from qualcode.codebook.model import NEGATION_MODES, Codebook
from qualcode.coding.compile import CompiledCodebook, compile_codebook
from qualcode.coding.outdir import TABLES, check_output_dir, finish_output
from qualcode.coding.parallel import executor_for
from qualcode.coding.run import CHUNK_ROWS, ChunkAssembler
from qualcode.errors import QualcodeError, Warnings
from qualcode.io.columns import resolve_columns
from qualcode.io.read import open_answers
from qualcode.io.tables import TableWriter


@dataclass
class Applied:
    """What `apply_file` wrote: the folder, its manifest and summary, and notes for the user."""

    outdir: Path
    manifest: dict[str, Any]
    summary: pd.DataFrame
    tables: list[str]
    notes: list[str] = field(default_factory=list)


def apply_file(
    codebook: Codebook | str | Path,
    answers: str | Path,
    outdir: str | Path | None = None,
    *,
    text: str | list[str] | None = None,
    id: str | None = None,
    model: str | None = None,
    negation: str | None = None,
    per_question: bool = False,
    fmt: str = "csv",
    encoding: str | None = None,
    sheet: str | None = None,
    delimiter: str | None = None,
    skip_bad_rows: bool = False,
    jobs: int = 1,
    engine: str = "local",
    scheduler: str | None = None,
    chunk_rows: int = CHUNK_ROWS,
    compiled: CompiledCodebook | None = None,
    notify: Callable[[str], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Applied:
    """Code `answers` with `codebook` into `outdir` (default ``<answers>.qualcode/``).

    Reading options are those of :func:`qualcode.io.read.open_answers`; `text` and `id` are
    inferred from the first chunk when not given. `jobs` worker processes (0: all cores) or
    `engine="dask"` (a LocalCluster of `jobs` workers, or the cluster at `scheduler`) do the
    coding. `notify` receives notes for the user as they become known; `progress` the number
    of answers coded after each chunk.
    """
    say = notify or (lambda note: None)
    book = codebook if isinstance(codebook, Codebook) else load_codebook(codebook)
    if negation is not None and negation not in NEGATION_MODES:
        raise QualcodeError("E113", key="negation", allowed=", ".join(NEGATION_MODES), got=negation)
    stream = open_answers(
        answers, encoding, sheet=sheet, delimiter=delimiter, skip_bad_rows=skip_bad_rows
    )
    out = Path(outdir) if outdir is not None else _default_outdir(Path(str(answers)))
    check_output_dir(out, answers if Path(str(answers)).is_file() else None)
    notes = list(stream.source.notes)
    chunks = stream.chunks(chunk_rows)
    first = next(chunks)  # E309 when there is no row at all
    text_cols, id_col, column_notes = resolve_columns(
        first, text, id, str(answers), check_duplicates=False
    )
    for note in notes + column_notes:
        say(note)
    compiled = compiled or compile_codebook(book, model=model, negation=negation)
    if not compiled.pipeline.lemma_table and not compiled.pipeline.trained:
        say(Warnings.W101.format(lang=book.language))
    assembler = ChunkAssembler(
        compiled, stream.columns, text_cols, id_col, stream.labels, per_question
    )
    writers: dict[str, TableWriter] = {}
    duplicates = _Duplicates()
    held: deque[pd.DataFrame] = deque()

    def texts() -> Iterator[list[list[str]]]:
        for frame in itertools.chain([first], chunks):
            held.append(frame)
            yield [frame[q].tolist() for q in text_cols]  # the reader gives text, never NaN

    try:
        with executor_for(compiled, jobs, engine, scheduler) as executor:
            for result in executor.map(texts()):
                frame = held.popleft()
                if id_col:
                    duplicates.add(frame[id_col].tolist())
                for name, table in assembler.tables(frame, result).items():
                    if name not in writers:
                        writers[name] = TableWriter(out / f"{name}.{fmt}", fmt)
                    writers[name].write(table)
                if progress:
                    progress(len(frame) * len(text_cols))
        summaries = assembler.summaries()
        source = stream.source
        for note in source.notes:  # those known only at the end: rows skipped
            if note not in notes:
                say(note)
                notes.append(note)
        if id_col and duplicates.count:
            note = Warnings.W301.format(
                n=duplicates.count, column=id_col, example=repr(duplicates.example)
            )
            say(note)
            notes.append(note)
        manifest = assembler.manifest(negation, source.describe())
        manifest["options"].update({"jobs": jobs, "engine": engine, "chunk_rows": chunk_rows})
        for name, table in summaries.items():
            writers[name] = TableWriter(out / f"{name}.{fmt}", fmt)
            writers[name].write(table)
        writers = {name: writers[name] for name in TABLES if name in writers}  # Coding's order
        manifest = finish_output(out, manifest, writers, fmt, input_path=answers)
    except BaseException:
        for writer in writers.values():
            writer.abort()
        raise
    return Applied(out, manifest, summaries["summary"], list(writers), notes + column_notes)


def _default_outdir(answers: Path) -> Path:
    if any(ch in str(answers) for ch in "*?["):
        return answers.parent / "answers.qualcode"
    return answers.parent / f"{answers.stem}.qualcode"


class _Duplicates:
    """Ids seen more than once, tracked by 64-bit hash in one sorted numpy array: 8 bytes per
    id (a Python set of 1M ids cost ~60 MB and was most of the memory that grew with n)."""

    def __init__(self) -> None:
        self.seen = np.empty(0, dtype=np.int64)
        self.repeated = np.empty(0, dtype=np.int64)
        self.count = 0
        self.example: str | None = None

    def add(self, ids: list[str]) -> None:
        hashes = np.fromiter((hash(v) for v in ids), dtype=np.int64, count=len(ids))
        unique, first, counts = np.unique(hashes, return_index=True, return_counts=True)
        # Membership and insertion by binary search into the sorted array: O(chunk log n)
        # and one O(n) copy per chunk, never a sort of everything seen (that cost 20 s at 1M).
        where = np.searchsorted(self.seen, unique)
        known = where < len(self.seen)
        known[known] = self.seen[where[known]] == unique[known]
        new_dups = unique[(known | (counts > 1)) & ~np.isin(unique, self.repeated)]
        if len(new_dups):
            self.count += len(new_dups)
            self.repeated = np.union1d(self.repeated, new_dups)
            if self.example is None:
                self.example = ids[int(first[np.searchsorted(unique, new_dups[0])])]
        fresh = ~known
        self.seen = np.insert(self.seen, where[fresh], unique[fresh])
