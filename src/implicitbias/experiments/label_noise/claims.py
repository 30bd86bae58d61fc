"""Claims of the experiment label_noise: the lecture's statements checked as numbers (no torch).

Every bound is derived and says so in its ``basis``:

* tests that an effect is there (label noise recovers more often, ends closer,
  flatter, moves s) are one-sided at level ``ALPHA_EFFECT`` over the seeds or
  replicates present: Fisher's exact test, a paired Student t, or a Bonferroni
  normal quantile; they fail when the runs present do not show the effect;
* checks that a measurement agrees with a prediction (the toy's drift, the
  Gaussian control, Hutchinson's estimate) allow ``bonferroni_z(ALPHA_AGREE, N)``
  standard errors of the runs present over the N comparisons made;
* the step's stability margin and the LP's accuracy are theorems with their
  values computed from the run (η·β along the path; √n·tol/σ_min(X_S)).

The claim names do not depend on the table (a missing batch gives failing rows
with NaN, never absent ones); how many seeds or replicates back a row is in its
basis.
"""

from __future__ import annotations

import math

import numpy as np

from ...numerics import stats
from ...numerics.toy_drift import regularizer_dlm, regularizer_lecture
from ...pipeline.claims import Claim, final_rows, worst

E = "label_noise"
ALPHA_EFFECT = 0.01  # one-sided level of the tests that an effect is there
ALPHA_AGREE = 0.001  # family-wise level of the checks that a measurement agrees with a prediction
NAN = float("nan")

# the quadratic model's five conditions: optimizer and whether the grid's σ is > 0
CONDITIONS = {
    "label-noise SGD": ("sgd", True),  # the lecture's algorithm: minibatch and label noise
    "label noise alone": ("gd", True),  # full batch, fresh ±σ labels at every step
    "minibatch noise alone": ("sgd", False),  # SGD on the clean labels
    "GD": ("gd", False),
    "Gaussian-noise GD": ("noisy_gd", True),
}
HAOCHEN = "HaoChen, Wei, Lee & Ma (2021)"
DLM = "Damian, Lee & Ma (2021): ds/dk = -(eta^2 sigma^2/2) tanh 2s / (1 - eta cosh 2s)"


def claims(table, settings: dict, reference=None) -> list[Claim]:
    """(a) sparse recovery, attribution and flatness on the quadratic model; (b) the drift on the toy."""
    quad = table[table.model == "quadratic"]
    toy = table[table.model == "product"]
    return quadratic_claims(quad, settings["quadratic"], reference) + product_claims(toy, settings["product"])


# ------------------------------------------------------------------ (a) the quadratic model


def condition(last, name: str):
    """The final rows of one condition (indexed by cell)."""
    optimizer, noisy = CONDITIONS[name]
    return last[(last.optimizer == optimizer) & ((last.sigma > 0) == noisy)]


def recovered(rows) -> np.ndarray:
    """Per run: v⊙v rounds to the support of w_ℓ1 (every coordinate on the right side of half the
    smallest nonzero entry of w_ℓ1); a diverged run (NaN) has not recovered."""
    return ((rows.support_off < 0.5) & (rows.support_on > 0.5)).to_numpy()


def paired(a, b, column: str, transform=np.log10):
    """(t, df, m) of transform(a) − transform(b) paired by seed (the seed draws X: same problem)."""
    x = a.set_index("seed")[column].map(transform)
    y = b.set_index("seed")[column].map(transform)
    x, y = x.align(y, join="inner")
    t, df = stats.paired_t(x.to_numpy(), y.to_numpy())
    return t, df, len(x)


def paired_claim(name: str, a, b, column: str, what: str, reference: str, transform=np.log10) -> Claim:
    t, df, m = paired(a, b, column, transform)
    bound = stats.student_quantile(1 - ALPHA_EFFECT, df)
    basis = (f"statistics: one-sided paired Student t over the {m} seeds present, "
             f"{1 - ALPHA_EFFECT:.0%} quantile with {df} degrees of freedom ({what})")  # fmt: skip
    return Claim(E, name, t, ">=", bound if m >= 2 else NAN, reference, basis)


def fisher_claim(name: str, better, worse, reference: str) -> Claim:
    k1, m1, k2, m2 = int(recovered(better).sum()), len(better), int(recovered(worse).sum()), len(worse)
    p = stats.fisher_greater(k1, m1, k2, m2)
    basis = (f"statistics: Fisher's exact test, one-sided, of {k1}/{m1} against {k2}/{m2} seeds that round "
             f"to the support of w_l1; level {ALPHA_EFFECT}")  # fmt: skip
    return Claim(E, name, p, "<=", ALPHA_EFFECT, reference, basis)


def quadratic_claims(table, s: dict, reference) -> list[Claim]:
    last = final_rows(table)
    rows = {name: condition(last, name) for name in CONDITIONS}
    ln, alone, mb, gd, gauss = (rows[n] for n in CONDITIONS)
    ref = (reference or {}).get("quadratic", {})
    lp = [ref.get(str(seed)) for seed in sorted(set(last.seed))]
    w_star = np.r_[np.ones(s["kappa"]), np.zeros(s["d"] - s["kappa"])]
    gap = worst([np.abs(np.asarray(r["w_l1"]) - w_star).max() if r else NAN for r in lp], "max")
    lp_bound = worst([r["rounding_bound"] if r else NAN for r in lp], "min")
    l1_min = {int(k): v["l1"] for k, v in ref.items()}
    sgd_path = table[table.optimizer == "sgd"]
    ratio = (sgd_path.eta_abs * sgd_path.sample_sharpness).to_numpy()
    probes = (last.trace_hutchinson_final - last.trace_exact_final).abs() / last.hutchinson_sd
    out = [
        Claim(E, "(a) basis pursuit recovers w*: max over seeds |w_l1 - w*|_inf (the min-l1 interpolant is w*)",
              gap, "<=", lp_bound, "scipy.optimize.linprog (HiGHS), min |w|_1 s.t. Xw = y, w >= 0",
              f"rounding: HiGHS's feasibility tolerance 1e-7 through X_S: min over the {len(lp)} seeds of "
              "sqrt(n) 1e-7 / sigma_min(X_S)"),
        Claim(E, "(a) the batch-1 step is stable along the path: max over SGD runs and logged steps of "
              "eta * max_i 2|x_i (.) v_k|^2", worst(ratio, "max") if ratio.size else NAN, "<=", 2.0,
              "eta in units of 1/beta, beta = 2 max_i |x_i (.) v_0|^2",
              f"theorem: one step on sample i maps its residual r to r(1 - 2 eta |x_i (.) v|^2) + O(eta^2 r^2), "
              f"which contracts iff eta * 2|x_i (.) v|^2 < 2 ({len(sgd_path.cell.unique())} SGD runs)"),
        fisher_claim("(a) label-noise SGD rounds to the support of the min-l1 interpolant more often than GD: "
                     "Fisher exact one-sided p", ln, gd, HAOCHEN),
        fisher_claim("(a) label-noise SGD rounds to it more often than Gaussian-noise GD (same eta, sigma): "
                     "Fisher exact one-sided p", ln, gauss, HAOCHEN),
        fisher_claim("(a) label noise alone (full-batch GD, fresh labels each step) rounds to it more often than "
                     "minibatch noise alone (SGD, sigma = 0): Fisher exact one-sided p", alone, mb,
                     "attribution: the two noises of label-noise SGD apart"),
        paired_claim("(a) label noise, not minibatch sampling, drives the recovery: paired t of "
                     "log10 |v(.)v - w_l1|^2 (minibatch noise alone / label noise alone)", mb, alone, "dist_l1",
                     "log10 of the squared distance to w_l1, paired by seed",
                     "attribution: the two noises of label-noise SGD apart"),
        paired_claim("(a) label-noise SGD ends flatter than GD: paired t of log10 tr H at the end "
                     "(GD / label-noise SGD, exact Hessian)", gd, ln, "trace_exact_final",
                     "log10 of the exact tr H, paired by seed", "torch.func.hessian"),
        Claim(E, "(a) Hutchinson's estimate of tr H at the end: max over runs |estimate - exact| / its s.d.",
              worst(probes), "<=", stats.bonferroni_z(ALPHA_AGREE, len(last)),
              "exact Hessian (torch.func.hessian); s.d. sqrt(2 sum_{i!=j} H_ij^2 / probes)",
              f"statistics: Bonferroni normal quantile, two-sided family-wise level {ALPHA_AGREE} over the "
              f"{len(last)} runs present"),
    ]  # fmt: skip
    for name in CONDITIONS:
        k, m = int(recovered(rows[name]).sum()), len(rows[name])
        lo, hi = stats.clopper_pearson(k, m, 0.05)
        out.append(Claim(E, f"(a) {name}: share of seeds that round to the support of w_l1", k / m if m else NAN,
                         "info", NAN, f"{k}/{m} seeds; Clopper-Pearson 95%: [{lo:.2f}, {hi:.2f}]"))  # fmt: skip
    for name in CONDITIONS:
        r = rows[name]
        out.append(Claim(E, f"(a) {name}: mean |v(.)v|_1 / |w_l1|_1 at the end (1: the min-l1 interpolant)",
                         worst(r.l1_norm / r.seed.map(l1_min), "mean"), "info", NAN, "basis pursuit (HiGHS)"))
    for name in ("label-noise SGD", "GD"):
        out += [
            Claim(E, f"(a) {name}: mean tr H at the end (exact)", worst(rows[name].trace_exact_final, "mean"),
                  "info", NAN, "torch.func.hessian"),
            Claim(E, f"(a) {name}: mean 2|v(.)v|_1 (tr H at zero loss for the mean 1/4-loss)",
                  2 * worst(rows[name].l1_norm, "mean"), "info", NAN, "closed form (2/n) sum_ij x_ij^2 v_j^2"),
        ]  # fmt: skip
    return out


# ------------------------------------------------------------------ (b) the toy


def next_order(s, eta, sigma, k):
    """What DLM's exact-log drift leaves out, in s after k steps (bounded in absolute value):

    * the next term of E log(1 − η²r²) = −η²E r² − ½η⁴E r⁴ − …, with E r⁴ ≈ σ⁴: ½η⁴σ⁴k in log sinh 2s;
    * the start-up transient: the runs start on uv = 1, where the residual's variance E ρ² is 0 and
      relaxes to its stationary ησ²·cosh 2s/(1 − η cosh 2s) within ~1/(4η cosh 2s) steps; the drift it
      misses sums to about η²σ²/4 in log sinh 2s.

    ds = ½ tanh 2s · d log sinh 2s turns both into s."""
    return 0.5 * np.tanh(2 * s) * (0.5 * eta**4 * sigma**4 * k + 0.25 * eta**2 * sigma**2)


def slope(fn, s, eta):
    """dR/ds by a central difference (h = 1e-6)."""
    return (fn(s + 1e-6, eta) - fn(s - 1e-6, eta)) / 2e-6


def product_claims(table, s: dict) -> list[Claim]:
    s0, K, checkpoints = s["s0"], int(s["steps"]), [int(k) for k in s["checkpoints"]]
    ln = table[(table.optimizer == "sgd") & (table.sigma > 0)]
    gauss = table[(table.optimizer == "noisy_gd") & (table.sigma > 0)]
    at = ln[ln.step.isin(checkpoints)]
    pairs = ln.cell.nunique()
    runs = int(table.runs.iloc[0]) if len(table) else 0
    n_cmp = pairs * len(checkpoints)
    z_agree = stats.bonferroni_z(ALPHA_AGREE, n_cmp)
    margin = next_order(at.s_exact_log, at.eta_abs, at.sigma, at.step)
    z_exact = (at.s - at.s_exact_log).abs().sub(margin).div(at.s_se)
    z_qt = (at.s - at.s_quarter_trace).abs().sub(margin).div(at.s_se)
    enough = len(at) == n_cmp and pairs >= 3
    ks = ", ".join(map(str, checkpoints))
    agree = (f"statistics: Bonferroni normal quantile, family-wise {ALPHA_AGREE} over {n_cmp} comparisons "
             f"({pairs} (eta, sigma) pairs x checkpoints, {runs} replicates each), after subtracting what the exact-log "
             "drift leaves out: 1/2 tanh 2s (eta^4 sigma^4 k/2 + eta^2 sigma^2/4), the next term of E log(1 - eta^2 r^2) "
             "and the start-up transient of the residual")  # fmt: skip
    out = [
        Claim(E, f"(b) toy, label noise: the drift collapses onto eta^2 sigma^2 k with DLM's factor "
              f"1/(1 - eta cosh 2s): max over >= 3 (eta, sigma) pairs and k = {ks} of "
              "(|mean s_k - exact-log s_k| - next order) / s.e.",
              worst(z_exact, "max") if enough else NAN, "<=", z_agree, DLM, agree),
        Claim(E, f"(b) toy, label noise: the 1/4 tr H drift (sinh 2s_k = sinh 2s_0 exp(-eta^2 sigma^2 k)) is "
              f"rejected where it differs: max over pairs and k = {ks} of (|mean s_k - its s_k| - next order) / s.e.",
              worst(z_qt, "max") if enough else NAN, ">=", z_agree, "small-eta limit of DLM", agree),
    ]  # fmt: skip

    # E sinh 2s: conserved by Gaussian noise (up to the -eta^3 sigma^2/2 per step of E r^2 = eta sigma^2/2),
    # moved by label noise
    g, l = gauss[gauss.step == K], ln[ln.step == K]
    sinh0 = math.sinh(2 * s0)
    z_g = (g.sinh2s - sinh0 * np.exp(-(g.eta_abs**3) * g.sigma**2 * K / 2)).abs() / g.sinh2s_se
    z_l = (l.sinh2s - sinh0) / l.sinh2s_se
    z_one = stats.bonferroni_z(ALPHA_EFFECT, len(l), two_sided=False)
    effect = (f"statistics: one-sided Bonferroni normal quantile, level {ALPHA_EFFECT} over the {len(l)} "
              f"label-noise pairs present ({runs} replicates each)")  # fmt: skip
    out += [
        Claim(E, f"(b) toy, Gaussian noise conserves E sinh 2s: max over cells |mean sinh 2s_K - sinh 2s_0 "
              f"exp(-eta^3 sigma^2 K/2)| / s.e., K = {K}", worst(z_g), "<=", stats.bonferroni_z(ALPHA_AGREE, len(g)),
              "E[u'^2 - v'^2 | theta] = (u^2 - v^2)(1 - eta^2 r^2), E r^2 = eta sigma^2/2 without label noise",
              f"statistics: Bonferroni normal quantile, family-wise {ALPHA_AGREE} over the {len(g)} Gaussian cells "
              f"({runs} replicates each)"),
        Claim(E, f"(b) toy, label noise moves E sinh 2s down: max over pairs (mean sinh 2s_K - sinh 2s_0) / s.e., "
              f"K = {K}", worst(z_l), "<=", -z_one, "sinh 2s_k = sinh 2s_0 exp(-eta^2 sigma^2 k) to first order",
              effect),
    ]  # fmt: skip

    # the two regularisers along the simulated path, in standard errors of s_K (delta method)
    z_dlm = [(regularizer_dlm(r.s, r.eta_abs) - regularizer_dlm(s0, r.eta_abs))
             / (abs(slope(regularizer_dlm, r.s, r.eta_abs)) * r.s_se) for r in l.itertuples()]  # fmt: skip
    z_lec = [(regularizer_lecture(r.s, r.eta_abs) - regularizer_lecture(s0, r.eta_abs))
             / (abs(slope(regularizer_lecture, r.s, r.eta_abs)) * r.s_se) for r in l.itertuples()]  # fmt: skip
    out += [
        Claim(E, "(b) DLM's R = -(1/2eta) tr log(I - eta H/2) falls along the label-noise path: max over pairs "
              "(R(mean s_K) - R(s_0)) / (|R'| s.e.)", worst(z_dlm), "<=", -z_one, "Damian, Lee & Ma (2021)", effect),
        Claim(E, "(b) the lecture's R = (1/2n) tr log(I - eta H/2) rises along it (wrong sign): min over pairs "
              "(R(mean s_K) - R(s_0)) / (|R'| s.e.)", worst(z_lec, "min"), ">=", z_one, "lecture, Part II", effect),
        Claim(E, f"(b) toy, Gaussian noise: (mean s_K - s_0) / s.e., K = {K} (Ito drift of the concave s)",
              worst((g.s - s0) / g.s_se, "mean"), "info", NAN, "-(eta^2 sigma^2/2) tanh 2s / cosh 2s per step"),
    ]  # fmt: skip
    return out
