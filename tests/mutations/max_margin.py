"""Wrong worlds for the max_margin claims (see tests/mutations/__init__.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mutations import World, carry, scale


def step_size_in_the_wrong_unit(world: World) -> World:
    """The symmetric set's η recorded 4× too large (a step in the wrong unit): Σα/η and w̃ = w̃₀ + ŵ log η move."""
    world.table = scale(world.table, world.table.model == "symmetric", "eta_abs", 4.0)
    return world


def loss_as_a_mean(world: World) -> World:
    """The loss recorded as a mean over the samples instead of the sum (t L then tends to Σα/(nη))."""
    t = world.table.copy()
    where = t.model == "symmetric"
    t.loc[where, "train_loss"] = t.loc[where, "train_loss"] / t.loc[where, "n_points"]
    world.table = t
    return world


def perturbed_correction(world: World) -> World:
    """Soudry's correction w̃₀ off by (½, −½): θ_t − ŵ log(ηt) then tends to a constant, not to 0."""
    for seeds in world.reference["symmetric"].values():
        seeds["w_tilde"] = (np.asarray(seeds["w_tilde"]) + [0.5, -0.5]).tolist()
    return world


def sign_gd_moves_like_gd(world: World) -> World:
    """sign-GD's iterates replaced by GD's on the orthants set (its steps and data kept)."""
    t = world.table
    orthants = t.model == "orthants"
    world.table = carry(
        t, ["margin_linf"], source=orthants & (t.optimizer == "gd"), target=orthants & (t.optimizer == "sign_gd")
    )
    return world


def frozen_after_the_first_step(world: World) -> World:
    """Every run of the orthants set stays at its first iterate (the sign of ∇L(0)) after step 1."""
    t = world.table.copy()
    first = t[(t.step == 1) & (t.model == "orthants")].set_index("cell").margin_linf
    later = (t.model == "orthants") & (t.step >= 1)
    t.loc[later, "margin_linf"] = first.reindex(t.cell[later]).to_numpy()
    world.table = t
    return world


def the_lectures_even_loss(world: World) -> World:
    """GD on the lecture's log(1 + e^{-|u|}), which cannot tell θ from −θ: the logistic runs end at −θ_K."""
    t = world.table.copy()
    flip = (t.model == "symmetric") & (t.loss == "logistic")
    t.loc[flip, "angle"] = t.loc[flip, "angle"] + 180.0
    world.table = t
    return world


def tilted(table: pd.DataFrame, where, c) -> pd.DataFrame:
    """``table`` in which the planar iterates θ_t of the rows ``where`` become θ_t + c‖θ_t‖v, v the unit
    vector at +90° from ŵ (``c`` a number or one per row): their direction tends to ŵ + c‖ŵ‖v instead
    of ŵ.  The logged angle, norm and 1 − cos(θ, ŵ) follow."""
    t = table.copy()
    rows = t[where]
    a, w = np.radians(rows.angle.to_numpy(float)), np.radians(rows.angle_l2.to_numpy(float))
    norm = rows.norm.to_numpy(float)
    theta = norm[:, None] * np.c_[np.cos(a), np.sin(a)]
    theta += (np.asarray(c, dtype=float) * norm)[:, None] * np.c_[-np.sin(w), np.cos(w)]
    new_norm = np.linalg.norm(theta, axis=1)
    u = theta / np.where(new_norm > 0, new_norm, 1)[:, None]
    t.loc[where, "angle"] = np.degrees(np.arctan2(theta[:, 1], theta[:, 0]))
    t.loc[where, "norm"] = new_norm
    t.loc[where, "gap_l2"] = np.where(new_norm > 0, 0.5 * ((u - np.c_[np.cos(w), np.sin(w)]) ** 2).sum(axis=1), np.nan)
    return t


def start_leaks_into_the_limit(world: World) -> World:
    """GD from θ₀ = s z/‖z‖ ends in a direction that depends on s: θ_t + 0.3 s‖θ_t‖v (a limit
    tilted by atan(0.3 s) from ŵ instead of the start fading into the bounded remainder)."""
    t = world.table
    starts = (t.model == "symmetric_init") & (t.init_scale > 0)
    world.table = tilted(t, starts, 0.3 * t.init_scale[starts].to_numpy(float))
    return world


def sgd_finds_another_direction(world: World) -> World:
    """SGD's iterates tend to a direction 17° away from ŵ (θ_t + 0.3‖θ_t‖v): an implicit bias of its own."""
    t = world.table
    world.table = tilted(t, (t.model == "symmetric") & (t.optimizer == "sgd"), 0.3)
    return world


def gd_finds_another_direction(world: World) -> World:
    """GD on the logistic loss tends to a direction 17° away from ŵ: the L2 max margin is not its limit."""
    t = world.table
    world.table = tilted(t, (t.model == "symmetric") & (t.optimizer == "gd") & (t.loss == "logistic"), 0.3)
    return world


MUTATIONS = [
    (r"symmetric set, GD \(exponential and logistic loss\)", step_size_in_the_wrong_unit),
    (r"symmetric set, GD .*\|t L\(theta_t\) eta / sum alpha - 1\|", loss_as_a_mean),
    (r"symmetric set, GD .*\|theta_t - w_hat log\(eta t\) - w~_0\|", perturbed_correction),
    (r"orthants set, sign-GD", sign_gd_moves_like_gd),
    (r"orthants set, (sign-GD|Adam)", frozen_after_the_first_step),
    (r"random starts \(symmetric set, logistic GD", start_leaks_into_the_limit),
    (r"logistic SGD \(batch 1|logistic SGD against GD", sgd_finds_another_direction),
    (r"logistic GD at SGD's eta|logistic SGD against GD", gd_finds_another_direction),
    (r"erratum log\(1 \+ e\^\{-\|u\|\}\): the logistic loss GD minimises", the_lectures_even_loss),
]
