"""Figure "mean_field": two-layer ReLU networks and the F1 max margin (Chizat & Bach 2020).

(a) One seed, d = 3: the trained network's decision boundary f = 0 in the input
    plane over the training data, next to the LP max-margin solution's boundary.
(b) Normalised margin min yᵢf(xᵢ)/P(θ) divided by γ*_LP against the step, for
    both layers and output layer only; 1 is the F1 max margin.
(c) Particles of the same run: each neuron's direction wⱼ/‖wⱼ‖ on the sphere
    (d = 3), in an equal-area map (angle of its plane part (wⱼ₁, wⱼ₂), bias part
    wⱼ₀/‖wⱼ‖), sized by |aⱼ|‖wⱼ‖, at the start and end of training; the LP
    solution's atoms as crosses.
(d) Test error against the input dimension d for both regimes.
(e) Width sweep: the gap 1 − margin/P / γ*_up at the end of training against m
    (log-log), both layers: it shrinks as m grows (Chizat & Bach's m → ∞).
(f) Output layer only: the angle between a_t and â, the F2 (kernel) max margin
    of its random features (QP), against the step, with the 1/log t rate of
    Soudry et al. through its value at T/10.
Bands are 95% confidence intervals over seeds.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from ...numerics.f1_margin import network
from ...pipeline import theme
from ...pipeline.claims import final_rows
from .claims import angle, sweep_table, width_table
from .problem import problem

LABELS = {"both_layers": "both layers", "output_layer": "output layer only"}


def _example(table: pd.DataFrame):
    """The final row of the both-layer run with the smallest seed (the first loss/optimizer/η)."""
    last = final_rows(table, finite="margin").reset_index()
    both = last[last.model == "both_layers"].sort_values(["seed", "cell"])
    return both.iloc[0] if len(both) else None


def _weights(row, when: str, d: int):
    a = np.asarray(row[f"a_{when}"], dtype=float)
    return a, np.asarray(row[f"w_{when}"], dtype=float).reshape(len(a), d)


def _plane(d: int, lim: float = 0.6, size: int = 161):
    """A grid of the input plane (bias 1, noise coordinates 0) as inputs ``[size², d]``."""
    g = np.linspace(-lim, lim, size)
    x1, x2 = np.meshgrid(g, g)
    X = np.zeros((x1.size, d))
    X[:, 0], X[:, 1], X[:, 2] = 1.0, x1.ravel(), x2.ravel()
    return x1, x2, X


def figure(table: pd.DataFrame, settings: dict, reference=None):
    theme.apply()
    fig, axes = plt.subplots(3, 2, figsize=(2 * theme.COLUMN_WIDTH, 8.1), constrained_layout=True)
    (a_ax, b_ax), (c_ax, d_ax), (e_ax, f_ax) = axes
    d, palette = settings["d"], dict(zip(LABELS.values(), sns.color_palette(theme.PALETTE, 2)))
    row = _example(table)
    ref = (reference or {}).get("seeds", {}).get(str(int(row.seed))) if row is not None else None

    # (a) decision boundaries
    if row is not None:
        X, y, _, _ = problem(int(row.seed), d, settings["k"], settings["n"], 0)
        x1, x2, grid = _plane(d)
        a, W = _weights(row, "final", d)
        f = np.maximum(grid @ W.T, 0) @ a / len(a)
        a_ax.contour(x1, x2, f.reshape(x1.shape), levels=[0], colors=[palette["both layers"]], linewidths=1.2)
        if ref:
            f_lp = network(np.asarray(ref["weights"]), np.asarray(ref["atoms"]), grid)
            a_ax.contour(x1, x2, f_lp.reshape(x1.shape), levels=[0], colors="k", linestyles="--", linewidths=1)
        for label, marker, colour in ((1, "o", "tab:red"), (-1, "s", "tab:blue")):
            pts = X[y == label]
            a_ax.scatter(pts[:, 1], pts[:, 2], s=7, marker=marker, color=colour, label=f"y = {label:+d}")
        a_ax.plot([], [], color=palette["both layers"], label="network f = 0")
        a_ax.plot([], [], "k--", label="F1 LP f = 0")
        a_ax.legend(fontsize="xx-small", loc="lower left", framealpha=0.9)
        a_ax.set_title(f"(a) decision boundaries, d = {d}, seed {int(row.seed)}")
    a_ax.set(xlabel=r"$x_1$", ylabel=r"$x_2$", aspect="equal")

    # (b) normalised margin / γ*_LP
    t = table[table.step > 0].assign(
        ratio=lambda x: x.margin / x.gamma_lp, regime=lambda x: x.model.map(LABELS)
    )
    sns.lineplot(t, x="step", y="ratio", hue="regime", palette=palette, **theme.BANDS, ax=b_ax)
    b_ax.axhline(1.0, color="k", linestyle="--", linewidth=1, label=r"$\gamma^*_{LP}$")
    b_ax.set(xscale="log", ylim=(-0.2, 1.1), xlabel="step k",
             ylabel=r"$\min_i y_i f(x_i)\,/\,P(\theta)\,/\,\gamma^*_{LP}$")  # fmt: skip
    b_ax.set_title(f"(b) normalised margin, m = {settings['width']}")
    b_ax.legend(fontsize="x-small", loc="lower right")

    # (c) particles on the sphere, in an equal-area map: angle of (w₁, w₂) and bias part w₀/‖w‖
    if row is not None:
        for when, alpha in (("init", 0.35), ("final", 0.9)):
            a, W = _weights(row, when, d)
            norm = np.linalg.norm(W, axis=1)
            size = 40 * np.abs(a) * norm / (np.abs(a) * norm).max()
            groups = [(a == a, "0.5", "start")] if when == "init" else [
                (a > 0, "tab:red", r"end, $a_j > 0$"), (a < 0, "tab:blue", r"end, $a_j < 0$")]  # fmt: skip
            for keep, colour, label in groups:
                c_ax.scatter(np.arctan2(W[keep, 2], W[keep, 1]), W[keep, 0] / norm[keep], s=size[keep],
                             color=colour, alpha=alpha, linewidths=0, label=label)  # fmt: skip
        if ref:
            atoms, c = np.asarray(ref["atoms"]), np.abs(ref["weights"])
            c_ax.scatter(np.arctan2(atoms[:, 2], atoms[:, 1]), atoms[:, 0], marker="x", color="k",
                         s=8 + 40 * c / c.max(), linewidths=1, label=r"LP atoms, size $\propto |c_j|$")  # fmt: skip
        c_ax.legend(fontsize="xx-small", loc="lower left", framealpha=0.9)
    c_ax.set(xlim=(-np.pi, np.pi), ylim=(-1.05, 1.05), xlabel=r"angle of $(w_{j,1}, w_{j,2})$",
             ylabel=r"bias part $w_{j,0}/\|w_j\|$", xticks=np.pi * np.array([-1, -0.5, 0, 0.5, 1]),
             xticklabels=[r"$-\pi$", r"$-\pi/2$", "0", r"$\pi/2$", r"$\pi$"])  # fmt: skip
    c_ax.set_title(r"(c) neurons $w_j/\|w_j\|$, size $\propto |a_j|\,\|w_j\|$")

    # (d) test error against d
    sweep = sweep_table(table).assign(regime=lambda x: x.model.map(LABELS))
    if len(sweep):
        sns.lineplot(sweep, x="d", y="test_error", hue="regime", palette=palette, marker="o",
                     **theme.BANDS, ax=d_ax)  # fmt: skip
        d_ax.legend(fontsize="x-small", loc="upper left")
        d_ax.set_xticks(sorted(sweep.d.unique()))
    d_ax.set(xlabel="input dimension d", ylabel="test error", ylim=(0, None))
    d_ax.set_title(f"(d) test error, n = {settings['sweep_n']}, m = {settings['sweep_width']}")

    # (e) the gap to the F1 max margin against the width
    widths = width_table(table).dropna(subset=["gap_up"])
    e_ax.set(xscale="log", yscale="log", xlabel="width m",
             ylabel=r"$1 - \min_i y_i f(x_i)\,/\,P(\theta)\,/\,\gamma^*_{up}$")  # fmt: skip
    if len(widths):
        sns.lineplot(widths, x="m", y="gap_up", color=palette["both layers"], marker="o", **theme.BANDS, ax=e_ax)
        ticks = sorted(widths.m.unique())
        e_ax.set_xticks(ticks, labels=[str(m) for m in ticks], minor=False)
        e_ax.minorticks_off()
    e_ax.set_title(f"(e) gap to F1 max margin, {settings['width_steps']} steps")

    # (f) the output layer's direction against the F2 max margin â, with the 1/log t rate
    out = table.assign(f2_gap=table.get("f2_gap", np.nan))
    out = out[(out.model == "output_layer") & (out.step > 1)].dropna(subset=["f2_gap"])
    if len(out):
        out = out.assign(angle=angle(out.f2_gap))
        sns.lineplot(out, x="step", y="angle", color=palette["output layer only"], **theme.BANDS, ax=f_ax,
                     label=r"angle$(a_t, \hat a)$")  # fmt: skip
        mean = out.groupby("step").angle.mean()
        t0 = mean.index[np.argmin(np.abs(np.log(mean.index) - np.log(settings["steps"] / 10)))]
        t = mean.index[mean.index >= t0].to_numpy(dtype=float)
        f_ax.plot(t, mean[t0] * np.log(t0) / np.log(t), "k--", linewidth=1, label=r"$\propto 1/\log t$")
        f_ax.legend(fontsize="x-small", loc="lower left")
    f_ax.set(xscale="log", yscale="log", xlabel="step k", ylabel="angle (radians)")
    f_ax.set_title(r"(f) output layer: angle to F2 max margin $\hat a$")
    return fig
