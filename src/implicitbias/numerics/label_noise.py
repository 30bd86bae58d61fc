"""Label noise, the lecture's σ: each label used at a step is yᵢ + εᵢ, εᵢ uniform on {−σ, +σ}.

The perturbation is drawn afresh at every step (and for every sampled label),
from each run's own counter-based stream (tag 2 of :mod:`implicitbias.numerics.rng`),
so a run sees the same noise whether it trains alone or in a batch.  Every
objective that takes label noise (least squares, the label-noise figure's
models) uses this one implementation: it acts on the residuals f − y of the
labels used, turning them into f − (y + ε).
"""

from __future__ import annotations

import torch

from . import rng

LABEL_TAG = 2  # the stream tag of the label noise


class LabelNoise:
    """Fresh ±σ label noise for a stack of runs (``seeds`` and ``sigma`` of shape ``[R]``)."""

    def __init__(self, seeds: torch.Tensor, sigma: torch.Tensor):
        self.sigma = sigma.reshape(-1, 1)
        self.on = bool((sigma > 0).any())
        self.key = rng.stream_key(seeds, LABEL_TAG)
        self.streams = rng.Streams(self.key)

    def signs(self, t: int, size: int, dtype=torch.float64) -> torch.Tensor:
        """The ``[R, size]`` signs of step t: ``rng.rademacher(key, t, size)``, fetched in blocks."""
        return rng.signs(self.streams.uniform(t, size), dtype)

    def perturb(self, residual: torch.Tensor, t: int) -> torch.Tensor:
        """Residuals f − (y + ε) of the labels used at step t (``residual`` is f − y, ``[R, size]``)."""
        if not self.on:
            return residual
        return residual - self.sigma * self.signs(t, residual.shape[1], residual.dtype)
