"""Solver reference of label_noise: the minimum-ℓ1 interpolant of each seed's sparse problem (an LP).

At zero loss tr ∇²L = (2/n) Σᵢⱼ xᵢⱼ² vⱼ² ≈ 2‖v⊙v‖₁ for the mean ¼-loss, so
Damian–Lee–Ma's implicit regulariser ¼ tr ∇²L is ∝ ‖v⊙v‖₁ there, and the
model can only represent w = v⊙v ≥ 0: the label-noise solution is compared
with the nonnegative basis pursuit min ‖w‖₁ s.t. Xw = y, w ≥ 0 (HiGHS).
"""

from __future__ import annotations

import numpy as np

from ...numerics.sparse import basis_pursuit, rounding_bound
from .problem import problem


def reference(settings: dict, seeds) -> dict:
    """Per seed: w_ℓ1, ‖w_ℓ1‖₁ and the LP's rounding bound (how far w_ℓ1 may be from the exact vertex)."""
    s = settings["quadratic"]
    out = {}
    for seed in seeds:
        X, y, _ = problem(seed, s["n"], s["d"], s["kappa"])
        w = basis_pursuit(X, y, nonnegative=True)
        bound = rounding_bound(X, w)
        w = np.where(w > bound, w, 0.0)  # entries within the LP's tolerance of 0 are 0
        out[str(seed)] = {
            "w_l1": w.tolist(),
            "l1": float(w.sum()),
            "rounding_bound": bound,
        }
    return {"quadratic": out}
