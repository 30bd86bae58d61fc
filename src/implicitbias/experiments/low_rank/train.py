"""Gradient descent on matrix factorizations finds low-rank solutions (lecture: implicit bias).

Three stories, one model each on the grid's ``model`` axis (the factors are n×n):

(a) ``sensing_uut``, matrix sensing (Gunasekar et al. 2017).  X* ⪰ 0 with
    n = 20, rank r = 2, ‖X*‖_F = √n; m symmetric Gaussian measurements
    yᵢ = ⟨Aᵢ, X*⟩; X = UUᵀ with U = α·U₀, U₀ = I (so X₀ = α²I).  As α → 0, GD
    approaches the minimum-trace PSD interpolant (the SDP of
    :mod:`implicitbias.sdp`, the cached reference), which is X* itself when m is
    large enough (m = 3nr); below that the two can differ (Arora et al. 2019).
    The init scale α is swept *inside* each cell: a cell (one seed) trains
    one run per (m, α), and the table has ``m`` and ``alpha`` columns.

(b) ``completion_depth2``, ``completion_depth3``: deep matrix completion (Arora
    et al. 2019).  W* = BCᵀ (30×30, rank 2, ‖W*‖_F = n), |Ω| = 250 observed
    entries, W = W_N ⋯ W_1 with W_j ~ N(0, α²) entrywise, α = 10⁻³.  Depth 3
    recovers W* where depth 2 does not: its spectrum is sharply rank 2.

(c) ``razin_cohen``: 2×2 completion of W₀₁ = W₁₀ = 1, W₁₁ = 0 (W₀₀ unobserved)
    by W = W₃W₂W₁ from the balanced init W_j = scale·O_j (O_j Haar-orthogonal)
    with det(W) > 0, the assumption of Razin & Cohen's (2020) theorem.  A solution has det = −1 < 0, so from det > 0 the loss only vanishes
    as |W₀₀| → ∞: near rank one, det ≈ 0 gives |W₀₀|·|W₁₁| ≈ 1, hence
    |W₀₀| ≈ 1/√(2L).  Every norm diverges while the effective rank tends to 1.

Losses (the grid's ``loss`` axis): ``squares`` is ½Σᵢ rᵢ² (a sum over the
measurements), ``mean_squares`` is ½·(1/m)Σᵢ rᵢ² (a mean over the m
measurements or observed entries).  η is the absolute step size.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import torch

from ...numerics import factorization, optim, step_size, train
from .problem import (
    RAZIN_COHEN_MASK,
    RAZIN_COHEN_TARGET,
    balanced_factors,
    completion_problem,
    gaussian_factors,
    sensing_problem,
)

SCALE = {"squares": lambda m: 1.0, "mean_squares": lambda m: 1.0 / m}


# ---------------------------------------------------------------- training


def stack(trajectories: list[train.Trajectory], cell_of_run: np.ndarray) -> train.Trajectory:
    """One Trajectory from groups of runs trained separately on the same logged steps."""
    return train.Trajectory(
        steps=trajectories[0].steps,
        metrics={k: np.concatenate([t.metrics[k] for t in trajectories], axis=1) for k in trajectories[0].metrics},
        diverged_at=np.concatenate([t.diverged_at for t in trajectories]),
        x=torch.cat([t.x for t in trajectories]),
        cell_of_run=cell_of_run,
    )


def spectrum(W: torch.Tensor) -> dict[str, torch.Tensor]:
    """σ_i(W)/σ₁(W), i = 1 … n, as metrics ``sv_i`` (NaN for a run whose W is not finite: it diverged)."""
    finite = torch.isfinite(W).all(dim=2).all(dim=1)
    s = torch.linalg.svdvals(torch.where(finite[:, None, None], W, torch.zeros_like(W)))
    s = torch.where(finite[:, None], s / s[:, :1], torch.nan)
    return {f"sv_{i + 1}": s[:, i] for i in range(s.shape[1])}


def gd(objective: factorization.Factorized, x0: torch.Tensor, eta: np.ndarray, settings: dict, steps: int, metrics):
    """Plain GD on the factors of every run, logged on the geometric schedule."""
    eta = torch.as_tensor(eta, dtype=x0.dtype, device=x0.device)
    rule = optim.make("gd", x0, eta, step_size.rule_options(settings, "gd"))
    log_at = train.log_schedule(steps, settings["log_points"])

    def logged(x):
        W = objective.matrix(x)
        return {"train_loss": objective.loss(x), **metrics(W), **spectrum(W)}

    with torch.inference_mode():  # no autograd bookkeeping: a third less time per step on small matrices
        return train.run(objective, rule, x0, log_at, logged, blowup=settings["blowup"])


def train_sensing(settings, cells, as_t, reference):
    """Part (a): one run per (cell, m, α); runs of one m train together."""
    s = settings["sensing"]
    n, alphas = s["n"], [float(a) for a in s["alphas"]]
    sdp = (reference or {}).get("min_trace", {})
    groups, owners, consts = [], [], {"alpha": [], "m": [], "sdp_trace_truth": [], "sdp_dist_truth": []}
    for m in s["measurements"]:
        runs = [(i, c, a) for i, c in enumerate(cells) for a in alphas]
        probs = {c.seed: sensing_problem(c.seed, n, s["rank"], m) for c in cells}
        nan = np.full((n, n), np.nan)
        X_sdp = {c.seed: np.array(sdp[f"{c.seed}/{m}"]["X"]) if f"{c.seed}/{m}" in sdp else nan for c in cells}
        X_star = as_t([probs[c.seed][0] for _, c, _ in runs])
        S = as_t([X_sdp[c.seed] for _, c, _ in runs])
        A = as_t([probs[c.seed][1] for c in cells])  # shared by the len(alphas) runs of each cell
        y = as_t([probs[c.seed][2] for c in cells])
        x0 = as_t([a * np.eye(n).ravel() for _, _, a in runs])  # U₀ = αI
        objective = factorization.Factorized(factorization.Sensing(A, y), n, "psd", SCALE[cells[0].loss](m))

        def metrics(X, X_star=X_star, S=S):
            fro = lambda M: torch.linalg.matrix_norm(M)  # noqa: E731
            tr = lambda M: M.diagonal(dim1=1, dim2=2).sum(1)  # noqa: E731  (= ‖X‖_* for X ⪰ 0)
            return {
                "rel_err": fro(X - X_star) / fro(X_star),
                "trace_ratio": tr(X) / tr(X_star),
                "sdp_dist": fro(X - S) / fro(S),
                "sdp_trace_ratio": tr(X) / tr(S),
            }

        groups.append(gd(objective, x0, np.array([c.eta for _, c, _ in runs]), settings, s["steps"], metrics))
        owners += [i for i, _, _ in runs]
        for _, c, a in runs:
            consts["alpha"].append(a)
            consts["m"].append(m)
            X, Xs = probs[c.seed][0], X_sdp[c.seed]
            consts["sdp_trace_truth"].append(np.trace(Xs) / np.trace(X))
            consts["sdp_dist_truth"].append(np.linalg.norm(Xs - X) / np.linalg.norm(X))
    return stack(groups, np.array(owners)), {k: np.array(v) for k, v in consts.items()}


def train_completion(settings, cells, as_t, depth: int):
    """Part (b): depth-N completion of a rank-r matrix from |Ω| entries, one run per cell."""
    s = settings["completion"]
    n, alpha = s["n"], s["init_scale"]
    probs = [completion_problem(c.seed, n, s["rank"], s["observed"]) for c in cells]
    W_star, mask = as_t([p[0] for p in probs]), as_t([p[1] for p in probs])
    x0 = as_t([gaussian_factors(c.seed, n, depth, alpha).ravel() for c in cells])
    entries = factorization.Entries(mask, W_star)
    objective = factorization.Factorized(entries, n, depth, SCALE[cells[0].loss](s["observed"]))
    unobserved = n * n - s["observed"]

    def metrics(W):
        return {"test_mse": ((1 - mask) * (W - W_star)).square().sum(dim=(1, 2)) / unobserved}

    traj = gd(objective, x0, np.array([c.eta for c in cells]), settings, s["steps"], metrics)
    return traj, {"alpha": np.full(len(cells), alpha), "depth": np.full(len(cells), depth)}


def train_razin_cohen(settings, cells, as_t):
    """Part (c): depth-3 completion of the 2×2 example from a balanced init with det(W₀) > 0, one run per cell."""
    s = settings["razin_cohen"]
    scale = s["init_scale"]
    x0 = as_t([balanced_factors(c.seed, 2, 3, scale).ravel() for c in cells])
    R = len(cells)
    entries = factorization.Entries(as_t([RAZIN_COHEN_MASK] * R), as_t([RAZIN_COHEN_TARGET] * R))
    objective = factorization.Factorized(entries, 2, 3, SCALE[cells[0].loss](3))

    def metrics(W):
        return {"w00": W[:, 0, 0], "det": W[:, 0, 0] * W[:, 1, 1] - W[:, 0, 1] * W[:, 1, 0]}

    traj = gd(objective, x0, np.array([c.eta for c in cells]), settings, s["steps"], metrics)
    return traj, {"alpha": np.full(R, scale), "depth": np.full(R, 3)}


def train_batch(settings: dict, cells: list, device: torch.device, dtype: torch.dtype, reference=None):
    """Train every cell of one batch (one model) together; returns (Trajectory, per-run constants)."""
    as_t = partial(train.stacked, dtype=dtype, device=device)
    model = cells[0].model
    if model == "sensing_uut":
        traj, constants = train_sensing(settings, cells, as_t, reference)
    elif model.startswith("completion_depth"):
        traj, constants = train_completion(settings, cells, as_t, int(model.removeprefix("completion_depth")))
    else:
        traj, constants = train_razin_cohen(settings, cells, as_t)
    owner = np.arange(len(cells)) if traj.cell_of_run is None else traj.cell_of_run
    constants["eta_abs"] = step_size.absolute_step([cells[i].eta for i in owner], step_size.unit_of(settings, "gd"))
    return traj, constants
