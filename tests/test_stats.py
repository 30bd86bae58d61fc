"""The statistics behind the claims' bounds (implicitbias.numerics.stats) against scipy and closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

from implicitbias.numerics import stats


def test_clopper_pearson_at_the_edges_and_against_the_beta_quantiles():
    assert stats.clopper_pearson(0, 8, 0.05) == (0.0, pytest.approx(1 - 0.025 ** (1 / 8)))
    assert stats.clopper_pearson(8, 8, 0.05) == (pytest.approx(0.025 ** (1 / 8)), 1.0)
    lo, hi = stats.clopper_pearson(3, 10, 0.05)
    from scipy.stats import binom

    assert binom.sf(2, 10, lo) == pytest.approx(0.025) and binom.cdf(3, 10, hi) == pytest.approx(0.025)
    assert all(math.isnan(x) for x in stats.clopper_pearson(0, 0, 0.05))


def test_fisher_greater_is_the_hypergeometric_tail():
    # 8/8 against 0/8: only the observed table is as extreme; p = 1 / C(16, 8)
    assert stats.fisher_greater(8, 8, 0, 8) == pytest.approx(1 / math.comb(16, 8))
    assert stats.fisher_greater(0, 8, 8, 8) == pytest.approx(1.0)
    assert math.isnan(stats.fisher_greater(1, 0, 0, 3))


def test_paired_t_and_quantiles_agree_with_scipy():
    from scipy.stats import norm, ttest_rel

    a, b = np.array([3.0, 2.5, 4.0, 3.7]), np.array([1.0, 1.2, 0.8, 1.5])
    t, df = stats.paired_t(a, b)
    assert t == pytest.approx(ttest_rel(a, b).statistic) and df == 3
    assert math.isnan(stats.paired_t([1.0], [0.0])[0]) and math.isnan(stats.student_quantile(0.99, 0))
    assert stats.bonferroni_z(0.001, 4) == pytest.approx(norm.ppf(1 - 0.001 / 8))
    assert stats.bonferroni_z(0.01, 4, two_sided=False) == pytest.approx(norm.ppf(1 - 0.01 / 4))
    assert math.isnan(stats.bonferroni_z(0.01, 0)) and math.isnan(stats.standard_error([1.0]))


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


def test_dkw_and_ks_distance():
    from scipy.stats import kstest, norm

    assert stats.dkw_epsilon(1000, 0.01) == pytest.approx(math.sqrt(math.log(200) / 2000), rel=1e-15)
    assert math.isnan(stats.dkw_epsilon(0, 0.01)) and math.isnan(stats.ks_distance([], norm.cdf))
    x = np.random.default_rng(0).standard_normal(500)
    assert stats.ks_distance(x, norm.cdf) == pytest.approx(kstest(x, "norm").statistic, rel=1e-12)


def test_censored_mean_is_the_sample_mean_or_the_exponential_mle():
    t = np.array([3.0, 7.0, 1.0, 9.0])
    tau, se = stats.ratio_mean(t, np.ones(4, dtype=bool))
    assert tau == pytest.approx(t.mean()) and se == pytest.approx(t.std(ddof=1) / 2)
    tau, _ = stats.ratio_mean(np.array([3.0, 10.0, 1.0, 10.0]), np.array([True, False, True, False]))
    assert tau == pytest.approx(24.0 / 2)  # total time at risk / passages
    assert all(math.isnan(v) for v in stats.ratio_mean([5.0, 5.0], [False, False]))
