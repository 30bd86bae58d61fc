"""Matrix factorizations trained by GD: the end-to-end matrix, its loss and the chain rule.

A run's parameters x (one row of ``[R, P]``, as :mod:`implicitbias.train` wants)
hold square n×n factors.  Two factorizations:

* ``psd``: X = U Uᵀ with one full-width factor U (Gunasekar et al. 2017);
* depth N: W = W_N ⋯ W_2 W_1 (a deep linear network, Arora et al. 2019).

The loss is a function ℓ(W) of the end-to-end matrix only, through linear
measurements of it:

* :class:`Sensing`: residuals rᵢ = ⟨Aᵢ, W⟩ − yᵢ, i = 1 … m;
* :class:`Entries`: residuals r_ij = W_ij − W*_ij on the observed entries (i, j) ∈ Ω.

With normalisation ``scale`` the loss is ℓ = ½·scale·Σ rᵢ²: scale = 1 is the
sum of squares (loss ``squares``), scale = 1/m the mean over the measurements
(loss ``mean_squares``).  Its gradient in W is G = scale·Σ rᵢ Aᵢ, and the chain
rule gives the factors' gradients

    psd:     ∇_U ℓ = (G + Gᵀ) U,
    depth N: ∇_{W_j} ℓ = (W_N ⋯ W_{j+1})ᵀ G (W_{j−1} ⋯ W_1)ᵀ.
"""

from __future__ import annotations

import torch


class Sensing:
    """rᵢ = ⟨Aᵢ, W⟩ − yᵢ, i = 1 … m, for runs that share their measurements in groups.

    ``A`` is ``[K, m, n, n]`` and ``y`` is ``[K, m]``: K problems, each measured
    by k = R/K consecutive runs (e.g. one per init scale α).  Sharing A turns
    the per-run matrix–vector products into one matrix–matrix product per problem.
    """

    def __init__(self, A: torch.Tensor, y: torch.Tensor):
        K, self.m, n, _ = A.shape
        self.A = A.reshape(K, self.m, n * n)
        self.y = y[:, None, :]  # [K, 1, m]

    def residual(self, W: torch.Tensor) -> torch.Tensor:
        K = self.A.shape[0]
        w = W.reshape(K, -1, self.A.shape[2])  # [K, k, n²]
        return (w @ self.A.mT - self.y).reshape(W.shape[0], self.m)

    def adjoint(self, r: torch.Tensor) -> torch.Tensor:
        """Σᵢ rᵢ Aᵢ, the gradient of ½Σ rᵢ² in W."""
        K = self.A.shape[0]
        n = int(round(self.A.shape[2] ** 0.5))
        return (r.reshape(K, -1, self.m) @ self.A).reshape(r.shape[0], n, n)


class Entries:
    """r_ij = W_ij − W*_ij on the observed entries: ``mask`` (1 on Ω, 0 elsewhere) and ``target``, ``[R, n, n]``."""

    def __init__(self, mask: torch.Tensor, target: torch.Tensor):
        self.mask, self.target = mask, target
        self.m = int(mask[0].sum().item())

    def residual(self, W: torch.Tensor) -> torch.Tensor:
        return (self.mask * (W - self.target)).flatten(1)

    def adjoint(self, r: torch.Tensor) -> torch.Tensor:
        return r.view_as(self.mask)  # the residual is already zero off Ω


class Factorized:
    """The objective ℓ(W(x)) of :mod:`implicitbias.train`: ``loss(x)`` is ``[R]``, ``grad(x, t, _)`` is ``[R, P]``.

    ``depth`` is N for W = W_N ⋯ W_1, or ``"psd"`` for X = UUᵀ.  ``scale``
    multiplies ½Σ r² (1: a sum, 1/m: a mean over the m measurements).
    """

    def __init__(self, measure, n: int, depth: int | str, scale: float = 1.0):
        self.measure, self.n, self.depth, self.scale = measure, n, depth, scale
        self.factors = 1 if depth == "psd" else int(depth)

    def unpack(self, x: torch.Tensor) -> torch.Tensor:
        """The factors of each run, ``[R, N, n, n]`` (index j − 1 holds W_j)."""
        return x.view(x.shape[0], self.factors, self.n, self.n)

    def matrix(self, x: torch.Tensor) -> torch.Tensor:
        """The end-to-end matrix, UUᵀ or W_N ⋯ W_1, ``[R, n, n]``."""
        F = self.unpack(x)
        if self.depth == "psd":
            return F[:, 0] @ F[:, 0].mT
        W = F[:, 0]
        for j in range(1, self.factors):
            W = F[:, j] @ W
        return W

    def loss(self, x: torch.Tensor) -> torch.Tensor:
        return 0.5 * self.scale * self.measure.residual(self.matrix(x)).square().sum(dim=1)

    def grad(self, x: torch.Tensor, t: int = 0, batch_size: int | None = None) -> torch.Tensor:
        """The chain rule of the module docstring (full batch: ``t`` and ``batch_size`` are unused)."""
        if self.depth == "psd":
            U = x.view(x.shape[0], self.n, self.n)
            G = self.gradient_in_matrix(U @ U.mT)
            return ((G + G.mT) @ U).reshape(x.shape)
        F = self.unpack(x).unbind(1)  # F[j] is W_{j+1}
        N = len(F)
        below = [None, F[0]]  # below[j] = W_j ⋯ W_1 (None: the empty product)
        for j in range(2, N):
            below.append(F[j - 1] @ below[j - 1])
        above = [None] * N  # above[j] = W_N ⋯ W_{j+2}
        for j in range(N - 2, -1, -1):
            above[j] = F[N - 1] if j == N - 2 else above[j + 1] @ F[j + 1]
        G = self.gradient_in_matrix(F[0] if N == 1 else above[0] @ F[0])
        grads = []
        for j in range(N):
            g = G if above[j] is None else above[j].mT @ G
            grads.append(g if below[j] is None else g @ below[j].mT)
        return torch.stack(grads, dim=1).reshape(x.shape)

    def gradient_in_matrix(self, W: torch.Tensor) -> torch.Tensor:
        """G = ∂ℓ/∂W = scale·Σᵢ rᵢ Aᵢ."""
        G = self.measure.adjoint(self.measure.residual(W))
        return G if self.scale == 1.0 else self.scale * G
