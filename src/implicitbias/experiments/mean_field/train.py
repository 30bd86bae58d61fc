"""Wide two-layer ReLU networks approach the F1 max-margin classifier (Chizat & Bach 2020).

Data (Chizat & Bach's construction).  An input is

    x = (1, c₁ + R cos T, c₂ + R sin T, U[−½, ½]^{d−3}):

a bias coordinate, a point of one of k² clusters in the plane, and d − 3 noise
coordinates.  The cluster centres form a k×k grid with coordinates
Δ(1 + 3(p − 1)) − ½, p = 1..k, Δ = 1/(3k − 1); within a cluster T ~ U[0, 2π]
and R = Δ·U[0, 1].  Each cluster carries one label, ⌊k²/2⌋ of them −1 (chosen
at random); each sample picks its cluster uniformly.  The seed draws the
labels, the samples and the initialisation.

Model.  f(x) = (1/m) Σⱼ aⱼ relu(wⱼ·x) with aⱼ, wⱼ ~ N(0, 1)
(``implicitbias.two_layer``).  ``both_layers`` trains a and W;
``output_layer`` trains a only, from a = 0, with W fixed at its init: a linear
model in random ReLU features, whose GD limit is the kernel (F2) max margin.
The loss is a mean over the samples; the step is η·m (mean-field scaling).

What is measured.  On the margin problem (d, k, n; d = 3 by default) every
logged step records the normalised margin min yᵢf(xᵢ) / P(θ), P the path norm,
which can never exceed the F1 max margin γ*; γ*_LP is its LP value over a
dictionary of unit directions (``implicitbias.f1_margin``), computed once per
seed by ``reference``, with the certificate γ*_up ≥ γ* and γ*_init, the F1
max margin over the network's own initial directions.  The dimension sweep
(``sweep_dims``, with its own n, width, step count and η per model: a
different problem than the margin one) trains the
same cell at every d of the list and records the final test and train error
as the per-cell constants ``test_error_d<d>``, ``train_error_d<d>``: the
grid's cells stay one row per (cell, step), and all d train in the same job,
batched over the cell's seeds.

Width sweep (Chizat & Bach's statement is about m → ∞).  Every both-layer
cell also trains on the margin problem at each width m of ``widths`` for
``width_steps`` steps (same η, same mean-field step η·m, a fresh init of width
m) and records its final normalised margin as the constant ``margin_m<m>``.

The F2 limit of the output layer.  The reference holds, per seed, â, the
hard-margin SVM of the output layer's own random features (``reference.py``);
each logged step of an output-layer run records ``f2_gap`` = 1 − cos(a, â),
and the cell carries γ_F1(â), â's F1-normalised margin, as ``gamma_f2``.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import torch

from ...numerics import classification, optim, step_size, train, two_layer
from .problem import init, problem

MODELS = ("both_layers", "output_layer")


# ---------------------------------------------------------------- training


def _objective(model: str, X, y, W0, m: int, loss: str):
    if model == "both_layers":
        return two_layer.BothLayers(X, y, m, loss)
    return two_layer.OutputLayer(X, y, W0, loss)


def _train(
    settings: dict, cells: list, d: int, n: int, m: int, eta: np.ndarray, steps: int, log_at, device, dtype, f2=None
):
    """Train every cell on its problem of dimension d with n samples and width m, grid step η (absolute η·m).

    Returns the trajectory (metrics: loss, normalised margin, path norm, train
    and test error; with ``f2``, output weights â ``[R, m]`` per run, also
    1 − cos(a, â)), the objective (to unpack its iterates) and the start x0.
    """
    k, model = settings["k"], cells[0].model
    data = [problem(c.seed, d, k, n, settings["test_points"]) for c in cells]
    weights = [init(c.seed, m, d) for c in cells]
    as_t = partial(train.stacked, dtype=dtype, device=device)
    X, y, X_test, y_test = (as_t([p[i] for p in data]) for i in range(4))
    a0, W0 = (as_t([w[i] for w in weights]) for i in range(2))
    if model == "output_layer":
        a0 = torch.zeros_like(a0)
    objective = _objective(model, X, y, W0, m, cells[0].loss)
    x0 = objective.pack(a0, W0)
    name = cells[0].optimizer
    eta_abs = step_size.absolute_step(eta, step_size.unit_of(settings, name), width=m)
    rule = optim.make(name, x0, torch.as_tensor(eta_abs, dtype=dtype, device=device), step_size.rule_options(settings, name))

    a_f2 = None if f2 is None else torch.as_tensor(f2, dtype=dtype, device=device)

    def metrics(x):
        a, W = objective.unpack(x)
        u = objective.margins(x)
        P = two_layer.path_norm(a, W)
        values = {
            "train_loss": objective.loss(x),  # the mean loss L
            "margin": u.min(dim=1).values / P,  # normalised margin, ≤ γ*
            "path_norm": P,
            "train_error": (u <= 0).to(dtype).mean(dim=1),
            "test_error": (y_test * two_layer.predict(a, W, X_test) <= 0).to(dtype).mean(dim=1),
        }
        if a_f2 is not None:
            values["f2_gap"] = classification.angle_gap(a, a_f2)  # 1 − cos(a, â); NaN at a = 0
        return values

    # the smooth-margin loss log mean e^{−u} may be negative: only non-finite values diverge
    blowup = math.inf if cells[0].loss == "smooth_margin" else settings["blowup"]
    traj = train.run(objective, rule, x0, log_at, metrics, blowup=blowup)
    return traj, objective, x0


def train_batch(settings: dict, cells: list, device: torch.device, dtype: torch.dtype, reference=None):
    """Train every cell on the margin problem, then on each d of the sweep; returns (Trajectory, constants)."""
    d, m, model = settings["d"], settings["width"], cells[0].model
    eta = np.array([c.eta for c in cells])
    log_at = train.log_schedule(settings["steps"], settings["log_points"])
    seeds = (reference or {}).get("seeds", {})
    f2 = None
    if model == "output_layer":  # â per cell, NaN where the reference lacks its seed
        f2 = np.array([seeds.get(str(c.seed), {}).get("f2_weights", np.full(m, np.nan)) for c in cells])
    traj, objective, x0 = _train(settings, cells, d, settings["n"], m, eta, settings["steps"], log_at, device, dtype,
                                 f2=f2)  # fmt: skip
    a0, W0 = (v.cpu().numpy() for v in objective.unpack(x0))
    a, W = (v.cpu().numpy() for v in objective.unpack(traj.x))

    def per_cell(arr):
        """One flattened array per cell, stored as a list column (for the figure's particles)."""
        out = np.empty(len(cells), dtype=object)
        out[:] = [row.ravel() for row in arr]
        return out

    constants = {
        "eta_abs": step_size.absolute_step(eta, step_size.unit_of(settings, cells[0].optimizer), width=m),
        "gamma_lp": np.array([seeds.get(str(c.seed), {}).get("gamma", np.nan) for c in cells]),
        "gamma_upper": np.array([seeds.get(str(c.seed), {}).get("gamma_upper", np.nan) for c in cells]),
        "gamma_init": np.array([seeds.get(str(c.seed), {}).get("gamma_init", np.nan) for c in cells]),
        "gamma_f2": np.array([seeds.get(str(c.seed), {}).get("gamma_f2", np.nan) for c in cells]),
        "a_init": per_cell(a0),
        "w_init": per_cell(W0),
        "a_final": per_cell(a),
        "w_final": per_cell(W),
    }
    if model == "both_layers":
        T = settings["width_steps"]
        for width in settings["widths"]:
            run, _, _ = _train(settings, cells, d, settings["n"], width, eta, T, np.array([0, T]), device, dtype)
            constants[f"margin_m{width}"] = np.where(~run.diverged, run.metrics["margin"][-1], np.nan)
    steps = settings["sweep_steps"]
    sweep_eta = np.full(len(cells), settings["sweep_eta"][cells[0].model])
    for dim in settings["sweep_dims"]:
        sweep, _, _ = _train(settings, cells, dim, settings["sweep_n"], settings["sweep_width"], sweep_eta,
                             steps, np.array([0, steps]), device, dtype)  # fmt: skip
        final = ~sweep.diverged  # a diverged run's test error is unknown (NaN)
        constants[f"test_error_d{dim}"] = np.where(final, sweep.metrics["test_error"][-1], np.nan)
        constants[f"train_error_d{dim}"] = np.where(final, sweep.metrics["train_error"][-1], np.nan)
    return traj, constants
