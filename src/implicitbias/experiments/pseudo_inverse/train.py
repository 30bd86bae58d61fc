"""Convergence to the pseudo-inverse (lecture, Part I).

Over-parametrised least squares E(x) = ½‖Ax − y‖², A ∈ ℝ^{n×p}, p > n, with
A and y standard Gaussian (the seed draws them).  GD from x⁽⁰⁾ reads

    x⁽ᵏ⁺¹⁾ = [I − ηAᵀA] x⁽ᵏ⁾ + ηAᵀy,

so for η < 2/β (β = λ_max(AᵀA)) it converges to z + A⁺(y − Az) from x⁽⁰⁾ = z,
i.e. to A⁺y, the minimum-norm interpolant, from 0.  The error in the range of
Aᵀ contracts per step by max |1 − ηλ| over the non-zero eigenvalues λ of
AᵀA, which is 1 − λ₊/β at η = 1/β.

Models: ``linear`` starts at 0, ``linear_z`` at z ~ N(0, init_scale² I).
The loss ``squares`` is the sum ½‖Ax − y‖² (not a mean).
"""

from __future__ import annotations

from functools import partial

import numpy as np
import torch

from ...numerics import objectives, optim, step_size, train


def problem(seed: int, n: int, p: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A (n×p), y (n) and the init direction z (p), all N(0, 1), from the seed."""
    g = np.random.default_rng([seed, 20])
    return g.standard_normal((n, p)), g.standard_normal(n), g.standard_normal(p)


def references(A: np.ndarray, y: np.ndarray, z: np.ndarray) -> dict[str, np.ndarray | float]:
    """A⁺y, z + A⁺(y − Az), β = λ_max(AᵀA), λ₊ = smallest non-zero eigenvalue, ‖(I − A⁺A)z‖."""
    A_pinv = np.linalg.pinv(A)
    s = np.linalg.svd(A, compute_uv=False)
    rank = int(np.sum(s > s[0] * max(A.shape) * np.finfo(float).eps))
    x_pinv = A_pinv @ y
    return {
        "x_pinv": x_pinv,
        "x_proj": z + A_pinv @ (y - A @ z),
        "beta": s[0] ** 2,
        "lambda_plus": s[rank - 1] ** 2,
        "null_norm": np.linalg.norm(z - A_pinv @ (A @ z)),
    }


def train_batch(settings: dict, cells: list, device: torch.device, dtype: torch.dtype, reference=None):
    """Train every cell of one batch together; returns (Trajectory, per-cell constants)."""
    n, p = settings["n"], settings["p"]
    rows = []
    for c in cells:
        A, y, z = problem(c.seed, n, p)
        z = z * settings["init_scale"] if c.model == "linear_z" else np.zeros(p)
        rows.append((A, y, z, references(A, y, z)))
    as_t = partial(train.stacked, dtype=dtype, device=device)
    A, y, x0 = (as_t([r[i] for r in rows]) for i in range(3))
    x_pinv = as_t([r[3]["x_pinv"] for r in rows])
    x_proj = as_t([r[3]["x_proj"] for r in rows])
    beta = np.array([r[3]["beta"] for r in rows])
    name = cells[0].optimizer
    eta = step_size.absolute_step([c.eta for c in cells], step_size.unit_of(settings, name), beta=beta)

    seeds = torch.tensor([c.seed for c in cells], device=device)
    sigma = torch.tensor([c.sigma for c in cells], dtype=dtype, device=device)
    objective = objectives.LeastSquares(A, y, seeds, sigma)
    rule = optim.make(name, x0, torch.as_tensor(eta, dtype=dtype, device=device), step_size.rule_options(settings, name))

    def metrics(x):
        return {
            "train_loss": objective.loss(x),
            "dist_pinv": torch.linalg.vector_norm(x - x_pinv, dim=1),
            "dist_proj": torch.linalg.vector_norm(x - x_proj, dim=1),
            "norm": torch.linalg.vector_norm(x, dim=1),
        }

    log_at = train.log_schedule(settings["steps"], settings["log_points"])
    traj = train.run(objective, rule, x0, log_at, metrics, blowup=settings["blowup"])
    constants = {
        "eta_abs": eta,
        "beta": beta,
        "lambda_plus": np.array([r[3]["lambda_plus"] for r in rows]),
        "pinv_norm": np.linalg.norm(np.stack([r[3]["x_pinv"] for r in rows]), axis=1),
        "null_norm": np.array([r[3]["null_norm"] for r in rows]),
        "loss0": objective.loss(x0).cpu().numpy(),
    }
    return traj, constants
