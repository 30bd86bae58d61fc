"""Small statistics of the runs present: means and their standard errors.

Claims whose bound is statistical compute it here, from the runs actually in
the table, so that the bound tightens as runs are added.
"""

from __future__ import annotations

import numpy as np


def standard_error(values) -> float:
    """The standard error of the mean, s/√n (s with n − 1 degrees of freedom); NaN for n < 2.

    A NaN among the values propagates (an unmeasured run is never dropped).
    """
    x = np.asarray(values, dtype=float)
    if x.size < 2:
        return float("nan")
    return float(np.std(x, ddof=1) / np.sqrt(x.size))


def mean_and_se(values) -> tuple[float, float]:
    """(mean, standard error of the mean) of ``values``; NaN where undefined."""
    x = np.asarray(values, dtype=float)
    return (float(x.mean()) if x.size else float("nan")), standard_error(x)

