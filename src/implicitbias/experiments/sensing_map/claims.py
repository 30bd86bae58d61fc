"""Claims of the experiment sensing_map: GD's recovery threshold in m against identifiability and the SDP (no torch).

Per (seed, m): GD *recovers* when ‖X − X*‖_F/‖X*‖_F at the smallest α is at most
``recovery_tolerance``; the min-trace SDP recovers when its solution is within the same
distance of X*.  A method's threshold is the smallest m of the grid at which at least
half of the seeds present recover (the whole grid's m above it must agree).

* Identifiability: with m < d_f = nr − r(r − 1)/2 (the dimension of the rank-r PSD
  matrices) X* is one of a positive-dimensional family of rank-r PSD interpolants, so
  GD's small-α limit is generically another one: no seed recovers below d_f.
* Solver reference: the min-trace SDP's threshold.  Gunasekar et al. (2017) conjecture
  that GD from α → 0 finds the min-trace (nuclear-norm) interpolant; the two thresholds
  should then coincide up to the grid's resolution (one m cell).
* Above the threshold the error is ∝ α: the fitted slope of log error against log α is 1
  within c standard errors of the seeds present.
* Above the threshold the error falls as α shrinks (Gunasekar et al. 2017; Li, Ma &
  Zhang 2018 under RIP): every consecutive α ratio of the error is ≤ 1.
"""

from __future__ import annotations

import numpy as np

from ...numerics.stats import mean_and_se, student_t_allowance
from ...pipeline.claims import Claim, last_rows, worst

E = "sensing_map"
ALPHA = 1e-4  # probability that the slope row of a correct world fails by chance


def runs(table):
    """The last logged row of every run, a run being one (cell, m, α)."""
    return last_rows(table, ("cell", "m", "alpha"))


def per_problem(table, settings: dict):
    """One row per (seed, m): GD's error at the smallest α, the SDP's distance to X*, both recovery flags."""
    last = runs(table)
    small = last[np.isclose(last.alpha, min(settings["alphas"]))]
    tol = settings["recovery_tolerance"]
    return small.assign(gd_ok=(small.rel_err <= tol).astype(float), sdp_ok=(small.sdp_dist_truth <= tol).astype(float))


def threshold(rows, column: str, ms) -> float:
    """Smallest m from which on at least half of the seeds recover, for every larger m too (NaN if none)."""
    frac = rows.groupby("m")[column].mean().reindex(sorted(ms))
    ok = (frac >= 0.5).to_numpy()
    for i in range(len(ok)):
        if ok[i:].all():
            return float(frac.index[i])
    return float("nan")


def cells_apart(a: float, b: float, ms) -> float:
    """How many grid steps of m lie between a and b (NaN if either is not on the grid)."""
    ms = sorted(ms)
    if a not in ms or b not in ms:
        return float("nan")
    return float(abs(ms.index(a) - ms.index(b)))


def slope(rows) -> float:
    """Least-squares slope of log error against log α of one (seed, m)."""
    x, y = np.log(rows.alpha.to_numpy()), np.log(rows.rel_err.to_numpy())
    return float(np.polyfit(x, y, 1)[0]) if len(x) > 1 and np.isfinite(y).all() else float("nan")


def claims(table, settings: dict, reference=None) -> list[Claim]:
    """The threshold in m of GD against the identifiability count and the min-trace SDP; monotone in α above it."""
    n, r, ms = settings["n"], settings["rank"], settings["measurements"]
    dof = n * r - r * (r - 1) // 2
    p = per_problem(table, settings)
    m_gd, m_sdp = threshold(p, "gd_ok", ms), threshold(p, "sdp_ok", ms)
    last = runs(table)
    alphas = sorted({float(a) for a in settings["alphas"]}, reverse=True)
    top = last[last.m == max(ms)]
    ratios = []
    for _, run in top.groupby("seed"):
        err = run.set_index("alpha").rel_err.reindex(alphas).to_numpy()
        ratios.append(np.max(err[1:] / err[:-1]) if np.isfinite(err).all() else np.nan)
    slopes = {m: [slope(g) for _, g in last[last.m == m].groupby("seed")] for m in ms}
    top_slope, top_se = mean_and_se(slopes[max(ms)])
    c_slope = student_t_allowance(len(slopes[max(ms)]), 1, ALPHA)
    seeds = f"; {p.seed.nunique() if len(p) else 0} seeds present"
    sdp = "min-trace PSD interpolant (SDP, cvxpy, Clarabel)"
    below = p[p.m < dof]
    return [
        Claim(E, f"no seed recovers X* below the identifiability count d_f = nr - r(r-1)/2 = {dof}: max over m < d_f "
                 "of the fraction of seeds within the recovery tolerance",
              worst(below.gd_ok) if len(below) or not any(m < dof for m in ms) else float("nan"), "<=", 0.0,
              "identifiability of X*",
              f"theorem: rank-r PSD n x n matrices form a manifold of dimension d_f = {dof}; with m < d_f generic "
              "measurements the rank-r PSD interpolants through X* form a family of positive dimension, of which "
              "GD's small-alpha limit is generically not X* (a set of measure zero)" + seeds),
        Claim(E, "GD's recovery threshold in m matches the min-trace SDP's within one m cell: grid steps between them",
              cells_apart(m_gd, m_sdp, ms), "<=", 1.0, sdp,
              "theorem: GD from alpha -> 0 tracks the min-trace (nuclear-norm) interpolant (Gunasekar et al. 2017, "
              "Li, Ma & Zhang 2018 under RIP), so both recover X* from the same m on; rounding to the grid: each "
              f"threshold is located only to one cell of m in {sorted(ms)}" + seeds),
        Claim(E, f"above the threshold (m={max(ms)}) the error falls as alpha shrinks: max over seeds and consecutive "
                 "alphas of err(smaller alpha)/err(larger alpha)",
              worst(ratios), "<=", 1.0, "ground truth X*",
              "theorem: GD from U0 = alpha I ends within an increasing function of alpha of X*, vanishing as alpha -> "
              f"0 (Gunasekar et al. 2017; Li, Ma & Zhang 2018, under RIP), at every step of the alpha list {alphas}"
              + seeds),
        Claim(E, f"above the threshold (m={max(ms)}) the error is proportional to alpha: |mean over seeds of the fitted "
                 "slope of log error vs log alpha - 1| / SE",
              abs(top_slope - 1) / top_se, "<=", c_slope, "ground truth X*",
              f"statistics: c = {c_slope:.3g} sample standard errors (Student t, {len(slopes[max(ms)])} seeds present, "
              f"two-sided level {ALPHA:g}); SE = {top_se:.3g} of the per-seed slopes over alpha in {alphas}. Prediction "
              "slope 1: the part of U outside the range of X* starts at alpha and is not amplified above the threshold, "
              "so X - X* is dominated by its O(alpha) cross term with the signal part (Li, Ma & Zhang 2018)" + seeds),
        Claim(E, "GD's recovery threshold m (info)", m_gd, "info", np.nan, "ground truth X*"),
        Claim(E, "min-trace SDP's recovery threshold m (info)", m_sdp, "info", np.nan, sdp),
        *[Claim(E, f"m={m}: mean over seeds of the fitted slope of log error vs log alpha (info)",
                worst(slopes[m], "mean"), "info", np.nan, "ground truth X*") for m in ms],
    ]  # fmt: skip
