"""Adaptive methods can generalise badly (Wilson et al. 2017, §3.3).

A least-squares problem E(w) = ½‖Xw − y‖² (a **sum** over the n samples) with
n < d, labels yᵢ = ±1 with P(y = +1) = p, and features

    xᵢ = (yᵢ, 1, 1, 0, …, 0, 1, …, 1, 0, …)   (d = 6n coordinates),

where the block of ones is unique to example i: one coordinate if yᵢ = +1,
five if yᵢ = −1 (example i owns coordinates 3 + 5i, …, 3 + 5i + 4).  Then
s = sign(Xᵀy) = (1, 1, 1, yᵢ on i's block, 0 elsewhere) satisfies Xs = 4y,
so every gradient Xᵀ(Xw − y) along the path w = λs is a multiple of Xᵀy,
and AdaGrad and Adam (which divide each coordinate by its own gradient scale)
move along s: they converge to s/4.  On a test point, whose unique
coordinates are fresh (w is 0 there), ⟨s, x⟩ = y + 2 > 0: they predict +1
everywhere, so their test error is the test set's fraction of negatives.
GD from 0 stays in the row space of X and converges to the minimum-norm
interpolant Xᵀ(XXᵀ)⁻¹y, which classifies every test point correctly.

η is in the block's ``eta_unit`` (``implicitbias.numerics.step_size``): gd's in
units of 1/β, β = σ_max(X)²; the config gives adam and adagrad
``eta_unit: absolute`` (they are invariant to the gradient's scale).
The metric column is ``train_loss`` (not ``loss``, the name of the grid axis).
"""

from __future__ import annotations

import numpy as np
import torch

from ...numerics import least_squares, objectives, optim, step_size, train

BLOCK = 5  # coordinates owned by each training example


def problem(seed: int, n: int, p: float, n_test: int):
    """(X, y, X_test, y_test): Wilson et al.'s construction, drawn with ``seed``.

    The training labels are drawn with P(y = +1) = p conditioned on more positives than
    negatives: sign(Σᵢ yᵢ) = +1 is what makes coordinates 2–3 of sign(Xᵀy) equal to 1, hence
    X sign(Xᵀy) = 4y; with n₊ ≤ n₋ the construction breaks (Adam then need not predict +1).
    """
    g = np.random.default_rng([seed, 40])
    d = 6 * n
    y = np.where(g.random(n) < p, 1.0, -1.0)
    while y.sum() <= 0:  # the construction needs more positive than negative labels (redrawn, about 3% of seeds)
        y = np.where(g.random(n) < p, 1.0, -1.0)
    X = np.zeros((n, d))
    X[:, 0], X[:, 1:3] = y, 1.0
    for i in range(n):
        width = 1 if y[i] > 0 else BLOCK
        X[i, 3 + BLOCK * i : 3 + BLOCK * i + width] = 1.0
    unused = np.flatnonzero(~X[:, 3:].any(axis=0)) + 3  # coordinates no training example has
    y_test = np.where(g.random(n_test) < p, 1.0, -1.0)
    X_test = np.zeros((n_test, d))
    X_test[:, 0], X_test[:, 1:3] = y_test, 1.0
    for k in range(n_test):
        width = 1 if y_test[k] > 0 else BLOCK
        X_test[k, g.choice(unused, size=width, replace=False)] = 1.0
    return X, y, X_test, y_test


def train_batch(settings: dict, cells: list, device: torch.device, dtype: torch.dtype, reference=None):
    """Train every cell of one batch (one optimizer, any η and seed) from w = 0."""
    n, p, n_test = settings["n"], settings["p"], settings["n_test"]
    data = [problem(c.seed, n, p, n_test) for c in cells]
    X, y, X_test, y_test = (train.stacked([D[i] for D in data], dtype, device) for i in range(4))
    signs = torch.sign(torch.einsum("rnd,rn->rd", X, y))  # sign(Xᵀy)
    w_min = torch.as_tensor(np.stack([np.linalg.pinv(D[0]) @ D[1] for D in data]), dtype=dtype, device=device)

    beta = np.array([np.linalg.norm(D[0], 2) ** 2 for D in data])
    name = cells[0].optimizer
    eta = step_size.absolute_step([c.eta for c in cells], step_size.unit_of(settings, name), beta=beta)

    seeds = torch.tensor([c.seed for c in cells], device=device)
    objective = objectives.LeastSquares(X, y, seeds, torch.zeros(len(cells), dtype=dtype, device=device))
    w0 = torch.zeros(len(cells), X.shape[2], dtype=dtype, device=device)
    rule = optim.make(name, w0, torch.as_tensor(eta, dtype=dtype, device=device), step_size.rule_options(settings, name))

    def cosine(w, v):
        return (w * v).sum(dim=1) / (torch.linalg.vector_norm(w, dim=1) * torch.linalg.vector_norm(v, dim=1))

    def metrics(w):
        score = torch.einsum("rmd,rd->rm", X_test, w)
        return {
            "train_loss": objective.loss(w),
            "test_error": (score * y_test <= 0).to(dtype).mean(dim=1),  # a score of 0 counts as an error
            "cos_sign": cosine(w, signs),
            "cos_min_norm": cosine(w, w_min),
            "dist_min_norm": torch.linalg.vector_norm(w - w_min, dim=1) / torch.linalg.vector_norm(w_min, dim=1),
        }

    log_at = train.log_schedule(settings["steps"], settings["log_points"])
    traj = train.run(objective, rule, w0, log_at, metrics, blowup=settings["blowup"])
    # GD's distance to the min-norm interpolant in exact arithmetic, relative (other rules: NaN)
    traj.metrics["dist_exact"] = np.stack(
        [least_squares.gd_error_norms(D[0], -w, e, traj.steps) / np.linalg.norm(w) if name == "gd"
         else np.full(len(traj.steps), np.nan) for D, w, e in zip(data, w_min.cpu().numpy(), eta)], axis=1,
    )  # fmt: skip
    xty = [np.abs(D[0].T @ D[1]) for D in data]
    # λ_max(X D⁻¹ Xᵀ), D = diag|Xᵀy| on its support: the curvature of a step preconditioned by D⁻¹
    curvature = [np.linalg.eigvalsh((D[0][:, v > 0] / v[v > 0]) @ D[0][:, v > 0].T)[-1] for D, v in zip(data, xty)]
    constants = {
        "eta_abs": eta,
        "beta": beta,
        "test_negatives": np.array([np.mean(D[3] < 0) for D in data]),
        "frob2": np.array([np.sum(D[0] ** 2) for D in data]),
        "min_abs_xty": np.array([v[v > 0].min() for v in xty]),  # smallest non-zero |X^T y|_j
        "max_abs_xty": np.array([v.max() for v in xty]),
        "precond_curvature": np.array(curvature),
        "rule_beta1": np.full(len(cells), getattr(rule, "beta1", np.nan)),
        "rule_eps": np.full(len(cells), getattr(rule, "eps", np.nan)),
        "rule_beta2": np.full(len(cells), getattr(rule, "beta2", np.nan)),  # NaN: AdaGrad sums, Adam averages
    }
    return traj, constants
