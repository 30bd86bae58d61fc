"""The label-noise experiment's numerics against autograd, closed forms and ODE solutions (float64)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.integrate import solve_ivp

from implicitbias.experiments.label_noise import problem as ln_problem
from implicitbias.experiments.label_noise import reference as ln_reference
from implicitbias.experiments.label_noise import train as ln_train
from implicitbias.numerics import replicates, rng, sparse, toy_drift
from implicitbias.numerics.label_noise import LABEL_TAG
from implicitbias.numerics.train import Trajectory
from implicitbias.pipeline.grid import Cell
from implicitbias.pipeline.schema import settings_of

DT = torch.float64
CPU = torch.device("cpu")
QUAD = {"n": 40, "d": 100, "kappa": 5, "init": 1.0, "batch_size": 1, "steps": 300, "log_points": 10,
        "eta_drop_at": 0.8, "eta_drop_factor": 0.1, "hutchinson_probes": 8, "blowup": 1e10}  # fmt: skip
TOY = {"runs": 8, "steps": 400, "log_points": 10, "s0": math.log(2), "target": 1.0, "checkpoints": [200],
       "blowup": 1e10}  # fmt: skip
SETTINGS = settings_of("label_noise", {"quadratic": QUAD, "product": TOY, "eta_unit": "absolute"})


def quadratic_objective(noise="label", sigma=0.7, R=3):
    data = [ln_train.problem(s, 40, 100, 5) for s in range(R)]
    X = torch.tensor(np.stack([d[0] for d in data]))
    y = torch.tensor(np.stack([d[1] for d in data]))
    return ln_train.Quadratic(X, y, torch.arange(R), torch.full((R,), sigma, dtype=DT), noise), X, y


def test_problem_is_the_haochen_setup():
    X, y, w = ln_train.problem(0, 40, 100, 5)
    assert X.shape == (40, 100) and w.sum() == 5 and (w[:5] == 1).all()
    np.testing.assert_allclose(y, X @ w, rtol=1e-15)


def test_full_gradient_is_the_autograd_gradient_of_the_mean_quarter_loss():
    obj, X, y = quadratic_objective(sigma=0.0)
    v = (1 + 0.1 * torch.randn(3, 100, dtype=DT)).requires_grad_()
    (auto,) = torch.autograd.grad(obj.loss(v).sum(), v)
    torch.testing.assert_close(obj.grad(v.detach(), 1, None), auto, rtol=1e-12, atol=1e-14)


def test_label_noise_step_is_the_gradient_of_one_perturbed_sample():
    """Lecture: sample one point, ε = ±σ, step on ¼(⟨v⊙v, xᵢ⟩ − yᵢ − ε)²; draws from the run's streams."""
    sigma, t = 0.7, 17
    obj, X, y = quadratic_objective(sigma=sigma)
    v = 1 + 0.1 * torch.randn(3, 100, dtype=DT)
    g = obj.grad(v, t, batch_size=1)
    i = rng.randint(rng.stream_key(torch.arange(3), ln_train.SAMPLE_TAG), t, 1, 40)[:, 0]
    eps = sigma * rng.rademacher(rng.stream_key(torch.arange(3), LABEL_TAG), t, 1)[:, 0]
    for r in range(3):
        vr = v[r].clone().requires_grad_()
        loss = 0.25 * (X[r, i[r]] @ (vr * vr) - y[r, i[r]] - eps[r]) ** 2
        (auto,) = torch.autograd.grad(loss, vr)
        torch.testing.assert_close(g[r], auto, rtol=1e-12, atol=1e-14)


def test_gaussian_control_adds_sigma_xi_to_the_clean_gradient():
    sigma, t = 0.3, 5
    obj, X, y = quadratic_objective(noise="gaussian", sigma=sigma)
    clean, _, _ = quadratic_objective(sigma=0.0)
    v = torch.ones(3, 100, dtype=DT)
    xi = rng.normal(rng.stream_key(torch.arange(3), ln_train.GAUSS_TAG), t, 100)
    torch.testing.assert_close(obj.grad(v, t), clean.grad(v, t) + sigma * xi, rtol=1e-12, atol=1e-14)


def test_stream_gives_the_numbers_of_uniform_across_block_boundaries():
    key = rng.stream_key(torch.arange(5), 3)
    stream = rng.Stream(key, 3, block=40)  # 5 runs × 3 numbers: 2 steps per block
    for t in [0, 1, 2, 3, 7, 6, 100]:
        torch.testing.assert_close(stream.uniform(t), rng.uniform(key, t, 3), rtol=0, atol=0)


def test_one_label_noise_step_shrinks_u2_minus_v2_by_one_minus_eta2_r2():
    """(u − ηrv)² − (v − ηru)² = (u² − v²)(1 − η²r²), r = uv − y − ε: exact for the toy."""
    eta, sigma = 0.02, 0.5
    obj = ln_train.Product(1.0, torch.arange(4), torch.full((4,), sigma, dtype=DT), "label")
    theta = torch.tensor([[2.0, 0.5], [1.3, 0.8], [0.7, 1.2], [3.0, 0.2]], dtype=DT)
    new = theta - eta * obj.grad(theta, 3)
    eps = sigma * rng.rademacher(obj.labels.key, 3, 1)[:, 0]
    r = theta[:, 0] * theta[:, 1] - 1 - eps
    q = lambda th: th[:, 0] ** 2 - th[:, 1] ** 2  # noqa: E731
    torch.testing.assert_close(q(new), q(theta) * (1 - eta**2 * r**2), rtol=1e-13, atol=0)


def test_exact_log_drift_solves_its_ode():
    eta, sigma, s0 = 0.02, 0.5, math.log(2)
    ode = lambda k, s: -(eta**2 * sigma**2 / 2) * np.tanh(2 * s) / (1 - eta * np.cosh(2 * s))  # noqa: E731
    ks = [0, 1000, 5000, 20000]
    sol = solve_ivp(ode, (0, 20000), [s0], t_eval=ks, rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(toy_drift.drift_exact_log(s0, eta, sigma, ks), sol.y[0], rtol=1e-8)


def test_quarter_trace_drift_solves_its_ode():
    """¼ tr ∇²L = ½ cosh 2s gives ds/dk = −(η²σ²/2) tanh 2s (the exact-log ODE at η cosh 2s → 0)."""
    eta, sigma, s0 = 0.02, 0.5, math.log(2)
    ode = lambda k, s: -(eta**2 * sigma**2 / 2) * np.tanh(2 * s)  # noqa: E731
    sol = solve_ivp(ode, (0, 20000), [s0], t_eval=[5000, 20000], rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(toy_drift.drift_quarter_trace(s0, eta, sigma, [5000, 20000]), sol.y[0], rtol=1e-8)


@pytest.mark.parametrize("s", [0.0, 0.3, math.log(2), -0.5])
def test_regularisers_from_the_hessian_eigenvalues(s):
    """Both R's are tr log(I − (η/2)∇²L) of the toy's Hessian at (eˢ, e⁻ˢ), up to their prefactors."""
    from torch.func import hessian

    eta = 0.02
    theta = torch.tensor([math.exp(s), math.exp(-s)], dtype=DT)
    lam = torch.linalg.eigvalsh(hessian(ln_train.product_loss)(theta, torch.tensor(1.0, dtype=DT))).numpy()
    trlog = np.log(1 - eta / 2 * lam).sum()
    assert toy_drift.regularizer_dlm(s, eta) == pytest.approx(-trlog / (2 * eta), rel=1e-12)
    assert toy_drift.regularizer_lecture(s, eta) == pytest.approx(trlog / 2, rel=1e-12)
    assert toy_drift.quarter_trace(s) == pytest.approx(lam.sum() / 4, rel=1e-12)


def test_pool_means_standard_errors_and_divergence():
    values = np.arange(12, dtype=float).reshape(1, 12)  # 1 logged step, 3 cells × 4 runs
    traj = Trajectory(np.array([0]), {"m": values}, np.array([-1, -1, -1, -1, -1, 5, -1, 2, -1, -1, -1, -1]), None)
    pooled = replicates.pool(traj, 4, ("m",))
    np.testing.assert_allclose(pooled.metrics["m"][0], [1.5, 5.5, 9.5])
    np.testing.assert_allclose(pooled.metrics["m_se"][0], np.std([0, 1, 2, 3], ddof=1) / 2 * np.ones(3))
    assert list(pooled.diverged_at) == [-1, 2, -1]


def test_replicate_streams_do_not_depend_on_the_batch():
    cells = [Cell("product", "squares", "sgd", 0.02, 0.5, s) for s in (0, 1)]
    both, _ = ln_train.train_batch(SETTINGS, cells, CPU, DT)
    alone, _ = ln_train.train_batch(SETTINGS, cells[1:], CPU, DT)
    np.testing.assert_array_equal(both.metrics["s"][:, 1], alone.metrics["s"][:, 0])
    assert replicates.seeds([1], 4).tolist() == [2**20, 2**20 + 1, 2**20 + 2, 2**20 + 3]


def test_quadratic_batched_and_alone_runs_agree():
    cells = [Cell("quadratic", "squares", "sgd", 0.015, 1.0, s) for s in range(3)]
    both, _ = ln_train.train_batch(SETTINGS, cells, CPU, DT)
    alone, _ = ln_train.train_batch(SETTINGS, cells[2:], CPU, DT)
    torch.testing.assert_close(both.x[2], alone.x[0], rtol=1e-12, atol=0)


def test_toy_starts_on_the_zero_loss_set_and_is_not_flagged_diverged():
    cells = [Cell("product", "squares", o, 0.02, 0.5, 0) for o in ("sgd", "noisy_gd")]
    for c in cells:
        traj, const = ln_train.train_batch(SETTINGS, [c], CPU, DT)
        assert not traj.diverged.any()
        assert traj.metrics["s"][0, 0] == pytest.approx(math.log(2), rel=1e-15)


def test_label_noise_drift_of_the_toy_matches_the_exact_log_prediction_early():
    """400 steps, 8 runs: mean s moves by η²σ²/2·tanh(2s₀)/(1 − η cosh 2s₀)·k ≈ 0.018, the run-to-run
    spread of s is ~1e-3, so the prediction is met to 1e-3 of s (a few standard errors)."""
    traj, _ = ln_train.train_batch(SETTINGS, [Cell("product", "squares", "sgd", 0.02, 0.5, 0)], CPU, DT)
    sim, pred = traj.metrics["s"][-1, 0], traj.metrics["s_exact_log"][-1, 0]
    assert abs(sim - pred) <= max(4 * traj.metrics["s_se"][-1, 0], 1e-3)
    assert math.log(2) - sim > 0.01  # it moved


# ------------------------------------------------------------ the step's unit and the LP reference


@pytest.mark.parametrize("eta, grows", [(1.9, False), (2.1, True)])
def test_the_batch_1_step_contracts_the_sampled_residual_iff_eta_below_2_in_units_of_1_over_beta(eta, grows):
    """β = 2 maxᵢ‖xᵢ⊙v₀‖²: a small residual r of the sample with the largest ‖xᵢ‖ becomes
    r(1 − 2η_abs‖xᵢ⊙v‖²) + O(η²r²), |factor| < 1 iff η < 2 in units of 1/β."""
    X, y, _ = ln_problem.problem(3, 40, 100, 5)
    beta = ln_problem.quadratic_sharpness(X, 1.0)
    i = int((X * X).sum(axis=1).argmax())
    v = np.ones(100)
    y_i = X[i] @ (v * v) - 1e-6  # residual r = 1e-6
    r = X[i] @ (v * v) - y_i
    v_next = v - (eta / beta) * r * X[i] * v  # one step on ¼ r_i² (gradient r xᵢ⊙v)
    assert (abs(X[i] @ (v_next * v_next) - y_i) > abs(r)) == grows


def test_product_sharpness_is_the_toy_hessian_eigenvalue_2_cosh_2s0():
    from torch.func import hessian

    s0 = 0.4
    theta = torch.tensor([math.exp(s0), math.exp(-s0)], dtype=DT)
    lam = torch.linalg.eigvalsh(hessian(ln_train.product_loss)(theta, torch.tensor(1.0, dtype=DT))).max().item()
    assert ln_problem.product_sharpness(s0, 1.0) == pytest.approx(lam, rel=1e-12)
    assert ln_problem.product_sharpness(s0, 1.0) == pytest.approx(2 * math.cosh(2 * s0), rel=1e-12)


def test_basis_pursuit_recovers_a_planted_sparse_vector_and_no_feasible_point_has_a_smaller_l1_norm():
    g = np.random.default_rng(5)
    X = g.standard_normal((30, 80))
    w = np.zeros(80)
    w[[3, 17, 40]] = [2.0, 0.5, 1.5]
    for nonnegative, planted in ((True, w), (False, w * np.array([1, -1] * 40))):
        found = sparse.basis_pursuit(X, X @ planted, nonnegative=nonnegative)
        np.testing.assert_allclose(found, planted, atol=1e-9)
        null = np.linalg.svd(X)[2][30:].T  # feasible points planted + null @ c
        others = planted[:, None] + null @ g.standard_normal((50, 200)) * 0.1
        if nonnegative:
            others = others[:, (others >= 0).all(axis=0)]
        assert np.abs(others).sum(axis=0).min(initial=np.inf) >= np.abs(found).sum() - 1e-9


def test_reference_is_the_min_l1_interpolant_of_each_seed_and_w_star_here():
    ref = ln_reference.reference({"quadratic": QUAD}, [0, 4])["quadratic"]
    for seed in (0, 4):
        X, y, w = ln_problem.problem(seed, 40, 100, 5)
        w_l1 = np.asarray(ref[str(seed)]["w_l1"])
        assert np.abs(X @ w_l1 - y).max() <= 1e-6 and (w_l1 >= 0).all()
        assert np.abs(w_l1 - w).max() <= ref[str(seed)]["rounding_bound"]
        assert ref[str(seed)]["l1"] == pytest.approx(w_l1.sum())


def test_quadratic_runs_take_eta_over_beta_and_log_their_distance_and_support_against_w_l1():
    settings = {**SETTINGS, "eta_unit": "inverse_sharpness"}
    cells = [Cell("quadratic", "squares", "sgd", 1.6, 1.0, s) for s in (0, 1)]
    traj, const = ln_train.train_batch(settings, cells, CPU, DT)
    ref = ln_reference.reference(settings, [0, 1])["quadratic"]
    for r, c in enumerate(cells):
        X, _, _ = ln_problem.problem(c.seed, 40, 100, 5)
        assert const["eta_abs"][r] == pytest.approx(1.6 / ln_problem.quadratic_sharpness(X, 1.0), rel=1e-15)
        w_hat = (traj.x[r] ** 2).numpy()
        w_l1 = np.asarray(ref[str(c.seed)]["w_l1"])
        on, half = w_l1 > 0, w_l1[w_l1 > 0].min()
        assert traj.metrics["dist_l1"][-1, r] == pytest.approx(((w_hat - w_l1) ** 2).sum(), rel=1e-12)
        assert traj.metrics["support_off"][-1, r] == pytest.approx(w_hat[~on].max() / half, rel=1e-12)
        assert traj.metrics["support_on"][-1, r] == pytest.approx(w_hat[on].min() / half, rel=1e-12)
        assert traj.metrics["sample_sharpness"][0, r] == pytest.approx(ln_problem.quadratic_sharpness(X, 1.0))
