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

from ...pipeline.claims import Claim, at_step, final_rows, worst
from .problem import data

E = "max_margin"


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


def residual(rows, reference) -> np.ndarray:
    """‖θ_t − ŵ log(ηt) − w̃₀‖ per row (NaN without a reference)."""
    if reference is None or not len(rows):
        return np.full(len(rows), np.nan)
    ref = [reference[m][str(s)] for m, s in zip(rows.model, rows.seed)]
    w_hat = np.array([r["w"] for r in ref])
    w_tilde = np.array([r["w_tilde"] for r in ref], dtype=float)
    log_eta_t = np.log(rows.eta_abs.to_numpy(dtype=float) * rows.step.to_numpy(dtype=float))
    return np.linalg.norm(theta_of(rows) - w_hat * log_eta_t[:, None] - w_tilde, axis=1)


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
    return out + logistic_erratum(pick(last, "symmetric", "gd", "logistic"), settings)


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
