"""Wrong worlds for the double_descent claims (see tests/mutations/__init__.py)."""

from __future__ import annotations

import numpy as np

from mutations import World


def formula_off_by_ten_percent(w: World) -> World:
    """The wrong prefactor: the exact formulas 10% too high (the MC means no longer match them)."""
    w.table = w.table.assign(theory_exact=w.table.theory_exact * 1.1, theory_ridge=w.table.theory_ridge * 1.1)
    return w


def peak_moved_to_twice_n(w: World) -> World:
    """A risk curve whose peak sits at gamma = 2 (not at p = n): the largest min-norm risk far from 1."""
    t = w.table
    at2 = (t.optimizer == "min_norm") & np.isclose(t.gamma, t.gamma[t.gamma >= 1.9].min())
    w.table = t.assign(risk=np.where(at2, t.risk * 1e6, t.risk))
    return w


def ridge_is_min_norm(w: World) -> World:
    """A mis-tuned ridge that does worse than no regulariser: the ridge rows carry 1.5 x the min-norm
    risks (which peak at p = n)."""
    t = w.table.set_index(["model", "seed", "p"])
    mn = t[t.optimizer == "min_norm"].risk
    rg = t.optimizer == "ridge"
    t.loc[rg, "risk"] = 1.5 * mn.reindex(t[rg].index).to_numpy()
    w.table = t.reset_index()
    return w


def gd_not_converged(w: World) -> World:
    """GD stopped early: its distance to X+y is 1e-6, not round-off."""
    t = w.table
    w.table = t.assign(dist_min_norm=np.where(t.optimizer == "gd", 1e-6, t.dist_min_norm))
    return w


def digits_peak_at_small_n(w: World) -> World:
    """Random features whose test MSE and coefficient norm peak at the smallest N (no interpolation peak)."""
    t = w.table
    first = t.model.str.endswith("digits") & (t.p == t[t.model.str.endswith("digits")].p.min())
    w.table = t.assign(test_mse=np.where(first, 1e9, t.test_mse), coef_norm=np.where(first, 1e9, t.coef_norm))
    return w


def no_second_descent(w: World) -> World:
    """Past N = 2n the test error stays at chance (0.9): the over-parametrised fit generalises worse."""
    t = w.table
    far = t.model.str.endswith("digits") & (t.p >= 2 * w.settings["n_train"])
    w.table = t.assign(test_error=np.where(far, 0.9, t.test_error))
    return w


def no_interpolation(w: World) -> World:
    """Past N = n the fit leaves training errors and a residual far above round-off (a regularised fit)."""
    t = w.table
    over = t.model.str.endswith("digits") & (t.p >= w.settings["n_train"])
    w.table = t.assign(train_error=np.where(over, 0.05, t.train_error),
                       train_backward_error=np.where(over, 1e6, t.train_backward_error))  # fmt: skip
    return w


MUTATIONS = [
    (r"vs exact formula", formula_off_by_ten_percent),
    (r"min-norm risk peaks next to p = n", peak_moved_to_twice_n),
    (r"optimal ridge has no peak|ridge at lambda\* no worse", ridge_is_min_norm),
    (r"GD from 0 equals", gd_not_converged),
    (r"peaks at N = n", digits_peak_at_small_n),
    (r"second descent beats the first", no_second_descent),
    (r"training 0/1 error|training residual", no_interpolation),
]
