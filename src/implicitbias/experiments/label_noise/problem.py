"""The problems of the experiment label_noise and the sharpness β that sets their step (numpy only).

The grid's η is in units of 1/β (``eta_unit: inverse_sharpness``, the default):
β is the largest eigenvalue of one sample's loss Hessian at the start, so the
step is stable iff η < 2 in this unit:

* ``quadratic``: the sampled loss ¼(⟨v⊙v, xᵢ⟩ − yᵢ)² has, at zero residual, the
  Hessian 2(xᵢ⊙v)(xᵢ⊙v)ᵀ with eigenvalue 2‖xᵢ⊙v‖².  One step on sample i
  changes its residual to r(1 − 2η‖xᵢ⊙v‖²) + O(η²r²), which contracts iff
  η‖xᵢ⊙v‖² < 1; β = 2 maxᵢ ‖xᵢ⊙v₀‖² = 2α² maxᵢ ‖xᵢ‖².  (At v₀ = 1 the old
  absolute step 0.015 was 2–2.5 in this unit: past the edge, and a few seeds in
  a hundred diverged.)
* ``product``: L = ½(uv − y)² has, on uv = y, the Hessian [[v², y], [y, u²]] with
  eigenvalues 0 and u² + v²; β = u₀² + v₀² = 2 cosh 2s₀ for y = 1, so η < 2
  in this unit is η_abs cosh 2s₀ < 1, the condition of Damian–Lee–Ma's exact-log
  drift.
"""

from __future__ import annotations

import numpy as np


def problem(seed: int, n: int, d: int, kappa: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """HaoChen et al.'s sparse regression: X (n×d) ~ N(0, 1), w* = 1 on κ coordinates, y = Xw*."""
    X = np.random.default_rng([seed, 70]).standard_normal((n, d))
    w = np.zeros(d)
    w[:kappa] = 1.0
    return X, X @ w, w


def quadratic_sharpness(X: np.ndarray, init: float) -> float:
    """β = 2 maxᵢ ‖xᵢ⊙v₀‖² with v₀ = init·1: the largest one-sample Hessian eigenvalue at the start."""
    return float(2 * init**2 * (X * X).sum(axis=1).max())


def product_sharpness(s0: float, target: float) -> float:
    """β = λ_max ∇²L(u₀, v₀) for L = ½(uv − y)², u₀ = e^{s₀}, v₀ = e^{−s₀}."""
    u, v = np.exp(s0), np.exp(-s0)
    off = 2 * u * v - target
    return float(np.linalg.eigvalsh(np.array([[v * v, off], [off, u * u]])).max())
