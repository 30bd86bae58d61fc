"""Figure "double_descent": min-norm risk peaks at p = n and descends again.

(a) isotropic model, excess risk ‖β̂ − β‖² against γ = p/n: Monte Carlo means
    of min-norm, ridge at λ* and GD from 0 (markers), with the exact finite-n
    min-norm risk, its n → ∞ limit and the ridge formula as lines.
(b) the same means divided by their formula (shaded: |p − n| < 8, where the claims
    do not test the min-norm formula: the risk lacks a fourth moment there).
(c)–(f) random features on the digits against N/n: test 0/1 error, test MSE,
    ‖coefficients‖, training MSE.
Bands are 95% confidence intervals over seeds.  Drawn for the smallest σ of
the grid (σ = 0 in the shipped configs).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import FixedLocator, NullFormatter

from ...numerics import hmrt
from ...pipeline import theme

ESTIMATORS = {"min_norm": "min-norm", "ridge": r"ridge at $\lambda^*$", "gd": "GD from 0"}
FEATURES = {"rff_digits": "random Fourier", "relu_digits": "random ReLU"}


def figure(table: pd.DataFrame, settings: dict, reference=None):
    fig, axes = theme.grid(2, 3, height=4.6)
    t = table[table.sigma == table.sigma.min()]
    iso = t[t.model == "isotropic"].assign(estimator=lambda d: d.optimizer.map(ESTIMATORS))
    isotropic_panels(iso, settings, axes[0, 0], axes[0, 1])
    digits_panels(t[t.model.isin(FEATURES)], settings, axes[0, 2], *axes[1])
    for ax in axes.flat:
        ratio_ticks(ax)
    return fig


def ratio_ticks(ax) -> None:
    """Plain labels 0.1, 0.2, 0.5, 1, 2, … on a log γ axis (no crowded minor labels)."""
    ax.xaxis.set_major_locator(FixedLocator([0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20]))
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:g}")
    ax.xaxis.set_minor_formatter(NullFormatter())


def isotropic_panels(iso: pd.DataFrame, settings: dict, a, b) -> None:
    if iso.empty:
        for ax in (a, b):
            ax.text(0.5, 0.5, "isotropic model not in this run", ha="center", transform=ax.transAxes)
        return
    n, r2 = settings["n"], settings["signal_norm_squared"]
    s2 = float(iso.noise_variance_total.iloc[0])
    colors = dict(zip(ESTIMATORS.values(), sns.color_palette(theme.PALETTE)))
    closed = iso[iso.optimizer != "gd"]
    if len(closed):
        sns.lineplot(closed, x="gamma", y="risk", hue="estimator", palette=colors, **theme.BANDS,
                     marker="o", markersize=3, linestyle="none", err_style="bars", ax=a)  # fmt: skip
    gd = iso[iso.optimizer == "gd"]
    if len(gd):
        means = gd.groupby("gamma").risk.mean()
        a.scatter(means.index, means.values, marker="x", s=30, color=colors["GD from 0"], label="GD from 0", zorder=3)
    lo, hi = iso.gamma.min(), iso.gamma.max()
    g = np.geomspace(lo, hi, 600)
    p = np.arange(max(1, int(lo * n)), int(hi * n) + 1)
    a.plot(p / n, hmrt.minnorm_exact(p, n, r2, s2), color="k", lw=0.9, label="exact, finite n")
    a.plot(g, hmrt.minnorm_asymptotic(g, r2, s2), color="k", lw=0.9, ls="--", label=r"$n\to\infty$")
    a.plot(g, hmrt.optimal_ridge_risk(g, r2, s2), color=colors[ESTIMATORS["ridge"]], lw=0.9, ls=":", label="ridge formula")
    a.set(xscale="log", yscale="log", ylim=(1e-2, 1e2), xlabel=r"$\gamma = p/n$",
          ylabel=r"excess risk $\|\hat\beta - \beta\|^2$")  # fmt: skip
    a.axvline(1, color="grey", lw=0.5)
    a.set_title(f"(a) isotropic: n = {n}, $r^2$ = {r2:g}, $s^2$ = {s2:g}")
    a.legend(fontsize="xx-small", ncol=2, loc="upper left")

    ratio = pd.concat(
        [
            closed[closed.optimizer == "min_norm"].assign(value=lambda d: d.risk / d.theory_exact),
            closed[closed.optimizer == "ridge"].assign(value=lambda d: d.risk / d.theory_ridge),
        ]
    )
    ratio = ratio[np.abs(ratio.gamma - 1) >= 0.05]
    if len(ratio):
        sns.lineplot(ratio, x="gamma", y="value", hue="estimator", palette=colors, **theme.BANDS,
                     marker="o", markersize=3, ax=b)  # fmt: skip
        b.legend(fontsize="x-small")
    b.axhline(1, color="grey", lw=0.6)
    b.axvspan(1 - 8 / n, 1 + 8 / n, color="grey", alpha=0.15, lw=0)
    b.set(xscale="log", xlabel=r"$\gamma = p/n$", ylabel="Monte Carlo / formula", ylim=(0.6, 1.4))
    b.set_title("(b) against the formulas")


def digits_panels(rf: pd.DataFrame, settings: dict, c, d, e, f) -> None:
    if len(rf):
        rf = rf.assign(features=rf.model.map(FEATURES), train_mse=rf.train_mse.clip(lower=1e-32))
    panels = [
        (c, "test_error", "test 0/1 error", "(c) digits: test error", False),
        (d, "test_mse", "test MSE", "(d) test MSE", True),
        (e, "coef_norm", r"$\|$coefficients$\|_F$", "(e) coefficient norm", True),
        (f, "train_mse", "training MSE", "(f) training MSE", True),
    ]
    n = settings["n_train"]
    for ax, column, label, title, log in panels:
        if len(rf):
            order = [v for k, v in FEATURES.items() if k in set(rf.model)]
            sns.lineplot(rf, x="gamma", y=column, hue="features", hue_order=order, **theme.BANDS,
                         marker="o", markersize=2.5, ax=ax)  # fmt: skip
            ax.legend(fontsize="x-small", loc="upper left" if column == "test_mse" else "best")
        else:
            ax.text(0.5, 0.5, "digits not in this run", ha="center", transform=ax.transAxes)
        ax.axvline(1, color="grey", lw=0.5)
        ax.set(xscale="log", yscale="log" if log else "linear", xlabel=f"N/n (n = {n} images)", ylabel=label)
        ax.set_title(title)
