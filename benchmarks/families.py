"""The three model families of benchmark R1, each trained two ways on the same grid.

A grid cell is (η, seed): ``ETAS`` step sizes (in units of 1/β, β the
sharpness at the start) times as many seeds as the cell count needs.  Every
cell runs full-batch GD for the same number of steps and logs its loss on the
same geometric schedule.

- ``pipeline(cells, steps)`` trains all cells as the pipeline does: one tensor
  program (implicitbias objectives, ``optim`` rules and ``train.run``).
- ``naive(cell, steps)`` trains one cell as a first script would: a leaf
  tensor with ``requires_grad``, ``loss.backward()`` and ``torch.optim.SGD``,
  reading the loss (``.item()``) at the logged steps.

Families:

- ``least_squares``: E(x) = ½‖Ax − y‖², A ∈ ℝ^{100×1000}; all cells share one
  problem (seed 0) and differ in η and the init x₀ ~ N(0, 0.1² I) (the seed),
  so the pipeline's gradients are two GEMMs per step.
- ``logistic``: L(θ) = Σᵢ log(1 + e^{−yᵢ⟨θ, xᵢ⟩}), n = 100, d = 10; each
  seed draws its own data (X ~ N(0, I), y = sign(Xw* + ½ξ)), θ₀ = 0.
- ``quadratic``: the two-layer diagonal network f(x) = ⟨v⊙v, x⟩ of the
  label_noise family, L(v) = (1/n) Σᵢ ¼(f(xᵢ) − yᵢ)², n = 40, d = 100,
  sparse w* (5 ones); each seed draws its data, v₀ = 1.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from implicitbias.numerics import classification, objectives, optim, train
from implicitbias.experiments.label_noise import train as label_noise
from implicitbias.experiments.pseudo_inverse import train as pseudo_inverse

DTYPE = torch.float64
ETAS = np.linspace(0.1, 1.5, 16)  # in units of 1/β: stable for every family
LOG_POINTS = 30


def cells(count: int) -> list[tuple[float, int]]:
    """``count`` cells (η, seed): every η of ETAS for seeds 0, 1, …"""
    return [(float(ETAS[i % len(ETAS)]), i // len(ETAS)) for i in range(count)]


def as_t(a) -> torch.Tensor:
    return torch.as_tensor(np.asarray(a), dtype=DTYPE)


# ---------------------------------------------------------------- problems (numpy, shared by both designs)


def ls_problem(seed: int, n: int = 100, p: int = 1000):
    """The shared A, y (from seed 0), β = λ_max(AᵀA), and this seed's x₀."""
    A, y, _ = pseudo_inverse.problem(0, n, p)
    x0 = 0.1 * np.random.default_rng([seed, 91]).standard_normal(p)
    return A, y, np.linalg.norm(A, 2) ** 2, x0


def logistic_problem(seed: int, n: int = 100, d: int = 10):
    """X, labels ±1 and β = ¼σ_max(X)² (the sharpness at θ = 0)."""
    g = np.random.default_rng([seed, 92])
    X = g.standard_normal((n, d))
    y = np.sign(X @ g.standard_normal(d) + 0.5 * g.standard_normal(n))
    return X, np.where(y == 0, 1.0, y), 0.25 * np.linalg.norm(X, 2) ** 2


def quadratic_problem(seed: int, n: int = 40, d: int = 100):
    """X, y = Xw* and β = λ_max of the Hessian (1/n)Σᵢ[2(xᵢ⊙v)(xᵢ⊙v)ᵀ + rᵢ diag(xᵢ)] at v₀ = 1."""
    X, y, _ = label_noise.problem(seed, n, d, 5)
    v0 = np.ones(d)
    r = X @ (v0 * v0) - y
    H = (2 * (X * v0).T @ (X * v0) + np.diag(X.T @ r)) / n  # ∇² of (1/n)Σ¼rᵢ² at v0
    return X, y, float(np.linalg.eigvalsh(H)[-1]), v0


# ---------------------------------------------------------------- the pipeline: one tensor program per grid


def pipeline(family: str, grid: list[tuple[float, int]], steps: int) -> tuple[np.ndarray, float]:
    """Initial and final losses of every cell (``[2, cells]``), and the seconds of the training loop
    (problem set-up excluded)."""
    eta = np.array([e for e, _ in grid])
    seeds = torch.tensor([s for _, s in grid])
    R = len(grid)
    if family == "least_squares":
        probs = [ls_problem(s) for _, s in grid]
        A, y, beta, _ = probs[0]
        A_t, y_t = as_t(A), as_t(y)
        objective = objectives.LeastSquares(A_t.expand(R, *A.shape), y_t.expand(R, -1), seeds, torch.zeros(R))
        x0 = as_t([p[3] for p in probs])
        eta = eta / beta
    elif family == "logistic":
        probs = [logistic_problem(s) for _, s in grid]
        objective = classification.LinearClassifier(as_t([p[0] for p in probs]), as_t([p[1] for p in probs]), "logistic")
        x0 = torch.zeros(R, probs[0][0].shape[1], dtype=DTYPE)
        eta = eta / np.array([p[2] for p in probs])
    elif family == "quadratic":
        probs = [quadratic_problem(s) for _, s in grid]
        X, y = as_t([p[0] for p in probs]), as_t([p[1] for p in probs])
        objective = label_noise.Quadratic(X, y, seeds, torch.zeros(R), "label")
        x0 = as_t([p[3] for p in probs])
        eta = eta / np.array([p[2] for p in probs])
    else:
        raise ValueError(family)
    rule = optim.make("gd", x0, as_t(eta))
    log_at = train.log_schedule(steps, LOG_POINTS)
    start = time.perf_counter()
    traj = train.run(objective, rule, x0, log_at, lambda x: {"train_loss": objective.loss(x)})
    seconds = time.perf_counter() - start
    return traj.metrics["train_loss"][[0, -1]], seconds


# ---------------------------------------------------------------- the naive design: autograd + torch.optim, one cell


def naive(family: str, cell: tuple[float, int], steps: int) -> tuple[float, float]:
    """Final loss of one cell, and the seconds of its training loop."""
    eta, seed = cell
    if family == "least_squares":
        A, y, beta, x0 = ls_problem(seed)
        A, y = as_t(A), as_t(y)

        def loss_of(x):
            return 0.5 * (A @ x - y).square().sum()

    elif family == "logistic":
        X, y, beta = logistic_problem(seed)
        Z = as_t(y[:, None] * X)
        x0 = np.zeros(X.shape[1])

        def loss_of(theta):
            m = Z @ theta
            return torch.logaddexp(torch.zeros_like(m), -m).sum()

    elif family == "quadratic":
        X, y, beta, x0 = quadratic_problem(seed)
        X, y = as_t(X), as_t(y)

        def loss_of(v):
            return 0.25 * (X @ (v * v) - y).square().mean()

    else:
        raise ValueError(family)
    x = as_t(x0).clone().requires_grad_(True)
    opt = torch.optim.SGD([x], lr=eta / beta)
    log_at = set(train.log_schedule(steps, LOG_POINTS).tolist())
    losses = []
    start = time.perf_counter()
    for t in range(1, steps + 1):
        opt.zero_grad()
        loss = loss_of(x)
        if t - 1 in log_at:
            losses.append(loss.item())
        loss.backward()
        opt.step()
    with torch.no_grad():
        final = loss_of(x).item()
    return final, time.perf_counter() - start
