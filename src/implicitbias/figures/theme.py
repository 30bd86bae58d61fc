"""The shared look of every figure: colour-blind-safe palette, paper-width sizes.

PNG at 200 dpi for the report and vector PDF for papers.  Labels use the
lecture's notation (η, β, σ, ‖x − A⁺y‖).
"""

from __future__ import annotations

import textwrap

import matplotlib
import numpy as np
from scipy import stats

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402

from ..tables import atomic_write  # noqa: E402

PALETTE = "colorblind"


def ci95(values) -> tuple[float, float]:
    """The 95% confidence interval of the mean over seeds, mean ± t₀.₉₇₅,ₙ₋₁·s/√n.

    Student's t interval: exact for normal data, valid for the 3–10 seeds a
    grid has (where a bootstrap interval is too narrow), deterministic (a
    bootstrap is not), and cheap.  Passed to seaborn as ``errorbar=ci95``.
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if len(x) < 2:
        m = x.mean() if len(x) else np.nan
        return m, m
    half = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    return x.mean() - half, x.mean() + half
COLUMN_WIDTH = 3.4  # inches: one column of a two-column paper
DPI = 200


def apply() -> None:
    sns.set_theme(context="paper", style="whitegrid", palette=PALETTE, font_scale=0.9)
    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": DPI, "pdf.fonttype": 42, "axes.titlesize": "medium"})


def grid(rows: int, cols: int, width: float = 2 * COLUMN_WIDTH, height: float = 2.4):
    """A rows × cols grid of panels sized for a two-column figure (``axes[i][j]``)."""
    apply()
    return plt.subplots(rows, cols, figsize=(width, height), constrained_layout=True, squeeze=False)


def panels(n: int, width: float = 2 * COLUMN_WIDTH, height: float = 2.4):
    """A row of n panels sized for a two-column figure; ``axes`` is always a sequence."""
    fig, axes = grid(1, n, width, height)
    return fig, list(axes[0])


def mark_missing(fig, missing: list[str]) -> None:
    """Stamp a partial figure with the batches it was drawn without."""
    if missing:
        text = f"PARTIAL: drawn without {len(missing)} batch(es): {', '.join(missing)}"
        fig.suptitle(textwrap.fill(text, 120), color="#d55e00", fontsize="x-small")


def save(fig, pdf: str, png: str) -> None:
    """Write the figure atomically as vector PDF and as PNG at DPI."""
    atomic_write(pdf, lambda tmp: fig.savefig(tmp, format="pdf"))
    atomic_write(png, lambda tmp: fig.savefig(tmp, format="png", dpi=DPI))
    plt.close(fig)
