"""Code co-occurrence; with the prevalence tables of :mod:`qualcode.coding.prevalence`
(re-exported here) the cross-tabulations of a coding.

Everything here reads a :class:`~qualcode.coding.result.Coding` (as `load_coding` gives it
back) and returns plain DataFrames; rendering is in :mod:`qualcode.export.tables`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from qualcode.coding.prevalence import (
    MC_RESAMPLES,
    MC_SEED,
    MIN_EXPECTED,
    MISSING,
    PREVALENCE_COLUMNS,
    TEST_COLUMNS,
    answered_rows,
    attribute_columns,
    codes_frame,
    group_labels,
    holm,
    independence_test,
    prevalence,
    prevalence_by,
)
from qualcode.coding.result import Coding

__all__ = [
    "MC_RESAMPLES", "MC_SEED", "MIN_EXPECTED", "MISSING", "PREVALENCE_COLUMNS", "TEST_COLUMNS",
    "answered_rows", "attribute_columns", "cooccurrence", "cooccurrence_pairs", "group_labels",
    "holm", "independence_test", "leaf_codes", "prevalence", "prevalence_by",
]  # fmt: skip


def leaf_codes(coding: Coding) -> list[str]:
    """The codes without children, in codebook order."""
    codes = codes_frame(coding)
    paths = codes["path"].tolist()
    return [c for c, p in zip(codes["code"], paths)
            if not any(q.startswith(p + "/") for q in paths)]  # fmt: skip


def cooccurrence(coding: Coding, *, leaves_only: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Code x code: respondents with both codes (the diagonal: with the code) and the
    Jaccard index both / either (1 on the diagonal; NaN when neither code occurs). Both
    frames are indexed by code id in codebook order, leaf codes only when `leaves_only`."""
    codes = leaf_codes(coding) if leaves_only else codes_frame(coding)["code"].tolist()
    m = coding.matrix[codes].to_numpy(dtype=np.int64)
    both = m.T @ m
    n = np.diag(both)
    either = n[:, None] + n[None, :] - both
    with np.errstate(invalid="ignore", divide="ignore"):
        jaccard = np.where(either > 0, both / np.where(either > 0, either, 1), np.nan)
    return (
        pd.DataFrame(both, index=codes, columns=codes),
        pd.DataFrame(jaccard, index=codes, columns=codes),
    )


def cooccurrence_pairs(counts: pd.DataFrame, jaccard: pd.DataFrame) -> pd.DataFrame:
    """The two frames of :func:`cooccurrence` as one row per pair (code_a before or equal to
    code_b in codebook order): code_a, code_b, n_a, n_b, both, either, jaccard."""
    codes = list(counts.index)
    rows = []
    for i, a in enumerate(codes):
        for b in codes[i:]:
            both = int(counts.at[a, b])
            n_a, n_b = int(counts.at[a, a]), int(counts.at[b, b])
            either = n_a + n_b - both
            rows.append((a, b, n_a, n_b, both, either, float(jaccard.at[a, b])))
    columns = ["code_a", "code_b", "n_a", "n_b", "both", "either", "jaccard"]
    return pd.DataFrame(rows, columns=columns)
