"""Wrong worlds for the escape claims: GD stopped early, noise switched off, escapes counted at the saddle,
the temperature off by the classic factor 2, runs stopped before they mix, no effect of temperature,
an unconverged teacher–student run, saddles in place of minima."""

from __future__ import annotations

import math

import numpy as np

from mutations import World


def _rows(table, model, optimizer=None):
    mask = table.model == model
    return mask & (table.optimizer == optimizer) if optimizer else mask


def _stopped(world: World, optimizer: str, steps: int) -> World:
    """The double well's ``optimizer`` runs as if stopped after ``steps`` steps (later rows dropped)."""
    t = world.table
    world.table = t[~(_rows(t, "double_well", optimizer) & (t.step > steps))].reset_index(drop=True)
    return world


def gd_stopped_after_five_steps(world: World) -> World:
    """GD on the double well run for 5 steps only: far from a."""
    return _stopped(world, "gd", 5)


def noise_switched_off(world: World) -> World:
    """Noisy GD and SGD without noise: every run stays at a and never reaches b."""
    t = world.table.copy()
    noisy = _rows(t, "double_well") & t.optimizer.isin(["noisy_gd", "sgd"])
    a = float(t.loc[_rows(t, "double_well", "gd"), "theta"].median())
    t.loc[noisy, "escape_step"] = -1
    t.loc[noisy, "theta"] = a
    world.table = t
    return world


def escape_counted_at_the_saddle(world: World) -> World:
    """Runs counted as escaped when they reach s instead of b: about half the time (the prefactor pi, not 2 pi)."""
    t = world.table.copy()
    noisy = _rows(t, "double_well", "noisy_gd") & (t.escape_step >= 0)
    t.loc[noisy, "escape_step"] = np.ceil(t.loc[noisy, "escape_step"] / 2)
    world.table = t
    return world


def temperature_twice_too_high(world: World) -> World:
    """The runs had T = eta sigma^2 (the 1/2 forgotten): the table's sigma is sqrt(2) too small for them."""
    t = world.table.copy()
    noisy = _rows(t, "double_well", "noisy_gd")
    t.loc[noisy, "sigma"] = t.loc[noisy, "sigma"] / math.sqrt(2)
    world.table = t
    return world


def stopped_before_mixing(world: World) -> World:
    """Noisy GD stopped after 10 steps: the runs are still at a, far from the Gibbs density."""
    return _stopped(world, "noisy_gd", 10)


def temperature_has_no_effect(world: World) -> World:
    """Every temperature's runs end where the warmest temperature's do."""
    t = world.table.copy()
    noisy = _rows(t, "double_well", "noisy_gd")
    warm = t[noisy & (t.sigma == t.loc[noisy, "sigma"].max())]
    last = warm.sort_values("step").groupby("replicate").tail(1).set_index("replicate").theta
    final = noisy & (t.step == t.loc[noisy, "step"].max())
    t.loc[final, "theta"] = t.loc[final, "replicate"].map(last).to_numpy()
    world.table = t
    return world


def teacher_gd_stopped_early(world: World) -> World:
    """Teacher–student GD certified where it stood after about a tenth of its steps (no polishing)."""
    t = world.table.copy()
    gd = _rows(t, "teacher_student", "gd")
    steps = np.sort(t.loc[gd, "step"].unique())
    early = steps[np.argmin(np.abs(steps - steps.max() / 10))]
    at = t[gd & (t.step == early)].set_index(["cell", "replicate"])
    key = list(zip(t.loc[gd, "cell"], t.loc[gd, "replicate"]))
    t.loc[gd, "certified_loss"] = at.population_loss.reindex(key).to_numpy()
    t.loc[gd, "grad_norm"] = at.gradient_norm.reindex(key).to_numpy()
    world.table = t
    return world


def saddles_not_minima(world: World) -> World:
    """GD's end points have a negative Hessian eigenvalue well beyond rounding: saddles, not minima."""
    t = world.table.copy()
    t.loc[_rows(t, "teacher_student", "gd"), "lambda_min"] = -1e-3
    world.table = t
    return world


MUTATIONS = [
    (r"^\(a\) GD stays", gd_stopped_after_five_steps),
    (r"leaves the shallow basin", noise_switched_off),
    (r"exact first-passage time of the chain|Kramers-Eyring prefactor", escape_counted_at_the_saddle),
    (r"Arrhenius slope of log", temperature_twice_too_high),
    (r"KS distance", stopped_before_mixing),
    (r"mass near b grows", temperature_has_no_effect),
    (r"every GD end point is certified", teacher_gd_stopped_early),
    (r"GD ends at certified spurious minima", saddles_not_minima),
]
