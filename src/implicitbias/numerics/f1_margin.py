"""The F1 (variation-norm) max margin of a data set, as a linear program.

F1 is the space of functions f(x) = ∫ relu(θ·x) dμ(θ) over unit directions θ,
with norm the least total variation |μ| (Bach 2017).  Its max-margin classifier

    γ* = max_{‖f‖_F1 ≤ 1} min_i yᵢ f(xᵢ)

becomes a linear program once μ is restricted to a finite dictionary
θ₁, …, θ_K of unit directions:

    maximise γ   subject to   yᵢ Σⱼ cⱼ relu(θⱼ·xᵢ) ≥ γ  (i = 1..n),   Σⱼ |cⱼ| ≤ 1,

with cⱼ = cⱼ⁺ − cⱼ⁻, cⱼ^± ≥ 0.  The dictionary's value γ*_K is at most γ*
and approaches it as the dictionary fills the sphere.  A two-layer network
f = (1/m) Σ aⱼ relu(wⱼ·x) is the measure with mass aⱼ‖wⱼ‖/m at wⱼ/‖wⱼ‖, so
its margin divided by its path norm (1/m) Σ |aⱼ|‖wⱼ‖ is at most γ*.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog


def sphere(K: int, d: int, seed: int) -> np.ndarray:
    """K directions drawn uniformly on the unit sphere of ℝ^d (normalised Gaussians)."""
    theta = np.random.default_rng([seed, d, K, 43]).standard_normal((K, d))
    return theta / np.linalg.norm(theta, axis=1, keepdims=True)


def max_margin(X: np.ndarray, y: np.ndarray, theta: np.ndarray) -> tuple[float, np.ndarray]:
    """γ*_K and the weights c (``[K]``) of the F1 max margin over the dictionary theta (``[K, d]``).

    Solved by HiGHS (scipy.optimize.linprog).  Raises RuntimeError if the
    solver does not report an optimum.
    """
    n, K = len(y), len(theta)
    Phi = y[:, None] * np.maximum(X @ theta.T, 0.0)  # yᵢ relu(θⱼ·xᵢ), [n, K]
    # variables [c⁺ (K), c⁻ (K), γ]; linprog minimises, so the cost is −γ
    cost = np.zeros(2 * K + 1)
    cost[-1] = -1.0
    margin_rows = np.hstack([-Phi, Phi, np.ones((n, 1))])  # γ − yᵢ f(xᵢ) ≤ 0
    norm_row = np.concatenate([np.ones(2 * K), [0.0]])[None]  # Σ (c⁺ + c⁻) ≤ 1
    bounds = [(0, None)] * (2 * K) + [(None, None)]
    res = linprog(
        cost, A_ub=np.vstack([margin_rows, norm_row]), b_ub=np.concatenate([np.zeros(n), [1.0]]),
        bounds=bounds, method="highs",
    )  # fmt: skip
    if res.status != 0:
        raise RuntimeError(f"F1 max-margin LP failed: {res.message}")
    c = res.x[:K] - res.x[K : 2 * K]
    return float(-res.fun), c


def network(c: np.ndarray, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
    """f(x) = Σⱼ cⱼ relu(θⱼ·x) at the rows of X."""
    return np.maximum(X @ theta.T, 0.0) @ c
