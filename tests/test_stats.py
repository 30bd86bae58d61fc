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
