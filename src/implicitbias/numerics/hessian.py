"""The trace of a loss Hessian, tr ∇²L(θ): exactly for small models, by Hutchinson's
estimator for large ones.

The trace is the "total curvature" that label noise regularises (R(θ) ≈ ¼ tr ∇²L
for small η).  ``loss(θ, *data)`` is the loss of ONE run (θ of shape ``[P]``);
both functions act on a stack of runs ``θ`` of shape ``[R, P]`` (with data
stacked the same way) through ``torch.func.vmap``.

- exact: the full P×P Hessian by forward-over-reverse differentiation
  (``torch.func.hessian``), O(P) Hessian-vector products per run;
- Hutchinson: tr H = E[zᵀHz] for Rademacher z (E zzᵀ = I), averaged over
  ``probes`` vectors; each zᵀHz is one Hessian-vector product.  The estimator is
  unbiased with variance 2 Σ_{i≠j} H_ij² / probes.  The probes come from
  ``implicitbias.rng`` streams keyed by each run's seed, so the estimate of a run
  does not depend on the batch it is computed in.
"""

from __future__ import annotations

from typing import Callable

import torch

from . import rng

EXACT_MAX_PARAMETERS = 512  # "auto" uses the exact Hessian up to this many parameters


def matrix(loss: Callable, theta: torch.Tensor, *data: torch.Tensor) -> torch.Tensor:
    """The full Hessian ∇²loss(θ_r, data_r) of every run r, shape ``[R, P, P]``."""
    from torch.func import hessian, vmap  # imported here: torch.func's import costs about a second
    return vmap(hessian(loss))(theta, *data)


def trace_exact(loss: Callable, theta: torch.Tensor, *data: torch.Tensor) -> torch.Tensor:
    """tr ∇²loss(θ_r, data_r) for every run r, from the full Hessian; shape ``[R]``."""
    return torch.diagonal(matrix(loss, theta, *data), dim1=1, dim2=2).sum(dim=1)


def hutchinson_sd(H: torch.Tensor, probes: int) -> torch.Tensor:
    """Standard deviation of Hutchinson's estimate with Rademacher probes:
    √(2 Σ_{i≠j} H_ij² / probes) (zᵢ² = 1 removes the diagonal's variance)."""
    off = H.square().sum(dim=(1, 2)) - torch.diagonal(H, dim1=1, dim2=2).square().sum(dim=1)
    return torch.sqrt(2 * off / probes)


def hvp(loss: Callable, theta: torch.Tensor, z: torch.Tensor, *data: torch.Tensor) -> torch.Tensor:
    """The Hessian-vector product ∇²loss(θ) z of one run (forward-over-reverse)."""
    from torch.func import grad, jvp
    return jvp(lambda t: grad(loss)(t, *data), (theta,), (z,))[1]


def trace_hutchinson(
    loss: Callable, theta: torch.Tensor, *data: torch.Tensor, key: torch.Tensor, probes: int, step: int = 0
) -> torch.Tensor:
    """Hutchinson's estimate (1/m) Σ_k z_kᵀ ∇²loss(θ_r) z_k with m = ``probes`` Rademacher
    vectors per run, drawn from ``rng`` stream ``key`` (one key per run) at counter ``step``;
    shape ``[R]``."""
    from torch.func import vmap

    R, P = theta.shape
    z = rng.rademacher(key, step, probes * P, theta.dtype).reshape(R, probes, P)

    def per_run(t, zs, *d):
        quad = vmap(lambda zk: zk @ hvp(loss, t, zk, *d))(zs)
        return quad.mean()

    return vmap(per_run)(theta, z, *data)


def trace(
    loss: Callable,
    theta: torch.Tensor,
    *data: torch.Tensor,
    method: str = "auto",
    key: torch.Tensor | None = None,
    probes: int = 64,
    step: int = 0,
) -> torch.Tensor:
    """tr ∇²loss per run: ``exact``, ``hutchinson``, or ``auto`` (exact for at most
    EXACT_MAX_PARAMETERS parameters, Hutchinson above)."""
    if method == "auto":
        method = "exact" if theta.shape[1] <= EXACT_MAX_PARAMETERS else "hutchinson"
    if method == "exact":
        return trace_exact(loss, theta, *data)
    if method == "hutchinson":
        if key is None:
            raise ValueError("Hutchinson's estimator needs a random key per run")
        return trace_hutchinson(loss, theta, *data, key=key, probes=probes, step=step)
    raise ValueError(f"unknown trace method {method!r}; valid: auto, exact, hutchinson")
