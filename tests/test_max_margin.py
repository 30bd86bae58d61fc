"""The max-margin experiment: solver references on sets with known answers, losses, training."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from implicitbias.pipeline import tables
from implicitbias.numerics import classification, rng
from implicitbias.numerics.classification import LinearClassifier, angle_gap
from implicitbias.experiments.max_margin import claims as mm_claims, problem as mm_problem, reference as mm_reference
from implicitbias.experiments.max_margin import train as mm_train
from implicitbias.pipeline import claims as claims_lib
from implicitbias.pipeline.grid import Cell
from implicitbias.pipeline.schema import settings_of
from implicitbias.numerics.margins import hard_margin_svm, linf_max_margin

SETTINGS = settings_of("max_margin", {
    "log_points": 41, "eta_unit": "inverse_sharpness", "blowup": 1e10,
    "sets": {"symmetric": {"steps": 2000}, "orthants": {"steps": 2000, "points": 12},
             "generic": {"steps": 2000, "n": 60, "d": 10, "gap": 0.1}},
    "optimizers": {"sign_gd": {"schedule": "inv_sqrt", "eta_unit": "absolute"}},
})  # fmt: skip
SOLVER_TOL = 1e-6  # Clarabel's default feasibility/optimality tolerances are 1e-8 (relative)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_symmetric_set_svm_is_half_half_with_alpha_one_eighth(seed):
    X, y = mm_problem.symmetric_set(seed)
    w, alpha = hard_margin_svm(X, y)
    np.testing.assert_allclose(w, [0.5, 0.5], atol=SOLVER_TOL)
    np.testing.assert_allclose(alpha[:4], 1 / 8, atol=SOLVER_TOL)  # the four support vectors
    np.testing.assert_allclose(alpha[4:], 0, atol=SOLVER_TOL)
    # KKT: stationarity w = Σ αᵢ yᵢ xᵢ and every margin ≥ 1, equal to 1 on the support
    np.testing.assert_allclose((alpha * y) @ X, w, atol=SOLVER_TOL)
    margins = y * (X @ w)
    assert margins.min() >= 1 - SOLVER_TOL
    np.testing.assert_allclose(margins[:4], 1, atol=SOLVER_TOL)


def test_svm_matches_the_closed_form_of_a_single_support_vector():
    """Two points z₁ = (1, 2), z₂ = (3, 3): the SVM is z₁/‖z₁‖² if ⟨z₂, z₁⟩/‖z₁‖² ≥ 1 (9/5 here)."""
    X = np.array([[1.0, 2.0], [-3.0, -3.0]])
    y = np.array([1.0, -1.0])
    w, alpha = hard_margin_svm(X, y)
    np.testing.assert_allclose(w, [0.2, 0.4], atol=SOLVER_TOL)
    np.testing.assert_allclose(alpha, [0.2, 0.0], atol=SOLVER_TOL)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_orthants_set_has_the_closed_form_max_margins_and_spans_orthants(seed):
    X, y = mm_problem.data("orthants", seed, SETTINGS)
    Z = y[:, None] * X
    w, alpha = hard_margin_svm(X, y)
    np.testing.assert_allclose(w, [4 / 49, -30 / 49, 8 / 49], atol=SOLVER_TOL)
    np.testing.assert_allclose(alpha[:2], [12 / 49, 8 / 49], atol=SOLVER_TOL)  # ŵ = Σ αᵢzᵢ on the two
    np.testing.assert_allclose(alpha[2:], 0, atol=SOLVER_TOL)
    w_inf, gamma = linf_max_margin(X, y)
    np.testing.assert_allclose(w_inf, [0.5, -1, 1], atol=1e-9)
    assert gamma == pytest.approx(2.0, rel=1e-9)
    # the other points keep both margins 1.5 times away, and the zᵢ lie in several orthants
    assert (Z[2:] @ w).min() >= 1.5 - 1e-12 and (Z[2:] @ w_inf).min() >= 3.0 - 1e-12
    assert len({tuple(np.sign(z)) for z in Z}) >= 3


def test_symmetric_set_reference_has_soudrys_closed_form():
    """α = ⅛ on four support vectors with zᵀŵ = 1: η e^{−zᵀw̃} = α gives w̃ = ŵ log(8η), i.e. w̃₀ = ŵ log 8;
    A = Σ α z zᵀ = [[5, 3], [3, 5]]/8 has eigenvalues 1 (along ŵ) and ¼; the other points have excess
    margin (x₁ + x₂)/2 − 1 > 0.3/√2 by construction."""
    ref = mm_reference.reference(SETTINGS, [0, 1])
    for seed in ("0", "1"):
        r = ref["symmetric"][seed]
        np.testing.assert_allclose(r["w_tilde"], np.log(8) * np.array([0.5, 0.5]), atol=1e-6)
        assert r["lambda_min"] == pytest.approx(0.25, abs=1e-6)
        assert r["mu_min"] > 0.3 / np.sqrt(2)
        assert r["linf_margin_of_w"] == pytest.approx(1.0, abs=1e-6)  # ŵ ∝ (1, 1) is also the ℓ∞ direction
    # ŵ/‖ŵ‖∞ = (4, −30, 8)/30 has margin 49/30 on both support vectors: γ∞(ŵ)/γ∞ = 49/60
    assert ref["orthants"]["0"]["linf_margin_of_w"] == pytest.approx(49 / 60, abs=1e-6)


def test_generic_set_is_separable_with_the_requested_gap():
    X, y = mm_problem.generic_set(3, 60, 10, 0.1)
    assert X.shape == (60, 10) and set(np.unique(y)) == {-1.0, 1.0}
    w, alpha = hard_margin_svm(X, y)
    assert (y * (X @ w)).min() >= 1 - SOLVER_TOL
    assert 1 / np.linalg.norm(w) >= 0.1 - SOLVER_TOL  # the labelling hyperplane has margin ≥ gap
    assert np.sum(alpha) == pytest.approx(w @ w, rel=1e-6)  # Σα = ‖ŵ‖² (complementary slackness)


def test_losses_and_gradient_match_autograd():
    g = torch.Generator().manual_seed(0)
    X = torch.randn(3, 7, 4, generator=g, dtype=torch.float64)
    y = torch.sign(torch.randn(3, 7, generator=g, dtype=torch.float64))
    theta = torch.randn(3, 4, generator=g, dtype=torch.float64, requires_grad=True)
    for loss, ell in (("exponential", lambda m: torch.exp(-m)), ("logistic", lambda m: torch.log1p(torch.exp(-m)))):
        obj = LinearClassifier(X, y, loss)
        m = torch.einsum("rnd,rd->rn", X, theta) * y
        value = ell(m).sum(dim=1)
        torch.testing.assert_close(obj.loss(theta.detach()), value.detach(), rtol=1e-14, atol=0)
        (grad,) = torch.autograd.grad(value.sum(), theta)
        torch.testing.assert_close(obj.grad(theta.detach()), grad, rtol=1e-13, atol=1e-15)


def test_logistic_loss_keeps_precision_at_large_margins():
    X = torch.tensor([[[1.0]]], dtype=torch.float64)
    y = torch.ones(1, 1, dtype=torch.float64)
    obj = LinearClassifier(X, y, "logistic")
    theta = torch.tensor([[50.0]], dtype=torch.float64)
    # log(1 + e^{-50}) = e^{-50}(1 − e^{-50}/2 + …): a naive log(1 + e^{-50}) would give 0
    assert obj.loss(theta).item() == pytest.approx(np.exp(-50), rel=1e-15)


def test_angle_gap_is_one_minus_cosine():
    a = torch.tensor([[1.0, 0.0], [1.0, 1.0]], dtype=torch.float64)
    b = torch.tensor([[0.0, 2.0], [2.0, 2.0 + 1e-6]], dtype=torch.float64)
    cos = (a * b).sum(1) / (a.norm(dim=1) * b.norm(dim=1))
    torch.testing.assert_close(angle_gap(a, b)[:1], 1 - cos[:1])
    assert 0 < angle_gap(a, b)[1].item() < 1e-12  # resolves a gap below 1e-12 instead of rounding to 0


def run(cells, settings=SETTINGS):
    traj, const = mm_train.train_batch(settings, cells, torch.device("cpu"), torch.float64)
    return traj, const, tables.trajectory_table("max_margin", cells, traj, const).to_pandas()


def test_gd_step_is_the_formula_and_loss_sum_is_recorded():
    """Three GD steps θ ← θ + η Σ e^{−⟨θ,zᵢ⟩} zᵢ, η = 1/σ_max(X)², by numpy."""
    cell = Cell("symmetric", "exponential", "gd", 1.0, 0.0, 0)
    settings = {**SETTINGS, "sets": {**SETTINGS["sets"], "symmetric": {"steps": 3}}}
    traj, const, table = run([cell], settings)
    X, y = mm_problem.symmetric_set(0)
    Z = y[:, None] * X
    eta = 1 / np.linalg.norm(X, 2) ** 2
    theta = np.zeros(2)
    for _ in range(3):
        theta = theta + eta * Z.T @ np.exp(-Z @ theta)
    np.testing.assert_allclose(traj.x[0].numpy(), theta, rtol=1e-14)
    assert const["eta_abs"][0] == pytest.approx(eta, rel=1e-14)
    final = table[table.step == 3].iloc[0]
    assert final.train_loss == pytest.approx(np.exp(-Z @ theta).sum(), rel=1e-14)
    assert final.loss == "exponential"  # the grid axis is not overwritten by a metric


def test_sign_gd_on_the_orthants_set_changes_sign_and_meets_its_margin_bound():
    """The zᵢ span several orthants: sign ∇L changes along the run (θ is not a multiple of its first step),
    and the ℓ∞ margin gap obeys the sign-descent bound (log n + B²Σηₜ²/2)/Σηₜ of claims.py."""
    cells = [Cell("orthants", "exponential", "sign_gd", 0.1, 0.0, s) for s in range(2)]
    traj, const, table = run(cells)
    steps = SETTINGS["sets"]["orthants"]["steps"]
    eta_t = 0.1 / np.sqrt(np.arange(1, steps + 1))
    np.testing.assert_allclose(const["eta_sum"], eta_t.sum(), rtol=1e-12)
    np.testing.assert_allclose(const["eta_sq_sum"], (eta_t**2).sum(), rtol=1e-12)
    theta = traj.x.numpy()
    # the second and third coordinates always move by ηₜ (w∞ = (½, −1, 1)), the first changes sign on the way
    np.testing.assert_allclose(np.abs(theta[:, 1:]), eta_t.sum(), rtol=1e-12)
    assert np.all(np.abs(theta[:, 0]) < 0.9 * eta_t.sum())
    last = claims_lib.final_rows(table)
    bound = (np.log(last.n_points) + last.l1_radius**2 * last.eta_sq_sum / 2) / last.eta_sum
    assert ((last.gamma_inf - last.margin_linf) <= bound).all()
    X, y = mm_problem.data("orthants", 0, SETTINGS)
    Z = y[:, None] * X
    assert last.margin_linf.iloc[0] == pytest.approx((Z @ theta[0]).min() / np.abs(theta[0]).max(), rel=1e-12)


def test_gd_direction_approaches_the_svm_on_the_orthants_set():
    cells = [Cell("orthants", "exponential", "gd", 1.0, 0.0, s) for s in range(2)]
    _, _, table = run(cells)
    # Soudry et al.: θ_t/‖θ_t‖ → ŵ/‖ŵ‖, at a rate that is still pre-asymptotic after 2000 steps
    # on some seeds, so no rate is asserted: 1 − cos(θ_t, ŵ) falls at every logged step (its
    # changes, ≥ 1e-6 here, are far above the ~1e-16 rounding of a cosine), and θ ends nearer ŵ
    # than the ℓ∞ direction (1 − cos is monotone in the angle: nearer iff gap_l2 < gap_linf).
    for _, rows in table[table.step > 0].groupby("cell"):  # θ_0 = 0 has no direction
        gap = rows.sort_values("step").gap_l2.to_numpy()
        assert len(gap) > 10 and (np.diff(gap) < 0).all()
    last = claims_lib.final_rows(table)
    # 1 − cos(ŵ, w∞) = 1 − (40/49)/(|ŵ| 3/2) ≈ 0.148: after 2000 steps GD is far closer to ŵ
    assert (last.gap_l2 < last.gap_linf / 2).all()


def test_claim_helpers():
    steps = np.array([1, 10, 100, 1000, 10_000, 100_000])
    # C t^−κ log(ηt) from t0 to t shrinks by (t0/t)^κ log(ηt)/log(ηt0)
    c = lambda t: 3.0 * t**-0.25 * np.log(0.5 * t)  # noqa: E731
    assert mm_claims.decade_rate(1e5, 1e4, 0.25, 0.5) == pytest.approx(c(1e5) / c(1e4), rel=1e-12)
    assert np.isnan(mm_claims.decade_rate(10, 1, 0.25, 0.5))  # ηt0 < 1: the log form does not apply
    gap = 3.0 / np.log(steps[2:]) ** 2
    assert mm_claims.log_rate(steps[2:], gap, after=100) == pytest.approx(2.0, rel=1e-12)


def test_minibatch_gradient_is_n_over_b_times_the_sampled_terms_and_batch_independent():
    """(n/b) Σ_{i∈B_t} σ(−⟨θ, zᵢ⟩)(−zᵢ) with B_t = rng.randint(key of the seed, t, b, n), by numpy; a run
    gives the same gradient alone or stacked with others (its stream is keyed by its own seed)."""
    seeds = [5, 6, 7]
    data = [mm_problem.symmetric_set(s) for s in seeds]
    X = torch.tensor(np.stack([d[0] for d in data]))
    y = torch.tensor(np.stack([d[1] for d in data]))
    theta = torch.tensor([[0.3, -0.2], [1.0, 0.5], [-0.4, 0.9]], dtype=torch.float64)
    both = LinearClassifier(X, y, "logistic", seeds=torch.tensor(seeds))
    alone = LinearClassifier(X[1:2], y[1:2], "logistic", seeds=torch.tensor(seeds[1:2]))
    n, b = X.shape[1], 3
    for t in (1, 2, 17):
        g = both.grad(theta, t, b)
        idx = rng.randint(rng.stream_key(torch.tensor(seeds), classification.SAMPLE_TAG), t, b, n).numpy()
        for r in range(3):
            Z = (data[r][1][:, None] * data[r][0])[idx[r]]
            m = Z @ theta[r].numpy()
            expected = -(n / b) * ((1 / (1 + np.exp(m)))[:, None] * Z).sum(axis=0)
            np.testing.assert_allclose(g[r].numpy(), expected, rtol=1e-13)
        torch.testing.assert_close(alone.grad(theta[1:2], t, b), g[1:2], rtol=0, atol=0)
    # b ≥ n is the full gradient; without seeds a minibatch cannot be drawn
    torch.testing.assert_close(both.grad(theta, 1, n), both.grad(theta), rtol=0, atol=0)
    with pytest.raises(ValueError, match="seeds"):
        LinearClassifier(X, y, "logistic").grad(theta, 1, 1)


def test_random_starts_have_norm_s_one_direction_per_seed_and_do_not_depend_on_the_batch():
    settings = {**SETTINGS, "sets": {**SETTINGS["sets"], "symmetric_init": {"steps": 5, "scales": [0.1, 10.0]}}}
    cells = [Cell("symmetric_init", "logistic", "gd", 1.0, 0.0, s) for s in (3, 4)]
    traj, const, table = run(cells, settings)
    assert list(const["init_scale"]) == [0.0, 0.1, 10.0, 0.0, 0.1, 10.0]
    assert list(traj.cell_of_run) == [0, 0, 0, 1, 1, 1]
    start = table[table.step == 0]
    np.testing.assert_allclose(start.norm.to_numpy(), [0.0, 0.1, 10.0, 0.0, 0.1, 10.0], rtol=1e-14)
    for _, runs in start[start.init_scale > 0].groupby("cell"):  # one z per seed, whatever s
        assert np.ptp(runs.angle.to_numpy()) < 1e-12
    assert abs(start.angle.iloc[1] - start.angle.iloc[4]) > 1e-3  # another seed, another z
    traj_alone, _, _ = run(cells[1:], settings)
    torch.testing.assert_close(traj_alone.x, traj.x[3:], rtol=0, atol=0)


def test_sgd_trains_the_same_alone_or_batched():
    settings = {**SETTINGS, "sets": {**SETTINGS["sets"], "symmetric": {"steps": 50}},
                "optimizers": {**SETTINGS["optimizers"], "sgd": {"batch_size": 1}}}  # fmt: skip
    cells = [Cell("symmetric", "logistic", "sgd", 0.5, 0.0, s) for s in (0, 1, 2)]
    traj, _, _ = run(cells, settings)
    traj_alone, _, _ = run(cells[2:], settings)
    torch.testing.assert_close(traj_alone.x, traj.x[2:], rtol=0, atol=0)
    gd, _, _ = run([Cell("symmetric", "logistic", "gd", 0.5, 0.0, 2)], settings)
    assert (traj.x[2] - gd.x[0]).norm() > 1e-3  # one sample per step is not the full gradient


def test_start_pairs_and_arcsin_bound():
    """Two starts of one cell at s = 0 and 1 whose θ_T lie at 0° and 3° with norms 10 and 11:
    the angle is 3° and the bound arcsin(1/11); a bound on sin∠ of 1 or more says nothing (π)."""
    end = pd.DataFrame({"cell": ["c", "c"], "init_scale": [0.0, 1.0], "angle": [0.0, 3.0], "norm": [10.0, 11.0]})
    angles, bounds = mm_claims.start_pairs(end)
    np.testing.assert_allclose(angles, [np.radians(3.0)], rtol=1e-12)
    np.testing.assert_allclose(bounds, [np.arcsin(1 / 11)], rtol=1e-15)
    assert mm_claims.arcsin_bound(1.0) == np.pi
    gap = pd.DataFrame({"gap_l2": [1 - np.cos(0.3)]})
    np.testing.assert_allclose(mm_claims.angle_to_svm(gap), [0.3], rtol=1e-12)


def test_closed_form_bound_is_tight_for_a_residual_orthogonal_to_w_hat_decaying_at_the_rate():
    """θ_t = ŵ log(ηt) + w̃₀ + r_t with w̃₀ = ŵ log 8 (the symmetric set's) and r_t = c t^−κ log(ηt)·v, v ⊥ ŵ:
    ‖r_T‖ is exactly the rate times ‖r_{T/10}‖ and sin∠(θ_T, ŵ) = ‖r_T‖/‖θ_T‖, so the angle meets its bound."""
    w, eta, kappa, c = np.array([0.5, 0.5]), 0.2, 0.25, 0.3
    v = np.array([1.0, -1.0]) / np.sqrt(2)
    reference = {"symmetric": {"0": {"w": w.tolist(), "w_tilde": (np.log(8) * w).tolist()}}}
    rows = []
    for t in (100, 1000):
        theta = w * np.log(eta * t) + np.log(8) * w + c * t**-kappa * np.log(eta * t) * v
        cos = theta @ w / (np.linalg.norm(theta) * np.linalg.norm(w))
        rows.append({"cell": "c", "init_scale": 0.0, "model": "symmetric", "seed": 0, "step": t, "eta_abs": eta,
                     "norm": np.linalg.norm(theta), "angle": np.degrees(np.arctan2(theta[1], theta[0])),
                     "gap_l2": 1 - cos, "lambda_min": kappa, "mu_min": 1.0})  # fmt: skip
    end = mm_claims.closed_form_bounds(pd.DataFrame(rows), 1000, reference)
    assert end.to_svm.iloc[0] == pytest.approx(end.bound.iloc[0], rel=1e-9)
    capped = mm_claims.closed_form_bounds(pd.DataFrame(rows), 1000, reference, kappa_max=0.1)
    assert capped.bound.iloc[0] > end.bound.iloc[0]  # a slower rate: a looser bound
