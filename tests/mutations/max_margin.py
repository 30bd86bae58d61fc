"""Wrong worlds for the max_margin claims (see tests/mutations/__init__.py)."""

from __future__ import annotations

import numpy as np

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
    world.table = carry(t, ["margin_linf"], source=orthants & (t.optimizer == "gd"), target=orthants & (t.optimizer == "sign_gd"))
    return world


def frozen_after_the_first_step(world: World) -> World:
    """Every run of the orthants set stays at its first iterate (the sign of ∇L(0)) after step 1."""
    t = world.table.copy()
    first = t[t.step == 1].set_index("cell").margin_linf
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


MUTATIONS = [
    (r"symmetric set, GD \(exponential and logistic loss\)", step_size_in_the_wrong_unit),
    (r"symmetric set, GD .*\|t L\(theta_t\) eta / sum alpha - 1\|", loss_as_a_mean),
    (r"symmetric set, GD .*\|theta_t - w_hat log\(eta t\) - w~_0\|", perturbed_correction),
    (r"orthants set, sign-GD", sign_gd_moves_like_gd),
    (r"orthants set, (sign-GD|Adam)", frozen_after_the_first_step),
    (r"erratum log\(1 \+ e\^\{-\|u\|\}\): the logistic loss GD minimises", the_lectures_even_loss),
]
