"""Regime map of label-noise SGD's sparse recovery over (η, σ) (lecture, Part II).

The problem and the training are label_noise's ``quadratic`` model, reused as is
(:func:`implicitbias.experiments.label_noise.train.train_quadratic`): f_v(x) = ⟨v⊙v, x⟩,
y = ⟨w*, x⟩ with a κ-sparse w*, v₀ = init·1, the mean loss (1/n) Σᵢ ¼(f_v(xᵢ) − yᵢ)²,
label-noise SGD with one sampled point and labels yᵢ ± σ, η in units of 1/β.
Damian–Lee–Ma: the iterates follow the regularised flow of R ≈ ¼ tr ∇²L ∝ ‖v⊙v‖₁
on the time scale η²σ²k, so at a fixed number of steps K the test error
‖v⊙v − w*‖² should depend on (η, σ) through η²σ² alone, and recovery (the test
error below ``recovery_fraction`` of its start) should set in along a contour
η²σ²K = const.  All cells of a group train as one tensor program; only the first
and last steps are logged (``log_points: 2``).
"""

from __future__ import annotations

import torch

from ...numerics import step_size
from ..label_noise.train import train_quadratic


def train_batch(settings: dict, cells: list, device: torch.device, dtype: torch.dtype, reference=None):
    """Label-noise SGD on every cell (one run each); the min-ℓ1 reference is solved per seed in the job."""
    unit = step_size.unit_of(settings, cells[0].optimizer)
    return train_quadratic(settings, cells, device, dtype, unit, reference)
