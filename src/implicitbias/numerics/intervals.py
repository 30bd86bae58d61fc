"""Statistics for claims about many runs: confidence limits that follow from the runs present.

Each function returns a bound whose width shrinks as runs are added, so a claim
built on it tightens with the budget instead of being set by hand.

- :func:`clopper_pearson`: the exact binomial interval (Clopper & Pearson 1934)
  for a fraction x/n, from Beta quantiles; it never leaves [0, 1].
- :func:`dkw_epsilon`: the Dvoretzky–Kiefer–Wolfowitz bound with Massart's (1990)
  tight constant: P(sup|F_n − F| > ε) ≤ 2 exp(−2nε²), so ε = √(ln(2/α)/(2n)) is
  a (1 − α) bound on the Kolmogorov–Smirnov distance of n independent draws.
- :func:`bonferroni_z`: the two-sided normal quantile that keeps the family-wise
  error of m checks at α.
- :func:`ks_distance`: the one-sample Kolmogorov–Smirnov statistic.
- :func:`ratio_mean`: the mean of first-passage times censored at a horizon
  (total time at risk / number of passages) with its delta-method standard error;
  without censoring it is the sample mean and its usual standard error.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import beta, norm


def clopper_pearson(x: int, n: int, alpha: float) -> tuple[float, float]:
    """(lower, upper) of the two-sided (1 − α) Clopper–Pearson interval for x successes in n trials."""
    if n <= 0:
        return float("nan"), float("nan")
    lo = 0.0 if x <= 0 else float(beta.ppf(alpha / 2, x, n - x + 1))
    hi = 1.0 if x >= n else float(beta.ppf(1 - alpha / 2, x + 1, n - x))
    return lo, hi


def dkw_epsilon(n: int, alpha: float) -> float:
    """ε with P(KS distance of n draws > ε) ≤ α (Dvoretzky–Kiefer–Wolfowitz–Massart)."""
    return math.sqrt(math.log(2 / alpha) / (2 * n)) if n > 0 else float("nan")


def bonferroni_z(alpha: float, m: int) -> float:
    """z with P(|Z| > z) = α/m for a standard normal Z: m two-sided checks at family-wise level α."""
    return float(norm.isf(alpha / (2 * max(m, 1))))


def ks_distance(samples: np.ndarray, cdf) -> float:
    """sup_x |F_n(x) − F(x)| for the empirical distribution F_n of ``samples`` and a CDF callable."""
    x = np.sort(np.asarray(samples, dtype=float))
    n = len(x)
    if n == 0:
        return float("nan")
    F = cdf(x)
    i = np.arange(1, n + 1)
    return float(max(np.max(i / n - F), np.max(F - (i - 1) / n)))


def ratio_mean(times: np.ndarray, observed: np.ndarray) -> tuple[float, float]:
    """(mean, standard error) of first-passage times, each censored at its horizon when not ``observed``.

    The estimate Σ tᵢ / Σ δᵢ (tᵢ the passage time or the horizon, δᵢ = 1 if observed)
    is the maximum-likelihood mean of an exponential time and, without censoring,
    the sample mean.  Its standard error is the delta method's for a ratio of means,
    √(Σ (tᵢ − τ̂δᵢ)²/(n(n − 1))) / δ̄, which assumes no distribution.
    """
    t = np.asarray(times, dtype=float)
    d = np.asarray(observed, dtype=float)
    n = len(t)
    if n < 2 or d.sum() == 0:
        return float("nan"), float("nan")
    tau = t.sum() / d.sum()
    se = math.sqrt(np.sum((t - tau * d) ** 2) / (n * (n - 1))) / d.mean()
    return float(tau), float(se)
