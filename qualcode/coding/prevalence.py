"""Prevalence per code, and per group of an attribute with tests of independence.

Part of the coding layer because :meth:`Coding.summary` (``by=``) answers with it;
:mod:`qualcode.analysis.crosstab` re-exports it beside co-occurrence.

Everything here reads a :class:`~qualcode.coding.result.Coding` (as `load_coding` gives it
back) and returns plain DataFrames; rendering is in :mod:`qualcode.export.tables`.

Denominators are the respondents who answered at least one of the coded questions (a
non-blank answer in one of ``manifest["options"]["text"]``), exactly as in ``summary.csv``.

The statistical rules of :func:`prevalence_by` (documented in docs/summary.md):

- Groups are the distinct values of the attribute among answering respondents, sorted. A
  respondent with an empty value belongs to the group :data:`MISSING`, which is reported
  but left out of the test.
- Per code, the table is group x (coded, not coded) over the tested groups. Its Pearson
  chi-square statistic (no continuity correction) and Cramér's V are always reported
  (``scipy.stats.chi2_contingency`` and ``scipy.stats.contingency.association``).
- The p-value comes from Pearson's chi-square test when every expected count is at least 5
  (Cochran's rule, strict form); otherwise from Fisher's exact test: with 2 groups the exact
  2x2 test (``scipy.stats.fisher_exact``), with more the Fisher-Freeman-Halton test, its
  p-value estimated from :data:`MC_RESAMPLES` random tables with the observed margins
  (``fisher_exact(..., method=MonteCarloMethod(...))`` with a fixed seed, so it is the same
  every run).
- A code that none or all of the tested respondents have (a zero margin) has no test: its
  statistic, p-value and V are NaN, shown as "n/a". So has every code when fewer than two
  groups are tested.
- With more than one test, Holm's step-down adjustment (:func:`holm`) controls the
  family-wise error rate over the codes tested; a note says how many tests there were.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from qualcode.coding.stats import wilson_interval
from qualcode.errors import QualcodeError, did_you_mean

if TYPE_CHECKING:  # the same package; result.py imports this module at run time
    from qualcode.coding.result import Coding

#: The group of respondents with an empty attribute value (reported, never tested).
MISSING = "(missing)"
#: Random tables drawn for the Monte Carlo Fisher-Freeman-Halton p-value (more than 2 groups
#: with an expected count below 5); the smallest p-value it can give is 1 / (MC_RESAMPLES + 1).
MC_RESAMPLES = 9_999
#: The seed of those draws: each code's test starts from it, so results never depend on the
#: order or number of codes.
MC_SEED = 20_240_605
#: The smallest expected count for which the chi-square approximation is used.
MIN_EXPECTED = 5.0

PREVALENCE_COLUMNS = [
    "code", "label", "path", "depth", "coded", "answered", "percent", "ci95_low", "ci95_high",
]  # fmt: skip
GROUP_FIELDS = ["coded", "answered", "percent", "ci95_low", "ci95_high"]
TEST_COLUMNS = ["test", "chi2", "dof", "min_expected", "p", "p_holm", "cramers_v"]


def answered_rows(coding: Coding) -> pd.Series:
    """True for each row with a non-blank answer in at least one coded question (the
    denominator of every percentage). Without ``options.text`` in the manifest, every row."""
    text = [c for c in coding.manifest.get("options", {}).get("text") or [] if c in coding.data]
    if not text:
        return pd.Series(True, index=coding.data.index)
    blank = pd.DataFrame({c: _blank(coding.data[c]) for c in text})
    return ~blank.all(axis=1)


def _blank(column: pd.Series) -> pd.Series:
    return column.isna() | column.astype("string").fillna("").str.strip().eq("")


def codes_frame(coding: Coding) -> pd.DataFrame:
    """code, label, path, depth in codebook order (from the summary table)."""
    order = list(coding.manifest.get("codes") or coding.matrix.columns)
    info = coding.summary_table.set_index("code")
    return pd.DataFrame({
        "code": order,
        "label": [str(info.at[c, "label"]) if c in info.index else c for c in order],
        "path": [str(info.at[c, "path"]) if c in info.index else c for c in order],
        "depth": [int(info.at[c, "depth"]) if c in info.index else 0 for c in order],
    })  # fmt: skip


def _rate(k: int, n: int) -> tuple[float, float, float]:
    """Percent and Wilson 95% interval (in percent), rounded to 2 places as in summary.csv."""
    if n <= 0:
        return math.nan, math.nan, math.nan
    low, high = wilson_interval(k, n)
    return round(100 * k / n, 2), round(100 * low, 2), round(100 * high, 2)


def prevalence(coding: Coding) -> pd.DataFrame:
    """One row per code (codebook order): code, label, path, depth, coded (respondents),
    answered (respondents who answered), percent, ci95_low, ci95_high (Wilson, in %)."""
    answered = answered_rows(coding)
    n = int(answered.sum())
    frame = codes_frame(coding)
    coded = [int(coding.matrix.loc[answered, c].sum()) for c in frame["code"]]
    rates = [_rate(k, n) for k in coded]
    frame["coded"] = coded
    frame["answered"] = n
    frame["percent"] = [r[0] for r in rates]
    frame["ci95_low"] = [r[1] for r in rates]
    frame["ci95_high"] = [r[2] for r in rates]
    return frame[PREVALENCE_COLUMNS]


def attribute_columns(coding: Coding) -> list[str]:
    """The input columns that are not answers: what --by may name (the id column too)."""
    text = set(coding.manifest.get("options", {}).get("text") or [])
    return [c for c in coding.data.columns if c not in text]


def group_labels(coding: Coding, attr: str, where: str | None = None) -> pd.Series:
    """Each row's group for `attr`: its value as text, stripped, or :data:`MISSING`.
    Raises E304 (with a did-you-mean) when `attr` is not an input column."""
    if attr not in coding.data.columns:
        options = attribute_columns(coding)
        raise QualcodeError(
            "E304", None, column=attr, path=where or "the data",
            suggestion=did_you_mean(attr, list(coding.data.columns)),
            available=", ".join(options) or "(none)",
        )  # fmt: skip
    values = coding.data[attr].astype("string").str.strip()
    return values.mask(values.isna() | values.eq(""), MISSING).astype(object)


def prevalence_by(
    coding: Coding, attr: str, *, where: str | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """Prevalence per group of `attr`, with a test of independence per code.

    Returns a frame with one row per code (codebook order): code, label, path, depth; for
    each group g (sorted, :data:`MISSING` last) the columns ``coded:g``, ``answered:g``,
    ``percent:g``, ``ci95_low:g``, ``ci95_high:g``; then test ("chi2", "fisher",
    "fisher-mc" or "n/a"), chi2 (Pearson's statistic), dof, min_expected, p, p_holm and
    cramers_v. ``frame.attrs`` holds ``by``, ``groups``, ``tested`` (the groups in the test)
    and ``sizes`` (answering respondents per group). The notes (a list of sentences) say who
    was left out, which tests were used and how p-values were adjusted. See the module
    docstring for the rules. `where` names the data in an unknown-attribute error (E304).
    """
    groups_of = group_labels(coding, attr, where)
    answered = answered_rows(coding)
    labels = groups_of[answered]
    present = sorted(set(labels) - {MISSING})
    groups = present + ([MISSING] if (labels == MISSING).any() else [])
    tested = present if len(present) >= 2 else []
    sizes = {g: int((labels == g).sum()) for g in groups}

    frame = codes_frame(coding)
    matrix = coding.matrix.loc[answered]
    per_group: dict[str, list[object]] = {f"{f}:{g}": [] for g in groups for f in GROUP_FIELDS}
    tests: list[dict[str, object]] = []
    for c in frame["code"]:
        coded_in = matrix[c].groupby(labels).sum()
        for g in groups:
            k = int(coded_in.get(g, 0))
            pct, low, high = _rate(k, sizes[g])
            for f, v in zip(GROUP_FIELDS, (k, sizes[g], pct, low, high)):
                per_group[f"{f}:{g}"].append(v)
        table = np.array([[int(coded_in.get(g, 0)), sizes[g] - int(coded_in.get(g, 0))]
                          for g in tested], dtype=np.int64).reshape(len(tested), 2)  # fmt: skip
        tests.append(independence_test(table))
    for name, values in per_group.items():
        frame[name] = values
    result = pd.concat([frame, pd.DataFrame(tests)], axis=1)
    result["p_holm"] = holm(result["p"].to_numpy(dtype=float))
    result = result[[*frame.columns, *TEST_COLUMNS]]
    result["dof"] = result["dof"].astype("Int64")
    result.attrs = {"by": attr, "groups": groups, "tested": tested, "sizes": sizes}
    return result, _notes(result, attr, coding, answered, labels, tested)


def independence_test(table: np.ndarray) -> dict[str, object]:
    """Test a groups x (coded, not coded) table as :func:`prevalence_by` does; returns test,
    chi2, dof, min_expected, p, cramers_v (NaN and "n/a" when there is no test: fewer than
    two rows, or a row or column summing to 0)."""
    # Imported here: scipy.stats costs ~0.5 s, and `Coding` (which imports this module)
    # is loaded by commands that never test anything.
    from scipy.stats import MonteCarloMethod, chi2_contingency, fisher_exact
    from scipy.stats.contingency import association

    table = np.asarray(table, dtype=np.int64)
    none = {"test": "n/a", "chi2": math.nan, "dof": math.nan, "min_expected": math.nan,
            "p": math.nan, "cramers_v": math.nan}  # fmt: skip
    if table.ndim != 2 or min(table.shape) < 2 or (table.sum(0) == 0).any():
        return none
    if (table.sum(1) == 0).any():
        return none
    chi = chi2_contingency(table, correction=False)
    expected = float(np.min(chi.expected_freq))
    if expected >= MIN_EXPECTED:
        test, p = "chi2", float(chi.pvalue)
    elif table.shape == (2, 2):
        test, p = "fisher", float(fisher_exact(table).pvalue)
    else:
        rng = np.random.default_rng(MC_SEED)
        method = MonteCarloMethod(n_resamples=MC_RESAMPLES, rng=rng)
        test, p = "fisher-mc", float(fisher_exact(table, method=method).pvalue)
    return {
        "test": test,
        "chi2": float(chi.statistic),
        "dof": int(chi.dof),
        "min_expected": expected,
        "p": p,
        "cramers_v": float(association(table, method="cramer")),
    }


def holm(pvalues: np.ndarray | list[float]) -> np.ndarray:
    """Holm's step-down adjusted p-values (as R's ``p.adjust(p, "holm")``); NaN stays NaN
    and does not count as a test.

    With the m p-values sorted p(1) <= ... <= p(m), the adjusted p(i) is
    max over j <= i of min(1, (m - j + 1) p(j)): the running maximum keeps the order.
    """
    p = np.asarray(pvalues, dtype=float)
    out = np.full(p.shape, np.nan)
    valid = np.flatnonzero(~np.isnan(p))
    m = len(valid)
    if m == 0:
        return out
    order = valid[np.argsort(p[valid], kind="stable")]
    scaled = (m - np.arange(m)) * p[order]
    out[order] = np.minimum(1.0, np.maximum.accumulate(scaled))
    return out


def _notes(
    frame: pd.DataFrame,
    attr: str,
    coding: Coding,
    answered: pd.Series,
    labels: pd.Series,
    tested: list[str],
) -> list[str]:
    notes = []
    unanswered = int((~answered).sum())
    if unanswered:
        notes.append(f"{unanswered} row(s) with no answer are left out; percentages are of "
                     "the respondents who answered.")  # fmt: skip
    missing = int((labels == MISSING).sum())
    if missing:
        notes.append(f"{MISSING}: {missing} respondent(s) with no {attr} value, shown but "
                     "left out of the tests.")  # fmt: skip
    if not tested:
        notes.append(f"No tests: fewer than two {attr} groups.")
        return notes
    used = frame["test"].value_counts()
    kinds = {
        "chi2": "Pearson's chi-square test (every expected count at least 5)",
        "fisher": "Fisher's exact test (an expected count below 5)",
        "fisher-mc": f"Fisher-Freeman-Halton exact test, Monte Carlo p from "
        f"{MC_RESAMPLES:,} tables (an expected count below 5)",
    }
    parts = [f"{kinds[k]} for {int(used[k])} code(s)" for k in kinds if k in used]
    notes.append(f"Each code present/absent x {attr} ({len(tested)} groups): "
                 + "; ".join(parts) + ". V: Cramér's V.")  # fmt: skip
    untested = frame.loc[frame["test"] == "n/a", "code"].tolist()
    if untested:
        notes.append(f"n/a: no test for {len(untested)} code(s) that none or all of the "
                     f"tested respondents have ({', '.join(untested)}).")  # fmt: skip
    m = int(frame["p"].notna().sum())
    if m > 1:
        notes.append(f"p (Holm): {m} tests, Holm-adjusted for the family-wise error rate.")
    return notes
