"""The statistics helpers of claim bounds (implicitbias.numerics.stats)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from implicitbias.numerics import stats


def test_clopper_pearson_closed_forms_and_coverage():
    # k = 0 and k = n have closed forms: hi = 1 − (α/2)^(1/n), lo = (α/2)^(1/n)
    assert stats.clopper_pearson(0, 50, 0.05) == pytest.approx((0.0, 1 - 0.025 ** (1 / 50)), rel=1e-10)
    assert stats.clopper_pearson(50, 50, 0.05) == pytest.approx((0.025 ** (1 / 50), 1.0), rel=1e-10)
    # the interval of k/n contains the rate for most draws: exact coverage ≥ 1 − α over all k
    from scipy.stats import binom

    n, rate, alpha = 40, 0.3, 0.1
    covered = sum(binom.pmf(k, n, rate) for k in range(n + 1) if stats.clopper_pearson(k, n, alpha)[0] <= rate
                  <= stats.clopper_pearson(k, n, alpha)[1])  # fmt: skip
    assert covered >= 1 - alpha


def test_distance_outside_is_membership_in_the_interval():
    lo, hi = stats.clopper_pearson(30, 100, 1e-3)
    for value in (lo - 1e-9, lo + 1e-9, 0.3, hi - 1e-9, hi + 1e-9):
        gap, width = stats.distance_outside(value, 30, 100, 1e-3)
        assert (gap <= width) == (lo <= value <= hi)


def test_richardson_removes_the_leading_term_exactly():
    V, B, q = 1.7, 3.0, 0.6
    est, w_late, w_early = stats.richardson(V + B * 2000.0**-q, V + B * 200.0**-q, 0.1, q)
    assert est == pytest.approx(V, rel=1e-13)
    assert w_late - w_early == pytest.approx(1.0)


def test_standard_error_and_tail():
    x = np.arange(10.0)
    assert stats.standard_error(x) == pytest.approx(np.std(x, ddof=1) / math.sqrt(10))
    assert math.isnan(stats.standard_error([1.0]))
    assert stats.two_sided_tail(1.959963984540054) == pytest.approx(0.05, rel=1e-9)
