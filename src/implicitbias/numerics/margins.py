"""Max-margin references of a linear classifier, by convex solvers.

For separable data (xᵢ, yᵢ), zᵢ = yᵢxᵢ, without bias term:

* the hard-margin SVM (L2 max-margin) is the quadratic program

      ŵ = argmin ½‖w‖²  subject to  ⟨w, zᵢ⟩ ≥ 1  for all i,

  solved with cvxpy (interior point, Clarabel); its dual weights αᵢ ≥ 0 satisfy
  ŵ = Σᵢ αᵢzᵢ (stationarity of the Lagrangian of ½‖w‖²), αᵢ > 0 only on
  support vectors, and Σαᵢ = ‖ŵ‖².  The normalised margin of ŵ is 1/‖ŵ‖.
* the ℓ∞ max-margin direction is the linear program

      max γ  subject to  ⟨w, zᵢ⟩ ≥ γ,  −1 ≤ w_j ≤ 1,

  solved with scipy.optimize.linprog (HiGHS).

Both are computed once per data set by the pipeline's ``reference`` rule.
"""

from __future__ import annotations

import numpy as np


def hard_margin_svm(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ŵ, α): the L2 max-margin solution and its dual weights, by cvxpy's QP solver."""
    import cvxpy as cp

    Z = y[:, None] * X
    w = cp.Variable(X.shape[1])
    margin = Z @ w >= 1
    problem = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(w)), [margin])
    problem.solve(solver=cp.CLARABEL)
    if problem.status != cp.OPTIMAL:
        raise ValueError(f"hard-margin SVM: solver status {problem.status} (is the data separable?)")
    return np.asarray(w.value), np.maximum(np.asarray(margin.dual_value), 0.0)


def linf_max_margin(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """(w, γ): a maximiser of minᵢ⟨w, zᵢ⟩ over ‖w‖∞ ≤ 1 and that margin γ, by HiGHS."""
    from scipy.optimize import linprog

    Z = y[:, None] * X
    n, d = Z.shape
    cost = np.r_[np.zeros(d), -1.0]  # variables (w, γ); maximise γ
    A_ub = np.c_[-Z, np.ones(n)]  # γ − ⟨w, zᵢ⟩ ≤ 0
    bounds = [(-1.0, 1.0)] * d + [(None, None)]
    res = linprog(cost, A_ub=A_ub, b_ub=np.zeros(n), bounds=bounds, method="highs")
    if res.status != 0 or res.x[-1] <= 0:
        raise ValueError(f"l-inf max-margin LP: {res.message} (is the data separable?)")
    return res.x[:d], float(res.x[-1])
