"""Claims of the experiment double_descent: the lecture's statements checked as numbers (no torch).

Every bound has a basis.  Monte Carlo means over the seeds present are
compared with the exact finite-n formulas at a Student-t quantile of their
standard error, Bonferroni-corrected over the sweep points compared
(``ALPHA`` is the family-wise false-alarm rate), so the bound tightens as
seeds are added.  The claim names depend on the settings and on the planned
models (those present plus those the aggregation marks missing), never on
what happens to be in the table: a missing batch gives failing NaN rows.
"""

from __future__ import annotations

import numpy as np

from ...numerics import stats
from ...pipeline.claims import Claim

E = "double_descent"
ALPHA = 1e-3  # family-wise false-alarm rate of each statistics row
U = np.finfo(float).eps / 2  # unit roundoff of float64
HM = "Hastie-Montanari-Rosset-Tibshirani"
DIGITS = ("rff_digits", "relu_digits")


def by_point(rows, column: str):
    """Mean, standard error and count of ``column`` over seeds at each sweep point (indexed by p)."""
    g = rows.groupby("p")[column]
    out = g.agg(["mean", "std", "count"])
    out["se"] = out["std"] / np.sqrt(out["count"])
    return out.join(rows.groupby("p")[["gamma"]].first())


def t_bound(points: int, seeds: int, two_sided: bool = True) -> float:
    """Student-t quantile for ``points`` comparisons of means over ``seeds`` runs at level ALPHA (Bonferroni)."""
    if points < 1 or seeds < 2:
        return float("nan")
    return stats.student_quantile(1 - ALPHA / (points * (2 if two_sided else 1)), seeds - 1)


def planned_models(table) -> set[str]:
    """The models of the grid: those in the table and the batches the aggregation marked missing."""
    return set(table.model) | set(table.attrs.get("missing", []))


def claims(table, settings: dict, reference=None) -> list[Claim]:
    """Part (a) for the isotropic model and part (b) for each digits model of the grid, per label-noise level."""
    out: list[Claim] = []
    sigmas = sorted(set(table.sigma)) or [0.0]
    models = planned_models(table)
    for sigma in sigmas:
        rows = table[table.sigma == sigma]
        tag = f" [sigma={sigma:g}]" if len(sigmas) > 1 else ""
        if "isotropic" in models:
            out += isotropic_claims(rows[rows.model == "isotropic"], settings, tag)
        for model in DIGITS:
            if model in models:
                out += digits_claims(f"{model}{tag}", rows[(rows.model == model) & (rows.optimizer == "min_norm")], settings)
    return out


def _formula_check(rows, column_theory: str, what: str, tag: str) -> Claim:
    """max over |gamma - 1| >= 0.2 of |MC mean - formula| / SE against the Bonferroni t quantile."""
    if not len(rows):
        return Claim(E, f"{what} vs exact formula at |gamma-1|>=0.2{tag}: max |MC - formula| / SE",
                     float("nan"), "<=", float("nan"), HM, "statistics: no runs")  # fmt: skip
    s = by_point(rows, "risk").join(rows.groupby("p")[[column_theory]].first())
    s = s[np.abs(s.gamma - 1) >= 0.2]
    z = (np.abs(s["mean"] - s[column_theory]) / s["se"]).to_numpy()
    seeds = int(s["count"].min()) if len(s) else 0
    bound = t_bound(len(s), seeds)
    return Claim(E, f"{what} vs exact formula at |gamma-1|>=0.2{tag}: max |MC - formula| / SE",
                 float(np.max(z)) if z.size else float("nan"), "<=", bound, f"{HM}: exact Gaussian-design risk",
                 f"statistics: Student t quantile (df {seeds - 1}) at family-wise level {ALPHA:g}, Bonferroni over "
                 f"{len(s)} points, {seeds} seeds")  # fmt: skip


def _gd_bound(settings: dict) -> float:
    """K·u·κ² + κ²(1 − 1/κ²)^K at the gd gammas, κ² = ((1+√γ')/(1−√γ'))², γ' = min(γ, 1/γ) (Marchenko–Pastur)."""
    K = settings["gd_steps"]
    worst = 0.0
    for g in settings["gd_gammas"]:
        r = np.sqrt(min(g, 1 / g))
        kappa2 = ((1 + r) / (1 - r)) ** 2 if r < 1 else np.inf
        worst = max(worst, K * U * kappa2 + kappa2 * (1 - 1 / kappa2) ** K)
    return float(worst)


def isotropic_claims(iso, settings: dict, tag: str = "") -> list[Claim]:
    """Claims of part (a): formulas, peak location, ridge, GD = closed form."""
    mn, rg, gd = (iso[iso.optimizer == o] for o in ("min_norm", "ridge", "gd"))
    out = [_formula_check(mn, "theory_exact", "min-norm risk", tag)]

    # the exact risk diverges next to p = n: the peak is at a grid point adjacent to gamma = 1
    gammas = np.asarray(settings["gammas"], dtype=float)
    below, above = gammas[gammas < 1], gammas[gammas > 1]
    adjacent = max(1 - below.max() if below.size else 0.0, above.min() - 1 if above.size else 0.0)
    adjacent += 0.5 / settings["n"]  # p = round(gamma n): gamma = p/n is off by at most 1/(2n)
    peak = float(by_point(mn, "risk")["mean"].idxmax()) / settings["n"] if len(mn) else float("nan")
    out.append(Claim(E, f"min-norm risk peaks next to p = n{tag}: |gamma of the largest mean risk - 1|",
                     abs(peak - 1), "<=", adjacent, "interpolation threshold p = n",
                     "theorem: the exact finite-n risk diverges at p = n +- 1, so its maximum over the grid is "
                     "at a point adjacent to gamma = 1 (bound: their distance to 1)"))  # fmt: skip

    out.append(_formula_check(rg, "theory_ridge", "ridge risk at lambda*", tag))
    r2 = settings["signal_norm_squared"]
    if len(rg):
        s = by_point(rg, "risk")
        seeds = int(s["count"].min())
        lower = ((s["mean"] - t_bound(len(s), seeds, two_sided=False) * s["se"]) / r2).max()
    else:
        lower, seeds, s = float("nan"), 0, []
    out.append(Claim(E, f"optimal ridge has no peak{tag}: max over gamma of (mean risk - t SE) / r^2",
                     float(lower), "<=", 1.0, "R(lambda*) < r^2 = risk of beta_hat = 0 at every gamma",
                     f"theorem: R(lambda*) < r^2 at every gamma; statistics: one-sided t lower bound over "
                     f"{len(s)} points, {seeds} seeds"))  # fmt: skip

    key = ["seed", "p"]
    paired = (rg.groupby(key).risk.mean() - mn.groupby(key).risk.mean()).dropna()
    d = paired.groupby(level="p").agg(["mean", "std", "count"])
    if len(d):
        seeds = int(d["count"].min())
        excess = float((d["mean"] - t_bound(len(d), seeds, two_sided=False) * d["std"] / np.sqrt(d["count"])).max())
    else:
        excess, seeds = float("nan"), 0
    out.append(Claim(E, f"ridge at lambda* no worse than min-norm{tag}: max over gamma of [mean(R_ridge - R_min-norm) - t SE]",
                     excess, "<=", 0.0, "min-norm on the same data (paired over seeds)",
                     f"theorem: lambda* minimises the risk; statistics: one-sided t, Bonferroni over {len(d)} points, "
                     f"{seeds} seeds"))  # fmt: skip

    # a diverged run has NaN or inf here, and then the claim fails
    dist = float(gd.dist_min_norm.max(skipna=False)) if len(gd) and (gd.status == "ok").all() else float("nan")
    out.append(Claim(E, f"GD from 0 equals the closed-form min-norm solution{tag}: max |b_GD - X+y|/|X+y|",
                     dist, "<=", _gd_bound(settings), "torch.linalg.lstsq (gelsd)",
                     "rounding: K u k^2 + k^2 (1 - 1/k^2)^K, k^2 the Marchenko-Pastur condition number of X^T X "
                     f"at gamma in {settings['gd_gammas']}, K = {settings['gd_steps']} steps at eta = 1/beta"))  # fmt: skip
    return out


def digits_claims(model: str, rows, settings: dict) -> list[Claim]:
    """Part (b): the peak at N = n, the second descent, interpolation past N = n."""
    n = settings["n_train"]
    features = np.asarray(settings["features"], dtype=float)
    below, above = features[features < n], features[features > n]
    adjacent = max((n - below.max()) / n if below.size else 0.0, (above.min() - n) / n if above.size else 0.0)
    out = []
    for column, what in (("test_mse", "test MSE"), ("coef_norm", "coefficient norm")):
        peak = float(by_point(rows, column)["mean"].idxmax()) / n if len(rows) else float("nan")
        out.append(Claim(E, f"{model}: {what} peaks at N = n: |N/n of the largest mean - 1|", abs(peak - 1), "<=",
                         adjacent, "interpolation threshold N = n",
                         "theorem: the min-norm coefficient norm and test error blow up where the feature matrix "
                         "is square (N = n); bound: the grid's largest step next to N = n, relative to n"))  # fmt: skip
    err = by_point(rows, "test_error")["mean"] if len(rows) else None
    ratio = float(err[err.index >= 2 * n].min() / err[err.index <= 0.8 * n].min()) if err is not None else float("nan")
    over = rows[rows.p >= n]
    out += [
        Claim(E, f"{model}: second descent beats the first: min test error (N>=2n) / min test error (N<=0.8n)",
              ratio, "<=", 1.0, "first descent, N <= 0.8 n",
              "citation: Belkin et al. 2019 (PNAS 116:15849), random features on MNIST: the test error past "
              "the interpolation threshold falls below the best under-parametrised one"),
        Claim(E, f"{model}: training 0/1 error for N >= n (max over N, seeds)",
              float(over.train_error.max()) if len(over) else float("nan"), "<=", 0.0, "interpolation",
              "theorem: a min-norm least-squares fit with N >= n full-rank features interpolates (0 training error)"),
        Claim(E, f"{model}: training residual for N >= n, |Phi c - Y| / (u |Phi| |c|), max over N, seeds",
              float(over.train_backward_error.max()) if len(over) else float("nan"), "<=", float(n),
              "backward-stable least squares",
              f"rounding: a backward-stable solve has residual <= c n u |Phi| |c|; bound n = {n} (c = 1 per sample)"),
    ]  # fmt: skip
    return out
