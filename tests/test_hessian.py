"""tr ∇²L: the exact trace against closed forms, Hutchinson's estimate against the exact trace."""

from __future__ import annotations

import torch

from implicitbias.numerics import hessian, rng
from implicitbias.experiments.label_noise.train import Quadratic, product_loss, quadratic_loss

DT = torch.float64


def quadratic_runs(R=3, n=12, d=30):
    g = torch.Generator().manual_seed(0)
    X = torch.randn(R, n, d, generator=g, dtype=DT)
    y = torch.randn(R, n, generator=g, dtype=DT)
    v = 1 + 0.5 * torch.randn(R, d, generator=g, dtype=DT)
    return X, y, v


def test_exact_trace_matches_the_closed_form_of_the_quadratic_model():
    """tr ∇²L = (1/n) Σᵢ [2 Σⱼ xᵢⱼ² vⱼ² + rᵢ Σⱼ xᵢⱼ] (derived in implicitbias.experiments.label_noise)."""
    X, y, v = quadratic_runs()
    closed = Quadratic(X, y, torch.arange(3), torch.zeros(3, dtype=DT), "label").trace_hessian(v)
    exact = hessian.trace_exact(quadratic_loss, v, X, y)
    torch.testing.assert_close(exact, closed, rtol=1e-12, atol=0)


def test_exact_trace_of_the_toy_is_u2_plus_v2():
    """∇²½(uv − y)² = [[v², 2uv − y], [2uv − y, u²]]: trace u² + v² everywhere."""
    theta = torch.tensor([[2.0, 0.5], [1.0, 1.0], [-0.3, 1.7]], dtype=DT)
    target = torch.ones(3, dtype=DT)
    torch.testing.assert_close(hessian.trace_exact(product_loss, theta, target), theta.square().sum(1), rtol=1e-14, atol=0)


def test_hutchinson_is_exact_for_a_diagonal_hessian():
    """zᵢ² = 1 for Rademacher z, so zᵀHz = tr H when H is diagonal: no variance at all."""
    loss = lambda t, c: (c * t**4).sum()  # noqa: E731  H = diag(12 c t²)
    theta = torch.randn(4, 50, dtype=DT)
    c = torch.rand(4, 50, dtype=DT)
    key = rng.stream_key(torch.arange(4), 9)
    est = hessian.trace_hutchinson(loss, theta, c, key=key, probes=3)
    torch.testing.assert_close(est, (12 * c * theta**2).sum(1), rtol=1e-12, atol=0)


def test_hutchinson_is_within_four_standard_deviations_of_the_exact_trace():
    X, y, v = quadratic_runs(R=6)
    H = hessian.matrix(quadratic_loss, v, X, y)
    exact = torch.diagonal(H, dim1=1, dim2=2).sum(1)
    sd = hessian.hutchinson_sd(H, 200)
    est = hessian.trace(quadratic_loss, v, X, y, method="hutchinson", key=rng.stream_key(torch.arange(6), 4), probes=200)
    assert ((est - exact).abs() <= 4 * sd).all(), ((est - exact) / sd)
    assert (sd > 0).all()  # the check is not vacuous


def test_hutchinson_standard_deviation_formula_against_its_definition():
    """Var(zᵀHz) = 2 Σ_{i≠j} H_ij² for Rademacher z: the empirical variance over all 2^P sign vectors."""
    A = torch.randn(5, 5, dtype=DT)
    H = (A + A.T)[None]
    signs = torch.tensor([[1 - 2 * ((k >> j) & 1) for j in range(5)] for k in range(32)], dtype=DT)
    quad = torch.einsum("kp,pq,kq->k", signs, H[0], signs)
    torch.testing.assert_close(hessian.hutchinson_sd(H, 1)[0] ** 2, quad.var(unbiased=False), rtol=1e-12, atol=0)


def test_auto_uses_exact_for_small_models():
    X, y, v = quadratic_runs(R=2)
    torch.testing.assert_close(
        hessian.trace(quadratic_loss, v, X, y), hessian.trace_exact(quadratic_loss, v, X, y), rtol=0, atol=0
    )
