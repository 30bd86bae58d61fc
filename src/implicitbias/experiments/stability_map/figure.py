"""Figure "stability_map": fraction of seeds whose GD run diverges, over (ηβ, n/p), with ηβ = 2 overlaid.

A heatmap (seaborn) of the divergence fraction: columns are the grid's ηβ, rows the
problem shapes n/p swept inside each cell; the theory's boundary ηβ = 2 is a line.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns

from ...pipeline import theme
from .claims import THRESHOLD, fractions


def boundary_x(etas: np.ndarray, value: float) -> float:
    """Heatmap x coordinate of ``value`` on the sorted grid ``etas`` (cell i spans [i, i + 1))."""
    return float(np.interp(value, etas, np.arange(len(etas))) + 0.5)


# The columns this job reads (implicitbias.pipeline.jobs reads only these): at 10⁴–10⁵ cells
# the table is mostly columns the divergence fractions do not need.
COLUMNS_READ = ("cell", "n", "eta", "seed", "status")

def figure(table: pd.DataFrame, settings: dict, reference=None):
    fig, (ax,) = theme.panels(1, width=2 * theme.COLUMN_WIDTH, height=2.6)
    f = fractions(table).assign(shape=lambda d: d.n / settings["p"])
    heat = f.pivot(index="shape", columns="eta", values="frac").sort_index(ascending=False)
    etas = heat.columns.to_numpy(dtype=float)
    step = max(1, len(etas) // 10)
    sns.heatmap(heat, ax=ax, vmin=0, vmax=1, cmap="rocket_r", cbar_kws={"label": "fraction diverged"},
                xticklabels=step, yticklabels=[f"{v:g}" for v in heat.index])  # fmt: skip
    ax.set_xticklabels([f"{etas[round(t.get_position()[0] - 0.5)]:.2f}" for t in ax.get_xticklabels()])
    if len(etas):
        ax.axvline(boundary_x(etas, THRESHOLD), color="tab:cyan", lw=1.2, ls="--", label=r"theory: $\eta\beta = 2$")
        ax.legend(fontsize="x-small", loc="lower left")
    ax.set(xlabel=r"$\eta\beta$", ylabel=r"$n/p$")
    ax.set_title(f"GD on least squares, {settings['steps']} steps")
    return fig
