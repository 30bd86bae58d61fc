"""Closed forms and rounding bounds of first-order methods on E(x) = ½‖Ax − y‖² (numpy only).

**Closed form of GD.** With AᵀA = Σᵢ λᵢ vᵢvᵢᵀ, GD x_{k+1} = x_k − ηAᵀ(Ax_k − y) from
x₀ has the error e_k = x_k − x∞ = Σᵢ (1 − ηλᵢ)ᵏ (vᵢᵀe₀) vᵢ, x∞ = x₀ + A⁺(y − Ax₀);
:func:`gd_error_norms` evaluates ‖e_k‖ at any steps.

**Rounding.** In float64 (unit roundoff u = 2⁻⁵³) one step of a method built
from the products Ax − y and Aᵀr commits an error ‖δ‖ ≤ u·κ·S, where S bounds the
norms of the iterate, of its error and of the limit during the run, and

    κ = C_OPS + 2(n + p + 1)·η‖A‖₂‖A‖_F

(Higham, *Accuracy and Stability of Numerical Algorithms*, §3.5: a computed
dot product of length m errs by at most γ_m·|a|ᵀ|b|, γ_m ≈ m·u; ‖ |A| ‖₂ ≤ ‖A‖_F;
C_OPS covers the O(1) elementwise operations of a step, each rounding a vector
of norm ≤ 2S).  An error committed at step j reaches step K multiplied by the
propagator of the exact iteration from j to K, so the computed x_K differs
from the exact one by at most u·κ·S·G with G = Σⱼ ‖Φ(K, j)‖ (:func:`floor`);
G = K for GD with ηβ ≤ 2, whose propagator I − ηAᵀA has norm ≤ 1.
"""

from __future__ import annotations

import numpy as np

U = 2.0**-53  # unit roundoff of float64
C_OPS = 10  # elementwise operations per step, each rounding a vector of norm ≤ 2S


def step_kappa(n: int, p: int, eta_norm_frob) -> np.ndarray:
    """κ of one step: C_OPS + 2(n + p + 1)·η‖A‖₂‖A‖_F (``eta_norm_frob`` = η‖A‖₂‖A‖_F)."""
    return C_OPS + 2 * (n + p + 1) * np.asarray(eta_norm_frob, dtype=float)


def floor(kappa, scale, amplification) -> np.ndarray:
    """u·κ·S·G: the largest distance between the computed and the exact iterate."""
    return U * np.asarray(kappa, dtype=float) * np.asarray(scale, dtype=float) * np.asarray(amplification, dtype=float)


def spectrum(A: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(λ, V): the non-zero eigenvalues λᵢ = σᵢ² of AᵀA and their eigenvectors (columns of V)."""
    _, s, Vt = np.linalg.svd(A, full_matrices=False)
    rank = int(np.sum(s > s[0] * max(A.shape) * np.finfo(float).eps))
    return s[:rank] ** 2, Vt[:rank].T


def gd_error_norms(A: np.ndarray, e0: np.ndarray, eta: float, steps) -> np.ndarray:
    """‖e_k‖ of GD in exact arithmetic at each of ``steps``: the row-space part of e₀ = x₀ − x∞
    contracts mode by mode by (1 − ηλᵢ)ᵏ, its null-space part stays."""
    lam, V = spectrum(A)
    c = V.T @ e0
    null2 = max(float(e0 @ e0 - c @ c), 0.0)
    k = np.asarray(steps, dtype=float)[:, None]
    with np.errstate(over="ignore"):
        row2 = np.sum(c**2 * np.abs(1 - eta * lam) ** (2 * k), axis=1)
    return np.sqrt(row2 + null2)
