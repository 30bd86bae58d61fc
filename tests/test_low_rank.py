"""The low-rank experiment's numerics: gradients, the SDP reference, problems and runs (float64)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from implicitbias.pipeline import config, tables
from implicitbias.numerics import train
from implicitbias.experiments.low_rank import claims as lr_claims, problem as lr_problem, reference as lr_reference, train as lr_train
from implicitbias.numerics.factorization import Entries, Factorized, Sensing
from implicitbias.pipeline.grid import Cell
from implicitbias.numerics.sdp import min_trace_psd
from tolerances import gamma

CPU, F64 = torch.device("cpu"), torch.float64
EPS = np.finfo(float).eps


def autograd(objective: Factorized, x: torch.Tensor) -> torch.Tensor:
    x = x.clone().requires_grad_(True)
    objective.loss(x).sum().backward()
    return x.grad


@pytest.mark.parametrize("depth", ["psd", 1, 2, 3])
def test_chain_rule_gradient_equals_autograd_for_sensing_and_entries(depth):
    g = torch.Generator().manual_seed(0)
    n, m, K, k = 4, 7, 2, 3  # K problems, k runs each
    N = 1 if depth == "psd" else depth
    A = torch.randn(K, m, n, n, generator=g, dtype=F64)
    A = A + A.mT
    y = torch.randn(K, m, generator=g, dtype=F64)
    mask = (torch.rand(K * k, n, n, generator=g) < 0.5).to(F64)
    target = torch.randn(K * k, n, n, generator=g, dtype=F64)
    x = torch.randn(K * k, N * n * n, generator=g, dtype=F64)
    for objective in (Factorized(Sensing(A, y), n, depth, 1.0), Factorized(Entries(mask, target), n, depth, 0.1)):
        want = autograd(objective, x)
        got = objective.grad(x)
        # the same sums in another order: round-off of a few ulps of the largest term
        torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-12 * want.abs().max().item())


def test_sensing_measures_each_run_with_its_problem():
    g = torch.Generator().manual_seed(1)
    A = torch.randn(2, 5, 3, 3, generator=g, dtype=F64)
    y = torch.randn(2, 5, generator=g, dtype=F64)
    W = torch.randn(6, 3, 3, generator=g, dtype=F64)  # runs 0-2 use problem 0, runs 3-5 problem 1
    r = Sensing(A, y).residual(W)
    for run in range(6):
        p = run // 3
        want = torch.einsum("mij,ij->m", A[p], W[run]) - y[p]
        torch.testing.assert_close(r[run], want, rtol=0, atol=1e2 * EPS)


def test_min_trace_sdp_on_2x2_closed_forms():
    """X₁₂ = c alone: X = |c|[[1, ±1], [±1, 1]], tr = 2|c|.  X₁₂ = c, X₁₁ = a: X₂₂ = c²/a (the PSD boundary)."""
    E12 = np.array([[[0.0, 0.5], [0.5, 0.0]]])
    E11 = np.array([[[1.0, 0.0], [0.0, 0.0]]])
    # Clarabel's default feasibility and gap tolerances are 1e-8; allow 1e-6 on O(1) answers
    for c in (1.0, -0.7):
        sol = min_trace_psd(E12, np.array([c]))
        assert sol["status"].startswith("optimal")
        np.testing.assert_allclose(sol["X"], abs(c) * np.array([[1, np.sign(c)], [np.sign(c), 1]]), atol=1e-6)
        assert sol["trace"] == pytest.approx(2 * abs(c), abs=1e-6)
    a, c = 2.0, 1.5
    sol = min_trace_psd(np.concatenate([E12, E11]), np.array([c, a]))
    np.testing.assert_allclose(sol["X"], [[a, c], [c, c**2 / a]], atol=1e-6)
    assert sol["residual"] <= 1e-6


def test_min_trace_sdp_recovers_a_low_rank_psd_matrix_from_enough_measurements():
    """Rank-1 X* = xxᵀ (n = 6) from m = 30 Gaussian measurements, far above the ~3nr needed."""
    X, A, y = lr_problem.sensing_problem(3, 6, 1, 30)
    sol = min_trace_psd(A, y)
    assert np.linalg.matrix_rank(X) == 1
    assert np.linalg.norm(sol["X"] - X) / np.linalg.norm(X) <= 1e-4  # interior point on a degenerate SDP: ~√tol
    assert sol["trace"] <= np.trace(X) * (1 + 1e-7)  # X* is feasible, so the optimum is no larger


def test_problems_have_the_stated_sizes_and_norms():
    X, A, y = lr_problem.sensing_problem(0, 20, 2, 60)
    assert np.linalg.norm(X) == pytest.approx(np.sqrt(20), rel=1e-14)
    assert np.linalg.matrix_rank(X) == 2 and np.linalg.eigvalsh(X).min() > -1e-12
    np.testing.assert_allclose(A, A.transpose(0, 2, 1), rtol=0, atol=0)
    np.testing.assert_allclose(lr_problem.sensing_problem(0, 20, 2, 120)[0], X)  # same X* at every m
    W, mask = lr_problem.completion_problem(0, 30, 2, 250)
    assert np.linalg.norm(W) == pytest.approx(30, rel=1e-14) and np.linalg.matrix_rank(W) == 2
    assert mask.sum() == 250 and set(np.unique(mask)) == {0.0, 1.0}
    for seed in range(5):
        F = lr_problem.balanced_factors(seed, 2, 3, 1e-2)
        assert np.linalg.det(F[2] @ F[1] @ F[0]) > 0
        for j in range(2):  # balanced: W_{j+1}^T W_{j+1} = W_j W_j^T (= scale^2 I), to rounding of the QR
            np.testing.assert_allclose(F[j + 1].T @ F[j + 1], F[j] @ F[j].T, rtol=0, atol=10 * EPS * 1e-4)


def test_cell_of_run_gives_one_row_per_run_and_step():
    cells = [Cell("m", "l", "gd", 1.0, 0.0, s) for s in (0, 1)]
    traj = train.Trajectory(
        steps=np.array([0, 5]),
        metrics={"v": np.arange(6.0).reshape(2, 3)},
        diverged_at=np.array([-1, -1, 5]),
        x=torch.zeros(3, 1),
        cell_of_run=np.array([0, 0, 1]),
    )
    t = tables.trajectory_table("e", cells, traj, {"alpha": np.array([1.0, 0.1, 1.0])}).to_pandas()
    assert len(t) == 6
    assert list(t.seed) == [0, 0, 0, 0, 1, 1]
    assert list(t.alpha) == [1.0, 1.0, 0.1, 0.1, 1.0, 1.0]
    assert list(t.v) == [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
    assert list(t.status) == ["ok"] * 4 + ["diverged"] * 2


SMALL = {
    "log_points": 10, "blowup": 1e10, "optimizers": {},
    "sensing": {"n": 8, "rank": 1, "measurements": [40, 12], "alphas": [1.0, 0.1, 0.001], "steps": 1500},
}  # fmt: skip


def test_sensing_runs_every_alpha_and_m_and_small_init_recovers_x_star():
    # η = 1e-3 ≈ 1/β with β ≈ 8mλ₁(X*) the sharpness at X* for m = 40 (2e-3 is at the edge of stability)
    cells = [Cell("sensing_uut", "squares", "gd", 1e-3, 0.0, s) for s in (0, 1)]
    ref = lr_reference.reference(SMALL, [0, 1])
    traj, const = lr_train.train_batch(SMALL, cells, CPU, F64, reference=ref)
    assert traj.x.shape == (2 * 2 * 3, 64) and not traj.diverged.any()
    table = tables.trajectory_table("low_rank", cells, traj, const).to_pandas()
    last = lr_claims.final_rows(table)
    assert len(last) == 12 and set(last.alpha) == {1.0, 0.1, 0.001} and set(last.m) == {40, 12}
    hi = last[last.m == 40].sort_values("alpha")
    # Gunasekar et al.: as α → 0 GD recovers X* when the measurements determine it (the lecture's 1% bound)
    assert hi[hi.alpha == 0.001].rel_err.max() < 1e-2
    assert (hi.groupby("cell").rel_err.apply(lambda e: e.is_monotonic_increasing)).all()
    # at m = 40 the SDP solution S recovers X* too, so GD's distance to S is its distance
    # to X*, up to |S − X*|: with t = |S − X*|/|X*| (the table's sdp_dist_truth) the triangle
    # inequality gives |sdp_dist − rel_err| <= t/(1 − t)·(1 + rel_err), plus the rounding of
    # the two Frobenius norms (sums of n² squares: relative γ_{n²+4} each)
    t, n = hi.sdp_dist_truth, SMALL["sensing"]["n"]
    tol = t / (1 - t) * (1 + hi.rel_err) + gamma(n * n + 4) * (hi.sdp_dist + hi.rel_err)
    assert ((hi.sdp_dist - hi.rel_err).abs() <= tol).all(), (hi.sdp_dist - hi.rel_err, tol)


def test_label_noise_is_refused_when_planning():
    """contract.yaml says noisy_labels: false, so a config with sigma != 0 fails before any job."""
    block = {"grid": {"model": ["razin_cohen"], "loss": ["squares"], "optimizer": ["gd"], "eta": [5e-3],
                      "sigma": [0.1], "seed": [0]}}  # fmt: skip
    with pytest.raises(config.ConfigError, match="sigma: 0.1 is not allowed; low_rank takes no label noise"):
        config.check_block("low_rank", block)
