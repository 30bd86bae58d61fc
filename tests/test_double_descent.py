"""Double descent: the risk formulas, the estimators and the digits features (float64)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from implicitbias.numerics import digits, hmrt
from implicitbias.pipeline import config, tables
from implicitbias.experiments.double_descent import claims as dd_claims, train as dd_train
from implicitbias.pipeline.grid import Cell

R2, S2 = 1.0, 0.25
CPU, F64 = torch.device("cpu"), torch.float64
SETTINGS = {
    "n": 40, "gammas": [0.25, 0.5, 2.0, 4.0], "signal_norm_squared": R2, "noise_variance": S2,
    "gd_gammas": [0.25, 4.0], "gd_steps": 400, "blowup": 1e10, "eta_unit": "inverse_sharpness",
    "n_train": 200, "features": [50, 100, 180, 200, 220, 300, 400, 800], "rff_scale": 0.8, "relu_scale": 2.0,
}  # fmt: skip


def run(model, optimizer, seeds, settings=SETTINGS, eta=1.0, sigma=0.0):
    cells = [Cell(model, "squares", optimizer, eta, sigma, s) for s in seeds]
    traj, const = dd_train.train_batch(settings, cells, CPU, F64)
    return tables.trajectory_table("double_descent", cells, traj, const).to_pandas()


# ---------------------------------------------------------------- formulas


@pytest.mark.parametrize(
    "gamma, minnorm, ridge",
    [(0.5, 0.250, 0.175), (2.0, 0.750, 0.640), (5.0, 0.8625, 0.846)],
)
def test_formulas_give_the_issue_table(gamma, minnorm, ridge):
    # the issue's table, r^2 = 1, s^2 = 0.25, rounded to 3 decimals (4 for 0.8625)
    assert hmrt.minnorm_asymptotic(gamma, R2, S2) == pytest.approx(minnorm, abs=5e-5)
    assert hmrt.optimal_ridge_risk(gamma, R2, S2) == pytest.approx(ridge, abs=5e-4)


def test_exact_finite_n_value_at_gamma_0_9():
    assert hmrt.minnorm_exact(180, 200, R2, S2) == pytest.approx(2.368, abs=5e-4)
    assert np.isnan(hmrt.minnorm_exact([199, 200, 201], 200, R2, S2)).all()
    # the exact value tends to the asymptotic one: p/(n − p − 1) → γ/(1 − γ)
    assert hmrt.minnorm_exact(2e6, 1e6, R2, S2) == pytest.approx(hmrt.minnorm_asymptotic(2.0, R2, S2), rel=1e-5)


def test_ridge_formula_at_lambda_star_is_its_minimum_and_the_closed_form():
    for g in (0.3, 1.0, 2.0, 7.0):
        lam = hmrt.optimal_lambda(g, R2, S2)
        at = hmrt.ridge_risk(lam, g, R2, S2)
        assert at == pytest.approx(hmrt.optimal_ridge_risk(g, R2, S2), rel=1e-12)
        others = hmrt.ridge_risk(lam * np.array([0.5, 0.9, 1.1, 2.0]), g, R2, S2)
        assert (others > at).all()


def test_stieltjes_transform_and_derivative_match_the_spectrum_of_a_large_sample():
    g = np.random.default_rng(0)
    n, p, lam = 2000, 1000, 0.3
    X = g.standard_normal((n, p))
    eig = np.linalg.eigvalsh(X.T @ X / n)
    # linear spectral statistics fluctuate by O(1/n) around their limit
    assert np.mean(1 / (eig + lam)) == pytest.approx(hmrt.mp_stieltjes(lam, p / n), rel=5e-3)
    assert np.mean(1 / (eig + lam) ** 2) == pytest.approx(hmrt.mp_stieltjes_derivative(lam, p / n), rel=1e-2)
    h = 1e-6
    fd = -(hmrt.mp_stieltjes(2.0 + h, 3.0) - hmrt.mp_stieltjes(2.0 - h, 3.0)) / (2 * h)
    assert hmrt.mp_stieltjes_derivative(2.0, 3.0) == pytest.approx(fd, rel=1e-7)


@pytest.mark.parametrize("p", [8, 40])
def test_exact_formula_matches_monte_carlo_of_the_min_norm_estimator(p):
    n, reps = 20, 3000
    risks = []
    for seed in range(reps):
        X, y, beta = dd_train.isotropic_problem(seed, n, p, R2, S2, 0.0)
        risks.append(np.sum((np.linalg.pinv(X) @ y - beta) ** 2))
    risks = np.array(risks)
    se = risks.std() / np.sqrt(reps)
    assert abs(risks.mean() - hmrt.minnorm_exact(p, n, R2, S2)) < 4 * se


# ---------------------------------------------------------------- estimators


@pytest.mark.parametrize("p", [10, 60])
def test_min_norm_is_the_pseudo_inverse_and_ridge_is_its_formula(p):
    X, y, _ = dd_train.isotropic_problem(3, 30, p, R2, S2, 0.0)
    A, Y = torch.as_tensor(X)[None], torch.as_tensor(y)[None, :, None]
    b = dd_train.min_norm(A, Y)[0, :, 0].numpy()
    np.testing.assert_allclose(b, np.linalg.pinv(X) @ y, rtol=0, atol=1e-12 * np.linalg.norm(b))
    lam = 0.7
    b = dd_train.ridge(A, Y, torch.tensor([lam], dtype=F64))[0, :, 0].numpy()
    direct = np.linalg.solve(X.T @ X + 30 * lam * np.eye(p), X.T @ y)
    np.testing.assert_allclose(b, direct, rtol=0, atol=1e-12 * np.linalg.norm(direct))


def gd_claim(table):
    [claim] = [c for c in dd_claims.claims(table, SETTINGS) if c.claim.startswith("GD from 0")]
    return claim


def test_gd_from_zero_equals_the_min_norm_solution_within_its_bound_and_divergence_is_recorded():
    table = run("isotropic", "gd", [0, 1])
    assert (table.dist_min_norm <= table.gd_bound).all() and table.dist_min_norm.max() < 1e-10
    assert sorted(table.p.unique()) == [10, 160]
    # the bound: γ = 1/4 and 4 give cond(XᵀX) ≈ ((1 + 1/2)/(1 − 1/2))² = 9, so ρ = 1 − 1/9 at η = 1/λ_max and
    # ρ^400 ≈ 3e-21 (< 1e-16, far below the rounding part u·κ·2K ≈ 1e-10); it is at least that rounding part
    assert (table.gd_bound > 1e-13).all() and (table.gd_bound < 1e-8).all()
    assert gd_claim(table).passed
    bad = run("isotropic", "gd", [0], eta=2.5)  # η above 2/λ_max
    assert (bad.status == "diverged").all()
    assert not gd_claim(bad).passed  # reported as failed, not raised


def test_gd_bound_is_the_contraction_when_few_steps_leave_it_above_rounding():
    X, y, _ = dd_train.isotropic_problem(0, 30, 10, R2, S2, 0.0)
    x_inf = np.linalg.lstsq(X, y, rcond=None)[0]
    lam = np.linalg.eigvalsh(X.T @ X)
    eta, K = 1 / lam.max(), 5
    bound = dd_train.gd_bound(X[None], y[None], x_inf[None], np.array([eta]), K)[0]
    x = np.zeros(10)
    for _ in range(K):
        x -= eta * X.T @ (X @ x - y)
    rho = 1 - lam.min() / lam.max()
    assert np.linalg.norm(x - x_inf) / np.linalg.norm(x_inf) <= bound  # the theorem holds
    assert bound == pytest.approx(rho**K, rel=1e-6)  # and is tight: rounding adds ~1e-12 to ρ^K ≈ 0.2


def test_label_noise_sigma_adds_to_the_observation_noise():
    table = run("isotropic", "min_norm", [0], sigma=0.5)
    assert (table.noise_variance_total == S2 + 0.25).all()
    p = table.p.to_numpy()
    np.testing.assert_allclose(table.theory_exact, hmrt.minnorm_exact(p, 40, R2, S2 + 0.25))


def test_an_estimator_a_part_does_not_have_is_refused_when_planning():
    """contract.yaml allows the digits models min_norm only: a config asking for gd fails before any job."""
    block = {"grid": {"model": ["rff_digits"], "loss": ["squares"], "optimizer": ["gd"], "eta": [1.0],
                      "sigma": [0.0], "seed": [0]}}  # fmt: skip
    with pytest.raises(config.ConfigError, match="model 'rff_digits' with loss 'squares' and optimizer 'gd'"):
        config.check_block("double_descent", block)


# ---------------------------------------------------------------- digits


def test_digits_file_is_what_load_digits_returns():
    from sklearn.datasets import load_digits

    X, labels = digits.load()
    X_ref, y_ref = load_digits(return_X_y=True)
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(labels, y_ref)
    tr, te = digits.split(len(X), 500, 0)
    assert len(tr) == 500 and len(te) == 1297 and not set(tr) & set(te)


def test_random_fourier_features_approximate_the_gaussian_kernel():
    X, _ = digits.load()
    x = X[:3]
    omega, N = 0.8, 40000
    phi = digits.feature_map("rff", N, 0, omega, X)(x)
    approx = 2 * phi @ phi.T / N  # E 2cos(wᵀx + b)cos(wᵀx′ + b) = E cos(wᵀ(x − x′))
    z = x / digits.PIXEL_MAX
    exact = np.exp(-(omega**2) * ((z[:, None] - z[None]) ** 2).sum(-1) / 2)
    assert np.abs(approx - exact).max() < 5 * np.sqrt(2 / N)  # each term is bounded by 2


def test_relu_features_have_no_dead_unit_and_full_rank_at_n():
    X, _ = digits.load()
    tr, _ = digits.split(len(X), 500, 0)
    F = digits.feature_map("relu", 500, 0, 2.0, X[tr])(X[tr])
    assert (F > 0).any(axis=0).all()
    assert np.linalg.matrix_rank(F) == 500


@pytest.mark.parametrize("model", ["rff_digits", "relu_digits"])
def test_digits_double_descent_claims_pass_on_a_small_sweep(model):
    table = run(model, "min_norm", [0, 1])
    over = table[table.p >= 200]
    assert (over.train_error == 0).all()
    claims = dd_claims.claims(table, SETTINGS)
    assert len(claims) == 6 + 2 * 5  # every part's rows, whatever the table holds
    mine = [c for c in claims if c.claim.startswith(f"{model}:")]
    assert len(mine) == 5 and all(c.passed for c in mine), mine
    others = [c for c in claims if c.is_check and not c.claim.startswith(f"{model}:")]
    assert others and all(np.isnan(c.measured) and not c.passed for c in others)  # missing parts fail


def test_student_t_allowance_holds_its_family_wise_level_on_normal_data():
    from implicitbias.numerics.stats import student_t_allowance

    rng = np.random.default_rng(0)
    runs, tests, alpha, lists = 8, 5, 0.05, 20000
    x = rng.standard_normal((lists, tests, runs))
    t = x.mean(2) / (x.std(2, ddof=1) / np.sqrt(runs))
    c = student_t_allowance(runs, tests, alpha)
    rate = np.mean(np.abs(t).max(1) > c)
    # Bonferroni is exact to first order for independent tests: rate ≈ 1 − (1 − α/tests)^tests = 0.0490;
    # 20000 lists give a binomial SE of 0.0015
    assert abs(rate - (1 - (1 - alpha / tests) ** tests)) < 4 * 0.0015
    assert student_t_allowance(20, tests, alpha) < c  # more runs, a smaller allowance
    assert np.isnan(student_t_allowance(1, tests, alpha))


@pytest.mark.parametrize("p", [10, 60])
def test_exact_variance_matches_monte_carlo_of_the_min_norm_estimator(p):
    n, reps = 30, 4000
    risks = []
    for seed in range(reps):
        X, y, beta = dd_train.isotropic_problem(seed, n, p, R2, S2, 0.0)
        risks.append(np.sum((np.linalg.pinv(X) @ y - beta) ** 2))
    risks = np.array(risks)
    var = hmrt.minnorm_exact_variance(p, n, R2, S2)
    # the sample variance has relative standard error sqrt((kurtosis - 1)/reps); allow 4 of them
    kurt = np.mean((risks - risks.mean()) ** 4) / risks.var() ** 2
    assert risks.var(ddof=1) == pytest.approx(var, rel=4 * np.sqrt((kurt - 1) / reps))
    assert np.isnan(hmrt.minnorm_exact_variance([n - 3, n, n + 3], n, R2, S2)).all()  # infinite second moment
