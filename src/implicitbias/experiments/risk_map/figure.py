"""Figure "risk_map": the min-norm risk over (γ = p/n, total noise variance), with the theory's boundaries.

A heatmap (seaborn) of the mean over seeds of log10 of the excess risk, noise-variance
rows and γ columns; overlaid are the interpolation threshold γ = 1 and the contour
where the exact finite-n formula equals r² (the null estimator's risk), computed on a
fine γ grid from :mod:`implicitbias.numerics.hmrt`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns

from ...numerics import hmrt
from ...pipeline import theme


def figure(table: pd.DataFrame, settings: dict, reference=None):
    fig, (ax,) = theme.panels(1, width=2 * theme.COLUMN_WIDTH, height=2.8)
    n, r2 = settings["n"], settings["signal_norm_squared"]
    t = table.assign(log_risk=np.log10(table.risk))
    heat = t.groupby(["noise_variance_total", "gamma"]).log_risk.mean().unstack("gamma").sort_index(ascending=False)
    sns.heatmap(heat, ax=ax, cmap="magma", cbar_kws={"label": r"mean $\log_{10}\|\hat\beta - \beta\|^2$"},
                xticklabels=[f"{g:.3g}" for g in heat.columns], yticklabels=[f"{v:.3g}" for v in heat.index])  # fmt: skip
    gam, var = heat.columns.to_numpy(dtype=float), heat.index.to_numpy(dtype=float)
    if len(gam) > 1 and len(var):
        col = lambda g: np.interp(np.log(g), np.log(gam), np.arange(len(gam))) + 0.5
        ax.axvline(col(1.0), color="tab:cyan", lw=1.2, ls="--", label=r"$p = n$")
        # on each row, the gammas where the formula crosses r^2 (fine grid of p, |p - n| >= 2)
        ps = np.arange(max(1, int(gam.min() * n)), int(gam.max() * n) + 1)
        xs, ys = [], []
        for i, v in enumerate(var):
            f = hmrt.minnorm_exact(ps, n, r2, v) - r2
            cross = np.flatnonzero(np.isfinite(f[1:]) & np.isfinite(f[:-1]) & (np.sign(f[1:]) != np.sign(f[:-1])))
            xs += [col(ps[j] / n) for j in cross]
            ys += [i + 0.5] * len(cross)
        if xs:
            ax.plot(xs, ys, "o", color="white", ms=3, label=r"theory: risk $= r^2$")
        ax.legend(fontsize="x-small", loc="lower left")
    ax.set(xlabel=r"$\gamma = p/n$", ylabel=r"noise variance $s^2 + \sigma^2$")
    ax.set_title(f"min-norm least squares, n = {n}")
    return fig
