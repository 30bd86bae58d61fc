"""Batched losses of a linear classifier on separable data: exponential and logistic.

For labels yᵢ = ±1 and features xᵢ, write zᵢ = yᵢxᵢ (the rows of Z) and the
margins mᵢ(θ) = ⟨θ, zᵢ⟩.  The training loss is a **sum** over the n samples,

    L(θ) = Σᵢ ℓ(mᵢ(θ)),   ∇L(θ) = Σᵢ ℓ'(mᵢ) zᵢ = −Zᵀ w(m),   w(m) = −ℓ'(m) > 0,

with ℓ(m) = e^{−m} (exponential, w = e^{−m}) or ℓ(m) = log(1 + e^{−m})
(logistic, computed as logaddexp(0, −m) so that it stays exact when e^{−m} is
below the float64 epsilon; w = σ(−m), the sigmoid).  The sum, not the mean, is
what Soudry et al. write: GD at step η gives t·L(θ_t) → Σα/η with α the dual
weights of the hard-margin SVM.  Its Hessian at θ = 0 is ℓ''(0)·ZᵀZ, so the
sharpness there is β = ℓ''(0)·σ_max(X)², with ℓ''(0) = 1 (exponential) or ¼
(logistic); the Hessian only shrinks as the margins grow, so η < 2/β is stable.
"""

from __future__ import annotations

import torch

from . import rng

SAMPLE_TAG = 1  # the stream tag of the minibatch indices (as objectives.LeastSquares)

LOSSES = {
    # name: (ℓ(m), w(m) = −ℓ'(m), ℓ''(0))
    "exponential": (lambda m: torch.exp(-m), lambda m: torch.exp(-m), 1.0),
    "logistic": (lambda m: torch.logaddexp(torch.zeros_like(m), -m), lambda m: torch.sigmoid(-m), 0.25),
}


def curvature_at_zero(loss: str) -> float:
    """ℓ''(0): the sharpness at θ = 0 is this times σ_max(X)²."""
    return LOSSES[loss][2]


class LinearClassifier:
    """L(θ) = Σᵢ ℓ(yᵢ⟨θ, xᵢ⟩) for each run; ``X`` is ``[R, n, d]``, ``y`` is ``[R, n]`` with entries ±1.

    ``seeds`` (``[R]``) key each run's minibatch stream; without them the gradient is full-batch
    only.  No label noise: the labels stay ±1.
    """

    def __init__(self, X: torch.Tensor, y: torch.Tensor, loss: str, seeds: torch.Tensor | None = None):
        self.Z = (y[:, :, None] * X).contiguous()  # zᵢ = yᵢxᵢ
        self.Zt = self.Z.transpose(1, 2).contiguous()
        self.n = self.Z.shape[1]
        self.ell, self.weight, _ = LOSSES[loss]
        self.samples = None if seeds is None else rng.Streams(rng.stream_key(seeds, SAMPLE_TAG))

    def margins(self, theta: torch.Tensor) -> torch.Tensor:
        """mᵢ = ⟨θ, zᵢ⟩, shape ``[R, n]``."""
        return torch.bmm(self.Z, theta[:, :, None])[:, :, 0]

    def loss(self, theta: torch.Tensor) -> torch.Tensor:
        return self.ell(self.margins(theta)).sum(dim=1)

    def grad(self, theta: torch.Tensor, t: int = 0, batch_size: int | None = None) -> torch.Tensor:
        """∇L(θ) = −Σᵢ w(mᵢ) zᵢ, or with ``batch_size`` b < n its estimate −(n/b) Σ_{i∈B_t} w(mᵢ) zᵢ."""
        if batch_size is None or batch_size >= self.n:
            w = self.weight(self.margins(theta))
            return -torch.bmm(self.Zt, w[:, :, None])[:, :, 0]
        Z_B = torch.gather(self.Z, 1, self.batch(t, batch_size)[:, :, None].expand(-1, -1, self.Z.shape[2]))
        w = self.weight(torch.bmm(Z_B, theta[:, :, None]))  # [R, b, 1]
        return -(self.n / batch_size) * (w * Z_B).sum(dim=1)

    def batch(self, t: int, size: int) -> torch.Tensor:
        """B_t: the ``[R, size]`` sample indices of step t, ``rng.randint(key, t, size, n)`` of each run's
        stream (fetched in blocks by ``rng.Stream``: the same numbers, fewer tensor calls)."""
        if self.samples is None:
            raise ValueError("a minibatch gradient needs the runs' seeds (LinearClassifier(..., seeds=...))")
        return rng.integers(self.samples.uniform(t, size), self.n)

    def normalised_margin(self, theta: torch.Tensor) -> torch.Tensor:
        """minᵢ ⟨θ, zᵢ⟩ / ‖θ‖: the margin of the direction θ/‖θ‖ (NaN at θ = 0)."""
        return self.margins(theta).min(dim=1).values / torch.linalg.vector_norm(theta, dim=1)


def angle_gap(theta: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """1 − cos(θ, w) for each run, as ½‖θ/‖θ‖ − w/‖w‖‖², which has no cancellation
    when the two directions agree to many digits."""
    u = theta / torch.linalg.vector_norm(theta, dim=1, keepdim=True)
    v = w / torch.linalg.vector_norm(w, dim=1, keepdim=True)
    return 0.5 * (u - v).square().sum(dim=1)
