"""Code one chunk of answers: the unit of work a worker process or a Dask task runs.

Pure in what matters: the same compiled codebook and texts give the same result wherever it
runs, which is what makes `--jobs N` and `--engine dask` byte-identical to one process.
Only raw texts go in and only matrices and segment columns come out, never spaCy objects.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qualcode.coding.compile import CompiledCodebook
from qualcode.coding.engine import Engine, SegmentTable

_ENGINES: dict[int, tuple[CompiledCodebook, Engine]] = {}  # one engine per codebook per process


@dataclass
class ChunkResult:
    """A chunk's codes: per question the rolled-up matrix and who answered, and segments
    (rows local to the chunk; questions by index)."""

    matrices: list[np.ndarray]  # per question: rows x codes, int8, parents rolled up
    answered: list[np.ndarray]  # per question: bool per row
    segments: dict[str, list]  # SegmentTable columns

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


def code_chunk(compiled: CompiledCodebook, texts: list[list[str]]) -> ChunkResult:
    """Code `texts` (one list of answers per question, all as long as the chunk)."""
    engine = engine_for(compiled)
    n = len(texts[0]) if texts else 0
    k = len(compiled.codes)
    segments = SegmentTable()
    matrices, answered = [], []
    rows = range(n)
    for q, column in enumerate(texts):
        matrix = np.zeros((n, k), dtype=np.int8)
        engine.run(column, rows, q, matrix, segments)
        roll_up(matrix, compiled)
        matrices.append(matrix)
        answered.append(np.fromiter((bool(t.strip()) for t in column), dtype=bool, count=n))
    return ChunkResult(matrices, answered, segments.cols)


def roll_up(matrix: np.ndarray, compiled: CompiledCodebook) -> None:
    """A parent is coded when any child is: children come after parents, so go backwards."""
    for cc in reversed(compiled.codes):
        if cc.parent is not None:
            np.maximum(matrix[:, cc.parent], matrix[:, cc.index], out=matrix[:, cc.parent])
