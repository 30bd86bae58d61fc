"""Figure "robbins_monro": SGD as stochastic approximation.

(a) k·MSE_k of the Robbins–Monro median estimate against k for each c, with
the asymptotic prediction c²s²/(2cφ(0) − 1) dashed; (b) N·MSE at the last step
against c with the prediction curve (the rate needs 2cφ(0) > 1); (c) streaming
noisy least squares: constant step against η/k, with the noise floor of the
constant step (dotted).  Bands: ±2 standard errors over the replicates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns

from ...numerics.stochastic_approximation import PHI0
from ...numerics.stochastic_approximation import asymptotic_k_mse as k_mse_theory
from ...pipeline import theme


def _band(ax, k, mean, se, color, label, scale=None):
    scale = np.ones_like(mean) if scale is None else scale
    ax.plot(k, mean * scale, color=color, lw=1.1, label=label)
    ax.fill_between(k, (mean - 2 * se) * scale, (mean + 2 * se) * scale, color=color, alpha=0.25, lw=0)


def figure(table: pd.DataFrame, settings: dict, reference=None):
    fig, (a, b, c) = theme.panels(3)
    palette = sns.color_palette(theme.PALETTE)
    med = table[(table.model == "median") & (table.step > 0)].sort_values("step")
    etas = sorted(med.eta.unique())
    for i, eta in enumerate(etas):
        rows = med[med.eta == eta]
        k = rows.step.to_numpy(dtype=float)
        label = r"$c = 1/\varphi(0)$" if np.isclose(eta, 1 / PHI0, rtol=1e-6) else f"c = {eta:g}"
        _band(a, k, rows.sq_error.to_numpy(), rows.sq_error_se.to_numpy(), palette[i], label, scale=k)
        theory = k_mse_theory(eta)
        if np.isfinite(theory):
            a.axhline(theory, color=palette[i], lw=0.7, ls="--")
    a.set(xscale="log", yscale="log", xlabel="step k", ylabel=r"$k\cdot$MSE$_k$")
    if len(med):
        a.set_title(f"(a) median of N(0,1), {int(med.runs.iloc[0])} runs")
        a.legend(fontsize="xx-small")

    last = med.groupby("cell").tail(1)
    grid = np.linspace(0.7, 6.0, 400)
    b.plot(grid, k_mse_theory(grid), color="k", lw=0.8, label=r"$c^2s^2/(2c\varphi(0) - 1)$")
    b.axvline(1 / (2 * PHI0), color="0.5", lw=0.6, ls=":", label=r"$2c\varphi(0) = 1$")
    b.errorbar(last.eta, last.k_mse, yerr=2 * last.sq_error_se * last.step, fmt="o", ms=3, color=palette[0],
               label="simulated N·MSE")  # fmt: skip
    b.set(yscale="log", xlabel="c", ylabel=r"$N\cdot$MSE$_N$")
    if len(last):
        b.set_title(f"(b) N = {int(last.step.max())}")
    b.legend(fontsize="xx-small")

    ls = table[(table.model == "least_squares") & (table.step > 0)].sort_values("step")
    names = {"sgd": r"constant $\eta$", "robbins_monro": r"$\eta/k$"}
    for i, (opt, rows) in enumerate(ls.groupby("optimizer")):
        for eta, r in rows.groupby("eta"):
            _band(c, r.step.to_numpy(dtype=float), r.sq_error.to_numpy(), r.sq_error_se.to_numpy(), palette[3 + i],
                  f"{names.get(opt, opt)}, η = {eta:g}")  # fmt: skip
            if opt == "sgd":
                c.axhline(float(r.noise_floor.iloc[0]), color=palette[3 + i], lw=0.7, ls=":", label="noise floor tr S")
    c.set(xscale="log", yscale="log", xlabel="step k", ylabel=r"$\|x_k - x^*\|^2$")
    c.set_title(r"(c) least squares, $\sigma$ = " + (f"{ls.sigma.iloc[0]:g}" if len(ls) else ""))
    c.legend(fontsize="xx-small")
    return fig
