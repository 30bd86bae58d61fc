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
