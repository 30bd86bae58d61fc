"""Batched objectives: the loss E and its (stochastic) gradient for a stack of runs.

Normalisation: losses are **sums** over the n samples, as in the lecture's
E(x) = ½‖Ax − y‖², so the Hessian is AᵀA and its sharpness β = λ_max(AᵀA).
A minibatch gradient of b samples is scaled by n/b, which keeps it an unbiased
estimate of ∇E (the Robbins–Monro condition).

Label noise at level σ (the grid's σ axis) replaces each sampled label yᵢ by
yᵢ + εᵢ with εᵢ uniform on {−σ, +σ}, drawn afresh at every step
(:class:`implicitbias.numerics.label_noise.LabelNoise`).
"""

from __future__ import annotations

import torch

from . import rng
from .label_noise import LabelNoise


class LeastSquares:
    """E(x) = ½‖Ax − y‖² for each run, with ``A`` of shape ``[R, n, p]`` and ``y`` of shape ``[R, n]``.

    Runs that share one problem (a grid over η, σ or the init seed) pass ``A``
    as ``[n, p]`` or as ``A.expand(R, n, p)`` (a view with stride 0 over runs).
    Their residuals are then one matrix product X Aᵀ for the stack X of
    iterates (``[R, p]``) and their gradients one product R A: two GEMMs per
    step, which run near the machine's peak, instead of R matrix–vector
    products (``einsum`` over a per-run A, which is memory-bound).  Both forms
    compute the same sums (tests compare them to 1e-12).

    ``seeds`` (``[R]``) key each run's sampling and label-noise streams, so the
    stream of a run does not depend on the batch it trains in.
    """

    def __init__(self, A: torch.Tensor, y: torch.Tensor, seeds: torch.Tensor, sigma: torch.Tensor):
        R = seeds.shape[0]
        if A.dim() == 2:
            A = A.expand(R, *A.shape)
        self.A, self.y = A, y
        self.shared = A[0] if A.shape[0] > 1 and A.stride(0) == 0 else None  # [n, p], or None: one A per run
        self.n = A.shape[1]
        self.labels = LabelNoise(seeds, sigma.to(A))
        self.sample_key = rng.stream_key(seeds, tag=1)

    def residual(self, x: torch.Tensor) -> torch.Tensor:
        """Ax − y, shape ``[R, n]``."""
        if self.shared is not None:
            return x @ self.shared.T - self.y
        return torch.einsum("rnp,rp->rn", self.A, x) - self.y

    def loss(self, x: torch.Tensor) -> torch.Tensor:
        return 0.5 * self.residual(x).square().sum(dim=1)

    def grad(self, x: torch.Tensor, t: int, batch_size: int | None = None) -> torch.Tensor:
        """∇E(x) = Aᵀ(Ax − y), or its unbiased minibatch estimate with noisy labels."""
        if batch_size is None or batch_size >= self.n:
            r = self.labels.perturb(self.residual(x), t)
            if self.shared is not None:
                return r @ self.shared
            return torch.einsum("rnp,rn->rp", self.A, r)
        idx = rng.randint(self.sample_key, t, batch_size, self.n)
        A_B = torch.gather(self.A, 1, idx[:, :, None].expand(-1, -1, self.A.shape[2]))
        r = self.labels.perturb(torch.einsum("rbp,rp->rb", A_B, x) - torch.gather(self.y, 1, idx), t)
        return (self.n / batch_size) * torch.einsum("rbp,rb->rp", A_B, r)


class GroupedLeastSquares:
    """E(x) = ½‖A_q x − y_q‖² for runs in Q groups of E runs each, group q sharing one problem (A_q, y_q).

    ``A`` is ``[Q, n, p]``, ``y`` is ``[Q, n]``; the iterates are ``[Q·E, p]``, group-major (runs
    qE … qE + E − 1 belong to problem q).  A grid over η on many drawn problems is such a stack:
    the residuals of a group are one product X_q A_qᵀ of its ``[E, p]`` iterates and its gradients
    one product R_q A_q, so a step is two batched GEMMs instead of Q·E matrix–vector products.
    Full-batch gradients on clean labels only (the sweeps that use it need nothing else).
    """

    def __init__(self, A: torch.Tensor, y: torch.Tensor):
        self.A, self.y = A, y
        self.Q, self.n = A.shape[0], A.shape[1]

    def residual(self, x: torch.Tensor) -> torch.Tensor:
        """A_q x − y_q of every run, shape ``[Q, E, n]``."""
        X = x.reshape(self.Q, -1, x.shape[1])
        return torch.baddbmm(-self.y[:, None, :], X, self.A.mT)

    def loss(self, x: torch.Tensor) -> torch.Tensor:
        return 0.5 * self.residual(x).square().sum(dim=2).reshape(-1)

    def grad(self, x: torch.Tensor, t: int = 0, batch_size: int | None = None) -> torch.Tensor:
        """∇E(x) = A_qᵀ(A_q x − y_q) of every run, ``[Q·E, p]``."""
        return torch.bmm(self.residual(x), self.A).reshape(x.shape)
