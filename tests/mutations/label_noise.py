"""Wrong worlds for the label_noise claims (see tests/mutations/__init__.py).

Quadratic model: one condition takes the trajectories of another at the same
seeds (label noise switched off, label noise alone switched off, minibatch
noise that recovers, label noise that ends where GD does), a step past the
batch-1 stability edge, a perturbed LP reference, a biased Hutchinson
estimate.  Toy: the drift of the ¼ tr ∇²L prediction, a prediction with the
wrong prefactor, label noise switched off, a Gaussian control that drifts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from implicitbias.numerics.toy_drift import drift_exact_log

QUAD, TOY = "quadratic", "product"


def _mask(t, model, optimizer, noisy):
    return (t.model == model) & (t.optimizer == optimizer) & ((t.sigma > 0) == noisy)


def _takes(world, target: tuple, source: tuple, model: str = QUAD, on: tuple = ("seed",)):
    """The cells of condition ``target`` (optimizer, noisy) carry the trajectories of ``source`` that match
    them on ``on``: every column of the source's rows but the target's identity (cell, optimizer, η, σ)."""
    t = world.table
    tgt, src = t[_mask(t, model, *target)], t[_mask(t, model, *source)]
    ident = [c for c in ("cell", "optimizer", "eta", "sigma") if c not in on]
    moved = src.drop(columns=ident).merge(tgt[[*on, *ident]].drop_duplicates("cell"), on=list(on))
    world.table = pd.concat([t[~_mask(t, model, *target)], moved], ignore_index=True)
    return world


def label_noise_off(world):
    """Label-noise SGD without its label noise: the minibatch-alone runs."""
    return _takes(world, ("sgd", True), ("sgd", False))


def label_noise_alone_off(world):
    """Full-batch GD with fresh labels behaves like plain GD."""
    return _takes(world, ("gd", True), ("gd", False))


def minibatch_alone_recovers(world):
    """SGD on clean labels recovers like label-noise SGD (sampling would drive the recovery)."""
    return _takes(world, ("sgd", False), ("sgd", True))


def label_noise_ends_where_gd_does(world):
    return _takes(world, ("sgd", True), ("gd", False))


def step_past_the_edge(world):
    """The SGD step 1.5x larger (the old absolute 0.015 was 2-2.5 in units of 1/beta)."""
    t = world.table
    world.table.loc[(t.model == QUAD) & (t.optimizer == "sgd"), "eta_abs"] *= 1.5
    return world


def perturbed_reference(world):
    """An LP solved wrongly: every w_l1 moved by 1e-3 on its first coordinate."""
    for entry in world.reference["quadratic"].values():
        entry["w_l1"][0] += 1e-3
    return world


def hutchinson_biased(world):
    t = world.table
    world.table.loc[t.model == QUAD, "trace_hutchinson_final"] += 10 * t.loc[t.model == QUAD, "hutchinson_sd"]
    return world


def toy_follows_quarter_trace(world):
    """The label-noise toy drifts as sinh 2s_k = sinh 2s_0 exp(-eta^2 sigma^2 k) says (no DLM factor)."""
    t = world.table
    m = _mask(t, TOY, "sgd", True)
    world.table.loc[m, "s"] = t.loc[m, "s_quarter_trace"]
    return world


def toy_wrong_prefactor(world):
    """The exact-log prediction with half the drift rate (eta^2 sigma^2/4 instead of /2)."""
    t = world.table
    m = _mask(t, TOY, "sgd", True)
    for cell, rows in t[m].groupby("cell"):
        r = rows.iloc[0]
        idx = rows.index
        world.table.loc[idx, "s_exact_log"] = drift_exact_log(r.s0, r.eta_abs, r.sigma / np.sqrt(2), rows.step)
    return world


def toy_label_noise_off(world):
    """No drift: s and sinh 2s stay where they started (what Gaussian noise does to E sinh 2s)."""
    t = world.table
    m = _mask(t, TOY, "sgd", True)
    world.table.loc[m, "s"] = t.loc[m, "s0"]
    world.table.loc[m, "sinh2s"] = np.sinh(2 * t.loc[m, "s0"])
    return world


def toy_gaussian_drifts(world):
    """The Gaussian control with the label-noise drift of the same (eta, sigma)."""
    return _takes(world, ("noisy_gd", True), ("sgd", True), model=TOY, on=("seed", "eta", "sigma"))


MUTATIONS = [
    (r"label-noise SGD rounds", label_noise_off),
    (r"label noise alone \(full-batch|drives the recovery", label_noise_alone_off),
    (r"label noise alone \(full-batch|drives the recovery", minibatch_alone_recovers),
    (r"ends flatter", label_noise_ends_where_gd_does),
    (r"stable along the path", step_past_the_edge),
    (r"basis pursuit recovers", perturbed_reference),
    (r"Hutchinson", hutchinson_biased),
    (r"collapses onto|is rejected", toy_follows_quarter_trace),
    (r"collapses onto", toy_wrong_prefactor),
    (r"moves E sinh|falls along|rises along", toy_label_noise_off),
    (r"conserves E sinh", toy_gaussian_drifts),
]
