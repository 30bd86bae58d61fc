"""Wrong worlds for the claims of double_descent (see tests/mutations/__init__.py)."""

from __future__ import annotations

from mutations import World, swap_optimizer

DIGITS = ["rff_digits", "relu_digits"]


def formula_wrong_prefactor(world: World) -> World:
    """The exact min-norm formula with a wrong prefactor (0.8 of the risk)."""
    t = world.table
    t.loc[t.optimizer == "min_norm", "theory_exact"] *= 0.8
    return world


def ridge_is_min_norm(world: World) -> World:
    """Ridge at lambda = 0: the ridge cells carry the min-norm runs (the peak comes back)."""
    world.table = swap_optimizer(world.table, "min_norm", "ridge", model="isotropic")
    return world


def estimators_swapped(world: World) -> World:
    """Min-norm and ridge labels exchanged: 'min-norm' has no peak, 'ridge' is worse than min-norm."""
    t = world.table
    iso = t.model == "isotropic"
    names = {"min_norm": "ridge", "ridge": "min_norm"}
    t.loc[iso, "optimizer"] = t.loc[iso, "optimizer"].map(lambda o: names.get(o, o))
    return world


def gd_stopped_early(world: World) -> World:
    """GD from 0 stopped after a tenth of its steps: its distance is the bound's contraction to the power 1/10."""
    t = world.table
    gd = t.optimizer == "gd"
    t.loc[gd, "dist_min_norm"] = t.loc[gd, "gd_bound"] ** 0.1
    return world


def features_duplicated(world: World) -> World:
    """A feature map whose rank is half its width (each feature twice): the threshold moves to N = 2n."""
    t = world.table
    dig = t.model.isin(DIGITS)
    t.loc[dig, "p"] *= 2
    return world


def no_second_descent(world: World) -> World:
    """Beyond the threshold the test error stays at its value at N = n (no second descent)."""
    t = world.table
    n = world.settings["n_train"]
    for model in DIGITS:
        rows = t[(t.model == model)]
        at_n = rows[rows.p == n].set_index("seed").test_error
        over = (t.model == model) & (t.p > n)
        t.loc[over, "test_error"] = t.loc[over, "seed"].map(at_n).to_numpy()
    return world


def no_interpolation(world: World) -> World:
    """A fit that does not interpolate (e.g. ridge at a large lambda): beyond N = n the training error is that of
    the smallest N, and the residual is not at rounding level."""
    t = world.table
    n = world.settings["n_train"]
    for model in DIGITS:
        rows = t[t.model == model]
        first = rows[rows.p == rows.p.min()].set_index("seed")
        over = (t.model == model) & (t.p >= n)
        t.loc[over, "train_error"] = t.loc[over, "seed"].map(first.train_error).to_numpy()
    return world


def unstable_solver(world: World) -> World:
    """Least squares by the normal equations: the residual grows with the condition number (here 1e6 units)."""
    t = world.table
    t.loc[t.model.isin(DIGITS), "train_backward_error"] *= 1e6
    return world


MUTATIONS = [
    (r"min-norm mean risk vs the exact finite-n formula", formula_wrong_prefactor),
    (r"min-norm mean risk peaks", estimators_swapped),
    (r"ridge at lambda\* no worse than min-norm", estimators_swapped),
    (r"optimal ridge has no peak", ridge_is_min_norm),
    (r"GD from 0 equals", gd_stopped_early),
    (r"digits: (test MSE|coefficient norm) peaks", features_duplicated),
    (r"digits: the second descent", no_second_descent),
    (r"digits: training 0/1 error", no_interpolation),
    (r"digits: training residual", unstable_solver),
]
