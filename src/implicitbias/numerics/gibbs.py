"""The Gibbs density exp(−V/T)/Z on a grid, and what a constant-step chain samples instead.

Noisy GD θ ← θ − ηV'(θ) + ησξ has, as η → 0 at fixed T = ησ²/2, the stationary
law π_T ∝ exp(−V/T) of overdamped Langevin dynamics; as T → 0 it concentrates on
the global minimisers of V.  At a constant step the chain samples a slightly
different law: weak backward error analysis (the modified generator in
``implicitbias.numerics.kramers.euler_correction``) gives, to first order in η,

    π_{T,η} ∝ exp(−V/T) · (1 + η V'²/(4T) − η V''/2).

(For V = λθ²/2 this is the exact stationary variance T/(λ(1 − ηλ/2)) of the
AR(1) chain, to first order.)  The normalising constant Z is computed by the
trapezoidal rule on a grid fine enough to resolve exp(−V/T); the exponent is
shifted by min V first so that nothing overflows.
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import cumulative_trapezoid


def density(V, T: float, grid: np.ndarray, dV=None, d2V=None, eta: float = 0.0) -> np.ndarray:
    """The normalised density on ``grid``: exp(−V/T)/Z, times (1 + ηV'²/(4T) − ηV''/2) when eta > 0."""
    v = V(grid)
    p = np.exp(-(v - v.min()) / T)
    if eta:
        p = p * (1 + eta * dV(grid) ** 2 / (4 * T) - eta * d2V(grid) / 2)
    return p / np.trapezoid(p, grid)


def cdf(V, T: float, grid: np.ndarray, dV=None, d2V=None, eta: float = 0.0) -> np.ndarray:
    """Its distribution function on ``grid`` (0 at grid[0], 1 at grid[-1])."""
    F = cumulative_trapezoid(density(V, T, grid, dV, d2V, eta), grid, initial=0.0)
    return F / F[-1]


def mass(V, T: float, lo: float, hi: float, grid: np.ndarray, **first_order) -> float:
    """The probability of [lo, hi] under the (first-order corrected) density, by interpolating the CDF."""
    F = cdf(V, T, grid, **first_order)
    return float(np.interp(hi, grid, F) - np.interp(lo, grid, F))


def chain_stationary(step_map, noise_sd: float, grid: np.ndarray) -> np.ndarray:
    """The stationary density of x' = step_map(x) + noise_sd·ξ (ξ ~ N(0, 1)) on ``grid``, exactly up to quadrature.

    π(y) = ∫ π(x) p(x → y) dx with the Gaussian kernel p; Nyström's method with
    trapezoidal weights w turns it into π = Mᵀπ, M_ij = w_i p(x_i → x_j), whose rows
    are renormalised to conserve mass (what leaves the grid is negligible when the
    grid spans the wells with room to spare).  One equation is replaced by the
    normalisation Σ w π = 1 and the system is solved directly.  The grid spacing
    must be a small fraction of ``noise_sd``.
    """
    from scipy.stats import norm

    x = np.asarray(grid, dtype=float)
    w = np.full(len(x), x[1] - x[0])
    w[0] = w[-1] = (x[1] - x[0]) / 2
    P = norm.pdf((x[None, :] - step_map(x)[:, None]) / noise_sd) / noise_sd * w[None, :]
    P /= P.sum(axis=1, keepdims=True)  # row i: where a step from x_i goes, as weights on the grid
    A = np.eye(len(x)) - P.T
    A[-1] = 1.0
    rhs = np.zeros(len(x))
    rhs[-1] = 1.0
    q = np.linalg.solve(A, rhs)  # stationary weights of the grid chain
    return q / w / np.sum(q)
