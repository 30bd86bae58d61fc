"""SGD as stochastic approximation (lecture, Part II: Robbins & Monro, 1951).

``median``: find the median θ = 0 of Z ~ N(0, 1), the root of M(x) = P(Z ≤ x) − ½,
from noisy observations 1{Z ≤ x} − ½ (fresh Z each step):

    x_k = x_{k−1} − (c/k)(1{Z_k ≤ x_{k−1}} − ½).

It is SGD with step c/k on the loss ½E|Z − x| = φ(x) + x(Φ(x) − ½) (the loss
``absolute``), whose gradient is M(x).  The grid's η is c (optimizer
``robbins_monro``: step η/k).  Theory (Chung 1954; Sacks 1958): if 2cM′ > 1,
√k(x_k − θ) → N(0, c²s²/(2cM′ − 1)) with s² = Var(1{Z ≤ θ}) = ¼ and
M′ = φ(0) = 1/√(2π), so k·MSE → c²/(4(2cφ(0) − 1)), smallest at c = 1/φ(0).  For
2cM′ ≤ 1 (e.g. c = 1) the error decays only like k^(−2cM′) and k·MSE grows.
Each cell holds ``runs`` replicates (see ``implicitbias.replicates``); the
relative standard error of an MSE over R runs is about √(2/R).

``least_squares``: streaming noisy least squares E(x) = ½‖Ax − y‖² (a SUM over
the n samples, A_ij ~ N(0, 1/n), y = Ax*), one sampled row per step with its
label perturbed by ε = ±σ (the grid's σ), the gradient scaled by n (unbiased).
x* is the exact minimiser of the expected loss.  ``sgd`` (constant η) settles
at a noise floor: the stationary covariance S of e = x − x* solves the linear
equation S = Eᵢ[BᵢSBᵢ] + η²σ²n²Eᵢ[aᵢaᵢᵀ], Bᵢ = I − ηn aᵢaᵢᵀ, so the floor is
tr S (≈ ησ²np/2 for small η).  ``robbins_monro`` (η/k) keeps decreasing, like
1/k once 2ηλ_min(AᵀA) > 1.  The second moment of the error evolves by a linear map
for any step sizes, so the table also holds the exact expectation of the squared
error at every logged step (``sq_error_exact``; numerics.stochastic_approximation).
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import torch

from ...numerics import objectives, optim, replicates, rng, step_size, train
from ...numerics.stochastic_approximation import asymptotic_k_mse, expected_sq_error, stationary_error

E = "robbins_monro"
SCHEDULE = {"sgd": "constant", "robbins_monro": "inv_t"}


class Median:
    """The median problem for a stack of replicates x of shape ``[R, 1]``."""

    def __init__(self, seeds: torch.Tensor):
        self.stream = rng.Stream(rng.stream_key(seeds, tag=1), 2)  # rng.normal(key, t, 1), fetched in blocks
        self.normal = torch.distributions.Normal(0.0, 1.0)

    def loss(self, x):
        """½E|Z − x| = φ(x) + x(Φ(x) − ½), minimal (= φ(0)) at the median 0."""
        x = x[:, 0]
        return torch.exp(self.normal.log_prob(x)) + x * (torch.special.ndtr(x) - 0.5)

    def grad(self, x, t, batch_size=None):
        """The noisy observation 1{Z_t ≤ x} − ½ of M(x) = Φ(x) − ½."""
        Z = rng.gaussians(self.stream.uniform(t), x.dtype)
        return (Z <= x).to(x.dtype) - 0.5


def ls_problem(seed: int, n: int, p: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A (n×p) with N(0, 1/n) entries, x* ~ N(0, I), y = Ax*."""
    g = np.random.default_rng([seed, 71])
    A = g.standard_normal((n, p)) / math.sqrt(n)
    x_star = g.standard_normal(p)
    return A, A @ x_star, x_star


def train_batch(settings: dict, cells: list, device: torch.device, dtype: torch.dtype, reference=None):
    c0 = cells[0]
    s = settings[c0.model]
    runs = s["runs"]
    seeds = replicates.seeds([c.seed for c in cells], runs, device)
    eta = torch.tensor([c.eta for c in cells], dtype=dtype, device=device).repeat_interleave(runs)
    options = {"batch_size": 1, "schedule": SCHEDULE[c0.optimizer]}
    log_at = train.log_schedule(s["steps"], s["log_points"])

    if c0.model == "median":
        objective = Median(seeds)
        x0 = torch.full((len(seeds), 1), float(s["x0"]), dtype=dtype, device=device)
        metrics = lambda x: {"sq_error": x[:, 0].square()}
        constants = {"k_mse_theory": asymptotic_k_mse([c.eta for c in cells])}
    else:
        data = [ls_problem(c.seed, s["n"], s["p"]) for c in cells]
        as_t = partial(train.stacked, dtype=dtype, device=device)
        A, y, x_star = (as_t([d[i] for d in data]).repeat_interleave(runs, dim=0) for i in range(3))
        sigma = torch.tensor([c.sigma for c in cells], dtype=dtype, device=device).repeat_interleave(runs)
        objective = objectives.LeastSquares(A, y, seeds, sigma)
        x0 = torch.zeros_like(x_star)
        metrics = lambda x: {"sq_error": (x - x_star).square().sum(dim=1)}
        constants = {
            "noise_floor": np.array([stationary_error(d[0], c.eta, c.sigma) for d, c in zip(data, cells)]),
            "lambda_min": np.array([np.linalg.eigvalsh(d[0].T @ d[0])[0] for d in data]),
        }
    rule = optim.make("sgd", x0, eta, options)
    traj = replicates.pool(train.run(objective, rule, x0, log_at, metrics, blowup=s["blowup"]), runs, ("sq_error",))
    traj.metrics["k_mse"] = traj.metrics["sq_error"] * traj.steps[:, None]
    if c0.model == "least_squares":  # the exact expectation of sq_error (its second moment evolves linearly)
        k = np.arange(1, int(traj.steps[-1]) + 1)
        traj.metrics["sq_error_exact"] = np.stack(
            [expected_sq_error(d[0], -d[2], c.eta * (np.ones_like(k) if c.optimizer == "sgd" else 1.0 / k), c.sigma,
                               traj.steps) for d, c in zip(data, cells)], axis=1,
        )  # fmt: skip
    constants["runs"] = np.full(len(cells), runs)
    constants["eta_abs"] = step_size.absolute_step([c.eta for c in cells], step_size.unit_of(settings, "sgd"))
    return traj, constants
