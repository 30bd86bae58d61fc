"""Claims of the experiment mean_field: the lecture's statements checked as numbers (no torch).

Chizat & Bach (2020) describe the limit (m → ∞, t → ∞) and give no rate at a
finite width and step count, so no claim here asks for a fraction of γ* fixed
in advance.  The bounds are either exact inequalities or statistics of the
seeds present:

* margin/P ≤ γ* ≤ γ*_up at every logged step of both layers (theorem: f/P lies in the unit
  ball of F1; γ*_up is the LP's dual certificate evaluated exactly on the
  sphere, ``reference.py``);
* the output layer alone is a network on its fixed initial directions, so its
  margin/P never exceeds γ*_init, the LP over those directions (theorem; the
  bound is 1 plus the LP solver's tolerance);
* training both layers reaches a larger margin/P than training the output
  layer alone (the F1 against the kernel regime): the seed-mean of the paired
  difference of margin/P/γ*_LP exceeds C standard errors of the seeds present
  (paired by seed: same data, same initial W); how far both layers get beyond
  γ*_init, the best any output layer on the initial features can do, is
  reported (at d = 3 a hundred random directions already cover the sphere
  well, so that gap is small for some seeds);
* both layers adapt to the hidden 2-D structure, the output layer does not:
  the seed-mean of the paired difference of their test errors at d =
  ``claim_dim`` exceeds C standard errors;
* the infinite-width limit (width sweep, a fixed step budget at every m):
  margin/P ≤ γ*_up at every width (theorem, as above); the gap
  g(m) = 1 − margin/P / γ*_up, positive by that theorem, shrinks as m grows:
  the seed-mean of each seed's least-squares slope of log g on log m is below
  −C standard errors, and the seed-mean of log(g(m_min)/g(m_max)) exceeds C
  standard errors (paired by seed).  No bound on the gap at the largest m
  itself is claimed: at a finite step count the m → ∞ limit keeps the gap of
  the mean-field dynamics at that time, for which Chizat & Bach give no rate
  (measured: from m ≈ 50 on, the gap at 20k steps is 0.05-0.15 at every m, set
  by the step budget, and the trend comes from the narrow networks, which
  often stall short of a separating solution); the value is reported;
* the output layer alone is a linear model on its random features, so GD on
  its exponentially-tailed loss converges in direction to â, the F2 (kernel)
  max margin of those features (hard-margin SVM by cvxpy): Soudry et al.
  (2018) prove angle(a_t, â) = O(1/log t) at a fixed step, and the normalised
  step η/(√t L) used here is faster still (Nacson et al. 2019, margin gap
  O(log t/√t)).  Checked over the last decade, T0 the logged step nearest
  T/10: per seed, the decrease log(angle(a_T0, â)/angle(a_T, â)) in units of
  the 1/log t rate's own decrease log(log T/log T0); its seed-mean must be at
  least 1 − C standard errors of the seeds present (the runs are still
  pre-asymptotic, and single cells fall slightly short of the rate over one
  decade while the mean does not);
* the angle is tied to the margin by a theorem: for any a with L2-normalised
  margin γ₂(a) = minᵢ yᵢ hᵢ·a/‖a‖ > 0 (hᵢ the features relu(W xᵢ)),
  v = a/(‖a‖γ₂(a)) is feasible for the SVM, and â, the least-norm feasible
  point, satisfies ⟨v − â, â⟩ ≥ 0 (projection onto a convex set), so
  cos(a, â) ≥ ‖â‖/‖v‖ = γ₂(a)‖â‖: 1 − cos(a_T, â) ≤ 1 − γ₂(a_T)/γ₂*, with
  γ₂* = 1/‖â‖.  Checked on the final output weights against the per-seed
  reference, with the solver's tolerance as slack;
* that limit is not the F1 max margin: γ_F1(â), the F1-normalised margin of
  â, lies below γ*_init, the F1 max margin over the same features, by more
  than C standard errors of the seeds present (the seed-mean of
  1 − γ_F1(â)/γ*_init).

A statistical bound tightens as seeds are added; how many seeds back a row
is written in its basis.  The names come from the settings only, so that a
missing batch leaves its claims in place, failing with NaN.
"""

from __future__ import annotations

import numpy as np

from ...numerics.stats import mean_and_se
from ...pipeline.claims import Claim, at_step, final_rows, worst
from .problem import init, problem

E = "mean_field"
C = 2.0  # standard errors: a one-sided ≈ 97.7% level for a normal mean
LP_TOL = 1e-7  # HiGHS's primal and dual feasibility tolerance (absolute)
QP_TOL = 1e-8  # Clarabel's default feasibility and duality-gap tolerances (relative)


def per_cell_sweep(table, axis: str, prefixes: dict[str, str]):
    """The per-cell constants ``<prefix><value>`` in long format: one row per (cell, value of ``axis``).

    ``prefixes`` maps each output column to its constants' prefix; the values of
    ``axis`` are read from the first prefix's column names.  Each row keeps the
    cell's axes and its references (γ*_LP, γ*_up).
    """
    import pandas as pd

    first = table.sort_values("step").groupby("cell", sort=True).head(1)
    lead = next(iter(prefixes.values()))
    values = sorted(int(c.removeprefix(lead)) for c in table.columns if c.removeprefix(lead).isdigit())
    keep = [c for c in ("cell", "model", "loss", "optimizer", "eta", "seed", "gamma_lp", "gamma_upper") if c in first]
    if not values:
        return pd.DataFrame(columns=[*keep, axis, *prefixes])
    return pd.concat(
        [first[keep].assign(**{axis: v}, **{name: first[f"{p}{v}"].to_numpy() for name, p in prefixes.items()})
         for v in values],
        ignore_index=True,
    )  # fmt: skip


def sweep_table(table):
    """One row per (cell, d of the sweep) with its final test and train error (long format)."""
    return per_cell_sweep(table, "d", {"test_error": "test_error_d", "train_error": "train_error_d"})


def width_table(table):
    """One row per (both-layer cell, m of the width sweep) with its final normalised margin, and the gaps
    ``gap_up`` = 1 − margin/γ*_up (positive: the theorem margin/P ≤ γ* ≤ γ*_up) and ``gap`` = 1 − margin/γ*_LP."""
    sweep = per_cell_sweep(table, "m", {"margin": "margin_m"})
    sweep = sweep[sweep.model == "both_layers"]
    return sweep.assign(gap_up=1 - sweep.margin / sweep.gamma_upper, gap=1 - sweep.margin / sweep.gamma_lp)


def log_slope(m, gap) -> float:
    """The least-squares slope of log gap against log m (NaN with fewer than two widths or a gap ≤ 0)."""
    m, gap = np.asarray(m, dtype=float), np.asarray(gap, dtype=float)
    if len(m) < 2 or not np.all(gap > 0):
        return float("nan")
    return float(np.polyfit(np.log(m), np.log(gap), 1)[0])


def angle(gap):
    """The angle θ between two directions from 1 − cos θ = ½‖u − v‖² (unit u, v): θ = 2 arcsin(‖u − v‖/2)."""
    return 2 * np.arcsin(np.sqrt(np.asarray(gap, dtype=float) / 2))


def paired(a, b, column: str):
    """Per seed, ``a[column] − b[column]`` over the seeds present in both (one row per seed each)."""
    joined = a[["seed", column]].merge(b[["seed", column]], on="seed", how="inner", suffixes=("_a", "_b"))
    return (joined[f"{column}_a"] - joined[f"{column}_b"]).to_numpy()


def statistic(values, what: str) -> tuple[float, float, str]:
    """(seed-mean, C standard errors, basis) of per-seed values."""
    mean, se = mean_and_se(values)
    return mean, C * se, f"statistics: {C:g} standard errors of the mean over the {len(values)} seeds present ({what})"


def claims(table, settings: dict, reference=None) -> list[Claim]:
    """Chizat & Bach's statements on this figure, each checked as a number."""
    m, d, n, K = settings["width"], settings["d"], settings["n"], settings["dictionary"]
    lp = f"scipy linprog (HiGHS) F1 max margin, {K} atoms"
    last = final_rows(table, finite="margin").reset_index()
    last = last.assign(ratio=last.margin / last.gamma_lp, beyond=(last.margin - last.gamma_init) / last.gamma_lp)
    both, output = last[last.model == "both_layers"], last[last.model == "output_layer"]
    where = f"d={d}, k={settings['k']}, n={n}, m={m}, {settings['steps']} steps"
    logged = table.dropna(subset=["margin"])
    both_rows, out_rows = logged[logged.model == "both_layers"], logged[logged.model == "output_layer"]
    up = both_rows.margin / both_rows.gamma_upper
    init = out_rows.margin / out_rows.gamma_init

    lead, lead_c, lead_basis = statistic(paired(both, output, "ratio"), "paired by seed: same data, same initial W")
    out = [
        Claim(E, f"both layers ({where}): the bound margin/P <= gamma* holds throughout: max over cells and logged "
                 "steps of margin/P / gamma*_up (the LP's dual certificate on the whole sphere)",
              worst(up, "max"), "<=", 1.0, lp,
              "theorem: f/P lies in the unit ball of F1 (Chizat & Bach 2020), so margin/P <= gamma* <= gamma*_up "
              "(LP weak duality, the supremum over the sphere computed exactly); gamma*_up/gamma*_LP = "
              f"{worst(last.gamma_upper / last.gamma_lp, 'min'):.4g}..{worst(last.gamma_upper / last.gamma_lp):.4g}; "
              f"{both_rows.cell.nunique()} cells"),
        Claim(E, f"output layer only ({where}): max over cells and logged steps of margin/P / gamma*_init, "
                 "the F1 max margin of its fixed initial directions",
              worst(init, "max"), "<=", 1.0 + LP_TOL / worst(output.gamma_init, "min"),
              "scipy linprog (HiGHS) F1 max margin over the m initial directions",
              f"theorem: an output layer on fixed directions is feasible for their LP; bound 1 + {LP_TOL:g}/min "
              f"gamma*_init (rounding: the solver's feasibility tolerance); {out_rows.cell.nunique()} cells"),
        Claim(E, f"both layers reach a larger F1 margin than the output layer alone ({where}): seed-mean of "
                 "final margin/P / gamma*_LP (both layers) - final margin/P / gamma*_LP (output layer)",
              lead, ">=", lead_c, lp, lead_basis),
        Claim(E, f"both layers ({where}): seed-mean of (final margin/P - gamma*_init) / gamma*_LP",
              worst(both.beyond, "mean"), "info", float("nan"), lp, f"reported; {len(both)} seeds"),
        Claim(E, f"both layers ({where}): seed-mean of final margin/P / gamma*_LP",
              worst(both.ratio, "mean"), "info", float("nan"), lp, f"reported; {len(both)} seeds"),
        Claim(E, f"output layer only ({where}): seed-mean of final margin/P / gamma*_LP",
              worst(output.ratio, "mean"), "info", float("nan"), lp, f"reported; {len(output)} seeds"),
    ]  # fmt: skip

    dim = settings["claim_dim"]
    sweep = sweep_table(table)
    at = sweep[sweep.d == dim]
    sw = (f"d={dim}, n={settings['sweep_n']}, m={settings['sweep_width']}, {settings['sweep_steps']} steps, "
          f"{settings['test_points']} test points")  # fmt: skip
    bayes = "Bayes error 0 (the label is a function of the cluster)"
    both_at, output_at = at[at.model == "both_layers"], at[at.model == "output_layer"]
    gain, gain_c, gain_basis = statistic(paired(output_at, both_at, "test_error"), "paired by seed: same data")
    out += [
        Claim(E, f"both layers adapt, the output layer alone does not ({sw}): seed-mean of "
                 "test error (output layer) - test error (both layers)",
              gain, ">=", gain_c, bayes, gain_basis),
        Claim(E, f"both layers ({sw}): seed-mean test error",
              worst(both_at["test_error"], "mean"), "info", float("nan"), bayes, f"reported; {len(both_at)} seeds"),
        Claim(E, f"output layer only ({sw}): seed-mean test error",
              worst(output_at["test_error"], "mean"), "info", float("nan"), bayes,
              f"reported; {len(output_at)} seeds"),
    ]  # fmt: skip
    out += width_claims(table, settings, lp) + f2_claims(table, settings, reference)
    return out


def width_claims(table, settings: dict, lp: str) -> list[Claim]:
    """The m → ∞ statement on the width sweep: margin/P ≤ γ*_up at every m, and the gap shrinking in m."""
    widths = sorted(settings["widths"])
    small, large = widths[0], widths[-1]
    sw = (f"width sweep (d={settings['d']}, n={settings['n']}, m in {{{', '.join(map(str, widths))}}}, "
          f"{settings['width_steps']} steps)")  # fmt: skip
    sweep = width_table(table).dropna(subset=["margin"])
    sweep = sweep[sweep.m.isin(widths)]
    slopes = [log_slope(s.m, s.gap_up) for _, s in sweep.groupby("seed")]
    slope, slope_c, slope_basis = statistic(slopes, "one least-squares slope per seed")
    at = {w: sweep[sweep.m == w] for w in (small, large)}
    logs = {w: at[w].assign(log_gap=np.log(at[w].gap_up.where(at[w].gap_up > 0))) for w in at}  # NaN if ≤ 0
    drop, drop_c, drop_basis = statistic(paired(logs[small], logs[large], "log_gap"), "paired by seed: same data")
    return [
        Claim(E, f"both layers, {sw}: max over cells and widths of final margin/P / gamma*_up",
              worst(sweep.margin / sweep.gamma_upper, "max"), "<=", 1.0, lp,
              "theorem: f/P lies in the unit ball of F1 at every width (Chizat & Bach 2020), so margin/P <= "
              f"gamma* <= gamma*_up; {len(sweep)} runs"),
        Claim(E, f"both layers, {sw}: the gap shrinks as m grows: seed-mean of the fitted slope of "
                 "log(1 - margin/P / gamma*_up) against log m",
              slope, "<=", -slope_c, lp, slope_basis),
        Claim(E, f"both layers, {sw}: seed-mean of log(gap(m={small}) / gap(m={large})), "
                 "gap = 1 - margin/P / gamma*_up",
              drop, ">=", drop_c, lp, drop_basis),
        Claim(E, f"both layers, {sw}: seed-mean of 1 - margin/P / gamma*_LP at m={large}",
              worst(at[large].gap, "mean"), "info", float("nan"), lp,
              f"reported (Chizat & Bach 2020 give no rate at finite m and t); {len(at[large])} seeds"),
    ]  # fmt: skip


def margin_angle_excess(rows, settings: dict, reference) -> np.ndarray:
    """Per final output-layer row: (1 − cos(a_T, â)) − (1 − γ₂(a_T)‖â‖), which the theorem makes ≤ 0
    (see the module docstring); NaN without the seed's â or when a_T does not separate (γ₂ ≤ 0)."""
    seeds, m, d = (reference or {}).get("seeds", {}), settings["width"], settings["d"]
    excess = np.full(len(rows), np.nan)
    for i, (seed, a) in enumerate(zip(rows.seed, rows.a_final)):
        a_hat = np.asarray(seeds.get(str(int(seed)), {}).get("f2_weights", []), dtype=float)
        if a_hat.shape != (m,):
            continue
        X, y, _, _ = problem(int(seed), d, settings["k"], settings["n"], 0)
        H = np.maximum(X @ init(int(seed), m, d)[1].T, 0.0)
        a = np.asarray(a, dtype=float)
        gamma2 = (y * (H @ a)).min() / np.linalg.norm(a)
        cos = a @ a_hat / (np.linalg.norm(a) * np.linalg.norm(a_hat))
        excess[i] = (1 - cos) - (1 - gamma2 * np.linalg.norm(a_hat)) if gamma2 > 0 else np.nan
    return excess


def f2_claims(table, settings: dict, reference=None) -> list[Claim]:
    """The output layer alone converges in direction to the F2 max margin of its features, not the F1 one."""
    T = settings["steps"]
    qp = "cvxpy (Clarabel) hard-margin SVM on the output layer's random features"
    where = f"d={settings['d']}, n={settings['n']}, m={settings['width']}"
    table = table.assign(**{c: table.get(c, np.nan) for c in ("f2_gap", "gamma_f2")})  # NaN if no output layer ran
    rows = table[table.model == "output_layer"].dropna(subset=["f2_gap"])
    end = rows.sort_values("step").groupby("cell", sort=True).tail(1).set_index("cell")
    early = at_step(rows, T // 10).reindex(end.index)
    rate = np.log(np.log(end.step) / np.log(early.step))  # the decrease of log(1/log t) from T0 to T
    pace, pace_c, pace_basis = statistic(np.log(angle(early.f2_gap) / angle(end.f2_gap)) / rate, "one run per seed")
    last = final_rows(table[table.model == "output_layer"], finite="margin")
    below, below_c, below_basis = statistic(1 - last.gamma_f2 / last.gamma_init, "one F2 solution per seed")
    return [
        Claim(E, f"output layer only ({where}): the angle of a_t to the F2 max margin a_hat decays at least as "
                 f"1/log t: seed-mean of log(angle(a_T0, a_hat) / angle(a_T, a_hat)), T={T}, T0 the logged step "
                 "nearest T/10, in units of log(log T / log T0)",
              pace, ">=", 1.0 - pace_c, qp,
              f"{pace_basis}; the unit is the rate of Soudry et al. 2018 (angle O(1/log t) at a fixed step; the "
              f"normalised step eta/(sqrt(t) L) is faster, Nacson et al. 2019); T0 = {span(early.step)}"),
        Claim(E, f"output layer only ({where}): the angle to a_hat is bounded by the L2 margin: max over cells of "
                 "(1 - cos(a_T, a_hat)) - (1 - gamma_2(a_T) |a_hat|)",
              worst(margin_angle_excess(last, settings, reference), "max"), "<=", QP_TOL, qp,
              "theorem: a/(|a| gamma_2(a)) is feasible for the SVM and a_hat is its least-norm feasible point, so "
              f"cos(a, a_hat) >= gamma_2(a) |a_hat| (derived in claims.py); bound {QP_TOL:g} (rounding: Clarabel's "
              f"feasibility and gap tolerances); {len(last)} cells"),
        Claim(E, f"output layer only ({where}): its limit a_hat is not the F1 max margin: seed-mean of "
                 "1 - gamma_F1(a_hat) / gamma*_init (F1-normalised margin of a_hat; F1 max margin of the same features)",
              below, ">=", below_c, f"{qp}; scipy linprog (HiGHS) over the same directions", below_basis),
        Claim(E, f"output layer only ({where}): seed-mean of 1 - cos(a_T, a_hat) at T={T}",
              worst(end.f2_gap, "mean"), "info", float("nan"), qp, f"reported; {len(end)} seeds"),
        Claim(E, f"output layer only ({where}): seed-mean of final margin/P / gamma_F1(a_hat)",
              worst(last.margin / last.gamma_f2, "mean"), "info", float("nan"), qp, f"reported; {len(last)} seeds"),
    ]  # fmt: skip


def span(values) -> str:
    """``lo..hi`` of the finite values (``none`` without any)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    return f"{v.min():.0f}..{v.max():.0f}" if v.size else "none"
