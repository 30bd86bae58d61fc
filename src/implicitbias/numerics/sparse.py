"""The minimum-ℓ1 interpolant (basis pursuit) as a linear program (numpy and scipy only).

    min ‖w‖₁  subject to  Xw = y          (w ≥ 0 with ``nonnegative``)

solved with scipy.optimize.linprog (HiGHS).  The signed problem is the LP in
(p, q) ≥ 0 with w = p − q.  HiGHS stops when every equality holds to its
primal feasibility tolerance (:data:`FEASIBILITY_TOLERANCE`), which bounds how
far the returned vertex can be from the exact one (:func:`rounding_bound`).
"""

from __future__ import annotations

import numpy as np

FEASIBILITY_TOLERANCE = 1e-7  # HiGHS's default primal_feasibility_tolerance


def basis_pursuit(X: np.ndarray, y: np.ndarray, nonnegative: bool = True) -> np.ndarray:
    """argmin ‖w‖₁ subject to Xw = y (and w ≥ 0 when ``nonnegative``), by HiGHS."""
    from scipy.optimize import linprog

    d = X.shape[1]
    A = X if nonnegative else np.hstack([X, -X])
    res = linprog(np.ones(A.shape[1]), A_eq=A, b_eq=y, bounds=(0, None), method="highs")
    if res.status != 0:
        raise ValueError(f"basis pursuit LP: {res.message} (is Xw = y feasible?)")
    return res.x if nonnegative else res.x[:d] - res.x[d:]


def rounding_bound(X: np.ndarray, w: np.ndarray, atol: float = 1e-9) -> float:
    """How far a vertex w returned within the feasibility tolerance can be from the exact one, in ℓ∞:
    the residual of each equation is at most the tolerance, so the error on the support S of w is
    at most ‖X_S⁺‖₂·√n·tolerance = √n·tolerance / σ_min(X_S)."""
    S = np.abs(w) > atol
    sigma_min = np.linalg.svd(X[:, S], compute_uv=False).min() if S.any() else np.inf
    return float(np.sqrt(X.shape[0]) * FEASIBILITY_TOLERANCE / sigma_min)
