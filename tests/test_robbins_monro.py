"""Robbins–Monro numerics against closed forms (float64)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from implicitbias.experiments.robbins_monro import train as rm_train
from implicitbias.numerics import rng
from implicitbias.numerics.stochastic_approximation import PHI0, asymptotic_k_mse, expected_sq_error, stationary_error
from implicitbias.pipeline.grid import Cell

DT = torch.float64
CPU = torch.device("cpu")


def test_asymptotic_variance_formula():
    assert float(asymptotic_k_mse(1 / PHI0)) == pytest.approx(math.pi / 2, rel=1e-14)  # c²/4 at 2cφ(0) = 2
    assert float(asymptotic_k_mse(2.0)) == pytest.approx(1 / (4 * PHI0 - 1), rel=1e-14)
    assert np.isnan(asymptotic_k_mse(1.0))  # 2φ(0) = 0.798 < 1: no √k rate
    grid = np.linspace(1.3, 6, 2000)
    assert grid[np.nanargmin(asymptotic_k_mse(grid))] == pytest.approx(1 / PHI0, abs=3e-3)


def test_median_loss_has_gradient_m_of_x():
    """d/dx ½E|Z − x| = Φ(x) − ½ = M(x)."""
    med = rm_train.Median(torch.arange(1))
    x = torch.linspace(-3, 3, 13, dtype=DT)[:, None].requires_grad_()
    (g,) = torch.autograd.grad(med.loss(x).sum(), x)
    torch.testing.assert_close(g[:, 0], torch.special.ndtr(x.detach()[:, 0]) - 0.5, rtol=1e-12, atol=1e-14)


def test_median_observation_is_unbiased():
    """Mean of 1{Z ≤ x} − ½ over 20000 replicates is M(x) = Φ(x) − ½ within 4 standard errors (s.d. ≤ ½)."""
    R = 20000
    med = rm_train.Median(torch.arange(R))
    x = torch.full((R, 1), 0.4, dtype=DT)
    mean = med.grad(x, 7).mean()
    assert abs(float(mean) - (float(torch.special.ndtr(torch.tensor(0.4))) - 0.5)) <= 4 * 0.5 / math.sqrt(R)
    # the draw is rng.normal of the replicate's stream
    Z = rng.normal(rng.stream_key(torch.arange(R), 1), 7, 1)
    torch.testing.assert_close(med.grad(x, 7), (Z <= x).to(DT) - 0.5, rtol=0, atol=0)


def test_noise_floor_matches_its_small_step_limit():
    """tr S = ησ²np/2 · (1 + O(ηn max‖aᵢ‖²)) for the n-scaled batch-1 gradient."""
    A, _, _ = rm_train.ls_problem(0, 100, 5)
    eta, sigma = 1e-4, 0.5
    h = eta * 100 * (A * A).sum(1).max()
    assert stationary_error(A, eta, sigma) == pytest.approx(eta * sigma**2 * 100 * 5 / 2, rel=4 * h)


def test_robbins_monro_step_is_c_over_k():
    """Two steps from x₀ = 2 by hand: x_k = x_{k−1} − (c/k)(1{Z_k ≤ x_{k−1}} − ½)."""
    s = {"median": {"runs": 3, "steps": 2, "log_points": 2, "x0": 2.0, "blowup": 1e10}}
    traj, const = rm_train.train_batch(s, [Cell("median", "absolute", "robbins_monro", 2.5, 0.0, 0)], CPU, DT)
    key = rng.stream_key(torch.arange(3), 1)
    x = torch.full((3,), 2.0, dtype=DT)
    for k in (1, 2):
        Z = rng.normal(key, k, 1)[:, 0]
        x = x - (2.5 / k) * ((Z <= x).to(DT) - 0.5)
    torch.testing.assert_close(traj.x[:, 0], x, rtol=1e-15, atol=0)
    assert traj.metrics["sq_error"][-1, 0] == pytest.approx(float(x.square().mean()), rel=1e-14)
    assert traj.metrics["k_mse"][-1, 0] == pytest.approx(2 * float(x.square().mean()), rel=1e-14)


def test_exact_second_moment_reaches_the_stationary_floor_and_matches_a_hand_recursion():
    """E|e_k|² of the linear second-moment recursion: (i) for a constant step it tends to tr S;
    (ii) its first two steps equal the expectation computed by hand over the n rows and the ±σ signs."""
    A, _, x_star = rm_train.ls_problem(3, 12, 3)
    eta, sigma = 0.02, 0.5
    floor = stationary_error(A, eta, sigma)
    far = expected_sq_error(A, -x_star, np.full(4000, eta), sigma, [4000])[0]
    assert far == pytest.approx(floor, rel=1e-9)  # the transient is below 1e-9 by then (contraction ~0.99/step)
    n = len(A)
    moments = [np.outer(x_star, x_star)]
    for k in (1, 2):  # E over i (uniform) and ε = ±σ of e' = (I − ηn aaᵀ)e + ηn a ε, second moment
        S = moments[-1]
        new = np.zeros_like(S)
        for a in A:
            B = np.eye(3) - eta * n * np.outer(a, a)
            new += (B @ S @ B.T + (eta * n * sigma) ** 2 * np.outer(a, a)) / n
        moments.append(new)
    got = expected_sq_error(A, -x_star, np.full(2, eta), sigma, [0, 1, 2])
    np.testing.assert_allclose(got, [np.trace(m) for m in moments], rtol=1e-12)


def test_least_squares_runs_match_their_exact_expectation():
    """256 replicates: the mean squared error of both schedules lies within 4 standard errors of the exact
    expectation the table carries (sq_error_exact), at every logged step."""
    s = {"least_squares": {"runs": 256, "n": 50, "p": 3, "steps": 400, "log_points": 8, "blowup": 1e10}}
    for opt, eta in (("sgd", 0.02), ("robbins_monro", 1.0)):
        traj, _ = rm_train.train_batch(s, [Cell("least_squares", "squares", opt, eta, 0.5, 0)], CPU, DT)
        m, se, exact = (traj.metrics[k][1:, 0] for k in ("sq_error", "sq_error_se", "sq_error_exact"))
        assert np.all(np.abs(m - exact) <= 4 * se), (opt, m, exact, se)
