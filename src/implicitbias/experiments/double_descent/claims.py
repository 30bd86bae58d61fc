"""Claims of the experiment double_descent: the lecture's statements checked as numbers (no torch)."""

from __future__ import annotations

import numpy as np

from ...pipeline.claims import Claim

E = "double_descent"


def by_point(rows, column: str):
    """Mean, standard error and count of ``column`` over seeds at each sweep point (indexed by p)."""
    g = rows.groupby("p")[column]
    out = g.agg(["mean", "std", "count"])
    out["se"] = out["std"] / np.sqrt(out["count"])
    return out.join(rows.groupby("p")[["gamma"]].first())


def formula_gap(stats, theory) -> np.ndarray:
    """|MC mean − formula| / max(5% of the formula, 3 standard errors) at each point."""
    return np.abs(stats["mean"] - theory) / np.maximum(0.05 * np.abs(theory), 3 * stats["se"])


def claims(table, settings: dict, reference=None) -> list[Claim]:
    """The figure's statements, each checked as a number, for the parts present in
    the table and for each label-noise level σ of the grid."""
    out: list[Claim] = []
    several = table.sigma.nunique() > 1
    for sigma, rows in table.groupby("sigma"):
        tag = f" [sigma={sigma:g}]" if several else ""
        iso = rows[rows.model == "isotropic"]
        if len(iso):
            out += isotropic_claims(iso, settings, tag)
        for model in ("rff_digits", "relu_digits"):
            part = rows[(rows.model == model) & (rows.optimizer == "min_norm")]
            if len(part):
                out += digits_claims(f"{model}{tag}", part, settings)
    return out


def isotropic_claims(iso, settings: dict, tag: str = "") -> list[Claim]:
    """Claims 1–4 of part (a): formulas, peak location, ridge, GD = closed form."""
    out = []
    away = lambda s: s[np.abs(s.gamma - 1) >= 0.2]  # noqa: E731
    mn, rg, gd = (iso[iso.optimizer == o] for o in ("min_norm", "ridge", "gd"))
    hm = "Hastie-Montanari-Rosset-Tibshirani"
    if len(mn):
        s = by_point(mn, "risk")
        gap = away(s.assign(gap=formula_gap(s, mn.groupby("p").theory_exact.first()))).gap
        peak = float(s["mean"].idxmax()) / settings["n"]
        out += [
            Claim(E, f"min-norm risk vs exact finite-n formula at |gamma-1|>=0.2{tag}: max |MC-formula|/max(5%, 3 SE)",
                  float(gap.max()), "<=", 1.0, f"{hm}: exact Gaussian-design risk"),
            Claim(E, f"min-norm risk peaks at gamma >= 0.9{tag}: gamma of the largest mean risk",
                  peak, ">=", 0.9, "interpolation threshold p = n"),
            Claim(E, f"min-norm risk peaks at gamma <= 1.1{tag}: gamma of the largest mean risk",
                  peak, "<=", 1.1, "interpolation threshold p = n"),
        ]  # fmt: skip
    if len(rg):
        s = by_point(rg, "risk")
        gap = away(s.assign(gap=formula_gap(s, rg.groupby("p").theory_ridge.first()))).gap
        out += [
            Claim(E, f"ridge at lambda* vs formula s^2 gamma m(-lambda*) at |gamma-1|>=0.2{tag}: max |MC-formula|/max(5%, 3 SE)",
                  float(gap.max()), "<=", 1.0, f"{hm}: Marchenko-Pastur ridge risk"),
            Claim(E, f"optimal ridge has no peak{tag}: max over gamma of mean risk / r^2 (the risk of beta_hat = 0)",
                  float(s["mean"].max()) / settings["signal_norm_squared"], "<=", 1.0, "R(lambda*) < r^2 at every gamma"),
        ]  # fmt: skip
    if len(rg) and len(mn):
        key = ["seed", "p"]
        paired = (rg.groupby(key).risk.mean() - mn.groupby(key).risk.mean()).dropna()
        d = paired.groupby(level="p").agg(["mean", "std", "count"])
        excess = d["mean"] - 3 * d["std"] / np.sqrt(d["count"])
        out.append(
            Claim(E, f"ridge at lambda* no worse than min-norm{tag}: max over gamma of [mean(R_ridge - R_min-norm) - 3 SE]",
                  float(excess.max()), "<=", 0.0, "min-norm on the same data (paired over seeds)")
        )  # fmt: skip
    if len(gd):
        # a diverged run has NaN or inf here, and then the claim fails
        worst = float(gd.dist_min_norm.max(skipna=False))
        if (gd.status != "ok").any():
            worst = float("nan")
        out.append(
            Claim(E, f"GD from 0 equals the closed-form min-norm solution{tag}: max |b_GD - X+y|/|X+y|",
                  worst, "<=", 1e-8, "torch.linalg.lstsq (gelsd)")
        )  # fmt: skip
    return out


def digits_claims(model: str, rows, settings: dict) -> list[Claim]:
    n = settings["n_train"]
    out = []
    for column, what in (("test_mse", "test MSE"), ("coef_norm", "coefficient norm")):
        s = by_point(rows, column)
        peak = float(s["mean"].idxmax()) / n
        out += [
            Claim(E, f"{model}: {what} peaks at N/n >= 0.9", peak, ">=", 0.9, "interpolation threshold N = n"),
            Claim(E, f"{model}: {what} peaks at N/n <= 1.2", peak, "<=", 1.2, "interpolation threshold N = n"),
        ]
    err = by_point(rows, "test_error")["mean"]
    first, second = err[err.index <= 0.8 * n].min(), err[err.index >= 2 * n].min()
    over = rows[rows.p >= n]
    out += [
        Claim(E, f"{model}: second descent beats the first: min test error (N>=2n) / min test error (N<=0.8n)",
              float(second / first), "<=", 1.0, "first descent, N <= 0.8 n"),
        Claim(E, f"{model}: training 0/1 error for N >= n (max over N, seeds)",
              float(over.train_error.max()) if len(over) else float("nan"), "<=", 0.0, "interpolation"),
        Claim(E, f"{model}: training residual for N >= n, |Phi c - Y| / (u |Phi| |c|), max over N, seeds",
              float(over.train_backward_error.max()) if len(over) else float("nan"), "<=", float(n),
              "backward-stable least squares"),
    ]  # fmt: skip
    return out
