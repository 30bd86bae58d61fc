"""Wilson et al.'s construction: its algebra, and the three optimizers' limits."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from implicitbias.experiments.adaptive_geometry import train as ag_train
from implicitbias.pipeline import tables
from implicitbias.pipeline.grid import Cell
from implicitbias.pipeline.schema import settings_of
from tolerances import gamma, gd_least_squares_error, least_squares_solution_error

SETTINGS = settings_of("adaptive_geometry", {
    "n": 40, "p": 0.6, "n_test": 300, "steps": 300, "log_points": 20, "eta_unit": "inverse_sharpness",
    "blowup": 1e10,  # the scale-invariant rules take eta absolute, as in the contract's defaults
    "optimizers": {"adam": {"schedule": "inv_sqrt", "eta_unit": "absolute"}, "adagrad": {"eta_unit": "absolute"}},
})  # fmt: skip


def test_construction_sign_direction_interpolates_up_to_four():
    X, y, X_test, y_test = ag_train.problem(0, 40, 0.6, 300)
    assert X.shape == (40, 240) and X_test.shape == (300, 240)
    s = np.sign(X.T @ y)
    np.testing.assert_array_equal(X @ s, 4 * y)  # so s/4 interpolates: X(s/4) = y
    # test points share only coordinates 1–3 with the training set
    shared = X.any(axis=0) & X_test.any(axis=0)
    assert np.flatnonzero(shared).tolist() == [0, 1, 2]
    # s predicts +1 everywhere: ⟨s, x⟩ = y + 2 on a test point
    np.testing.assert_array_equal(X_test @ s, y_test + 2)


def test_min_norm_interpolant_classifies_the_test_set():
    X, y, X_test, y_test = ag_train.problem(1, 40, 0.6, 300)
    w = np.linalg.pinv(X) @ y
    np.testing.assert_allclose(X @ w, y, atol=1e-12)
    assert np.all(np.sign(X_test @ w) == y_test)


EPSILON = {"adagrad": 1e-10, "adam": 1e-8}  # the rules' default ε (implicitbias.numerics.optim)


def _train(name, eta, seeds, eps):
    cells = [Cell("wilson", "squares", name, eta, 0.0, s) for s in seeds]
    options = {**SETTINGS["optimizers"].get(name, {}), "eps": eps}
    settings = {**SETTINGS, "optimizers": {**SETTINGS["optimizers"], name: options}}
    traj, const = ag_train.train_batch(settings, cells, torch.device("cpu"), torch.float64)
    return cells, traj, tables.trajectory_table("adaptive_geometry", cells, traj, const).to_pandas()


@pytest.mark.parametrize("name,eta", [("adagrad", 0.04), ("adam", 0.1)])  # adagrad: 0.04 * 43 <= 2 (README)
def test_adaptive_methods_end_along_sign_and_predict_plus_one(name, eta):
    K, eps = SETTINGS["steps"], EPSILON[name]
    cells, traj, table = _train(name, eta, range(2), eps)
    _, half, _ = _train(name, eta, range(2), eps / 2)
    for r, c in enumerate(cells):
        X, y, _, _ = ag_train.problem(c.seed, 40, 0.6, 300)
        s = np.sign(X.T @ y)
        x, x_half = traj.x[r].numpy(), half.x[r].numpy()
        # Along w = λs every gradient is a multiple of s, so with ε = 0 every coordinate takes
        # the same step and w stays on the line (Wilson et al.).  Off the line, x − λs comes
        # from ε alone, to first order: o(ε) ≈ 2(o(ε) − o(ε/2)), measured by the rerun at ε/2;
        # plus rounding, at most K steps of γ_{n+p+8}‖x‖ (one residual, one gradient, the
        # moment updates and the step).
        off, off_half = x - (x @ s) / (s @ s) * s, x_half - (x_half @ s) / (s @ s) * s
        rounding = K * gamma(X.shape[0] + X.shape[1] + 8) * np.linalg.norm(x)
        assert np.linalg.norm(off) <= 2 * np.linalg.norm(off - off_half) + rounding
        # On the line X s = 4y, so the training loss ½‖Xw − y‖² = ½(4λ − 1)²‖y‖² measures the
        # distance |λ − 1/4|·‖s‖ to s/4: the run ends nearer s/4 than at any logged step before
        # (Adam's momentum overshoots early on, so the loss need not fall at every step).
        loss = table[table.cell == c.id].sort_values("step").train_loss.to_numpy()
        assert loss[-1] == loss.min() < loss[0]
    last = table[table.step == K]
    np.testing.assert_allclose(last.test_error, last.test_negatives, atol=0)


def test_gd_reaches_the_min_norm_solution_and_zero_test_error():
    cells = [Cell("wilson", "squares", "gd", 1.0, 0.0, s) for s in range(2)]
    traj, const = ag_train.train_batch(SETTINGS, cells, torch.device("cpu"), torch.float64)
    for r, c in enumerate(cells):
        X, y, _, _ = ag_train.problem(c.seed, 40, 0.6, 300)
        w = np.linalg.pinv(X) @ y
        # GD's distance to A⁺y after K steps (exact part and rounding) plus pinv's error
        tol = gd_least_squares_error(X, y, np.zeros(X.shape[1]), const["eta_abs"][r], SETTINGS["steps"])
        tol += least_squares_solution_error(X, y) * np.linalg.norm(w)
        assert np.linalg.norm(traj.x[r].numpy() - w) <= tol
    assert traj.metrics["test_error"][-1].max() == 0.0


def test_labels_are_conditioned_on_more_positives():
    """Seeds 21 and 100 first draw n₊ ≤ n₋ (sign(Σy) ≤ 0 breaks X sign(Xᵀy) = 4y); the draw is repeated."""
    for seed in (21, 100):
        g = np.random.default_rng([seed, 40])
        assert np.where(g.random(100) < 0.6, 1.0, -1.0).sum() <= 0  # the first draw
        X, y, _, _ = ag_train.problem(seed, 100, 0.6, 50)
        assert y.sum() > 0
        np.testing.assert_array_equal(X @ np.sign(X.T @ y), 4 * y)
    # seeds whose first draw is fine keep it
    g = np.random.default_rng([0, 40])
    np.testing.assert_array_equal(ag_train.problem(0, 100, 0.6, 50)[1], np.where(g.random(100) < 0.6, 1.0, -1.0))


@pytest.mark.parametrize("n", [10, 40, 100])
def test_min_norm_scores_classify_for_every_class_balance(n):
    """The claim's theorem: for every n₊ in (n/2, n) the min-norm interpolant has w₁ > 2|w₂|, so a test
    point's score y·w₁ + 2w₂ has the sign of y (checked on a constructed X for each n₊)."""
    for n_pos in range(n // 2 + 1, n):
        y = np.array([1.0] * n_pos + [-1.0] * (n - n_pos))
        X = np.zeros((n, 6 * n))
        X[:, 0], X[:, 1:3] = y, 1.0
        for i in range(n):
            X[i, 3 + 5 * i : 3 + 5 * i + (1 if y[i] > 0 else 5)] = 1.0
        w = np.linalg.pinv(X) @ y
        assert w[0] > 2 * abs(w[1]) and w[1] == pytest.approx(w[2]), n_pos


def test_adagrad_outside_its_stability_region_leaves_the_sign_ray():
    """Seed 6 draws n₊ − n₋ = 2, where λ_max(X D⁻¹ Xᵀ) ≈ 103: AdaGrad at η = 0.1 (0.1·103 > 2) leaves
    the ray of sign(Xᵀy) far beyond the first-order bound, and the claim's bound is NaN there (the row
    fails); at η = 0.015 (1.5 ≤ 2) it stays within the bound."""
    from implicitbias.experiments.adaptive_geometry import claims as ag_claims

    settings = {**SETTINGS, "n": 100, "n_test": 50, "optimizers": {"adagrad": {"eta_unit": "absolute"}}}
    for eta, inside in ((0.1, False), (0.015, True)):
        cells = [Cell("wilson", "squares", "adagrad", eta, 0.0, 6)]
        traj, const = ag_train.train_batch(settings, cells, torch.device("cpu"), torch.float64)
        row = tables.trajectory_table("adaptive_geometry", cells, traj, const).to_pandas().iloc[-1]
        bound, number, limit = ag_claims._direction_bound(row, "constant", 100, 600)
        assert (number <= limit) == inside
        if inside:
            assert 1 - row.cos_sign <= bound
        else:
            assert np.isnan(bound) and 1 - row.cos_sign > 1e-8
