"""Statistics for the bounds of claims, computed from the runs present (numpy and scipy only).

A claim with a ``statistics`` basis compares a mean over R runs with a
prediction, allowing ``Z`` standard errors of the mean; the allowance shrinks
like 1/√R as runs are added.  ``Z = 4`` lets a correct claim fail with
probability ``two_sided_tail(4)`` ≈ 6e-5 per row (normal approximation of
the mean).  Counts (test errors, rates over seeds) use the exact
Clopper–Pearson interval instead.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

Z = 4.0  # standard errors allowed by a statistics bound


def two_sided_tail(c: float) -> float:
    """P(|N(0, 1)| > c): how often a correct claim with a bound of c standard errors fails."""
    return math.erfc(c / math.sqrt(2))


def standard_error(values, axis=None) -> np.ndarray:
    """Sample standard deviation / √(number of values) (NaN with fewer than two values)."""
    values = np.asarray(values, dtype=float)
    count = values.size if axis is None else values.shape[axis]
    if count < 2:
        return np.full(np.std(values, axis=axis).shape, np.nan)[()]
    return np.std(values, axis=axis, ddof=1) / math.sqrt(count)


def clopper_pearson(k: int, n: int, alpha: float) -> tuple[float, float]:
    """The exact two-sided 1 − ``alpha`` confidence interval of a binomial rate, k successes in n trials."""
    if n <= 0:
        return float("nan"), float("nan")
    lo = 0.0 if k <= 0 else float(stats.beta.ppf(alpha / 2, k, n - k + 1))
    hi = 1.0 if k >= n else float(stats.beta.ppf(1 - alpha / 2, k + 1, n - k))
    return lo, hi


def distance_outside(value: float, k: int, n: int, alpha: float) -> tuple[float, float]:
    """(|k/n − value|, the width of the Clopper–Pearson interval on value's side of k/n).

    ``value`` lies in the 1 − ``alpha`` interval of k/n iff the first is at most the second:
    a two-sided test of a binomial rate written as one ``<=`` claim.
    """
    if n <= 0:
        return float("nan"), float("nan")
    lo, hi = clopper_pearson(k, n, alpha)
    rate = k / n
    return abs(rate - value), (hi - rate) if value >= rate else (rate - lo)


def richardson(late: float, early: float, ratio: float, q: float) -> tuple[float, float, float]:
    """Limit of a(k) = a∞ + B·k^(−q) + o(k^(−q)) from a(early step) and a(late step), ``ratio`` = early/late < 1.

    Returns (a∞ estimate, weight of the late value, weight of the early value): the estimate is
    w_late·late − w_early·early, so independent errors e_late, e_early of the two values give an
    error of at most w_late·e_late + w_early·e_early (the triangle inequality; the two values
    may be correlated, as when they come from the same runs).
    """
    r = ratio**q
    w_late, w_early = 1 / (1 - r), r / (1 - r)
    return w_late * late - w_early * early, w_late, w_early


def student_t_allowance(runs: int, tests: int, alpha: float) -> float:
    """c such that a mean of ``runs`` normal values lies more than c (sample) standard errors from its
    expectation, in any of ``tests`` independent comparisons, with probability at most ``alpha``:
    the Student-t quantile with runs − 1 degrees of freedom at 1 − alpha/(2·tests) (Bonferroni).
    NaN with fewer than two runs.  It shrinks as runs are added (towards the normal quantile)."""
    if runs < 2 or tests < 1:
        return float("nan")
    return float(stats.t.ppf(1 - alpha / (2 * tests), runs - 1))


def normal_allowance(tests: int, alpha: float, sides: int = 2) -> float:
    """c such that any of ``tests`` standard normal statistics exceeds c (in absolute value for
    ``sides`` = 2, upwards for 1) with probability at most ``alpha``: Bonferroni on the normal tail.
    For means whose standard error is known exactly (not estimated from the runs)."""
    if tests < 1:
        return float("nan")
    return float(stats.norm.ppf(1 - alpha / (sides * tests)))
