"""Small statistics for the claims' bounds, computed from the runs present (numpy and scipy only).

A claim's statistical bound is c standard errors, a Student or normal quantile,
a binomial (Clopper–Pearson) interval or an exact test of the runs (seeds,
replicates) that the table actually holds, so it tightens as runs are added.
Every function returns NaN when there are too few runs to say anything: a
claim built on it then fails instead of passing on no evidence.

Distributions and first-passage times: :func:`dkw_epsilon` bounds the
Kolmogorov–Smirnov distance (:func:`ks_distance`) of R independent draws
(Dvoretzky–Kiefer–Wolfowitz with Massart's tight constant: P(sup|F_R − F| > ε)
≤ 2 exp(−2Rε²)); :func:`ratio_mean` is the mean of passage times censored at a
horizon, with a standard error that assumes no distribution.

A mean over R runs compared with a prediction may allow ``Z`` standard errors;
``Z = 4`` lets a correct claim fail with probability ``two_sided_tail(4)`` ≈
6e-5 per row (normal approximation of the mean).
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


Z = 4.0  # standard errors allowed by a statistics bound (see the module docstring)


def two_sided_tail(c: float) -> float:
    """P(|N(0, 1)| > c): how often a correct claim with a bound of c standard errors fails."""
    return math.erfc(c / math.sqrt(2))


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


def dkw_epsilon(n: int, alpha: float) -> float:
    """ε with P(KS distance of n independent draws > ε) ≤ α: √(ln(2/α)/(2n)) (NaN for no draws)."""
    return math.sqrt(math.log(2 / alpha) / (2 * n)) if n > 0 else float("nan")


def ks_distance(samples, cdf) -> float:
    """sup_x |F_n(x) − F(x)| for the empirical distribution F_n of ``samples`` and a CDF callable (NaN for none)."""
    x = np.sort(np.asarray(samples, dtype=float))
    n = len(x)
    if n == 0:
        return float("nan")
    F = cdf(x)
    i = np.arange(1, n + 1)
    return float(max(np.max(i / n - F), np.max(F - (i - 1) / n)))


def ratio_mean(times, observed) -> tuple[float, float]:
    """(mean, standard error) of first-passage times, each censored at its horizon when not ``observed``.

    The estimate Σ tᵢ / Σ δᵢ (tᵢ the passage time or the horizon, δᵢ = 1 if observed)
    is the maximum-likelihood mean of an exponential time and, without censoring,
    the sample mean.  Its standard error is the delta method's for a ratio of means,
    √(Σ (tᵢ − τ̂δᵢ)²/(n(n − 1))) / δ̄, which assumes no distribution.  NaN with fewer
    than two runs or no passage.
    """
    t = np.asarray(times, dtype=float)
    d = np.asarray(observed, dtype=float)
    n = len(t)
    if n < 2 or d.sum() == 0:
        return float("nan"), float("nan")
    tau = t.sum() / d.sum()
    se = math.sqrt(np.sum((t - tau * d) ** 2) / (n * (n - 1))) / d.mean()
    return float(tau), float(se)


def mean_and_se(values) -> tuple[float, float]:
    """(mean, standard error of the mean) of ``values``; NaN where undefined (a NaN value propagates)."""
    x = np.asarray(values, dtype=float)
    return (float(x.mean()) if x.size else float("nan")), float(standard_error(x))


def student_t_allowance(runs: int, tests: int, alpha: float) -> float:
    """c such that a mean of ``runs`` normal values lies more than c (sample) standard errors from its
    expectation, in any of ``tests`` independent comparisons, with probability at most ``alpha``:
    the Student-t quantile with runs − 1 degrees of freedom at 1 − alpha/(2·tests) (Bonferroni).
    NaN with fewer than two runs.  It shrinks as runs are added (towards the normal quantile)."""
    if runs < 2 or tests < 1:
        return float("nan")
    return student_quantile(1 - alpha / (2 * tests), runs - 1)


def normal_allowance(tests: int, alpha: float, sides: int = 2) -> float:
    """c such that any of ``tests`` standard normal statistics exceeds c (in absolute value for
    ``sides`` = 2, upwards for 1) with probability at most ``alpha``: Bonferroni on the normal tail.
    For means whose standard error is known exactly (not estimated from the runs)."""
    if tests < 1:
        return float("nan")
    return normal_quantile(1 - alpha / (sides * tests))
