"""The bounds of the pseudo-inverse claims: convergence theorems at the run's step count, and rounding.

Everything here is numpy on the numbers a run recorded (η_abs, β, λ₊, ‖A‖_F², the
largest row norm, the momentum μ) and on the settings (n, p): no torch.  In units
of h = ηλ for an eigenvalue λ of AᵀA:

* GD multiplies the error along λ by 1 − h: ‖x_K − x∞‖ ≤ ρᴷ‖x₀ − x∞‖ with
  ρ = max(|1 − ηλ₊|, |1 − ηβ|) < 1 iff ηβ < 2.
* Heavy-ball and Nesterov (as torch.optim.SGD writes them, b = μb + g) act on the
  state (e_k, ηb_{k−1}) of each mode by a 2×2 matrix T(h); by Cayley–Hamilton
  Tᵏ = a_k T − det(T) a_{k−1} I with a₀ = 0, a₁ = 1, a_{k+1} = tr(T) a_k − det(T) a_{k−1},
  so ‖Tᵏ‖ ≤ |a_k|‖T‖ + |det T||a_{k−1}| (:func:`momentum_powers`).
* Batch-1 SGD with the n-scaled gradient: its second moment E[e_k e_kᵀ] evolves by a
  linear map (:func:`implicitbias.numerics.stochastic_approximation.expected_sq_error`),
  so E‖e_K‖² is known exactly, and by Markov's inequality ‖e_K‖ ≤ (E‖e_K‖²/δ)^{1/2}
  except with probability δ.
"""

from __future__ import annotations

import numpy as np

from ...numerics import least_squares as ls

SGD_DELTA = 1e-6  # probability per run that the SGD bound (Markov's inequality) may fail
GRID = 257  # values of h = ηλ in [ηλ₊, ηβ] at which the momentum matrices are evaluated


def gd_rate(eta_beta, lam_ratio) -> np.ndarray:
    """ρ = max(|1 − ηλ₊|, |1 − ηβ|) from ηβ and λ₊/β."""
    eta_beta = np.asarray(eta_beta, dtype=float)
    return np.maximum(np.abs(1 - eta_beta * np.asarray(lam_ratio, dtype=float)), np.abs(1 - eta_beta))


def momentum_matrix(kind: str, h: np.ndarray, mu: float) -> np.ndarray:
    """T(h), shape ``[len(h), 2, 2]``, on the state (e_k, ηb_{k−1}) of one mode (h = ηλ)."""
    h = np.asarray(h, dtype=float)
    T = np.empty((len(h), 2, 2))
    T[:, 0, 0] = 1 - h if kind == "heavy_ball" else 1 - h * (1 + mu)
    T[:, 0, 1] = -mu if kind == "heavy_ball" else -(mu**2)
    T[:, 1, 0] = h
    T[:, 1, 1] = mu
    return T


def momentum_powers(kind: str, h_low: float, h_high: float, mu: float, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Upper bounds of max_h ‖T(h)ᵏ‖₂ for k = 0, …, steps: (over the row space, h ∈ [h_low, h_high];
    over it and the null space of A, h = 0, where a rounding error is never contracted).

    The interval is sampled at ``GRID`` points with both ends.
    """
    h = np.concatenate([[0.0], np.linspace(h_low, h_high, GRID)])
    T = momentum_matrix(kind, h, mu)
    norm = np.linalg.norm(T, ord=2, axis=(1, 2))
    tr, det = T[:, 0, 0] + T[:, 1, 1], T[:, 0, 0] * T[:, 1, 1] - T[:, 0, 1] * T[:, 1, 0]
    row, every = np.ones(steps + 1), np.ones(steps + 1)
    a_prev, a = np.zeros_like(h), np.ones_like(h)  # a_0, a_1
    for k in range(1, steps + 1):
        power = np.abs(a) * norm + np.abs(det) * np.abs(a_prev)
        row[k], every[k] = power[1:].max(), power.max()
        a_prev, a = a, tr * a - det * a_prev
    return row, every


def reference_error(n: int, p: int, beta, lambda_plus) -> np.ndarray:
    """Relative error of the computed A⁺y (SVD, backward stable) and of a computed norm:
    (n + p)·u·(1 + κ(A)), κ(A) = (β/λ₊)^{1/2}."""
    return (n + p) * ls.U * (1 + np.sqrt(np.asarray(beta, dtype=float) / np.asarray(lambda_plus, dtype=float)))


def gd_kappa(n: int, p: int, eta_beta, frob2, beta) -> np.ndarray:
    """κ of one full-batch step: η‖A‖₂‖A‖_F = ηβ·(‖A‖_F²/β)^{1/2}."""
    return ls.step_kappa(n, p, np.asarray(eta_beta) * np.sqrt(np.asarray(frob2) / np.asarray(beta)))


def gd_bound(K, n: int, p: int, eta_beta, lam_ratio, frob2, beta, e0, scale) -> np.ndarray:
    """Relative bound on ‖x_K − x∞‖ for GD: ρᴷ·e0 (theorem) + u·κ·scale·K (rounding) + reference error.

    ``e0`` and ``scale`` are ‖x₀ − x∞‖ and S in units of the norm the distance is divided by.
    """
    K = np.asarray(K, dtype=float)
    theorem = gd_rate(eta_beta, lam_ratio) ** K * e0
    rounding = ls.floor(gd_kappa(n, p, eta_beta, frob2, beta), scale, K)
    return theorem + rounding + reference_error(n, p, beta, beta * np.asarray(lam_ratio))


def momentum_bound(kind: str, K: int, n: int, p: int, eta_beta, lam_ratio, mu, frob2, beta) -> float:
    """Relative bound on ‖x_K − A⁺y‖ from x₀ = 0: ‖Tᴷ‖ over the row space (theorem; from 0 the error has
    no null-space part) + u·κ·S·Σ_k‖Tᵏ‖ over the row and null spaces (rounding) + reference error, with
    S = 1 + max_k ‖Tᵏ‖ (the iterate's norm in units of ‖A⁺y‖), doubled for the two parts (x and ηb) of
    the state in which a step rounds."""
    row, every = momentum_powers(kind, eta_beta * lam_ratio, eta_beta, mu, int(K))
    kappa = gd_kappa(n, p, eta_beta, frob2, beta)
    rounding = ls.floor(kappa, 2 * (1 + row.max()), every[:-1].sum())  # 2: the state has two parts
    return float(row[-1] + rounding + reference_error(n, p, beta, beta * lam_ratio))


def sgd_bound(K, n: int, p: int, eta_abs, rms, row_norm2_max, beta, lambda_plus) -> np.ndarray:
    """Relative bound on ‖x_K − A⁺y‖ from 0, exceeded with probability ≤ SGD_DELTA per run:
    rms/δ^{1/2} (Markov's inequality on the exact E‖e_K‖² = rms²) + u·κ·2·K (rounding; each step is
    non-expansive while ηn·maxᵢ‖aᵢ‖² ≤ 2, else NaN) + reference error."""
    reach = np.asarray(eta_abs) * n * np.asarray(row_norm2_max)
    kappa = ls.step_kappa(1, p, reach)
    rounding = np.where(reach <= 2, ls.floor(kappa, 2.0, K), np.nan)
    return np.asarray(rms) / np.sqrt(SGD_DELTA) + rounding + reference_error(n, p, beta, lambda_plus)
