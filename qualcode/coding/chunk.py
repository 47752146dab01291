"""Code one chunk of answers: the unit of work a worker process or a Dask task runs.

The engine finds hits; recording them is done here: each hit becomes a row of the segments
table, and a cell of the code matrix when :func:`~qualcode.codebook.model.segment_counts`
says it codes its answer.

Pure in what matters: the same compiled codebook and texts give the same result wherever it
runs, which is what makes `--jobs N` and `--engine dask` byte-identical to one process.
Only raw texts go in and only matrices and segment columns come out, never spaCy objects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from qualcode.codebook.model import segment_counts
from qualcode.coding.compile import CompiledCodebook
from qualcode.coding.engine import Engine
from qualcode.rules.base import Hit

_ENGINES: dict[int, tuple[CompiledCodebook, Engine]] = {}  # one engine per codebook per process


class SegmentTable:
    """Column lists for segments; cheaper than a list of row objects at millions of rows."""

    COLUMNS = ("row", "question", "code", "start", "end", "match", "quote", "negated", "rule")

    def __init__(self) -> None:
        self.cols: dict[str, list[Any]] = {c: [] for c in self.COLUMNS}
        self._add: list[Callable[[Any], None]] = [self.cols[c].append for c in self.COLUMNS]

    def add(self, *values: object) -> None:
        for column, value in zip(self._add, values):
            column(value)

    def record(self, hits: list[Hit], row: int, question: int, text: str) -> None:
        """One row per hit of an answer (`text`) at `row`, for `question`."""
        add = self._add
        for hit in hits:
            start, end = hit.char_start, hit.char_end
            for column, value in zip(add, (
                row, question, hit.code, start, end, text[start:end],
                text[hit.unit_start : hit.unit_end].strip(), hit.negated, hit.rule,
            )):  # fmt: skip
                column(value)

    def __len__(self) -> int:
        return len(self.cols["row"])


@dataclass
class ChunkResult:
    """A chunk's codes: per question the rolled-up matrix and who answered, and segments
    (rows local to the chunk; questions by index)."""

    matrices: list[np.ndarray]  # per question: rows x codes, int8, parents rolled up
    answered: list[np.ndarray]  # per question: bool per row
    segments: dict[str, list[Any]]  # SegmentTable columns

    @property
    def matrix(self) -> np.ndarray:
        """Per respondent: coded when any of their answers is."""
        out = self.matrices[0].copy()
        for m in self.matrices[1:]:
            np.maximum(out, m, out=out)
        return out

    @property
    def any_answered(self) -> np.ndarray:
        out = self.answered[0].copy()
        for a in self.answered[1:]:
            out |= a
        return out


def engine_for(compiled: CompiledCodebook) -> Engine:
    """The process's engine for `compiled` (its type caches persist across chunks)."""
    key = id(compiled)
    if key not in _ENGINES:
        _ENGINES.clear()  # one codebook at a time: a new one replaces the old
        _ENGINES[key] = (compiled, Engine(compiled))
    return _ENGINES[key][1]


def mark_coded(matrix: np.ndarray, row: int, hits: list[Hit], compiled: CompiledCodebook) -> None:
    """Set the matrix cell of each code a counting hit codes (the one rule for what counts)."""
    codes = compiled.codes
    for hit in hits:
        if segment_counts(hit.negated, codes[hit.code].negation):
            matrix[row, hit.code] = 1


def code_chunk(compiled: CompiledCodebook, texts: list[list[str]]) -> ChunkResult:
    """Code `texts` (one list of answers per question, all as long as the chunk)."""
    engine = engine_for(compiled)
    n = len(texts[0]) if texts else 0
    k = len(compiled.codes)
    segments = SegmentTable()
    matrices, answered = [], []
    for q, column in enumerate(texts):
        matrix = np.zeros((n, k), dtype=np.int8)
        for row, hits in engine.find_all(column):
            segments.record(hits, row, q, column[row])
            mark_coded(matrix, row, hits, compiled)
        roll_up(matrix, compiled)
        matrices.append(matrix)
        answered.append(np.fromiter((bool(t.strip()) for t in column), dtype=bool, count=n))
    return ChunkResult(matrices, answered, segments.cols)


def roll_up(matrix: np.ndarray, compiled: CompiledCodebook) -> None:
    """A parent is coded when any child is: children come after parents, so go backwards."""
    for cc in reversed(compiled.codes):
        if cc.parent is not None:
            np.maximum(matrix[:, cc.parent], matrix[:, cc.index], out=matrix[:, cc.parent])
