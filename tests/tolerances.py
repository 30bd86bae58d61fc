"""Tolerances of the numerical tests, each derived from floating-point rounding.

Notation (Higham, *Accuracy and Stability of Numerical Algorithms*, ch. 3):
u = 2⁻⁵³ is float64's unit round-off, and γ_n = n·u / (1 − n·u) bounds the
relative error of a sum or inner product of n terms in any order,
|fl(Σ aᵢbᵢ) − Σ aᵢbᵢ| ≤ γ_n Σ|aᵢbᵢ|.  Two computations of the same sum in
different orders therefore differ by at most 2γ_n Σ|aᵢbᵢ|.

A tolerance is then (number of rounding steps) × (their size) × (how much the
computation amplifies an error), the last computed, never guessed: κ from a
spectrum, or the growth of a perturbation measured on the very run.
"""

from __future__ import annotations

import numpy as np
import torch

U = np.finfo(np.float64).eps / 2  # unit round-off of float64


def gamma(n: int) -> float:
    """γ_n: relative error bound of an n-term sum or inner product, in any order."""
    return n * U / (1 - n * U)


def gd_least_squares_error(A: np.ndarray, y: np.ndarray, x0: np.ndarray, eta: float, steps: int) -> float:
    """A bound on ‖x_K − x*‖ for K = ``steps`` float64 GD steps x ← x − ηAᵀ(Ax − y) from ``x0``
    on E(x) = ½‖Ax − y‖², x* = x0 + A⁺(y − Ax0) (the limit that keeps x0's null-space part).

    Exact part: e_K = Σᵢ (1 − ηλᵢ)ᴷ cᵢvᵢ over the eigenpairs of AᵀA with λᵢ > 0,
    cᵢ = vᵢᵀ(x0 − x*): computed, not bounded.
    Rounding part: one step computes r = Ax − y (inner products of length p, then a
    subtraction: error ≤ γ_{p+1}(|A||x| + |y|)), g = Aᵀr (length n, plus the error of r
    carried through |Aᵀ|) and x − ηg (two more roundings), so with γ_a + γ_b + γ_aγ_b ≤ γ_{a+b}
    it errs by at most δ = γ_{n+p+4}·(η‖|A|‖(‖|A|‖·x_max + ‖y‖) + x_max), where x_max =
    ‖x*‖ + ‖x0 − x*‖ bounds ‖x‖ on the path (GD does not expand the error for η ≤ 2/λ_max).
    Errors in the row space of A contract by ρ = max|1 − ηλᵢ| < 1 per step, those in its
    null space are kept: after K steps at most (1/(1 − ρ) + K)·δ.  1/(1 − ρ) is κ(A)²
    at η = 1/λ_max: the "k·u·κ" of the textbooks, with κ computed.
    """
    A, y, x0 = (np.asarray(v, dtype=float) for v in (A, y, x0))
    n, p = A.shape
    star = x0 + np.linalg.pinv(A) @ (y - A @ x0)
    lam, V = np.linalg.eigh(A.T @ A)
    positive = lam > lam.max() * p * np.finfo(float).eps
    factor = 1 - eta * lam[positive]
    exact = float(np.linalg.norm((factor**steps) * (V[:, positive].T @ (x0 - star))))
    xmax = np.linalg.norm(star) + np.linalg.norm(x0 - star)
    delta = least_squares_step_rounding(A, y, eta, xmax, rows=n)
    rho = float(np.max(np.abs(factor)))
    return exact + (1 / (1 - rho) + steps) * delta


def least_squares_step_rounding(A: np.ndarray, y: np.ndarray, eta: float, xmax: float, rows: int) -> float:
    """Rounding of one step x ← x − ηA_Bᵀ(A_B x − y_B) on ``rows`` rows B of A, for ‖x‖ ≤ ``xmax``:
    γ_{rows+p+4}·(η‖|A|‖(‖|A|‖·xmax + ‖y‖) + xmax), in any summation order (see
    :func:`gd_least_squares_error`; ‖|A_B|‖ ≤ ‖|A|‖ and ‖y_B‖ ≤ ‖y‖ for any rows B)."""
    A = np.asarray(A, dtype=float)
    normA = np.linalg.norm(np.abs(A), 2)
    return gamma(rows + A.shape[1] + 4) * (eta * normA * (normA * xmax + np.linalg.norm(y)) + xmax)


def least_squares_solution_error(A: np.ndarray, y: np.ndarray) -> float:
    """A bound on the relative error ‖x̂ − x‖/‖x‖ of the min-norm least-squares solution
    x = A⁺y computed by a backward-stable solver (SVD: ``numpy.linalg.pinv``, LAPACK
    gelsd).  Such a solver returns the exact solution for data perturbed by a relative
    ε ≤ γ_{np} (Higham, ch. 19-20, worst-case constant); Wedin's perturbation bound then
    gives ε·(2κ + κ²‖r‖/(‖A‖‖x‖)) with κ = σ_max/σ_min (nonzero σ) and r = y − Ax."""
    A, y = np.asarray(A, dtype=float), np.asarray(y, dtype=float)
    n, p = A.shape
    s = np.linalg.svd(A, compute_uv=False)
    s = s[s > s[0] * max(n, p) * np.finfo(float).eps]
    kappa = s[0] / s[-1]
    x = np.linalg.pinv(A) @ y
    r = np.linalg.norm(y - A @ x)
    eps = gamma(n * p)
    return eps * (2 * kappa + kappa**2 * r / (s[0] * np.linalg.norm(x)))


def projection_reference_error(A: np.ndarray, y: np.ndarray, x0: np.ndarray) -> float:
    """A bound on the absolute error of x* = x0 + A⁺(y − Ax0) computed in float64 with a
    backward-stable pseudo-inverse: the residual y − Ax0 (γ_{p+1}(‖|A|‖‖x0‖ + ‖y‖), carried
    through ‖A⁺‖ = 1/σ_min), the solve (:func:`least_squares_solution_error`) and the
    final addition (γ_1‖x*‖)."""
    A, y, x0 = (np.asarray(v, dtype=float) for v in (A, y, x0))
    n, p = A.shape
    s = np.linalg.svd(A, compute_uv=False)
    s = s[s > s[0] * max(n, p) * np.finfo(float).eps]
    b = y - A @ x0
    step = np.linalg.pinv(A) @ b
    residual = gamma(p + 1) * (np.linalg.norm(np.abs(A), 2) * np.linalg.norm(x0) + np.linalg.norm(y)) / s[-1]
    solve = least_squares_solution_error(A, b) * np.linalg.norm(step)
    return residual + solve + gamma(1) * np.linalg.norm(x0 + step)


def perturbation_growth(advance, x0: torch.Tensor, rel: float = 1e-7, seed: int = 0) -> float:
    """How much ``advance`` (x0 ↦ x_K, a batch of runs [R, P]) amplifies a change of its start:
    max over runs of ‖advance(x0 + δ) − advance(x0)‖ / ‖δ‖ for a random δ of norm
    ``rel``·‖x0‖ per run (small enough to stay in the linear regime, ~10⁹ ulps so
    that rounding does not blur it).  A first-order estimate of the error
    amplification of a nonlinear map, measured on the run the test checks."""
    g = torch.Generator().manual_seed(seed)
    direction = torch.randn(x0.shape, generator=g, dtype=x0.dtype)
    direction *= (rel * torch.linalg.vector_norm(x0, dim=1) / torch.linalg.vector_norm(direction, dim=1))[:, None]
    moved = advance(x0 + direction) - advance(x0)
    return float((torch.linalg.vector_norm(moved, dim=1) / torch.linalg.vector_norm(direction, dim=1)).max())
