"""Excess-risk formulas for least squares in the isotropic linear model.

Hastie, Montanari, Rosset & Tibshirani, "Surprises in high-dimensional
ridgeless least squares interpolation" (Ann. Statist. 2022), Sections 2–5.

Model: x ~ N(0, I_p), y = xᵀβ + ξ with ‖β‖² = r² and E ξ² = s² (observation
noise), n samples, γ = p/n.  The excess risk of an estimate β̂ is

    R = E_x (xᵀβ̂ − xᵀβ)² = ‖β̂ − β‖²        (because E xxᵀ = I).

Everything here is plain numpy on scalars or arrays of γ (or p); NaN where a
formula is undefined (p ∈ {n − 1, n, n + 1} for the finite-n values).
"""

from __future__ import annotations

import numpy as np


def sweep_points(n: int, gammas) -> np.ndarray:
    """The dimensions p = round(γn) of a sweep over γ, sorted and without repeats."""
    return np.unique(np.rint(np.asarray(gammas, dtype=float) * n).astype(np.int64))


def minnorm_asymptotic(gamma, r2: float, s2: float):
    """Min-norm least squares as n, p → ∞ with p/n → γ:

        R = s²γ/(1 − γ)                    for γ < 1,
        R = r²(1 − 1/γ) + s²/(γ − 1)       for γ > 1,

    (bias 0 and variance s²γ/(1 − γ) below the threshold; above it the bias is the
    part of β outside the row space, a fraction 1 − 1/γ of r²).  +inf at γ = 1.
    """
    g = np.asarray(gamma, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        below = s2 * g / (1 - g)
        above = r2 * (1 - 1 / g) + s2 / (g - 1)
    return np.where(g < 1, below, np.where(g > 1, above, np.inf))


def minnorm_exact(p, n: int, r2: float, s2: float):
    """Min-norm least squares, exact expectation over a Gaussian design at finite n, p:

        R = s² p/(n − p − 1)                        for p ≤ n − 2   (E tr (XᵀX)⁻¹ = p/(n − p − 1)),
        R = r²(1 − n/p) + s² n/(p − n − 1)          for p ≥ n + 2   (E tr (XXᵀ)⁻¹ = n/(p − n − 1)),

    where the bias r²(1 − n/p) is the expected squared norm of β projected on the
    null space of X (dimension p − n, uniformly oriented).  NaN for |p − n| ≤ 1,
    where the inverse-Wishart mean is infinite.
    """
    p = np.asarray(p, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        below = s2 * p / (n - p - 1)
        above = r2 * (1 - n / p) + s2 * n / (p - n - 1)
    return np.where(p <= n - 2, below, np.where(p >= n + 2, above, np.nan))


def minnorm_exact_variance(p, n: int, r2: float, s2: float):
    """Variance of the min-norm risk over the Gaussian design, β uniform on the sphere and Gaussian noise.

    With W the non-zero part of the design's Gram matrix, W ~ Wishart_k(N, I), k = min(n, p),
    N = max(n, p), d = N − k: the noise part of the risk is s²Σᵢ zᵢ²/λᵢ(W) (zᵢ standard normal), so

        Var = s⁴ (2 E tr W⁻² + Var tr W⁻¹) + [p > n] r⁴ ab/((a + b)²(a + b + 1)),

    E tr W⁻² = k(N − 1)/(d(d − 1)(d − 3)), Var tr W⁻¹ = 2k(N − 1)/(d(d − 1)²(d − 3)) (the inverse-Wishart
    second moments), and above the threshold the bias ‖P_null β‖²/r² ~ Beta(a, b), a = (p − n)/2,
    b = n/2, independent of W.  NaN for |p − n| ≤ 3, where the second moment is infinite.
    """
    p = np.asarray(p, dtype=float)
    k, N = np.minimum(p, n), np.maximum(p, n)
    d = N - k
    with np.errstate(divide="ignore", invalid="ignore"):
        noise = s2**2 * (2 * k * (N - 1) / (d * (d - 1) * (d - 3)) + 2 * k * (N - 1) / (d * (d - 1) ** 2 * (d - 3)))
        a, b = (p - n) / 2, n / 2
        bias = np.where(p > n, r2**2 * a * b / ((a + b) ** 2 * (a + b + 1)), 0.0)
    return np.where(d >= 4, noise + bias, np.nan)


def mp_stieltjes(lam, gamma):
    """m(−λ) = ∫ dμ(t)/(t + λ) for the Marchenko–Pastur law μ of XᵀX/n with ratio γ
    (including its atom at 0 of mass 1 − 1/γ when γ > 1), λ > 0:

        m(−λ) = [−(1 − γ + λ) + √((1 − γ + λ)² + 4γλ)] / (2γλ).
    """
    lam, g = np.asarray(lam, dtype=float), np.asarray(gamma, dtype=float)
    a = 1 - g + lam
    return (-a + np.sqrt(a * a + 4 * g * lam)) / (2 * g * lam)


def mp_stieltjes_derivative(lam, gamma):
    """m′(−λ) = ∫ dμ(t)/(t + λ)² = −d/dλ [m(−λ)], from differentiating the closed form:
    with a = 1 − γ + λ and D = √(a² + 4γλ),

        m′(−λ) = [(D − a) − λ((a + 2γ)/D − 1)] / (2γλ²).
    """
    lam, g = np.asarray(lam, dtype=float), np.asarray(gamma, dtype=float)
    a = 1 - g + lam
    D = np.sqrt(a * a + 4 * g * lam)
    return ((D - a) - lam * ((a + 2 * g) / D - 1)) / (2 * g * lam**2)


def ridge_risk(lam, gamma, r2: float, s2: float):
    """Asymptotic risk of ridge β̂ = (XᵀX + nλI)⁻¹Xᵀy:

        R(λ) = r²λ² m′(−λ) + s²γ [m(−λ) − λ m′(−λ)]

    (bias r²λ² ∫(t + λ)⁻² dμ, variance s²γ ∫ t(t + λ)⁻² dμ).
    """
    m, dm = mp_stieltjes(lam, gamma), mp_stieltjes_derivative(lam, gamma)
    return r2 * lam**2 * dm + s2 * gamma * (m - lam * dm)


def optimal_lambda(gamma, r2: float, s2: float):
    """λ* = s²γ/r², the minimiser of R(λ) for isotropic β (the Bayes posterior mean)."""
    return s2 * np.asarray(gamma, dtype=float) / r2


def optimal_ridge_risk(gamma, r2: float, s2: float):
    """R(λ*) = s²γ m(−λ*): at λ = λ* the bias and variance terms combine into this."""
    g = np.asarray(gamma, dtype=float)
    return s2 * g * mp_stieltjes(optimal_lambda(g, r2, s2), g)
