"""The minimum-trace PSD matrix consistent with linear measurements (a semidefinite program).

    minimise tr(X)  subject to  X ⪰ 0,  ⟨Aᵢ, X⟩ = yᵢ  (i = 1 … m).

For X ⪰ 0 the trace is the nuclear norm ‖X‖_*, so this is the nuclear-norm
minimiser over PSD matrices: the solution Gunasekar et al. (2017) conjecture
that gradient descent on X = UUᵀ reaches as the init scale α → 0.  Solved with
cvxpy and its bundled interior-point solver Clarabel.
"""

from __future__ import annotations

import numpy as np


def min_trace_psd(A: np.ndarray, y: np.ndarray) -> dict:
    """Solve the SDP for symmetric ``A`` (``[m, n, n]``) and ``y`` (``[m]``).

    Returns ``X`` (n×n, symmetrised), ``trace`` = tr(X), the solver ``status``,
    ``residual`` = max |⟨Aᵢ, X⟩ − yᵢ| / max |yᵢ| (how well X meets the constraints)
    and ``dual_norm`` = ‖ν‖₂ of the equality constraints' dual solution ν: by weak
    duality every PSD X has tr X ≥ tr X_sdp − ‖ν‖·‖A(X) − y‖ (up to the solver's tolerance).
    """
    import cvxpy as cp

    m, n, _ = A.shape
    X = cp.Variable((n, n), PSD=True)
    # ⟨Aᵢ, X⟩ for all i at once: rows of A flattened (row-major) times vec(X)
    constraints = [A.reshape(m, n * n) @ cp.vec(X, order="C") == y]
    problem = cp.Problem(cp.Minimize(cp.trace(X)), constraints)
    problem.solve(solver=cp.CLARABEL)
    Xv = 0.5 * (X.value + X.value.T)
    residual = np.abs(np.einsum("mij,ij->m", A, Xv) - y).max() / max(np.abs(y).max(), 1e-300)
    dual_norm = float(np.linalg.norm(constraints[0].dual_value))
    return {"X": Xv, "trace": float(np.trace(Xv)), "status": problem.status, "residual": float(residual),
            "dual_norm": dual_norm}  # fmt: skip
