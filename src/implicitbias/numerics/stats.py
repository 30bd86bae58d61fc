"""Small statistics for the claims' bounds, computed from the runs present (numpy and scipy only).

A claim's statistical bound is c standard errors, a Student or normal quantile,
a binomial (Clopper–Pearson) interval or an exact test of the runs (seeds,
replicates) that the table actually holds, so it tightens as runs are added.
Every function returns NaN when there are too few runs to say anything: a
claim built on it then fails instead of passing on no evidence.
"""

from __future__ import annotations

import math

import numpy as np


def standard_error(values, axis=None) -> np.ndarray:
    """Sample standard deviation / √(number of values) (NaN with fewer than two values)."""
    values = np.asarray(values, dtype=float)
    count = values.size if axis is None else values.shape[axis]
    if count < 2:
        return np.full(np.shape(np.sum(values, axis=axis)), np.nan)[()]
    return np.std(values, axis=axis, ddof=1) / math.sqrt(count)


def normal_quantile(p: float) -> float:
    """The standard normal p-quantile."""
    from scipy.stats import norm

    return float(norm.ppf(p))


def bonferroni_z(alpha: float, comparisons: int, two_sided: bool = True) -> float:
    """z with P(any of ``comparisons`` normal statistics beyond ±z) ≤ ``alpha`` (Bonferroni); NaN for none."""
    if comparisons < 1:
        return float("nan")
    return normal_quantile(1 - alpha / (comparisons * (2 if two_sided else 1)))


def student_quantile(p: float, df: float) -> float:
    """Student's t p-quantile with ``df`` degrees of freedom; NaN for df < 1."""
    from scipy.stats import t

    return float(t.ppf(p, df)) if df >= 1 else float("nan")


def paired_t(a, b) -> tuple[float, int]:
    """(t, df) of the paired differences a − b: mean / standard error, df = m − 1 (NaN, 0 for m < 2)."""
    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    se = float(standard_error(d))
    return (float(d.mean() / se) if d.size >= 2 else float("nan")), max(d.size - 1, 0)


def clopper_pearson(k: int, n: int, alpha: float) -> tuple[float, float]:
    """The exact two-sided 1 − ``alpha`` confidence interval of a binomial rate, k successes in n trials."""
    from scipy.stats import beta

    if n <= 0:
        return float("nan"), float("nan")
    lo = 0.0 if k <= 0 else float(beta.ppf(alpha / 2, k, n - k + 1))
    hi = 1.0 if k >= n else float(beta.ppf(1 - alpha / 2, k + 1, n - k))
    return lo, hi


def fisher_greater(k1: int, m1: int, k2: int, m2: int) -> float:
    """One-sided p-value of Fisher's exact test that rate k1/m1 exceeds rate k2/m2 (NaN if a group is empty)."""
    from scipy.stats import fisher_exact

    if m1 <= 0 or m2 <= 0:
        return float("nan")
    return float(fisher_exact([[k1, m1 - k1], [k2, m2 - k2]], alternative="greater")[1])
