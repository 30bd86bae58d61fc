"""Regime map of GD's stability on least squares (lecture, Part I: stable iff η < 2/β).

GD from x₀ = 0 on E(x) = ½‖Ax − y‖² (a sum over the n samples), A ∈ ℝ^{n×p} and
y standard Gaussian, drawn by ``pseudo_inverse.train.problem`` from (seed, n).  The
residual r_k = Ax_k − y obeys r_{k+1} = (I − ηAAᵀ) r_k, so with AAᵀ = Σᵢ λᵢ uᵢuᵢᵀ

    E(x_k)/E(x₀) = Σᵢ (1 − ηλᵢ)^{2k} wᵢ,   wᵢ = (uᵢᵀy)²/‖y‖²,  Σᵢ wᵢ = 1.

For ηβ ≤ 2 (β = λ₁ = λ_max) every factor |1 − ηλᵢ| is ≤ 1 and the loss never
increases; for ηβ = 2 + h the top term alone grows like (1 + h)^{2k} w₁.  The
grid's η is in units of 1/β (each problem's own β), and each cell (η, seed)
trains one run per problem shape n in ``samples`` (p fixed): the second axis of
the map.  A run is *diverged* when its loss passes ``blowup``·E(x₀) (checked at
the last step; :mod:`implicitbias.numerics.train`).

Only the final values are logged (one row per run): the loss ratio E(x_K)/E(x₀)
(its log10, ``log10_loss_ratio``; +inf when not finite) and, as constants, β, n,
p and the top-mode weight w₁ the claims' probability bound reads.

Batching: runs that share a problem (one seed and n, every η of the cells) are
one group of :class:`~implicitbias.numerics.objectives.GroupedLeastSquares`, so
a step is two batched GEMMs for all cells of a shape.  Groups hand over any
subset of the grid: a seed with fewer η than others is padded with η = 0 runs,
which never move and are dropped from the table.
"""

from __future__ import annotations

import numpy as np
import torch

from ...numerics import objectives, optim, step_size, train
from ..pseudo_inverse.train import problem


def top_mode(A: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """β = λ_max(AᵀA) = λ_max(AAᵀ) and w₁ = (u₁ᵀy)²/‖y‖², u₁ its top left singular vector."""
    U, s, _ = np.linalg.svd(A, full_matrices=False)
    return float(s[0] ** 2), float((U[:, 0] @ y) ** 2 / (y @ y))


def train_shape(cells: list, n: int, p: int, steps: int, blowup: float, device, dtype):
    """GD on the problems (seed, n) of ``cells`` at their ηβ: returns (Trajectory over the cells, constants)."""
    seeds = sorted({c.seed for c in cells})
    runs = {s: [i for i, c in enumerate(cells) if c.seed == s] for s in seeds}
    E = max(len(r) for r in runs.values())
    draws = [problem(s, n, p)[:2] for s in seeds]
    modes = np.array([top_mode(A, y) for A, y in draws])  # [Q, 2]: β, w₁
    as_t = lambda a: torch.as_tensor(np.stack(a), dtype=dtype, device=device)
    A, y = as_t([d[0] for d in draws]), as_t([d[1] for d in draws])
    # run slot (q, e) ↔ cell index; unused slots (-1) are η = 0 padding
    slot = np.full((len(seeds), E), -1)
    for q, s in enumerate(seeds):
        slot[q, : len(runs[s])] = runs[s]
    slot = slot.ravel()
    beta = np.repeat(modes[:, 0], E)
    eta_beta = np.array([cells[i].eta if i >= 0 else 0.0 for i in slot])
    eta = step_size.absolute_step(eta_beta, "inverse_sharpness", beta=beta)
    x0 = torch.zeros(len(slot), p, dtype=dtype, device=device)
    objective = objectives.GroupedLeastSquares(A, y)
    rule = optim.make("gd", x0, torch.as_tensor(eta, dtype=dtype, device=device), {})
    loss0 = objective.loss(x0)

    def metrics(x):
        return {"log10_loss_ratio": torch.log10(objective.loss(x) / loss0).nan_to_num(nan=float("inf"))}

    log_at = np.array([0, steps])  # the map needs final values only
    with torch.inference_mode():
        traj = train.run(objective, rule, x0, log_at, metrics, blowup=blowup)
    keep = slot >= 0
    order = np.argsort(slot[keep], kind="stable")  # back to the cells' order
    pick = np.flatnonzero(keep)[order]
    out = train.Trajectory(
        steps=traj.steps[1:],
        metrics={k: v[1:, pick] for k, v in traj.metrics.items()},
        diverged_at=traj.diverged_at[pick],
        x=traj.x[torch.as_tensor(pick, device=traj.x.device)],
    )
    w_top = np.repeat(modes[:, 1], E)[pick]
    return out, {"beta": beta[pick], "eta_abs": eta[pick], "w_top": w_top}


def train_batch(settings: dict, cells: list, device: torch.device, dtype: torch.dtype, reference=None):
    """Every cell of one group, one run per problem shape n (``cell_of_run`` says whose run is whose)."""
    p, K, blowup = settings["p"], settings["steps"], settings["blowup"]
    parts, owners, consts = [], [], {"n": [], "p": [], "beta": [], "eta_abs": [], "w_top": []}
    for n in settings["samples"]:
        traj, c = train_shape(cells, n, p, K, blowup, device, dtype)
        parts.append(traj)
        owners.append(np.arange(len(cells)))
        consts["n"].append(np.full(len(cells), n))
        consts["p"].append(np.full(len(cells), p))
        for k in ("beta", "eta_abs", "w_top"):
            consts[k].append(c[k])
    traj = train.Trajectory(
        steps=parts[0].steps,
        metrics={k: np.concatenate([t.metrics[k] for t in parts], axis=1) for k in parts[0].metrics},
        diverged_at=np.concatenate([t.diverged_at for t in parts]),
        x=torch.cat([t.x for t in parts]),
        cell_of_run=np.concatenate(owners),
    )
    return traj, {k: np.concatenate(v) for k, v in consts.items()}
