"""Asymptotics of Robbins–Monro stochastic approximation (numpy only).

For x_k = x_{k−1} − (c/k)·Y_k with E[Y_k | x] = M(x), M(θ) = 0, M′(θ) > 0 and
Var(Y | θ) = s²: if 2cM′(θ) > 1 then √k(x_k − θ) → N(0, c²s²/(2cM′ − 1))
(Chung 1954; Sacks 1958), so k·E(x_k − θ)² → c²s²/(2cM′ − 1), smallest at
c = 1/M′.  For 2cM′ ≤ 1 the error decays only like k^(−2cM′).

The median of N(0, 1): Y = 1{Z ≤ x} − ½, M(x) = Φ(x) − ½, θ = 0,
M′(0) = φ(0) = 1/√(2π) and s² = ¼.
"""

from __future__ import annotations

import math

import numpy as np

PHI0 = 1 / math.sqrt(2 * math.pi)  # M′(0) = φ(0) for the median of N(0, 1)
S2 = 0.25  # s² = Var 1{Z ≤ 0}


def asymptotic_k_mse(c, slope: float = PHI0, s2: float = S2) -> np.ndarray:
    """lim k·E(x_k − θ)² = c²s²/(2cM′ − 1) where 2cM′ > 1; NaN where that rate fails."""
    c = np.asarray(c, dtype=float)
    gap = 2 * c * slope - 1
    return np.where(gap > 0, c**2 * s2 / np.where(gap > 0, gap, 1.0), np.nan)


# Batch-1 SGD on E(x) = ½‖Ax − y‖² (a SUM over the n rows aᵢ) with the n-scaled gradient
# n·aᵢ(aᵢᵀx − yᵢ − ε), i uniform and ε = ±σ fresh at every step, y = Ax*.  The error
# e = x − x* obeys e' = Bᵢe + ηn aᵢε with Bᵢ = I − ηn aᵢaᵢᵀ, so its second moment
# S = E[eeᵀ] obeys the LINEAR recursion
#     S' = S − η(GS + SG) + η²n Σᵢ (aᵢᵀSaᵢ) aᵢaᵢᵀ + η²nσ² G,   G = AᵀA,
# i.e. vec S' = (I − η(I⊗G + G⊗I) + η²n W) vec S + η²nσ² vec G, W = Σᵢ (aᵢ⊗aᵢ)(aᵢ⊗aᵢ)ᵀ:
# the expected squared error E‖e_k‖² = tr S_k is known exactly for any step sizes η_k.


def _moment_maps(A: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(I⊗G + G⊗I, n·W, vec G) of the second-moment recursion, for A of shape n×p."""
    n, p = A.shape
    G = A.T @ A
    eye = np.eye(p)
    aa = np.einsum("ip,iq->ipq", A, A).reshape(n, p * p)
    return np.kron(eye, G) + np.kron(G, eye), n * aa.T @ aa, G.reshape(-1)


def expected_sq_error(A: np.ndarray, e0: np.ndarray, etas: np.ndarray, sigma: float, steps) -> np.ndarray:
    """E‖x_k − x*‖² of batch-1 SGD at each of ``steps`` (``etas[k − 1]`` is the step at k = 1, 2, …), from e₀."""
    n, p = A.shape
    lin, quad, noise = _moment_maps(A)
    eye = np.eye(p * p)
    s = np.outer(e0, e0).reshape(-1)
    trace = np.eye(p).reshape(-1)
    want = {int(k) for k in steps}
    out = {0: float(trace @ s)}
    eta_of, M = None, None
    for k in range(1, max(want) + 1):
        eta = float(etas[k - 1])
        if eta != eta_of:  # a constant step builds the map once
            eta_of, M = eta, eye - eta * lin + eta**2 * quad
        s = M @ s + eta**2 * n * sigma**2 * noise
        if k in want:
            out[k] = float(trace @ s)
    return np.array([out[int(k)] for k in steps])


def stationary_error(A: np.ndarray, eta: float, sigma: float) -> float:
    """tr S of the stationary second moment of constant-step SGD: S solves S = S' above (n > p)."""
    n, p = A.shape
    lin, quad, noise = _moment_maps(A)
    S = np.linalg.solve(eta * lin - eta**2 * quad, eta**2 * n * sigma**2 * noise)
    return float(np.trace(S.reshape(p, p)))
