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

Besides the distances to A⁺y and to z + A⁺(y − Az), the table logs the null-space
drift ‖(I − A⁺A)(x_k − x₀)‖ (0 for any rule whose steps lie in the row space),
GD's distance to its limit in exact arithmetic (``dist_exact``, the spectral closed
form) and SGD's root-mean-square distance (``dist_rms``, from the exact linear
recursion of its second moment), and the constants the claims' rounding bounds read.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import torch

from ...numerics import least_squares, objectives, optim, step_size, train
from ...numerics.stochastic_approximation import expected_sq_error


def problem(seed: int, n: int, p: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A (n×p), y (n) and the init direction z (p), all N(0, 1), from the seed."""
    g = np.random.default_rng([seed, 20])
    return g.standard_normal((n, p)), g.standard_normal(n), g.standard_normal(p)


def references(A: np.ndarray, y: np.ndarray, z: np.ndarray) -> dict[str, np.ndarray | float]:
    """A⁺y, z + A⁺(y − Az), β = λ_max(AᵀA), λ₊ = smallest non-zero eigenvalue, ‖(I − A⁺A)z‖, the
    projector I − A⁺A onto the null space of A, and the numbers the claims' bounds read:
    ‖A‖_F², maxᵢ‖aᵢ‖² and the smallest eigenvalue of the p×p matrix AᵀA (0 for p > n)."""
    A_pinv = np.linalg.pinv(A)
    lam, _ = least_squares.spectrum(A)
    x_pinv = A_pinv @ y
    null = np.eye(A.shape[1]) - A_pinv @ A
    return {
        "x_pinv": x_pinv,
        "x_proj": z + A_pinv @ (y - A @ z),
        "beta": lam[0],
        "lambda_plus": lam[-1],
        "null_norm": np.linalg.norm(null @ z),
        "null": null,
        "frob2": float(np.sum(A * A)),
        "row_norm2_max": float(np.max(np.sum(A * A, axis=1))),
        "gram_lambda_min": float(np.linalg.eigvalsh(A.T @ A)[0]),
    }


def _sgd_rms(A: np.ndarray, e0: np.ndarray, eta: float, sigma: float, steps) -> np.ndarray:
    """(E‖x_k − x∞‖²)^{1/2} of batch-1 SGD with constant η, computed in the row space of A (where the
    error stays), from the linear recursion of its second moment."""
    _, V = least_squares.spectrum(A)
    return np.sqrt(expected_sq_error(A @ V, V.T @ e0, np.full(int(steps[-1]), eta), sigma, steps))


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
    null = as_t([r[3]["null"] for r in rows])
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
            "null_drift": torch.linalg.vector_norm(torch.einsum("rpq,rq->rp", null, x - x0), dim=1),
        }

    log_at = train.log_schedule(settings["steps"], settings["log_points"])
    traj = train.run(objective, rule, x0, log_at, metrics, blowup=settings["blowup"])
    # GD's distance to its limit in exact arithmetic, mode by mode (other rules: NaN)
    traj.metrics["dist_exact"] = np.stack(
        [least_squares.gd_error_norms(A_, x0_ - ref["x_proj"], e, traj.steps) if name == "gd"
         else np.full(len(traj.steps), np.nan) for (A_, _, x0_, ref), e in zip(rows, eta)], axis=1,
    )  # fmt: skip
    # SGD's root-mean-square distance to A⁺y (its second moment evolves linearly; other rules: NaN)
    traj.metrics["dist_rms"] = np.stack(
        [_sgd_rms(A_, x0_ - ref["x_proj"], e, c.sigma, traj.steps) if name == "sgd"
         else np.full(len(traj.steps), np.nan) for (A_, _, x0_, ref), e, c in zip(rows, eta, cells)], axis=1,
    )  # fmt: skip
    constants = {
        "eta_abs": eta,
        "beta": beta,
        "lambda_plus": np.array([r[3]["lambda_plus"] for r in rows]),
        "pinv_norm": np.linalg.norm(np.stack([r[3]["x_pinv"] for r in rows]), axis=1),
        "null_norm": np.array([r[3]["null_norm"] for r in rows]),
        "loss0": objective.loss(x0).cpu().numpy(),
        "momentum": np.full(len(cells), getattr(rule, "mu", np.nan)),
        **{k: np.array([r[3][k] for r in rows]) for k in ("frob2", "row_norm2_max", "gram_lambda_min")},
    }
    return traj, constants
