"""Regime map of the min-norm risk over (γ = p/n, noise variance) (lecture: double descent).

The data and the estimator are double_descent's isotropic part, reused as is
(:func:`implicitbias.experiments.double_descent.train.isotropic_sweep`): x ~ N(0, I_p),
y = xᵀβ + ξ + ε with ‖β‖² = r², ξ ~ N(0, s²) and the grid's label noise ε = ±σ, drawn
once per sample, so the total noise variance is s² + σ² (the map's second axis);
β̂ = X⁺y by LAPACK gelsd; the excess risk ‖β̂ − β‖² and the exact finite-n formula of
Hastie–Montanari–Rosset–Tibshirani (:mod:`implicitbias.numerics.hmrt`) at every γ of the
sweep, which runs inside each cell (a cell is one (σ, seed)).  The table's ``step``
numbers the sweep points; ``gamma`` and ``p`` are their values.
"""

from __future__ import annotations

import torch

from ..double_descent.train import isotropic_sweep


def train_batch(settings: dict, cells: list, device: torch.device, dtype: torch.dtype, reference=None):
    """Every cell of one group over the whole γ sweep, with the min-norm estimator."""
    return isotropic_sweep(settings, cells, device, dtype)
