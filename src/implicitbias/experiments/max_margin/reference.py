"""Solver reference of max_margin: the hard-margin SVM (QP) and the l-inf max-margin (LP)."""

from __future__ import annotations

from ...numerics.margins import hard_margin_svm, linf_max_margin
from .problem import SETS, data


def reference(settings: dict, seeds) -> dict:
    """For every data set and seed: the SVM ŵ and α (cvxpy QP) and the ℓ∞ direction (HiGHS LP)."""
    out = {}
    for name in SETS:
        out[name] = {}
        for seed in seeds:
            X, y = data(name, seed, settings)
            w, alpha = hard_margin_svm(X, y)
            w_inf, gamma_inf = linf_max_margin(X, y)
            out[name][str(seed)] = {
                "w": w.tolist(), "alpha": alpha.tolist(), "w_inf": w_inf.tolist(), "gamma_inf": gamma_inf,
            }  # fmt: skip
    return out
