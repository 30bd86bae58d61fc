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
  ``claim_dim`` exceeds C standard errors.

A statistical bound tightens as seeds are added; how many seeds back a row
is written in its basis.  The names come from the settings only, so that a
missing batch leaves its claims in place, failing with NaN.
"""

from __future__ import annotations

from ...numerics.stats import mean_and_se
from ...pipeline.claims import Claim, final_rows, worst

E = "mean_field"
C = 2.0  # standard errors: a one-sided ≈ 97.7% level for a normal mean
LP_TOL = 1e-7  # HiGHS's primal and dual feasibility tolerance (absolute)


def sweep_table(table):
    """One row per (cell, d of the sweep) with its final test and train error (long format)."""
    import pandas as pd

    first = table.sort_values("step").groupby("cell", sort=True).head(1)
    dims = sorted(int(c.removeprefix("test_error_d")) for c in table.columns if c.startswith("test_error_d"))
    return pd.concat(
        [
            first[["cell", "model", "loss", "optimizer", "eta", "seed"]].assign(
                d=dim, test_error=first[f"test_error_d{dim}"].to_numpy(),
                train_error=first[f"train_error_d{dim}"].to_numpy(),
            )
            for dim in dims
        ],
        ignore_index=True,
    )  # fmt: skip


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
    return out
