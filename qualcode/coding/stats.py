"""Interval estimates for prevalence, from scipy (no hand-rolled statistics)."""

from __future__ import annotations

import math


def wilson_interval(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for k successes out of n trials (NaN, NaN when n is 0)."""
    if n <= 0:
        return math.nan, math.nan
    # scipy.stats takes ~0.5 s to import: only when an interval is computed, not for every
    # command that can reach this module (`validate` codes its examples without a summary).
    from scipy.stats import binomtest

    ci = binomtest(int(k), int(n)).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)
