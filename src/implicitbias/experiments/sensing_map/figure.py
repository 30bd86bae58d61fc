"""Figure "sensing_map": GD's recovery error over (init scale α, measurements m), with the thresholds overlaid.

A heatmap (seaborn) of the mean over seeds of log10 ‖X − X*‖_F/‖X*‖_F, m rows and α
columns; lines mark the identifiability count d_f = nr − r(r − 1)/2 (no recovery
below it) and the min-trace SDP's measured threshold (the solver reference).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns

from ...pipeline import theme
from .claims import per_problem, runs, threshold


def row_position(ms: np.ndarray, m: float) -> float:
    """Heatmap y of the boundary just below row m (rows sorted by decreasing m; row i spans [i, i + 1))."""
    return float(np.interp(-m, -ms, np.arange(len(ms))) + 1.0)


def figure(table: pd.DataFrame, settings: dict, reference=None):
    fig, (ax,) = theme.panels(1, width=2 * theme.COLUMN_WIDTH, height=2.8)
    last = runs(table).assign(log_err=lambda d: np.log10(d.rel_err))
    heat = last.groupby(["m", "alpha"]).log_err.mean().unstack("alpha").sort_index(ascending=False)
    heat = heat[sorted(heat.columns, reverse=True)]
    sns.heatmap(heat, ax=ax, cmap="viridis", annot=True, fmt=".1f", annot_kws={"fontsize": 6},
                cbar_kws={"label": r"mean $\log_{10}\|X - X^*\|_F/\|X^*\|_F$"},
                xticklabels=[f"{a:g}" for a in heat.columns], yticklabels=[f"{m:g}" for m in heat.index])  # fmt: skip
    ms = heat.index.to_numpy(dtype=float)
    n, r = settings["n"], settings["rank"]
    dof = n * r - r * (r - 1) // 2
    if len(ms):
        ax.axhline(np.interp(-dof, -ms, np.arange(len(ms))) + 0.5, color="tab:red", lw=1.2, ls="--",
                   label=f"identifiability $m = d_f = {dof}$")  # fmt: skip
        m_sdp = threshold(per_problem(table, settings), "sdp_ok", settings["measurements"])
        if np.isfinite(m_sdp):
            ax.axhline(
                row_position(ms, m_sdp),
                color="white",
                lw=1.2,
                ls=":",
                label=f"min-trace SDP recovers from m = {m_sdp:g}",
            )
        ax.legend(fontsize="x-small", loc="lower left")
    ax.set(xlabel=r"init scale $\alpha$ ($U_0 = \alpha I$)", ylabel="measurements m")
    ax.set_title(f"sensing, X = UU$^T$, n = {n}, r = {r}, K = {settings['steps']}")
    return fig
