"""Wrong worlds for the robbins_monro claims (see tests/mutations/__init__.py)."""

from __future__ import annotations

import numpy as np

from implicitbias.numerics.stochastic_approximation import PHI0
from mutations import carry

MEANS = ["sq_error", "sq_error_se", "k_mse", "status"]


def median_variance_without_the_minus_one(world):
    """k·MSE tends to c²s²/(2cφ(0)) (the asymptotic variance without its −1): every median run's
    squared error scaled by (2cφ(0) − 1)/(2cφ(0))."""
    t = world.table
    m = t.model == "median"
    a = 2 * t.loc[m, "eta"] * PHI0
    for col in ("sq_error", "sq_error_se", "k_mse"):
        t.loc[m, col] = t.loc[m, col] * np.where(a > 1, (a - 1) / a, 1.0)
    return world


def c_one_behaves_like_the_optimum(world):
    """c = 1 converges at the 1/k rate (its runs carry those of c = 1/φ(0))."""
    t = world.table
    med = t.model == "median"
    world.table = carry(t, MEANS, med & np.isclose(t.eta, 1 / PHI0, rtol=1e-6), med & np.isclose(t.eta, 1.0))
    return world


def constant_step_decays(world):
    """The constant step keeps decreasing (its runs carry those of η/k)."""
    t = world.table
    ls = t.model == "least_squares"
    world.table = carry(t, MEANS, ls & (t.optimizer == "robbins_monro"), ls & (t.optimizer == "sgd"))
    return world


def decaying_step_plateaus(world):
    """η/k plateaus like a constant step (its runs carry those of the constant step)."""
    t = world.table
    ls = t.model == "least_squares"
    world.table = carry(t, MEANS, ls & (t.optimizer == "sgd"), ls & (t.optimizer == "robbins_monro"))
    return world


MUTATIONS = [
    (r"^median, c=(2|2\.507|5): \|k\*MSE_k extrapolated", median_variance_without_the_minus_one),
    (r"^median, c=1 is too small", c_one_behaves_like_the_optimum),
    (r"^least squares, constant step", constant_step_decays),
    (r"^least squares(, eta/k keeps decreasing|: final error of eta/k)", decaying_step_plateaus),
]
