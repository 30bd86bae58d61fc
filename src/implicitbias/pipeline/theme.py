"""The shared look of every figure: colour-blind-safe palette, paper-width sizes.

PNG at 200 dpi for the report and vector PDF for papers.  Labels use the
lecture's notation (η, β, σ, ‖x − A⁺y‖).
"""

from __future__ import annotations

import textwrap

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402

from .tables import atomic_write  # noqa: E402

PALETTE = "colorblind"
COLUMN_WIDTH = 3.4  # inches: one column of a two-column paper
DPI = 200

# Bands: 95% percentile-bootstrap confidence intervals of the mean over seeds.
# The bootstrap never leaves the range of the data (a t interval of 3 seeds
# reaches below zero on a log axis); 200 resamples with a fixed seed make it
# deterministic and five times cheaper than seaborn's default 1000.
BANDS = {"errorbar": ("ci", 95), "n_boot": 200, "seed": 0}


def apply() -> None:
    sns.set_theme(context="paper", style="whitegrid", palette=PALETTE, font_scale=0.9)
    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": DPI, "pdf.fonttype": 42, "axes.titlesize": "medium"})


def mark_diverged(frame, column: str):
    """Relabel ``column`` so that a value whose runs diverged reads e.g. ``2.01 (diverged 3/3)``.

    A diverged run's curve stops where it blew up; the label says why.
    """
    runs = frame.groupby(column).agg(n=("cell", "nunique"))
    bad = frame[frame.status == "diverged"].groupby(column).cell.nunique()
    labels = {v: (f"{v} (diverged {bad[v]}/{runs.n[v]})" if v in bad.index else str(v)) for v in runs.index}
    return frame.assign(**{column: frame[column].map(labels)}), labels


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
