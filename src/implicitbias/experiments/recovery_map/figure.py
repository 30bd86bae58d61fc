"""Figure "recovery_map": fraction of seeds whose label-noise SGD recovers w*, over (η, σ).

A heatmap (seaborn) of the recovered fraction, η rows and σ columns (both on the
grid's values), with the theory's boundary overlaid: the contour η²σ²K = τ through the
median of the measured rows' boundaries (claims.py), drawn at σ = √τ/(η√K) on the
heatmap's log-σ positions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns

from ...pipeline import theme
from .claims import boundary, fractions


def figure(table: pd.DataFrame, settings: dict, reference=None):
    fig, (ax,) = theme.panels(1, width=2 * theme.COLUMN_WIDTH, height=2.8)
    f = fractions(table, settings)
    heat = f.pivot(index="eta", columns="sigma", values="frac").sort_index(ascending=False)
    sns.heatmap(heat, ax=ax, vmin=0, vmax=1, cmap="mako", cbar_kws={"label": "fraction recovered"},
                xticklabels=[f"{s:.3g}" for s in heat.columns], yticklabels=[f"{e:.3g}" for e in heat.index])  # fmt: skip
    sig, etas = heat.columns.to_numpy(dtype=float), heat.index.to_numpy(dtype=float)
    tau = np.array([e**2 * s**2 for e, s in boundary(f).items()])
    if len(tau) and np.isfinite(tau).all() and len(sig) > 1:
        t = float(np.median(tau))
        # the contour sigma = sqrt(t)/eta, in heatmap cells (log-interpolated; centre of cell j is j + 0.5)
        x = np.interp(np.log(np.sqrt(t) / etas), np.log(sig), np.arange(len(sig))) + 0.5
        ax.plot(x, np.arange(len(etas)) + 0.5, color="tab:orange", lw=1.4, ls="--",
                label=r"theory: $\eta^2\sigma^2 K$ = const")  # fmt: skip
        ax.legend(fontsize="x-small", loc="lower left")
    ax.set(xlabel=r"label noise $\sigma$", ylabel=r"$\eta\beta$")
    ax.set_title(f"label-noise SGD, sparse recovery, K = {settings['steps']}")
    return fig
