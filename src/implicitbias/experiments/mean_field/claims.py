"""Claims of the experiment mean_field: the lecture's statements checked as numbers (no torch)."""

from __future__ import annotations

from ...pipeline.claims import Claim, final_rows, worst

E = "mean_field"


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


def claims(table, settings: dict, reference=None) -> list[Claim]:
    """Chizat & Bach's statements on this figure, each checked as a number."""
    m, d, n, K = settings["width"], settings["d"], settings["n"], settings["dictionary"]
    lp = f"scipy linprog (HiGHS) F1 max margin, {K} atoms"
    last = final_rows(table, finite="margin")
    last = last.assign(ratio=last.margin / last.gamma_lp)
    both = last[last.model == "both_layers"]
    where = f"d={d}, k={settings['k']}, n={n}, m={m}, {settings['steps']} steps"
    ratio = table.margin / table.gamma_lp

    out = [
        Claim(E, f"both layers ({where}): min over seeds of final margin/P / gamma*_LP",
              worst(both["ratio"], "min"), ">=", settings["margin_fraction"], lp),
        Claim(E, f"both layers ({where}): max over seeds of final margin/P / gamma*_LP",
              worst(both["ratio"], "max"), "<=", 1.01, lp),
        Claim(E, "the bound margin/P <= gamma* holds throughout: max over cells and logged steps of margin/P / gamma*_LP",
              float(ratio.max()) if len(ratio.dropna()) else float("nan"), "<=", 1.01, lp),
    ]  # fmt: skip
    output = last[last.model == "output_layer"]
    out += [
        Claim(E, f"both layers ({where}): mean over seeds of final margin/P / gamma*_LP",
              worst(both["ratio"], "mean"), "info", float("nan"), lp),
        Claim(E, f"output layer only ({where}): max over seeds of final margin/P / gamma*_LP",
              worst(output["ratio"], "max"), "info", float("nan"), lp),
    ]  # fmt: skip

    dim = settings["claim_dim"]
    sweep = sweep_table(table)
    at = sweep[sweep.d == dim]
    sw = (f"d={dim}, n={settings['sweep_n']}, m={settings['sweep_width']}, {settings['sweep_steps']} steps, "
          f"{settings['test_points']} test points")  # fmt: skip
    bayes = "Bayes error 0 (the label is a function of the cluster)"
    both_at, output_at = at[at.model == "both_layers"], at[at.model == "output_layer"]
    out += [
        Claim(E, f"both layers adapt ({sw}): mean over seeds of test error",
              worst(both_at["test_error"], "mean"), "<=", settings["both_error_max"], bayes),
        Claim(E, f"output layer only does not ({sw}): mean over seeds of test error",
              worst(output_at["test_error"], "mean"), ">=", settings["output_error_min"], bayes),
        Claim(E, f"both layers ({sw}): worst seed's test error",
              worst(both_at["test_error"], "max"), "info", float("nan"), bayes),
        Claim(E, f"output layer only ({sw}): best seed's test error",
              worst(output_at["test_error"], "min"), "info", float("nan"), bayes),
    ]  # fmt: skip
    return out
