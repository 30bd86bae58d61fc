"""Wrong worlds for the pseudo_inverse claims (see tests/mutations/__init__.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mutations import carry

TRAJECTORY = ["train_loss", "dist_pinv", "dist_proj", "norm", "null_drift", "status"]


def _rows(t, model="linear", optimizer="gd", eta=None):
    mask = (t.model == model) & (t.optimizer == optimizer)
    return mask & np.isclose(t.eta, eta) if eta is not None else mask


def gd_converges_off_pinv(world):
    """GD's limit is 1e-6·|A+y| away from A+y (a perturbed reference, or a limit with a null-space part)."""
    t = world.table
    m = _rows(t)
    t.loc[m, "dist_pinv"] = np.hypot(t.loc[m, "dist_pinv"], 1e-6 * t.loc[m, "pinv_norm"])
    return world


def gd_from_z_with_weight_decay(world):
    """GD from z with weight decay 1e-3 per step: the null-space part of z decays instead of staying."""
    t = world.table
    m = _rows(t, "linear_z")
    lost = t.loc[m, "null_norm"] * (1 - np.exp(-1e-3 * t.loc[m, "step"]))
    t.loc[m, "null_drift"] = lost
    t.loc[m, "dist_proj"] = np.hypot(t.loc[m, "dist_proj"], lost)
    return world


def stability_threshold_shifted(world):
    """β misjudged by 1%: the runs labelled ηβ = 2.01 behave like 1.99 and those labelled 1.99 like 2.01."""
    t = world.table
    hi, lo = _rows(t, eta=2.01), _rows(t, eta=1.99)
    swapped = [carry(t, TRAJECTORY, lo, hi), carry(t, TRAJECTORY, hi, lo)]
    world.table = pd.concat([t[~(hi | lo)], swapped[0][_rows(swapped[0], eta=2.01)],
                             swapped[1][_rows(swapped[1], eta=1.99)]], ignore_index=True)  # fmt: skip
    return world


def gd_uses_half_the_step(world):
    """The update rule applies η/2 while η = 1/β is recorded: the η = 1/β runs follow ηβ = 0.5."""
    t = world.table
    world.table = carry(t, ["dist_pinv"], _rows(t, eta=0.5), _rows(t, eta=1.0))
    return world


def momentum_and_sgd_follow_adam(world):
    """SGD, heavy-ball and Nesterov runs behave like Adam (a coordinate-wise preconditioner)."""
    t = world.table
    for name in ("sgd", "heavy_ball", "nesterov"):
        t = carry(t, TRAJECTORY, _rows(t, optimizer="adam"), _rows(t, optimizer=name))
    world.table = t
    return world


def adaptive_rules_stall(world):
    """Adam and AdaGrad with a constant step stall near the solution: the loss stops falling after K/100."""
    t = world.table
    for name in ("adam", "adagrad"):
        m = _rows(t, optimizer=name)
        K = t.loc[m, "step"].max()
        for cell in t.loc[m, "cell"].unique():
            rows = m & (t.cell == cell)
            plateau = t.loc[rows & (t.step <= K / 100)].sort_values("step").train_loss.iloc[-1]
            t.loc[rows & (t.step > K / 100), "train_loss"] = plateau
    return world


def adaptive_rules_follow_gd(world):
    """Adam and AdaGrad end where GD does (their runs carry GD's at ηβ = 1): no null-space part."""
    t = world.table
    for name in ("adam", "adagrad"):
        t = carry(t, TRAJECTORY, _rows(t, eta=1.0), _rows(t, optimizer=name))
    world.table = t
    return world


def gram_invertible(world):
    """The lecture's formula's world p <= n: A^T A invertible, its smallest eigenvalue λ₊ > 0."""
    t = world.table
    t["gram_lambda_min"] = t["lambda_plus"]
    return world


def gd_from_z_picks_pinv(world):
    """Any interpolant would do, and GD from z happens to end at A+y (the lecture's min |Ax - y|^2 s.t. Ax = y)."""
    t = world.table
    m = _rows(t, "linear_z")
    t.loc[m, "norm"] = t.loc[m, "pinv_norm"]
    return world


MUTATIONS = [
    (r"^GD from 0 at eta\*beta=", gd_converges_off_pinv),
    (r"^GD from z (converges|never moves)", gd_from_z_with_weight_decay),
    (r"^eta\*beta=(2\.01 diverges|1\.99 is stable)", stability_threshold_shifted),
    (r"^contraction at eta=1/beta", gd_uses_half_the_step),
    (r"^(sgd|heavy_ball|nesterov) converges to the same limit", momentum_and_sgd_follow_adam),
    (r"^(adam|adagrad) fits the data", adaptive_rules_stall),
    (r"^(adam|adagrad) ends at another interpolant", adaptive_rules_follow_gd),
    (r"^erratum \(A\^T A\)\^-1", gram_invertible),
    (r"^erratum min \|Ax - y\|\^2", gd_from_z_picks_pinv),
]
