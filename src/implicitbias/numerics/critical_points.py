"""What a numerically found end point of training is, decided from its rounding bounds (no torch).

A loss that is ≥ 0 everywhere is at a global minimum where it is 0; a computed
value at or below its rounding bound cannot be told from 0.  Anywhere else the
point is a certified local minimum when, after polishing, its gradient norm is
below the rounding bound of the gradient's computation and its smallest Hessian
eigenvalue is above minus the rounding bound of the Hessian's (it is positive
semi-definite to working precision), and its loss is above the loss's rounding
bound (it is not 0): a spurious minimum.  Safran & Shamir (2018) certify their
minima the same way, with exact arithmetic in place of the bounds.
"""

from __future__ import annotations

import numpy as np

OUTCOMES = ("global", "spurious", "uncertified", "diverged")


def classify(loss, loss_bound, grad_norm, grad_bound, lambda_min, hessian_bound) -> np.ndarray:
    """``global``, ``spurious``, ``uncertified`` or ``diverged`` (loss not finite) for each point."""
    loss, loss_bound, grad_norm, grad_bound, lambda_min, hessian_bound = (
        np.asarray(v, dtype=float) for v in (loss, loss_bound, grad_norm, grad_bound, lambda_min, hessian_bound)
    )
    is_global = loss <= loss_bound
    spurious = ~is_global & (grad_norm <= grad_bound) & (lambda_min >= -hessian_bound) & (loss > loss_bound)
    out = np.where(is_global, "global", np.where(spurious, "spurious", "uncertified"))
    return np.where(np.isfinite(loss), out, "diverged")
