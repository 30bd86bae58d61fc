"""The escape figure: its numerics against closed forms (float64), its training against hand-computed
steps, and its claims on the quick config, each made to fail by a wrong world (tests/mutations/escape.py)."""

from __future__ import annotations

import copy
import math
import re

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import REPO, quick_config
from mutations import World
from mutations.escape import MUTATIONS
from scipy import stats
from scipy.integrate import cumulative_trapezoid

from implicitbias import experiments
from implicitbias.experiments.escape import claims as escape_claims
from implicitbias.experiments.escape import train as escape_train
from implicitbias.numerics import gibbs, kramers, rng
from implicitbias.numerics import relu_teacher as rt
from implicitbias.numerics.critical_points import classify
from implicitbias.numerics.double_well import TiltedDoubleWell
from implicitbias.numerics.label_noise import LABEL_TAG
from implicitbias.pipeline import config as ibconfig
from implicitbias.pipeline import jobs, schema
from implicitbias.pipeline.grid import Cell

DT = torch.float64
CPU = torch.device("cpu")
U = 2.0**-53
WELL = TiltedDoubleWell(0.5)


# ------------------------------------------------------------------ the double well and Kramers


def test_critical_points_are_the_roots_of_v_prime():
    b, s, a = WELL.critical_points()
    assert b < s < a
    for x in (b, s, a):
        assert abs(WELL.dV(x)) <= 8 * U * (4 * abs(x) ** 3 + 4 * abs(x) + 0.5)
    lam_b, mu_s, lam_a = WELL.curvatures()
    assert lam_b > 0 and mu_s > 0 and lam_a > 0
    assert WELL.V(b) < WELL.V(a) < WELL.V(s)  # b deep, a shallow
    assert WELL.barrier == pytest.approx(WELL.V(s) - WELL.V(a), rel=1e-15)


def test_secant_sharpness_is_the_largest_secant_slope():
    _, s, a = WELL.critical_points()
    hi = 2 * a - s
    x = np.linspace(s, hi, 200001)[1:]
    x = x[np.abs(x - a) > 1e-6]
    assert WELL.secant_sharpness(hi) == pytest.approx(np.max(WELL.dV(x) / (x - a)), rel=1e-9)
    assert np.min(WELL.dV(x) / (x - a)) > 0  # every GD step moves toward a


def test_tilt_without_a_shallow_minimum_is_refused():
    with pytest.raises(ValueError, match="no shallow minimum"):
        TiltedDoubleWell(1.6)


def test_kramers_time_formula():
    assert kramers.kramers_time(1.0, 4.0, 1.0, 0.5) == pytest.approx(2 * math.pi / 2 * math.exp(2.0), rel=1e-15)


def test_mfpt_of_free_and_linear_diffusion_against_closed_forms():
    """V = 0: τ(x) = (Ux − x²/2)/T; V = fz: τ(x) = [x − (T/f)(e^{f(x−U)/T} − e^{−fU/T})]/f (target 0, reflected at U)."""
    T, U_, x = 0.3, 2.0, 1.2
    free = kramers.mfpt_diffusion(lambda z: 0 * z, T, x, 0.0, U_)
    assert free == pytest.approx((U_ * x - x * x / 2) / T, rel=1e-8)
    f = 0.7
    linear = kramers.mfpt_diffusion(lambda z: f * z, T, x, 0.0, U_)
    exact = (x - (T / f) * (math.exp(f * (x - U_) / T) - math.exp(-f * U_ / T))) / f
    assert linear == pytest.approx(exact, rel=1e-8)


def test_mfpt_tends_to_kramers_with_an_order_T_correction():
    """The exact diffusion time over Kramers' is 1 + O(T): (ratio − 1)/T stays bounded and the ratio → 1."""
    b, _, a = WELL.critical_points()
    _, mu_s, lam_a = WELL.curvatures()
    Ts = WELL.barrier / np.array([4.0, 8.0, 16.0])
    ratio = np.array([kramers.mfpt_diffusion(WELL.V, T, a, b, a + 1.6) / kramers.kramers_time(WELL.barrier, lam_a, mu_s, T)
                      for T in Ts])  # fmt: skip
    assert np.all(np.diff(np.abs(ratio - 1)) < 0)
    assert np.all(np.abs(ratio - 1) / Ts < 1.5)


def test_chain_first_passage_has_the_first_order_euler_correction():
    """Nyström's chain time over the diffusion's, at small η: 1 + c(T)η + O(η²) with c(T) → −(V''(a) − |V''(s)|)/4
    as T → 0; the gap to the formula halves (O(T)) when T halves."""
    b, _, a = WELL.critical_points()
    _, mu_s, lam_a = WELL.curvatures()
    gaps = []
    for x in (4.0, 8.0):
        T = WELL.barrier / x
        coef = []
        for eta in (0.004, 0.002):
            sd = math.sqrt(2 * T * eta)
            chain = kramers.mfpt_chain(lambda z, eta=eta: z - eta * WELL.dV(z), sd, a, b, a + 1.6, sd / 8)
            coef.append((chain * eta / kramers.mfpt_diffusion(WELL.V, T, a, b, a + 1.6) - 1) / eta)
        assert abs(coef[0] - coef[1]) < 0.1 * abs(coef[1])  # first order in η: the coefficient has converged
        gaps.append(abs(coef[1] - kramers.euler_correction(1.0, lam_a, mu_s)))
    assert gaps[1] < 0.6 * gaps[0]


def test_arrhenius_fit_recovers_an_exact_line_and_scales_its_errors():
    x = np.array([2.0, 3.0, 5.0, 7.0])
    fit = kramers.arrhenius_fit(x, 0.3 + 0.55 * x, np.full(4, 0.1))
    assert fit["slope"] == pytest.approx(0.55, rel=1e-12) and fit["intercept"] == pytest.approx(0.3, rel=1e-12)
    assert fit["chi2"] == pytest.approx(0.0, abs=1e-20)
    half = kramers.arrhenius_fit(x, 0.3 + 0.55 * x, np.full(4, 0.05))
    assert half["se_slope"] == pytest.approx(fit["se_slope"] / 2, rel=1e-12)
    assert fit["se_slope"] == pytest.approx(0.1 / math.sqrt(np.sum((x - x.mean()) ** 2)), rel=1e-12)


# ------------------------------------------------------------------ Gibbs


def test_gibbs_density_of_a_quadratic_is_gaussian():
    """The trapezoidal normalisation errs by O(h²): below (h/width)² here."""
    lam, T = 3.0, 0.2
    grid = np.linspace(-3, 3, 20001)
    width = math.sqrt(T / lam)
    F = gibbs.cdf(lambda z: lam * z * z / 2, T, grid)
    assert np.max(np.abs(F - stats.norm.cdf(grid, scale=width))) < ((grid[1] - grid[0]) / width) ** 2


def test_chain_stationary_law_of_an_ar1_is_exact():
    """x' = (1 − ηλ)x + sξ has the stationary law N(0, s²/(1 − (1 − ηλ)²)); Nyström errs by O(h²)."""
    eta, lam, sd = 0.1, 4.0, 0.2
    errors = []
    for h in (sd / 5, sd / 10):
        grid = np.arange(-2, 2, h)
        p = gibbs.chain_stationary(lambda z: (1 - eta * lam) * z, sd, grid)
        width = sd / math.sqrt(1 - (1 - eta * lam) ** 2)
        F = cumulative_trapezoid(p, grid, initial=0)
        errors.append(np.max(np.abs(F / F[-1] - stats.norm.cdf(grid, scale=width))))
        assert errors[-1] < (h / width) ** 2
    assert errors[1] < errors[0] / 3  # second order


def test_first_order_euler_density_matches_the_chain_to_order_eta_squared():
    """KS(first-order density, exact chain law) falls 4-fold when η halves; KS(Gibbs, chain) only 2-fold."""
    T = 0.2
    far, near = [], []
    for eta in (0.02, 0.01):
        sd = math.sqrt(2 * T * eta)
        grid = np.arange(WELL.b - 1.4, WELL.a + 1.5, sd / 10)
        p = gibbs.chain_stationary(lambda z, eta=eta: z - eta * WELL.dV(z), sd, grid)
        Fc = cumulative_trapezoid(p, grid, initial=0)
        Fc /= Fc[-1]
        far.append(np.max(np.abs(Fc - gibbs.cdf(WELL.V, T, grid))))
        near.append(np.max(np.abs(Fc - gibbs.cdf(WELL.V, T, grid, WELL.dV, WELL.d2V, eta))))
    assert 1.7 < far[0] / far[1] < 2.3
    assert near[0] / near[1] > 3.2
    assert near[1] < 0.1 * far[1]


# ------------------------------------------------------------------ the teacher–student network


def test_population_loss_and_gradient_against_autograd_and_monte_carlo():
    k = 6
    V = rt.teacher(k, k)
    W = rng.normal(rng.stream_key(torch.arange(3), 5), 0, k * k).reshape(3, k, k) / math.sqrt(k)
    Wr = W.clone().requires_grad_()
    (g,) = torch.autograd.grad(rt.loss(Wr, V).sum(), Wr)
    torch.testing.assert_close(rt.grad(W, V), g, rtol=0, atol=1e-14)
    X = torch.as_tensor(np.random.default_rng(1).standard_normal((3, 200000, k)))
    r = (X @ W.transpose(1, 2)).clamp_min(0).sum(-1) - (X @ V.T).clamp_min(0).sum(-1)
    mc, se = 0.5 * (r * r).mean(1), 0.5 * (r * r).std(1) / math.sqrt(X.shape[1])
    assert torch.all((rt.loss(W, V) - mc).abs() <= 4 * se)
    gb = rt.minibatch_grad(W, V, X)  # the minibatch gradient is unbiased
    assert (gb - rt.grad(W, V)).abs().max() < 0.05


def test_global_minimum_has_zero_loss_and_a_finite_positive_hessian():
    k = 5
    V = rt.teacher(k, k)
    P = torch.eye(k, dtype=DT)[torch.tensor([2, 0, 4, 1, 3])][None]  # a permutation of the teacher
    assert float(rt.loss(P, V)) <= float(rt.loss_rounding_bound(P, V))
    assert float(rt.grad(P, V).abs().max()) <= 1e-15
    H = rt.hessian(P, V)
    assert torch.isfinite(H).all()
    assert float(torch.linalg.eigvalsh(H)[0, 0]) > 0


def test_classify_end_points():
    out = classify([1e-16, 0.02, 0.02, 0.02, np.nan], [1e-13] * 5, [np.nan, 1e-15, 1e-6, 1e-15, np.nan],
                   [1e-13] * 5, [np.nan, 0.01, 0.01, -1e-3, np.nan], [1e-13] * 5)  # fmt: skip
    assert list(out) == ["global", "spurious", "uncertified", "uncertified", "diverged"]


# ------------------------------------------------------------------ training


def settings() -> dict:
    return schema.settings_of("escape", quick_config()["experiments"]["escape"]["settings"])


def test_gd_steps_by_hand():
    s = copy.deepcopy(settings())
    s["double_well"].update(gd_steps=2, gd_inits=3, log_points=2)
    traj, const = escape_train.train_batch(s, [Cell("double_well", "potential", "gd", 0.05, 0.0, 0)], CPU, DT)
    x = escape_train.gd_inits(WELL, 3)
    for _ in range(2):
        x = x - 0.05 * WELL.dV(x)
    np.testing.assert_allclose(traj.x[:, 0].numpy(), x, rtol=1e-15)
    np.testing.assert_array_equal(const["eta_abs"], 0.05)


def test_noisy_gd_steps_by_hand_and_alone_or_batched():
    s = copy.deepcopy(settings())
    s["double_well"].update(runs=3, steps=4, log_points=2)
    cells = [Cell("double_well", "potential", "noisy_gd", 0.05, sig, 0) for sig in (2.6, 3.2)]
    traj, _ = escape_train.train_batch(s, cells, CPU, DT)
    seeds = torch.arange(3)  # replicate j of seed 0
    x = torch.full((3,), WELL.a, dtype=DT)
    for k in range(1, 5):
        xi = rng.normal(rng.stream_key(seeds, escape_train.NOISE_TAG), k, 1)[:, 0]
        x = x - 0.05 * WELL.dV(x) + 0.05 * 3.2 * xi
    torch.testing.assert_close(traj.x[3:, 0], x, rtol=1e-13, atol=1e-15)
    alone, _ = escape_train.train_batch(s, cells[1:], CPU, DT)
    torch.testing.assert_close(alone.x, traj.x[3:], rtol=0, atol=0)


def test_sgd_on_the_double_well_is_label_noise_on_the_tilt():
    s = copy.deepcopy(settings())
    s["double_well"].update(runs=2, steps=3, log_points=2)
    traj, _ = escape_train.train_batch(s, [Cell("double_well", "potential", "sgd", 0.05, 3.0, 4)], CPU, DT)
    seeds = torch.tensor([4 * 2**20, 4 * 2**20 + 1])
    x = torch.full((2,), WELL.a, dtype=DT)
    for k in range(1, 4):
        eps = 3.0 * rng.rademacher(rng.stream_key(seeds, LABEL_TAG), k, 1)[:, 0]
        x = x - 0.05 * (WELL.dV(x) + eps)
    torch.testing.assert_close(traj.x[:, 0], x, rtol=1e-13, atol=1e-15)


def test_escape_step_is_the_first_arrival_at_b():
    s = copy.deepcopy(settings())
    s["double_well"].update(runs=200, steps=400, log_points=2)
    cell = Cell("double_well", "potential", "noisy_gd", 0.05, 4.2, 0)
    _, const = escape_train.train_batch(s, [cell], CPU, DT)
    for stop in (50, 200):
        s["double_well"]["steps"] = stop
        traj, short = escape_train.train_batch(s, [cell], CPU, DT)
        seen = (const["escape_step"] >= 0) & (const["escape_step"] <= stop)
        np.testing.assert_array_equal(np.where(seen, const["escape_step"], -1), short["escape_step"])
        escaped_now = traj.x[:, 0].numpy() <= WELL.b
        assert np.all(seen[escaped_now])  # a run at or below b has arrived


def test_teacher_student_uses_the_same_initialisations_for_every_optimizer():
    s = copy.deepcopy(settings())
    s["teacher_student"].update(runs=2, steps=1, polish_steps=0, newton_steps=0, log_points=2)
    a, _ = escape_train.train_batch(s, [Cell("teacher_student", "squares", "gd", 0.25, 0.0, 3)], CPU, DT)
    b, _ = escape_train.train_batch(s, [Cell("teacher_student", "squares", "noisy_gd", 0.25, 0.0, 3)], CPU, DT)
    torch.testing.assert_close(a.x, b.x, rtol=0, atol=0)  # sigma = 0: Langevin is GD


def test_a_model_with_the_other_model_s_loss_or_optimizer_fails_at_planning():
    for entry in ({"loss": "squares"}, {"optimizer": "label_noise_sgd"}):
        config = quick_config()
        config["experiments"]["escape"]["include"].append({"model": "double_well", **entry, "eta": 0.05})
        with pytest.raises(ibconfig.ConfigError) as err:
            ibconfig.plan(config, REPO / "workflow" / "schemas" / "config.schema.yaml")
        message = ibconfig.explain(err.value)
        assert "experiments.escape" in message and "allowed combinations for escape" in message


# ------------------------------------------------------------------ claims on the quick config


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The quick config's escape block trained by the pipeline's own job functions."""
    config = quick_config()
    plan = ibconfig.plan(config, REPO / "workflow" / "schemas" / "config.schema.yaml")["escape"]
    where = tmp_path_factory.mktemp("escape")
    tables = []
    for batch, cells in plan.items():
        spec = ibconfig.batch_spec(config, "escape", cells)
        jobs.train(spec, str(where / f"{batch}.parquet"), str(where / f"{batch}.json"))
        tables.append(str(where / f"{batch}.parquet"))
    jobs.aggregate(tables, str(where / "table.parquet"))
    return World(pd.read_parquet(where / "table.parquet"), config["experiments"]["escape"]["settings"])


def claims_of(world: World) -> dict:
    return {c.claim: c for c in experiments.part("escape", "claims").claims(world.table, world.settings)}


def test_every_check_passes_on_the_quick_config_and_states_its_basis(world):
    rows = claims_of(world.copy())
    checks = [c for c in rows.values() if c.is_check]
    assert len(checks) >= 10
    assert [c.claim for c in checks if not c.passed] == []
    assert all(c.basis.split(":")[0] in ("rounding", "statistics", "theorem", "citation") for c in checks)
    assert all(c.passed is None for c in rows.values() if not c.is_check)


@pytest.mark.parametrize("pattern, mutate", MUTATIONS, ids=[m.__name__ for _, m in MUTATIONS])
def test_each_wrong_world_fails_its_checks(world, pattern, mutate):
    truth = claims_of(world.copy())
    targeted = [k for k, c in truth.items() if c.is_check and re.search(pattern, k)]
    assert targeted
    wrong = claims_of(mutate(world.copy()))
    assert set(wrong) == set(truth)
    assert [k for k in targeted if wrong[k].passed] == []


def test_every_check_has_a_wrong_world(world):
    checks = [k for k, c in claims_of(world.copy()).items() if c.is_check]
    assert [k for k in checks if not any(re.search(p, k) for p, _ in MUTATIONS)] == []


@pytest.mark.parametrize("batch", ["double_well", "teacher_student"])
def test_a_missing_batch_fails_its_checks(world, batch):
    truth = claims_of(world.copy())
    partial = world.copy()
    partial.table = partial.table[partial.table.model != batch]
    wrong = claims_of(partial)
    assert set(wrong) == set(truth)
    fed = [k for k, c in wrong.items() if c.is_check and k.startswith(("(a)", "(b)", "(c)") if batch == "double_well"
                                                                      else ("(d)", "(e)"))]  # fmt: skip
    assert fed and [k for k in fed if wrong[k].passed] == []


def test_a_diverged_run_fails_the_checks_it_feeds(world):
    """A run recorded as diverged has no passage time and no end point: its cell's checks fail, not skip it."""
    wrong = world.copy()
    t = wrong.table
    well = t.model == "double_well"
    noisy = well & (t.optimizer == "noisy_gd") & (t.replicate == 0)
    noisy &= t.sigma == t[well & (t.optimizer == "noisy_gd")].sigma.min()
    gd = well & (t.optimizer == "gd") & (t.theta0 == t.theta0.max()) & (t.eta == t[well].eta.min())
    t.loc[noisy | gd, "status"] = "diverged"
    t.loc[gd & (t.step == t.loc[gd, "step"].max()), "distance_to_a"] = np.nan
    rows = claims_of(wrong)
    for pattern in ("GD stays", "exact first-passage time", "Kramers-Eyring prefactor", "Arrhenius slope of log"):
        (name,) = [k for k in rows if pattern in k and rows[k].is_check]
        assert rows[name].passed is False, name


def test_the_figure_draws_the_quick_run_and_a_partial_one(world):
    figure = experiments.part("escape", "figure")
    fig = figure.figure(world.table, world.settings)
    assert len(fig.axes) >= 6
    partial = figure.figure(world.table[world.table.model == "teacher_student"], world.settings)
    assert len(partial.axes) >= 6


def test_escape_claims_are_torch_free():
    assert "torch" not in escape_claims.__dict__
