"""The shared figure theme: the confidence bands are the t interval of the mean."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from implicitbias.figures import theme


@pytest.mark.parametrize("n", [2, 3, 10])
def test_ci95_is_students_t_interval(n):
    x = np.random.default_rng(n).normal(3.0, 2.0, size=n)
    lo, hi = theme.ci95(x)
    ref = stats.t.interval(0.95, n - 1, loc=x.mean(), scale=stats.sem(x))
    np.testing.assert_allclose((lo, hi), ref, rtol=1e-12)


def test_ci95_ignores_diverged_values_and_degenerates_to_the_point():
    assert theme.ci95([1.0, np.nan, np.inf]) == (1.0, 1.0)
    lo, hi = theme.ci95([1.0, 2.0, np.nan])
    assert lo < 1.5 < hi
