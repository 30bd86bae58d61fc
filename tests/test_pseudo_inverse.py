"""The pseudo-inverse experiment's numerics against closed forms (float64)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from implicitbias.experiments.pseudo_inverse import bounds
from implicitbias.experiments.pseudo_inverse import claims as pi_claims
from implicitbias.experiments.pseudo_inverse import train as pi_train
from implicitbias.numerics import train
from implicitbias.pipeline import claims as claims_lib
from implicitbias.pipeline import tables
from implicitbias.pipeline.grid import Cell
from implicitbias.pipeline.schema import settings_of
from tolerances import gd_least_squares_error, least_squares_step_rounding, projection_reference_error

SETTINGS = settings_of("pseudo_inverse", {
    "n": 8, "p": 20, "steps": 3000, "log_points": 40, "eta_unit": "inverse_sharpness",
    "init_scale": 1.0, "blowup": 1e10, "optimizers": {"sgd": {"batch_size": 1}},
})  # fmt: skip
EPS = np.finfo(float).eps


def run(cells, settings=SETTINGS):
    traj, const = pi_train.train_batch(settings, cells, torch.device("cpu"), torch.float64)
    return traj, const, tables.trajectory_table("pseudo_inverse", cells, traj, const).to_pandas()


def test_references_are_the_min_norm_and_projected_solutions():
    A, y, z = pi_train.problem(0, 8, 20)
    ref = pi_train.references(A, y, z)
    x = ref["x_pinv"]
    np.testing.assert_allclose(A @ x, y, rtol=0, atol=1e-12 * np.linalg.norm(y))
    # minimum norm: orthogonal to the null space of A
    null = np.linalg.svd(A)[2][8:]
    assert np.abs(null @ x).max() < 1e-12 * np.linalg.norm(x)
    # z + A+(y - Az) interpolates and differs from z only in the row space
    xp = ref["x_proj"]
    np.testing.assert_allclose(A @ xp, y, atol=1e-12 * np.linalg.norm(y))
    np.testing.assert_allclose(null @ xp, null @ z, atol=1e-12 * np.linalg.norm(z))
    eig = np.linalg.eigvalsh(A.T @ A)
    assert ref["beta"] == pytest.approx(eig[-1], rel=1e-12)
    assert ref["lambda_plus"] == pytest.approx(eig[-8], rel=1e-10)


def test_gd_iterate_equals_the_lectures_sum_formula():
    """x_k = η Σ_{j<k} (I − ηAᵀA)^j Aᵀy from x_0 = 0, after k = 37 steps."""
    cell = Cell("linear", "squares", "gd", 1.5, 0.0, 4)
    settings = {**SETTINGS, "steps": 37, "log_points": 5}
    traj, const, _ = run([cell], settings)
    A, y, _ = pi_train.problem(4, 8, 20)
    eta = 1.5 / const["beta"][0]
    M = np.eye(20) - eta * A.T @ A
    x, term = np.zeros(20), eta * A.T @ y
    for _ in range(37):
        x, term = x + term, M @ term
    # error amplification of 37 steps with |eigenvalues of M| <= 1: a few hundred ulps
    np.testing.assert_allclose(traj.x[0].numpy(), x, rtol=0, atol=1e3 * EPS * np.linalg.norm(x))


def test_gd_from_zero_reaches_pinv_and_from_z_keeps_the_null_space():
    cells = [Cell("linear", "squares", "gd", 1.0, 0.0, s) for s in range(3)]
    cells += [Cell("linear_z", "squares", "gd", 1.0, 0.0, s) for s in range(3)]
    _, _, table = run(cells)
    last = claims_lib.final_rows(table, finite="train_loss")
    assert len(last) == 6
    for _, row in last.iterrows():
        A, y, z = pi_train.problem(row.seed, SETTINGS["n"], SETTINGS["p"])
        x0 = z * SETTINGS["init_scale"] if row.model == "linear_z" else np.zeros(SETTINGS["p"])
        # GD's distance to its limit after K steps (exact part and rounding), plus the
        # rounding of the reference the table measures against (tests/tolerances.py)
        tol = gd_least_squares_error(A, y, x0, row.eta_abs, SETTINGS["steps"]) + projection_reference_error(A, y, x0)
        if row.model == "linear":
            assert row.dist_pinv <= tol, (row.seed, row.dist_pinv, tol)
        else:
            assert row.dist_proj <= tol, (row.seed, row.dist_proj, tol)
            # |x − A⁺y| and |x_proj − A⁺y| = |null-space part of z| differ by at most |x − x_proj|,
            # each norm computed from references that err by at most their own bound
            null_tol = tol + projection_reference_error(A, y, np.zeros_like(x0)) + projection_reference_error(A, y, x0)
            assert abs(row.dist_pinv - row.null_norm) <= null_tol, (row.seed, row.dist_pinv, row.null_norm)


def test_divergence_above_two_over_beta_is_recorded_not_raised():
    cells = [Cell("linear", "squares", "gd", eb, 0.0, 0) for eb in (1.99, 2.01)]
    traj, _, table = run(cells, {**SETTINGS, "steps": 20000})
    assert list(traj.diverged) == [False, True]
    bad = table[table.eta == 2.01]
    assert (bad.status == "diverged").all()
    assert bad.step.max() < 20000  # it stopped being logged where it blew up


def test_contraction_rate_matches_the_spectral_closed_form():
    """From 0 at η = 1/β the error is e_k = Σᵢ cᵢ (1 − λᵢ/β)ᵏ vᵢ over the eigenpairs of AᵀA
    (cᵢ = −vᵢᵀA⁺y): the table's dist_exact is that closed form, and the measured rate over the
    window agrees with the closed form's rate over the same window."""
    cell = Cell("linear", "squares", "gd", 1.0, 0.0, 2)
    _, const, table = run([cell], {**SETTINGS, "log_points": 400})
    steps, rel = table.step.to_numpy(), (table.dist_pinv / table.pinv_norm).to_numpy()
    rate, i, j = pi_claims.contraction_rate(steps, rel)

    A, y, _ = pi_train.problem(2, 8, 20)
    lam, V = np.linalg.eigh(A.T @ A)
    c = V.T @ -(np.linalg.pinv(A) @ y)
    factor = 1 - lam / lam[-1]
    err = lambda k: np.linalg.norm(c * factor**k)
    # the closed form of the table (SVD route) and this one (eigh route) agree to rounding of the powers:
    # relative error of (1 − λ/β)^k is at most ~k·u, plus ~1e2·u from the two decompositions
    exact = table.dist_exact.to_numpy()
    for m in (i, j):
        assert abs(exact[m] - err(steps[m])) <= (4 * steps[m] + 100) * EPS * err(steps[m])
    closed = (err(steps[j]) / err(steps[i])) ** (1 / (steps[j] - steps[i]))
    # rounding: |x_k − A⁺y| carries ~1e3·eps·|A⁺y| absolute error, i.e. ≤ 1e-13/1e-9 relative
    # at the bottom of the window; over k2 − k1 steps the rate moves by at most that / (k2 − k1)
    assert abs(rate - closed) <= 1e-4 / (steps[j] - steps[i])
    # the slowest mode dominates: the window rate lies below 1 − λ₊/β (faster modes only speed it up)
    assert closed <= 1 - const["lambda_plus"][0] / const["beta"][0] + 1e-15


def test_null_space_part_never_moves_under_gd_and_moves_under_adam():
    """(I − A⁺A)(x_k − x₀) is 0 for GD (its steps lie in the row space) and not for Adam."""
    cells = [Cell("linear_z", "squares", "gd", 1.0, 0.0, 1), Cell("linear", "squares", "gd", 1.0, 0.0, 1)]
    _, _, table = run(cells, {**SETTINGS, "steps": 500})
    # rounding: 500 steps, each erring by ≤ ~1e2·u relative (n + p = 28 terms per dot product)
    assert (table.null_drift / np.maximum(table.null_norm, table.pinv_norm)).max() < 500 * 100 * EPS
    adam = [Cell("linear", "squares", "adam", 1.0, 0.0, 1)]
    settings = {**SETTINGS, "steps": 500, "optimizers": {"adam": {"schedule": "inv_sqrt"}}}
    _, _, table = run(adam, settings)
    assert table.null_drift.iloc[-1] > 0.01 * table.pinv_norm.iloc[-1]


def test_sgd_mean_square_distance_matches_its_exact_second_moment():
    """Over 200 seeds (each its own A), |x_k − A⁺y|² / E|x_k − A⁺y|² averages to 1 within 4 standard errors:
    the table's dist_rms is the exact second moment of batch-1 SGD."""
    cells = [Cell("linear", "squares", "sgd", 0.3, 0.0, s) for s in range(200)]
    _, _, table = run(cells, {**SETTINGS, "steps": 300, "log_points": 6})
    for _, at in table[table.step.isin([30, 300])].groupby("step"):
        ratio = (at.dist_pinv / at.dist_rms) ** 2
        assert abs(ratio.mean() - 1) <= 4 * ratio.std(ddof=1) / np.sqrt(len(ratio))


def test_momentum_power_bounds_hold():
    """The Cayley–Hamilton bound |a_k||T| + |det T||a_(k−1)| is at least the true norm of T(h)^k."""
    for kind in ("heavy_ball", "nesterov"):
        row, every = bounds.momentum_powers(kind, 0.002, 0.1, 0.9, 300)
        for h in (0.0, 0.002, 0.03, 0.1):
            T = bounds.momentum_matrix(kind, np.array([h]), 0.9)[0]
            true = [np.linalg.norm(np.linalg.matrix_power(T, k), 2) for k in range(301)]
            assert np.all(np.array(true) <= every * (1 + 1e-12))
            if h > 0:
                assert np.all(np.array(true) <= row * (1 + 1e-12))


def test_claims_pass_on_a_small_run_and_fail_on_a_wrong_one():
    """The claims function on a real (small) run: every check passes; with Adam's runs relabelled as
    heavy-ball, that claim fails (the mutation tests do this for every check on the quick run)."""
    cells = [Cell("linear", "squares", "gd", eb, 0.0, s) for eb in (0.5, 1.0, 1.99, 2.01) for s in range(2)]
    cells += [Cell("linear_z", "squares", "gd", 1.0, 0.0, s) for s in range(2)]
    settings = {**SETTINGS, "steps": 3000, "log_points": 50,
                "optimizers": {"sgd": {"batch_size": 1}, "adam": {"schedule": "inv_sqrt"}}}  # fmt: skip
    tables = [run(cells, settings)[2]]
    for name, eta in (("sgd", 0.1), ("heavy_ball", 0.1), ("nesterov", 0.1), ("adam", 1.0), ("adagrad", 1.0)):
        tables.append(run([Cell("linear", "squares", name, eta, 0.0, s) for s in range(2)], settings)[2])
    table = pd.concat(tables, ignore_index=True)
    out = {c.claim: c for c in pi_claims.claims(table, settings)}
    failed = [(k, c.measured, c.bound) for k, c in out.items() if c.is_check and not c.passed]
    assert not failed
    wrong = table[table.optimizer != "heavy_ball"]
    adam = table[table.optimizer == "adam"]
    adam = adam.assign(optimizer="heavy_ball", momentum=0.9, cell=adam.cell.str.replace(".adam.", ".heavy_ball."))
    bad = {c.claim: c for c in pi_claims.claims(pd.concat([wrong, adam]), settings)}
    name = next(k for k in bad if k.startswith("heavy_ball converges"))
    assert not bad[name].passed


def test_batched_and_alone_runs_agree():
    steps = 500
    cells = [Cell("linear", "squares", o, 0.3, 0.0, s) for o in ("sgd",) for s in range(4)]
    traj_all, const, _ = run(cells, {**SETTINGS, "steps": steps})
    traj_one, _, _ = run(cells[2:3], {**SETTINGS, "steps": steps})
    x_all, x_one = traj_all.x[2], traj_one.x[0]
    # Both compute the same SGD steps on the same samples, at most in another summation
    # order: each step errs by δ (tests/tolerances.py) in either computation.  A step on
    # sample i multiplies an error by I − ηaᵢaᵢᵀ, of norm ≤ 1 as η‖aᵢ‖² ≤ ηβ = 0.3 ≤ 2, so
    # after K steps they differ by at most 2Kδ.  On this consistent system SGD from 0 never
    # moves away from x* = A⁺y, so ‖x‖ ≤ 2‖A⁺y‖ on the path.
    A, y, _ = pi_train.problem(2, SETTINGS["n"], SETTINGS["p"])
    xmax = 2 * np.linalg.norm(np.linalg.pinv(A) @ y)
    tol = 2 * steps * least_squares_step_rounding(A, y, const["eta_abs"][2], xmax, rows=1)
    assert torch.linalg.vector_norm(x_all - x_one) <= tol


def test_log_schedule_is_geometric_and_ends_at_steps():
    s = train.log_schedule(10_000, 30)
    assert s[0] == 0 and s[-1] == 10_000 and np.all(np.diff(s) > 0)
    ratios = s[10:][1:] / s[10:][:-1]
    assert np.allclose(ratios, ratios.mean(), rtol=0.05)
