"""Running totals for the summary tables, added to chunk by chunk.

The summary of a million answers needs only these counts, not the answers: streaming keeps
memory flat because every statistic is accumulated here as chunks go by.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from qualcode.coding.compile import CompiledCodebook
from qualcode.coding.stats import wilson_interval


class Tally:
    """Respondents coded per code, respondents who answered, segments (and negated ones)."""

    def __init__(self, compiled: CompiledCodebook) -> None:
        k = len(compiled.codes)
        self.compiled = compiled
        self.coded = np.zeros(k, dtype=np.int64)
        self.segments = np.zeros(k, dtype=np.int64)
        self.negated = np.zeros(k, dtype=np.int64)
        self.rows = 0
        self.answered = 0
        self.coded_any = 0

    def add(
        self, matrix: np.ndarray, answered: np.ndarray, codes: list[int], negated: list[bool]
    ) -> None:
        """Add a chunk: its matrix (rows x codes), who answered, and its segments' codes."""
        self.rows += len(matrix)
        self.answered += int(answered.sum())
        self.coded += matrix.sum(axis=0, dtype=np.int64)
        self.coded_any += int(matrix.any(axis=1).sum()) if matrix.size else 0
        if codes:
            k = len(self.coded)
            codes_arr = np.asarray(codes, dtype=np.int64)
            self.segments += np.bincount(codes_arr, minlength=k)
            self.negated += np.bincount(codes_arr[np.asarray(negated, dtype=bool)], minlength=k)

    def summary(self) -> pd.DataFrame:
        """Per code: respondents coded, % of those who answered, Wilson 95% CI, segments.

        A parent's segments include its descendants' (added up the tree, children last).
        """
        segments, negated = self.segments.copy(), self.negated.copy()
        for cc in reversed(self.compiled.codes):
            if cc.parent is not None:
                segments[cc.parent] += segments[cc.index]
                negated[cc.parent] += negated[cc.index]
        answered = self.answered
        records = []
        for cc in self.compiled.codes:
            n = int(self.coded[cc.index])
            low, high = wilson_interval(n, answered)
            records.append({
                "code": cc.code.id,
                "label": cc.code.label,
                "path": cc.code.path_str,
                "depth": len(cc.code.path) - 1,
                "coded": n,
                "answered": answered,
                "percent": round(100 * n / answered, 2) if answered else np.nan,
                "ci95_low": round(100 * low, 2),
                "ci95_high": round(100 * high, 2),
                "segments": int(segments[cc.index]),
                "negated_segments": int(negated[cc.index]),
                "negation": cc.negation.value,
            })  # fmt: skip
        return pd.DataFrame.from_records(records)
