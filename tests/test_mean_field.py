"""The mean-field experiment's numerics: data, gradients, the F1 LP reference (float64)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from implicitbias.numerics import f1_margin, optim, step_size, train, two_layer
from implicitbias.pipeline import tables
from implicitbias.experiments.mean_field import claims as mf_claims, problem as mf_problem, reference as mf_reference, train as mf_train
from implicitbias.pipeline.grid import Cell
from implicitbias.pipeline.schema import settings_of
from tolerances import gamma, perturbation_growth

EPS = np.finfo(float).eps
SETTINGS = settings_of("mean_field", {
    "d": 3, "k": 3, "n": 64, "width": 30, "steps": 300, "log_points": 10, "test_points": 500,
    "dictionary": 2000, "sweep_dims": [5], "sweep_n": 64, "sweep_width": 20, "sweep_steps": 50,
    "sweep_eta": {"both_layers": 1.0, "output_layer": 1.0}, "claim_dim": 5, "widths": [10, 30], "width_steps": 100,
    "blowup": 1e10, "eta_unit": "width_scaled", "optimizers": {"gd": {"schedule": "inv_sqrt"}},
})  # fmt: skip


# ---------------------------------------------------------------- the LP reference


def test_lp_two_points_known_answer():
    """x = (1, ±1), y = ±1.  The atoms θ = (1, ±1)/√2 give relu(θ·x₊) = √2 on one point and 0 on the
    other, so f = ½ relu(θ₊·x) − ½ relu(θ₋·x) has margin √2/2 with Σ|c| = 1.  Dual certificate:
    p = (½, ½) gives, for every unit θ, |½ relu(θ·x₊) − ½ relu(θ·x₋)| ≤ 1/√2, so γ* = 1/√2."""
    X, y = np.array([[1.0, 1.0], [1.0, -1.0]]), np.array([1.0, -1.0])
    s = np.sqrt(0.5)
    theta = np.array([[s, s], [s, -s], [1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
    gamma, c = f1_margin.max_margin(X, y, theta)
    assert gamma == pytest.approx(1 / np.sqrt(2), abs=1e-9)
    np.testing.assert_allclose(c, [0.5, -0.5, 0, 0, 0], atol=1e-9)
    np.testing.assert_allclose(y * f1_margin.network(c, theta, X), gamma, atol=1e-9)


def test_lp_random_dictionary_brackets_the_exact_margin():
    """With random atoms, the best atom at angle 45° + δ₁ (δ₁ ≥ 0, vanishing on x₋) and the one at
    −45° − δ₂ give the feasible margin √2 / (1/cos δ₁ + 1/cos δ₂) ≤ γ*_K ≤ γ* = 1/√2."""
    X, y = np.array([[1.0, 1.0], [1.0, -1.0]]), np.array([1.0, -1.0])
    theta = f1_margin.sphere(3000, 2, seed=5)
    gamma, c = f1_margin.max_margin(X, y, theta)
    angle = np.arctan2(theta[:, 1], theta[:, 0])
    d1 = np.min(angle[(angle >= np.pi / 4) & (angle <= np.pi / 2)] - np.pi / 4)
    d2 = np.min(-np.pi / 4 - angle[(angle <= -np.pi / 4) & (angle >= -np.pi / 2)])
    lower = np.sqrt(2) / (1 / np.cos(d1) + 1 / np.cos(d2))
    assert lower - 1e-9 <= gamma <= 1 / np.sqrt(2) + 1e-9
    assert np.abs(c).sum() <= 1 + 1e-9
    assert (y * f1_margin.network(c, theta, X)).min() >= gamma - 1e-9


def test_dual_certificate_is_exact_on_a_known_answer():
    """x = (1, ±1, 0), y = ±1: γ* = 1/√2 (the two-point answer, the third coordinate unused).  The LP's dual
    is p = (½, ½), and sup over unit θ of |½ relu(θ·x₊) − ½ relu(θ·x₋)| = ½ max(θ₁ + θ₂) = 1/√2: the
    certificate meets γ*."""
    X, y = np.array([[1.0, 1.0, 0.0], [1.0, -1.0, 0.0]]), np.array([1.0, -1.0])
    s = np.sqrt(0.5)
    theta = np.array([[s, s, 0.0], [s, -s, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    gamma, _, p = f1_margin.max_margin(X, y, theta, dual=True)
    np.testing.assert_allclose(p, [0.5, 0.5], atol=1e-9)
    assert f1_margin.upper_bound(X, y, p) == pytest.approx(1 / np.sqrt(2), abs=1e-12)
    assert gamma == pytest.approx(1 / np.sqrt(2), abs=1e-9)


@pytest.mark.parametrize("seed", [0, 1])
def test_sphere_sup_is_the_maximum_over_the_sphere(seed):
    """The enumeration against 10⁶ random unit θ: never below any of them, and above the best by at most
    what g can rise between them (g is Lipschitz with constant Σ|qᵢ|‖xᵢ‖; the largest gap between
    10⁶ uniform points on S² is below 0.01 with overwhelming probability)."""
    X, y, _, _ = mf_problem.problem(seed, 3, 3, 64, 0)
    q = np.random.default_rng(seed).dirichlet(np.ones(64)) * y
    sup = f1_margin.sphere_sup(X, q)
    theta = f1_margin.sphere(10**6, 3, seed)
    sampled = (np.maximum(theta @ X.T, 0) @ q).max()
    assert sampled <= sup * (1 + 1e-12)
    assert sup - sampled <= 0.01 * np.abs(q) @ np.linalg.norm(X, axis=1)


def test_reference_brackets_the_f1_margin():
    """γ*_init (m directions) and γ*_LP (K directions) are feasible values ≤ γ*, γ*_up ≥ γ*."""
    ref = mf_reference.reference(SETTINGS, [0, 1])
    for r in ref["seeds"].values():
        assert r["gamma_init"] <= r["gamma_upper"] and r["gamma"] <= r["gamma_upper"]
        assert r["gamma_upper"] <= 1.2 * r["gamma"]  # 2,000 atoms on S²: the bracket is already tight


def test_sphere_directions_are_unit_and_centred():
    theta = f1_margin.sphere(20000, 3, seed=0)
    np.testing.assert_allclose(np.linalg.norm(theta, axis=1), 1, atol=1e-14)
    # E θ = 0 and E θθᵀ = I/3 for the uniform law; standard errors ~ 1/√K ≈ 0.007
    assert np.abs(theta.mean(axis=0)).max() < 0.03
    np.testing.assert_allclose(theta.T @ theta / len(theta), np.eye(3) / 3, atol=0.03)


def test_path_norm_bound_against_the_lp_on_the_networks_own_directions():
    """f = (1/m) Σ aⱼ relu(wⱼ·x) = Σ cⱼ relu(θⱼ·x) with θⱼ = wⱼ/‖wⱼ‖, cⱼ = aⱼ‖wⱼ‖/m and Σ|cⱼ| = P,
    so the LP over the dictionary {θⱼ} is at least the network's margin / P."""
    cells = [Cell("both_layers", "smooth_margin", "gd", 0.7, 0.0, 1)]
    traj, objective, _ = mf_train._train(SETTINGS, cells, 3, 64, 30, np.array([0.7]), 3000,
                                   np.array([0, 3000]), torch.device("cpu"), torch.float64)  # fmt: skip
    a, W = (v[0].numpy() for v in objective.unpack(traj.x))
    X, y, _, _ = mf_problem.problem(1, 3, 3, 64, 0)
    f = np.maximum(X @ W.T, 0) @ a / len(a)
    P = np.abs(a) @ np.linalg.norm(W, axis=1) / len(a)
    assert P == pytest.approx(traj.metrics["path_norm"][-1, 0], rel=1e-12)
    assert (y * f).min() / P == pytest.approx(traj.metrics["margin"][-1, 0], rel=1e-10)
    assert (y * f).min() > 0  # separated, so the comparison is a real one
    gamma, _ = f1_margin.max_margin(X, y, W / np.linalg.norm(W, axis=1, keepdims=True))
    assert (y * f).min() / P <= gamma * (1 + 1e-7)


# ---------------------------------------------------------------- data and model


def test_clusters_follow_chizat_and_bach():
    k, d = 3, 6
    coords, delta = mf_problem.cluster_centres(k)
    np.testing.assert_allclose(coords, [-3 / 8, 0, 3 / 8], atol=1e-15)
    assert delta == pytest.approx(1 / 8)
    X, y, Xt, yt = mf_problem.problem(7, d, k, 400, 400)
    for A, b in ((X, y), (Xt, yt)):
        assert np.all(A[:, 0] == 1) and np.abs(A[:, 3:]).max() <= 0.5
        near = np.abs(A[:, 1:3, None] - coords).argmin(axis=2)  # nearest centre per coordinate
        dist = np.hypot(A[:, 1] - coords[near[:, 0]], A[:, 2] - coords[near[:, 1]])
        assert dist.max() <= delta + 1e-15
        cluster = near[:, 0] * k + near[:, 1]
        labels = {c: set(b[cluster == c]) for c in np.unique(cluster)}
        assert all(len(v) == 1 for v in labels.values())  # one label per cluster
    assert sum(v == {-1.0} for v in labels.values()) == k * k // 2


@pytest.mark.parametrize("loss", two_layer.LOSSES)
@pytest.mark.parametrize("model", ["both", "output"])
def test_manual_gradients_match_autograd(loss, model):
    g = torch.Generator().manual_seed(0)
    R, n, m, d = 3, 17, 11, 4
    X = torch.randn(R, n, d, generator=g, dtype=torch.float64)
    y = torch.randint(0, 2, (R, n), generator=g).double() * 2 - 1
    W = torch.randn(R, m, d, generator=g, dtype=torch.float64)
    a = torch.randn(R, m, generator=g, dtype=torch.float64)
    obj = two_layer.BothLayers(X, y, m, loss) if model == "both" else two_layer.OutputLayer(X, y, W, loss)
    x = obj.pack(a, W).requires_grad_(True)
    (auto,) = torch.autograd.grad(obj.loss(x).sum(), x)
    manual = obj.grad(x.detach())
    torch.testing.assert_close(manual, auto, rtol=1e-12, atol=1e-14)


def test_losses_are_means_over_samples():
    u = torch.tensor([[0.3, -1.2, 2.0]], dtype=torch.float64)
    assert two_layer.mean_loss("logistic", u).item() == pytest.approx(np.log1p(np.exp(-u.numpy())).mean())
    assert two_layer.mean_loss("exponential", u).item() == pytest.approx(np.exp(-u.numpy()).mean())
    assert two_layer.mean_loss("smooth_margin", u).item() == pytest.approx(np.log(np.exp(-u.numpy()).mean()))


# ---------------------------------------------------------------- training and claims


def _run(cells, settings=SETTINGS, reference=None):
    traj, const = mf_train.train_batch(settings, cells, torch.device("cpu"), torch.float64, reference=reference)
    return traj, const, tables.trajectory_table("mean_field", cells, traj, const).to_pandas()


def test_batched_and_alone_runs_agree():
    cells = [Cell("both_layers", "logistic", "gd", 1.0, 0.0, s) for s in range(3)]
    t_all, c_all, _ = _run(cells)
    t_one, c_one, _ = _run(cells[1:2])
    # The same arithmetic per run; a batched matmul may sum in another order.  Each step then
    # differs by at most 2γ_N(‖x‖ + ‖Δx‖) ≤ 4γ_N·x_max, N = n + m + d + 4 (the longest sums of the
    # gradient, plus the step), and K steps carry each difference forward with the growth G of
    # a perturbation through the dynamics, measured on this run (tests/tolerances.py).
    K, m, d, n, seed = SETTINGS["steps"], SETTINGS["width"], SETTINGS["d"], SETTINGS["n"], cells[1].seed
    X, y, _, _ = mf_problem.problem(seed, d, SETTINGS["k"], n, 0)
    a0, W0 = mf_problem.init(seed, m, d)
    as_t = lambda v: torch.as_tensor(v, dtype=torch.float64)[None]  # noqa: E731
    objective = two_layer.BothLayers(as_t(X), as_t(y), m, cells[1].loss)

    def advance(x0):
        eta = step_size.absolute_step(np.array([cells[1].eta]), step_size.unit_of(SETTINGS, "gd"), width=m)
        rule = optim.make("gd", x0, torch.as_tensor(eta, dtype=torch.float64), step_size.rule_options(SETTINGS, "gd"))
        return train.run(objective, rule, x0, np.array([0, K]), lambda x: {}, blowup=np.inf).x

    x0 = objective.pack(as_t(a0), as_t(W0))
    xmax = max(float(torch.linalg.vector_norm(v)) for v in (x0, t_one.x[0]))
    tol = K * 4 * gamma(n + m + d + 4) * xmax * perturbation_growth(advance, x0)
    assert torch.equal(advance(x0)[0], t_one.x[0])  # this reproduces the experiment's run
    assert float(torch.linalg.vector_norm(t_all.x[1] - t_one.x[0])) <= tol
    assert c_all["test_error_d5"][1] == c_one["test_error_d5"][0]


def test_output_layer_trains_only_a_from_zero():
    cells = [Cell("output_layer", "exponential", "gd", 1.0, 0.0, 2)]
    traj, const, table = _run(cells)
    a0, W0 = mf_problem.init(2, SETTINGS["width"], 3)
    np.testing.assert_array_equal(const["a_init"][0], np.zeros_like(a0))
    np.testing.assert_array_equal(const["w_final"][0], W0.ravel())
    assert table.sort_values("step").train_loss.iloc[0] == pytest.approx(1.0)  # e^0 at a = 0
    assert table.sort_values("step").train_loss.iloc[-1] < 1.0


def test_claims_on_a_small_run_and_the_bound():
    seeds = [0, 1]
    ref = mf_reference.reference(SETTINGS, seeds)
    cells = [Cell(m, "smooth_margin", "gd", 0.7, 0.0, s) for m in mf_train.MODELS for s in seeds]
    import pandas as pd

    table = pd.concat([_run([c for c in cells if c.model == m], reference=ref)[2] for m in mf_train.MODELS])
    rows = mf_claims.claims(table, SETTINGS, reference=ref)
    assert [c.relation for c in rows] == ["<=", "<=", ">=", "info", "info", "info", ">=", "info", "info",
                                          "<=", "<=", ">=", "info", ">=", "<=", ">=", "info", "info"]  # fmt: skip
    both = table[table.model == "both_layers"]
    assert rows[0].measured == (both.margin / both.gamma_upper).max()  # the bound at every logged step
    last = table[table.step == SETTINGS["steps"]].set_index(["model", "seed"])
    ratio = last.margin / last.gamma_lp
    diff = (ratio["both_layers"] - ratio["output_layer"]).to_numpy()
    assert rows[2].measured == pytest.approx(diff.mean(), rel=1e-12)
    assert rows[2].bound == pytest.approx(2 * diff.std(ddof=1) / np.sqrt(2), rel=1e-12)  # 2 standard errors
    sweep = mf_claims.sweep_table(table)
    assert len(sweep) == len(cells)
    # the reference per seed is in the table's columns
    for column, key in (("gamma_lp", "gamma"), ("gamma_upper", "gamma_upper"), ("gamma_init", "gamma_init")):
        assert set(table[column].round(12)) == {round(ref["seeds"][str(s)][key], 12) for s in seeds}


def test_f1_margin_of_an_output_layer_known_answer():
    """x = (1, ±1), y = ±1, units w = (1, ±1) (norm √2): a = (1, −1) gives f(x±) = ±2/m, P = 2√2/m, so the
    F1-normalised margin is 1/√2 (= γ* of this data set, the two-point answer above), at any scale of a."""
    X, y, W = np.array([[1.0, 1.0], [1.0, -1.0]]), np.array([1.0, -1.0]), np.array([[1.0, 1.0], [1.0, -1.0]])
    assert f1_margin.output_layer_margin(np.array([1.0, -1.0]), W, X, y) == pytest.approx(1 / np.sqrt(2), rel=1e-15)
    assert f1_margin.output_layer_margin(np.array([3.0, -3.0]), W, X, y) == pytest.approx(1 / np.sqrt(2), rel=1e-15)


def test_f2_reference_is_the_min_norm_separator_of_the_features():
    """â is feasible (yᵢ Σⱼ âⱼ relu(wⱼ·xᵢ) ≥ 1 to the solver's tolerance) and tight on its support vectors;
    it is no longer than another feasible point, the F1 LP solution over the same directions (weights
    cⱼ/‖wⱼ‖, since relu(wⱼ·x) = ‖wⱼ‖ relu(θⱼ·x)) scaled to margin 1; its F1-normalised margin is at most
    γ*_init, the F1 max margin over the same m directions; and the output layer logs 1 − cos(a, â)."""
    ref = mf_reference.reference(SETTINGS, [3])["seeds"]["3"]
    X, y, _, _ = mf_problem.problem(3, SETTINGS["d"], SETTINGS["k"], SETTINGS["n"], 0)
    W = mf_problem.init(3, SETTINGS["width"], SETTINGS["d"])[1]
    a_hat = np.asarray(ref["f2_weights"])
    u = y * (np.maximum(X @ W.T, 0) @ a_hat)
    assert u.min() >= 1 - 1e-7 and u.min() <= 1 + 1e-7  # Clarabel's default feasibility tolerance 1e-8
    norms = np.linalg.norm(W, axis=1)
    gamma_init, c = f1_margin.max_margin(X, y, W / norms[:, None])
    assert gamma_init == pytest.approx(ref["gamma_init"], rel=1e-9)
    v = c / norms / gamma_init  # feasible: yᵢ Σⱼ vⱼ relu(wⱼ·xᵢ) = yᵢ Σⱼ cⱼ relu(θⱼ·xᵢ) / γ*_init ≥ 1
    assert (y * (np.maximum(X @ W.T, 0) @ v)).min() >= 1 - 1e-7
    assert np.linalg.norm(a_hat) <= np.linalg.norm(v) * (1 + 1e-7)
    assert ref["gamma_f2"] <= ref["gamma_init"] * (1 + 1e-7)
    traj, _, _ = _run([Cell("output_layer", "smooth_margin", "gd", 100.0, 0.0, 3)], reference={"seeds": {"3": ref}})
    a = traj.x[0].numpy()
    gap = traj.metrics["f2_gap"][1:, 0]  # 1 − cos(a_t, â), NaN at a = 0
    assert gap[-1] == pytest.approx(1 - a @ a_hat / np.linalg.norm(a) / np.linalg.norm(a_hat), abs=1e-12)


def test_width_sweep_and_its_claim_helpers():
    """One margin_m<m> column per width, one long row per (cell, m); the slope and angle helpers on known answers."""
    cells = [Cell("both_layers", "smooth_margin", "gd", 0.7, 0.0, s) for s in (0, 1)]
    _, const, table = _run(cells)
    assert {f"margin_m{m}" for m in SETTINGS["widths"]} <= set(const)
    wt = mf_claims.width_table(table)
    assert len(wt) == len(cells) * len(SETTINGS["widths"]) and set(wt.m) == set(SETTINGS["widths"])
    assert mf_claims.log_slope([10, 100, 1000], [1.0, 0.1, 0.01]) == pytest.approx(-1.0, rel=1e-12)
    assert np.isnan(mf_claims.log_slope([10, 100], [0.1, 0.0]))
    np.testing.assert_allclose(mf_claims.angle([0.0, 1.0, 2.0]), [0.0, np.pi / 2, np.pi], rtol=1e-15)


def test_label_noise_is_refused_at_planning():
    """The contract says noisy_labels: false, so a grid with sigma > 0 never reaches training."""
    from conftest import REPO, quick_config
    from implicitbias.pipeline import config as ibconfig

    config = quick_config()
    config["experiments"] = {"mean_field": config["experiments"]["mean_field"]}
    config["experiments"]["mean_field"]["grid"]["sigma"] = [0.1]
    with pytest.raises(ibconfig.ConfigError, match="experiments.mean_field.sigma"):
        ibconfig.plan(config, REPO / "workflow" / "schemas" / "config.schema.yaml")
