"""Claims of the experiment max_margin: the lecture's statements checked as numbers (no torch).

Every bound is a theorem's value or rate at the run's actual step count:

* **Soudry et al. (2018)**, GD at a fixed step η on separable data (symmetric
  set, exponential and logistic loss): θ_t = ŵ log t + w̃ + r_t with w̃ in
  closed form from the SVM dual, η exp(−zₙᵀw̃) = αₙ on the support vectors
  (so w̃ = w̃₀ + ŵ log η, ``reference.py``).  Linearised in s = log t the
  residual obeys dr/ds = −A r + O(e^{−μs}) + O(e^{−s}), A = Σₙ αₙzₙzₙᵀ, μ the
  smallest excess margin of the other points: ‖r_t‖ = O(t^{−κ} log t) with
  κ = min(λ_min(A), μ) (the log for coinciding rates).  Since Aŵ = ŵ, the
  loss t·L(θ_t)·η/Σα − 1 = −ŵᵀr_t/Σα + O(‖r_t‖²) + O(t^{−μ}) + O(1/t) decays
  with κ_L = min(1, μ, 2κ).  Both are checked decade over decade: the value
  at T divided by the value at T/10 is at most (1/10)^κ · log(ηT)/log(ηT/10),
  the rate's own decrease between the two steps actually logged.
* **Sign descent** θ_{t+1} = θ_t − η_t sign ∇L (steepest descent in ℓ∞) on the
  exponential loss.  With ψ = −log L: along any step Δ, ψ'' ≥ −maxᵢ(zᵢᵀΔ)²,
  and ∇ψ·Δ = η_t‖∇L‖₁/L ≥ η_t γ∞ (pair ∇L with w∞, ‖w∞‖∞ = 1); so each step
  gains ψ ≥ η_tγ∞ − η_t²B²/2, B = maxᵢ‖zᵢ‖₁.  From ψ(0) = −log n,
  ‖θ_T‖∞ ≤ Σηₜ and minᵢ⟨θ, zᵢ⟩ ≥ ψ(θ):

      γ∞ − minᵢ⟨θ_T, zᵢ⟩/‖θ_T‖∞ ≤ (log n + B²Σηₜ²/2) / Σηₜ

  at the actual T (valid once the right side is below γ∞), O(log T/√T) for
  ηₜ = η/√t.  No fitted number enters.
* **From any start, and with SGD** (symmetric set, logistic loss).  Soudry et
  al. (2018) hold from any θ₀ and Nacson, Srebro & Soudry (2019) for SGD with
  a fixed step (one sample per step, drawn with replacement): θ_t = ŵ log t + ρ_t
  with ρ_t bounded.  The part of θ_t orthogonal to ŵ is P⊥θ_t = P⊥(r_t + w̃₀)
  with r_t the residual above, so sin∠(θ_t, ŵ) ≤ (‖r_t‖ + ‖P⊥w̃₀‖)/‖θ_t‖
  (P⊥w̃₀ = 0 on the symmetric set): with ‖r_T‖ ≤ q‖r_{T₀}‖ at the rate
  q = ``decade_rate`` from the logged T₀ ≈ T/10 to T, the angle at T is bounded
  at the theorem's rate, O(1/log t) or faster.  SGD's mean step is GD's (each
  sample is drawn with probability 1/n and its gradient scaled by n), so for
  large t its increments, O(1/t) each, average to GD's over windows short
  against t, and GD's closed form w̃ and rate t^{−κ} hold up to the sampling
  fluctuation, O(t^{−1/2}) (a sum of t independent O(1/t) terms): SGD's
  bound takes the rate min(κ, ½) (κ ≤ λ_min(A) = ¼ on the symmetric set).  GD and SGD then differ by at most the sum
  of their two bounds (the triangle inequality for angles).  Between two
  starts θ₀, θ'₀ the logistic loss gives more: it is convex with sharpness
  ≤ β = σ_max(X)²/4 everywhere, so for η ≤ 2/β the GD map is non-expansive
  (co-coercivity of ∇L) and ‖θ_t − θ'_t‖ ≤ ‖θ₀ − θ'₀‖ at every t; since
  sin∠(u, v) ≤ ‖u − v‖/max(‖u‖, ‖v‖), ∠(θ_t, θ'_t) ≤ arcsin(‖θ₀ − θ'₀‖/max(‖θ_t‖,
  ‖θ'_t‖)) = O(1/log t): the start changes the constant, not the rate, and a
  start s adds at most that much to the bound of the run from 0.  Each bound
  needs its step condition (η ≤ 2/β for GD; n·η·¼·maxᵢ‖zᵢ‖² ≤ 2 for a
  single-sample step, Nacson et al.'s); a run outside it is NaN and fails.
* **Adam** with η/√t tends to the ℓ∞ max margin (Zhang, Zou & Cao 2024, with ε
  negligible against the gradient, as it is here), GD to ŵ, whose ℓ∞ margin
  γ∞(ŵ) is below γ∞: Adam's ℓ∞-normalised margin must end above γ∞(ŵ), which
  its first step (the sign of ∇L(0)) does not reach.

The claim names come from the settings only, so that a missing batch leaves
its claims in place, failing with NaN; how many runs back a row is written in
its basis.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...pipeline.claims import Claim, at_step, final_rows, last_rows, worst
from .problem import data

E = "max_margin"
RATE = "(t0/t)^kappa log(eta t)/log(eta t0)"  # decade_rate: how much C t^-kappa log(eta t) shrinks from t0 to t


def log_rate(steps: np.ndarray, gap: np.ndarray, after: int) -> float:
    """k in gap ≈ c·(log t)^(−k), fitted by least squares over the logged steps ≥ ``after``."""
    keep = (steps >= after) & (gap > 0)
    if keep.sum() < 3:
        return float("nan")
    return float(-np.polyfit(np.log(np.log(steps[keep])), np.log(gap[keep]), 1)[0])


def decade_rate(T, T0, kappa, eta):
    """(T0/T)^κ · log(ηT)/log(ηT0): how much C t^{−κ} log(ηt) shrinks from T0 to T (NaN unless ηT0 > 1)."""
    T, T0, kappa, eta = (np.asarray(v, dtype=float) for v in (T, T0, kappa, eta))
    l_T, l_0 = np.log(eta * T), np.log(eta * T0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(l_0 > 0, (T0 / T) ** kappa * l_T / np.where(l_0 > 0, l_0, 1.0), np.nan)


def soudry_rates(cells):
    """(κ, κ_L) of each row: the residual's rate min(λ, μ) and the loss's min(1, μ, 2κ)."""
    kappa = np.minimum(cells.lambda_min, cells.mu_min)
    return kappa, np.minimum(np.minimum(1.0, cells.mu_min), 2 * kappa)


def theta_of(rows) -> np.ndarray:
    """θ (``[rows, 2]``) of a planar set from the logged norm and angle."""
    a = np.radians(rows.angle.to_numpy(dtype=float))
    return rows.norm.to_numpy(dtype=float)[:, None] * np.c_[np.cos(a), np.sin(a)]


def svm_and_correction(rows, reference) -> tuple[np.ndarray, np.ndarray] | None:
    """(ŵ, w̃₀) of each row's data set and seed, ``[rows, d]`` each; None without a reference or rows."""
    if reference is None or not len(rows):
        return None
    ref = [reference[m][str(s)] for m, s in zip(rows.model, rows.seed)]
    return np.array([r["w"] for r in ref]), np.array([r["w_tilde"] for r in ref], dtype=float)


def residual(rows, reference) -> np.ndarray:
    """‖θ_t − ŵ log(ηt) − w̃₀‖ per row (NaN without a reference)."""
    vectors = svm_and_correction(rows, reference)
    if vectors is None:
        return np.full(len(rows), np.nan)
    w_hat, w_tilde = vectors
    log_eta_t = np.log(rows.eta_abs.to_numpy(dtype=float) * rows.step.to_numpy(dtype=float))
    return np.linalg.norm(theta_of(rows) - w_hat * log_eta_t[:, None] - w_tilde, axis=1)


def angle_to_svm(rows) -> np.ndarray:
    """∠(θ, ŵ) in radians from the logged 1 − cos (``gap_l2``): 2 arcsin √(gap/2), exact near 0."""
    return 2 * np.arcsin(np.sqrt(rows.gap_l2.to_numpy(dtype=float) / 2))


def arcsin_bound(ratio) -> np.ndarray:
    """arcsin of a bound on sin∠, or π where the bound exceeds 1 (it then says nothing)."""
    ratio = np.asarray(ratio, dtype=float)
    return np.where(ratio < 1, np.arcsin(np.clip(ratio, 0, 1)), np.pi)


def start_bound(ratio) -> np.ndarray:
    """arcsin of the start's term s/‖θ_t‖, or NaN where it is ≥ 1: a start still larger than the
    iterate has not been forgotten yet, and a bound of π could not fail, so that run fails the check."""
    ratio = np.asarray(ratio, dtype=float)
    return np.where(ratio < 1, np.arcsin(np.clip(ratio, 0, 1)), np.nan)


def closed_form_bounds(table, T: int, reference, kappa_max: float = np.inf):
    """Each run's last row (runs: cell × init_scale) with ``to_svm`` = ∠(θ_T, ŵ) and ``bound`` =
    arcsin((q·‖r_{T₀}‖ + ‖P⊥w̃₀‖)/‖θ_T‖): r_t = θ_t − ŵ log(ηt) − w̃₀ is Soudry's residual, T₀ the logged
    step nearest T/10 and q = :func:`decade_rate` from T₀ to T, so that q‖r_{T₀}‖ bounds ‖r_T‖ at the
    theorem's rate, and P⊥θ_T = P⊥(r_T + w̃₀) (P⊥ŵ = 0) bounds the sine of the angle.  ``kappa_max`` caps
    the rate κ (½ for SGD, whose sampling fluctuation decays like t^{−1/2})."""
    rows = table.assign(dist=(np.log(table.step.clip(lower=1)) - np.log(max(T // 10, 1))).abs())
    early = rows.sort_values("dist").groupby(["cell", "init_scale"], sort=True).head(1)
    end = last_rows(table, ("cell", "init_scale"))
    early = early.set_index(["cell", "init_scale"]).reindex(pd.MultiIndex.from_frame(end[["cell", "init_scale"]]))
    kappa = np.minimum(soudry_rates(end)[0], kappa_max)
    q = decade_rate(end.step, early.step, kappa, end.eta_abs)
    r_early = residual(early.reset_index(), reference)
    sin = (q * r_early + perp_of_correction(end, reference)) / end.norm.to_numpy(dtype=float)
    return end.assign(to_svm=angle_to_svm(end), bound=arcsin_bound(sin))


def perp_of_correction(rows, reference) -> np.ndarray:
    """‖P⊥w̃₀‖, the part of Soudry's w̃₀ orthogonal to ŵ, per row (0 on the symmetric set; NaN without a reference)."""
    vectors = svm_and_correction(rows, reference)
    if vectors is None:
        return np.full(len(rows), np.nan)
    w, w_tilde = vectors
    u = w / np.linalg.norm(w, axis=1, keepdims=True)
    return np.linalg.norm(w_tilde - (w_tilde * u).sum(axis=1, keepdims=True) * u, axis=1)


def start_pairs(end) -> tuple[np.ndarray, np.ndarray]:
    """For every cell and pair of its starts s < s': ∠(θ_T, θ'_T) and arcsin(|s' − s|/max(‖θ_T‖, ‖θ'_T‖))
    (the starts of one cell share z, so ‖θ₀ − θ'₀‖ = |s' − s|)."""
    angles, bounds = [], []
    for _, runs in end.groupby("cell"):
        theta, s = theta_of(runs), runs.init_scale.to_numpy(dtype=float)
        for i, j in zip(*np.triu_indices(len(runs), k=1)):
            cos = theta[i] @ theta[j] / (np.linalg.norm(theta[i]) * np.linalg.norm(theta[j]))
            angles.append(np.arccos(np.clip(cos, -1, 1)))
            bounds.append(start_bound(abs(s[j] - s[i]) / max(np.linalg.norm(theta[i]), np.linalg.norm(theta[j]))))
    return np.array(angles), np.array(bounds)


def span(values) -> str:
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    return f"{v.min():.3g}..{v.max():.3g}" if v.size else "none"


def claims(table, settings: dict, reference=None) -> list[Claim]:
    """Soudry's closed form on the symmetric set; sign-GD and Adam against GD on the orthants set."""
    sets = settings["sets"]
    last = final_rows(table)
    out = []

    def pick(frame, model, optimizer, loss=None):
        keep = (frame.model == model) & (frame.optimizer == optimizer)
        return frame[keep & (frame.loss == loss)] if loss else frame[keep]

    # ---------------------------------------------------------------- the symmetric set: Soudry's closed form
    T = sets["symmetric"]["steps"]
    rows = pick(table, "symmetric", "gd")
    end = pick(last, "symmetric", "gd")
    early = at_step(rows, T // 10).loc[end.index] if len(end) else end
    kappa, kappa_loss = soudry_rates(end)

    def loss_error(f):
        return (f.step * f.train_loss * f.eta_abs / f.sum_alpha - 1).abs()

    loss_q = (loss_error(end) / loss_error(early)) / decade_rate(end.step, early.step, kappa_loss, end.eta_abs)
    r_end, r_early = residual(end, reference), residual(early, reference)
    res_q = (r_end / r_early) / decade_rate(end.step, early.step, kappa, end.eta_abs)
    runs = f"{len(end)} runs (seeds x eta x loss)"
    rate = "(1/10)^kappa log(eta t)/log(eta t/10)"
    out += [
        Claim(E, f"symmetric set, GD (exponential and logistic loss): max over runs of |t L(theta_t) eta / sum alpha - 1| "
                 f"at t={T} over its value at t={T // 10}, in units of the rate {rate}",
              worst(loss_q), "<=", 1.0, "Soudry et al. 2018; alpha from the cvxpy SVM dual",
              f"theorem: Soudry et al. 2018: t L(theta_t) - sum alpha/eta = O(t^-kappa_L log t), kappa_L = "
              f"min(1, mu, 2 min(lambda_min(A), mu)) from the data ({span(kappa_loss)}); {runs}"),
        Claim(E, f"symmetric set, GD (exponential and logistic loss): max over runs of |theta_t - w_hat log(eta t) - w~_0| "
                 f"at t={T} over its value at t={T // 10}, in units of the rate {rate}",
              worst(res_q), "<=", 1.0, "Soudry et al. 2018; w_hat, alpha from the cvxpy SVM and its dual",
              f"theorem: Soudry et al. 2018: w~ solves eta exp(-z_n^T w~) = alpha_n on the support vectors (closed "
              f"form); the residual is O(t^-kappa log t), kappa = min(lambda_min(A), mu) from the data "
              f"({span(kappa)}); {runs}"),
        Claim(E, f"symmetric set, GD: max over runs of |theta_t - w_hat log(eta t) - w~_0| / (|w_hat| log(eta t)) at t={T}",
              worst(r_end / (end.svm_norm * np.log(end.eta_abs * end.step))), "info", float("nan"),
              "Soudry et al. 2018", f"reported; {runs}"),
        Claim(E, f"symmetric set, GD: max over runs of the margin gap 1/|w_hat| - min_i <theta,z_i>/|theta| at t={T}",
              worst(end.svm_margin - end.margin), "info", float("nan"), "cvxpy hard-margin SVM", f"reported; {runs}"),
    ]  # fmt: skip

    # ---------------------------------------------------------------- the orthants set: other geometries
    T = sets["orthants"]["steps"]
    sign, adam, gd = (pick(last, "orthants", o, "exponential") for o in ("sign_gd", "adam_decay", "gd"))
    gap = sign.gamma_inf - sign.margin_linf
    bound = (np.log(sign.n_points) + sign.l1_radius**2 * sign.eta_sq_sum / 2) / sign.eta_sum
    out += [
        Claim(E, f"orthants set, sign-GD: max over runs of (gamma_inf - min_i <theta,z_i>/|theta|_inf) at t={T}, "
                 "in units of (log n + B^2 sum eta_t^2 / 2) / sum eta_t, B = max_i |z_i|_1",
              worst(gap / bound), "<=", 1.0, "scipy linprog (HiGHS) l-inf max margin",
              f"theorem: sign descent gains -log L >= eta_t gamma_inf - eta_t^2 B^2/2 per step from -log n "
              f"(derived in claims.py); bound/gamma_inf = {span(bound / sign.gamma_inf)}; {len(sign)} runs"),
        Claim(E, f"orthants set, Adam with eta/sqrt(t): min over runs of min_i <theta,z_i>/|theta|_inf / gamma_inf at t={T}",
              worst(adam.margin_linf / adam.gamma_inf, "min"), ">=", worst(adam.linf_margin_of_w),
              "scipy linprog (HiGHS) l-inf max margin; cvxpy SVM",
              "theorem: Zhang, Zou & Cao 2024 (Adam with a decaying step tends to the l-inf max margin, eps "
              "negligible); bound: the l-inf margin of GD's limit w_hat as a fraction of gamma_inf (Soudry et al. "
              f"2018), from the references; {len(adam)} runs"),
        Claim(E, f"orthants set, GD: min over runs of min_i <theta,z_i>/|theta|_inf / gamma_inf at t={T}",
              worst(gd.margin_linf / gd.gamma_inf, "min"), "info", float("nan"), "scipy linprog (HiGHS)",
              f"reported (GD's limit w_hat has {span(gd.linf_margin_of_w)}); {len(gd)} runs"),
        Claim(E, f"orthants set, GD: max over runs of 1 - cos(theta, w_hat) at t={T}",
              worst(gd.gap_l2), "info", float("nan"), "cvxpy hard-margin SVM", f"reported; {len(gd)} runs"),
    ]  # fmt: skip

    # ---------------------------------------------------------------- the generic set: the slow rate, reported
    rates = [log_rate(r.step.to_numpy(), r.gap_l2.to_numpy(), after=1000)
             for _, r in pick(table, "generic", "gd", "exponential").sort_values("step").groupby("cell")]  # fmt: skip
    out.append(
        Claim(E, f"generic set, exp loss, GD: median fitted k in 1 - cos(theta_t, w_hat) ~ c (log t)^-k, "
                 f"1000 <= t <= {sets['generic']['steps']}",
              worst(rates, "median"), "info", float("nan"), "Soudry et al. 2018: k -> 2 (angle ~ 1/log t)",
              f"reported; {len(rates)} runs")
    )  # fmt: skip
    return (
        out
        + any_start_and_sgd(table, settings, reference)
        + logistic_erratum(pick(last, "symmetric", "gd", "logistic"), settings)
    )


def any_start_and_sgd(table, settings: dict, reference=None) -> list[Claim]:
    """Soudry's theorem from random starts, and SGD against GD (symmetric set, logistic loss)."""
    sets, out = settings["sets"], []
    logistic = table[table.loss == "logistic"]

    # ---------------------------------------------------------------- random starts θ₀ = s z/‖z‖
    T = sets["symmetric_init"]["steps"]
    runs = logistic[(logistic.model == "symmetric_init") & (logistic.optimizer == "gd")]
    end = closed_form_bounds(runs, T, reference)
    stable = (end.eta_abs * end.beta <= 2).to_numpy()  # β = σ_max²/4 bounds the sharpness everywhere
    zero = end[end.init_scale == 0].set_index("cell").reindex(end.cell)  # each run's θ₀ = 0 companion
    norm = np.maximum(end.norm.to_numpy(float), zero.norm.to_numpy(float))
    bound = zero.bound.to_numpy(float) + start_bound(end.init_scale.to_numpy(float) / norm)
    ratio = np.where(stable, end.to_svm / bound, np.nan)
    pair_angle, pair_bound = start_pairs(end)
    pair_ratio = pair_angle / pair_bound if stable.all() else np.full(len(pair_angle), np.nan)
    scales = ", ".join(f"{s:g}" for s in sorted(set(end.init_scale))) or "none"
    n = f"{len(end)} runs (seeds x eta x starts s = {scales})"
    out += [
        Claim(E, f"random starts (symmetric set, logistic GD, theta_0 = s z/|z|): max over runs of angle(theta_t, w_hat) at "
                 f"t={T} in units of arcsin(q |r0_t0|/|theta0_t|) + arcsin(s/max(|theta_t|, |theta0_t|)), theta0 the run "
                 f"from 0, r0 its residual theta0 - w_hat log(eta t) - w~_0 at t0 ~ {T // 10}, q the rate {RATE}",
              worst(ratio), "<=", 1.0, "cvxpy hard-margin SVM",
              "theorem: Soudry et al. 2018, from any initial condition; from 0: |r0_t| = O(t^-kappa log t), kappa = "
              "min(lambda_min(A), mu), and sin angle(theta0_t, w_hat) <= (|r0_t| + |P_perp w~_0|)/|theta0_t| (P_perp w~_0 "
              "= 0 here), so the angle is bounded at the rate from t0 to t; the logistic loss is convex "
              "and (sigma_max^2/4)-smooth everywhere, so GD at eta <= 2/beta is non-expansive, |theta_t - theta0_t| <= s, "
              f"and the start adds at most arcsin(s/|theta_t|) = O(s/log t); needs eta beta <= 2 and s < |theta_t| "
              f"(else no bound: NaN, fails); {n}"),
        Claim(E, f"random starts (symmetric set, logistic GD): max over pairs of starts s < s' of angle(theta_t, theta'_t) at "
                 f"t={T} in units of arcsin(|s' - s| / max(|theta_t|, |theta'_t|))",
              worst(pair_ratio), "<=", 1.0, "GD from theta_0 = 0 and the other starts of the same seed",
              "theorem: the logistic loss is convex and (sigma_max^2/4)-smooth, so GD at eta <= 2/beta is non-expansive: "
              "|theta_t - theta'_t| <= |theta_0 - theta'_0| = |s' - s|; the directions differ by O(1/log t), the start "
              f"only in the constant; {len(pair_angle)} pairs of {n}"),
        Claim(E, f"random starts (symmetric set, logistic GD): max over runs of angle(theta_t, w_hat) in degrees at t={T}",
              worst(np.degrees(end.to_svm)), "info", float("nan"), "cvxpy hard-margin SVM", f"reported; {n}"),
    ]  # fmt: skip

    # ---------------------------------------------------------------- SGD (one sample per step) against GD
    T = sets["symmetric"]["steps"]
    sym = logistic[logistic.model == "symmetric"]
    sgd = closed_form_bounds(sym[sym.optimizer == "sgd"], T, reference, kappa_max=0.5).set_index(["eta", "seed"])
    gd = closed_form_bounds(sym[sym.optimizer == "gd"], T, reference).set_index(["eta", "seed"])
    gd = gd.reindex(sgd.index)  # GD at the same step on the same data: NaN where it is missing
    ok = (sgd.n_points * sgd.eta_abs * 0.25 * sgd.max_sq_norm <= 2).to_numpy()  # ℓ'' ≤ ¼: single steps stable
    a_sgd, a_gd = theta_of(sgd), theta_of(gd)
    cos = (a_sgd * a_gd).sum(axis=1) / (np.linalg.norm(a_sgd, axis=1) * np.linalg.norm(a_gd, axis=1))
    between = np.arccos(np.clip(cos, -1, 1))
    n = f"{len(sgd)} SGD runs (seeds x eta), each with GD at its eta"
    rate = f"arcsin(q |r_t0|/|theta_t|), r = theta - w_hat log(eta t) - w~_0 at t0 ~ {T // 10}, q the rate {RATE}"
    out += [
        Claim(E, f"symmetric set, logistic SGD (batch 1, fixed eta): max over runs of angle(theta_t, w_hat) at t={T} in units "
                 f"of {rate}",
              worst(np.where(ok, sgd.to_svm / sgd.bound, np.nan)), "<=", 1.0, "cvxpy hard-margin SVM",
              "theorem: Nacson, Srebro & Soudry 2019 (AISTATS): SGD at a fixed step on separable data, "
              "theta_t = w_hat log t + rho_t with rho_t bounded, the direction converges to w_hat as O(1/log t); its "
              "mean step is GD's, so GD's closed form w~ and rate t^-kappa log t apply up to sampling fluctuations "
              "O(t^-1/2), so at the rate min(kappa, 1/2) (derived in claims.py); needs n eta l''max "
              f"max|z_i|^2 <= 2 (l''max = 1/4); {n}"),
        Claim(E, f"symmetric set, logistic GD at SGD's eta: max over runs of angle(theta_t, w_hat) at t={T} in units of {rate}",
              worst(np.where((gd.eta_abs * gd.beta <= 2).to_numpy(), gd.to_svm / gd.bound, np.nan)), "<=", 1.0,
              "cvxpy hard-margin SVM",
              "theorem: Soudry et al. 2018: |theta_t - w_hat log(eta t) - w~_0| = O(t^-kappa log t), kappa = "
              f"min(lambda_min(A), mu), at the rate from t0 to t; needs eta beta <= 2; {n}"),
        Claim(E, f"symmetric set, logistic SGD against GD at the same eta: max over runs of angle(theta_t^SGD, theta_t^GD) at "
                 f"t={T} in units of the sum of the two bounds {rate}",
              worst(between / (sgd.bound.to_numpy() + gd.bound.to_numpy())), "<=", 1.0,
              "GD on the same data at the same eta",
              "theorem: angle(a, b) <= angle(a, w_hat) + angle(w_hat, b) with the bounds of Nacson et al. 2019 (SGD) and "
              f"Soudry et al. 2018 (GD): both implicit biases are the L2 max margin; {n}"),
        Claim(E, f"symmetric set, logistic SGD against GD: max over runs of angle(theta_t^SGD, theta_t^GD) in degrees at t={T}",
              worst(np.degrees(between)), "info", float("nan"), "GD on the same data at the same eta", f"reported; {n}"),
    ]  # fmt: skip
    return out


def logistic_erratum(rows, settings: dict) -> list[Claim]:
    """The lecture writes the logistic loss as log(1 + e^{-|u|}): an even function of the margin u,
    which takes the same value at θ and −θ and so cannot prefer the correct side.  The loss GD
    runs on, log(1 + e^{-u}), does: at GD's end point θ_K on the symmetric set every margin
    yᵢ⟨θ_K, xᵢ⟩ ≥ ‖θ_K‖/‖ŵ‖ > 0, so L(−θ_K) ≥ n log 2 > L(θ_K) and their ratio exceeds 1."""
    ratios, even = [], []
    for (_, seed), cell in zip(rows[["model", "seed"]].itertuples(index=False), range(len(rows))):
        X, y = data("symmetric", int(seed), settings)
        u = y * (X @ theta_of(rows.iloc[[cell]])[0])
        true = lambda m: float(np.logaddexp(0.0, -m).sum())  # noqa: E731  log(1 + e^{-u})
        lecture = lambda m: float(np.logaddexp(0.0, -np.abs(m)).sum())  # noqa: E731  log(1 + e^{-|u|})
        ratios.append(true(-u) / true(u))
        even.append(lecture(-u) / lecture(u))
    n = f"{len(ratios)} seeds"
    return [
        Claim(E, "erratum log(1 + e^{-|u|}): the logistic loss GD minimises, log(1 + e^{-u}), prefers theta_K to "
                 "-theta_K: min over seeds L(-theta_K) / L(theta_K) (symmetric set, GD)",
              worst(ratios, "min"), ">=", 1.0, "log(1 + e^{-u}) at GD's end point",
              f"theorem: at a separating theta every margin is positive, so L(-theta) >= n log 2 > L(theta); {n}"),
        Claim(E, "erratum log(1 + e^{-|u|}): the lecture's even loss takes the same value at -theta_K: "
                 "max over seeds of its L(-theta_K) / L(theta_K)",
              worst(even, "max"), "info", float("nan"), "log(1 + e^{-|u|}) is even in u", f"reported; {n}"),
    ]  # fmt: skip
