"""Figure "low_rank": GD on matrix factorizations finds low-rank solutions.

(a) sensing X = UUᵀ: ‖X − X*‖_F/‖X*‖_F against the init scale α, per m;
(b) tr(X)/tr(X*) against α, with the min-trace SDP's level (dotted);
(c) below the recovery threshold: GD's distance to X* and to the SDP solution;
(d) deep matrix completion: normalised singular values σ_i/σ₁ at the last step, by depth;
(e) deep matrix completion: test MSE on the unobserved entries against the step;
(f) Razin & Cohen's 2×2 example: |W₀₀| with the prediction 1/√(2L), and σ₂/σ₁.
Bands are 95% confidence intervals over seeds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns

from ...pipeline import theme
from .claims import final_rows


def _empty(ax, title):
    ax.set_title(title)
    ax.text(0.5, 0.5, "not in this config", ha="center", va="center", transform=ax.transAxes)


def figure(table: pd.DataFrame, settings: dict, reference=None):
    fig, axes = theme.grid(2, 3, height=4.6)
    (a, b, c), (d, e, f) = axes
    sensing(table[table.model == "sensing_uut"], a, b, c)
    completion(table[table.model.str.startswith("completion_depth")], d, e)
    razin_cohen(table[table.model == "razin_cohen"], f)
    return fig


def sensing(t, a, b, c):
    if not len(t):
        for ax, title in ((a, "(a) sensing"), (b, "(b) trace"), (c, "(c) GD vs SDP")):
            _empty(ax, title)
        return
    last = final_rows(t).assign(m=lambda x: x.m.astype(int).map("m = {}".format))
    order = sorted(last.m.unique(), key=lambda s: -int(s.split()[-1]))
    kw = dict(x="alpha", hue="m", hue_order=order, **theme.BANDS, marker="o", markersize=4)
    sns.lineplot(last, y="rel_err", ax=a, **kw)
    a.set(xscale="log", yscale="log", xlabel=r"init scale $\alpha$", ylabel=r"$\|X - X^*\|_F / \|X^*\|_F$")
    a.axhline(1e-2, color="grey", lw=0.6, ls=":")
    a.set_title(r"(a) sensing, $X = UU^\top$")
    a.legend(fontsize="x-small")

    sns.lineplot(last, y="trace_ratio", ax=b, **kw)
    palette = dict(zip(order, sns.color_palette(theme.PALETTE)))
    for m, rows in last.groupby("m"):
        level = rows.sdp_trace_truth.mean()
        if np.isfinite(level):
            b.axhline(level, color=palette[m], lw=0.9, ls=":")
    b.set(xscale="log", xlabel=r"init scale $\alpha$", ylabel=r"$\mathrm{tr}\,X / \mathrm{tr}\,X^*$")
    b.set_title("(b) trace (dotted: min-trace SDP)")
    b.legend(fontsize="x-small")

    lo = last[last.m == order[-1]]
    long = pd.concat(
        [
            lo.assign(value=lo.rel_err, to=r"$X^*$"),
            lo.assign(value=lo.sdp_dist, to=r"SDP $X_{\mathrm{sdp}}$"),
        ]
    ).dropna(subset=["value"])
    sns.lineplot(long, x="alpha", y="value", hue="to", **theme.BANDS, marker="o", markersize=4, ax=c)
    c.set(xscale="log", yscale="log", xlabel=r"init scale $\alpha$", ylabel="relative distance")
    c.set_title(f"(c) {order[-1]}: distance to")
    c.legend(fontsize="x-small")


def completion(t, d, e):
    if not len(t):
        _empty(d, "(d) spectra")
        _empty(e, "(e) completion")
        return
    t = t.assign(depth=t.depth.astype(int).map("depth {}".format))
    last = final_rows(t)
    sv = [col for col in t.columns if col.startswith("sv_") and last[col].notna().any()]
    long = last.melt(id_vars=["cell", "depth"], value_vars=sv, var_name="i", value_name="ratio")
    long = long.assign(i=long.i.str.removeprefix("sv_").astype(int))
    order = sorted(long.depth.unique())
    sns.lineplot(long, x="i", y="ratio", hue="depth", hue_order=order, **theme.BANDS, marker="o",
                 markersize=3, ax=d)  # fmt: skip
    d.set(yscale="log", xlabel="index i", ylabel=r"$\sigma_i / \sigma_1$ at the last step")
    d.set_title("(d) completion: spectra")
    d.legend(fontsize="x-small")

    curve = t[t.step > 0]
    sns.lineplot(curve, x="step", y="test_mse", hue="depth", hue_order=order, **theme.BANDS, ax=e)
    e.set(xscale="log", yscale="log", xlabel="step", ylabel="test MSE (unobserved entries)")
    e.set_title("(e) completion: test error")
    e.legend(fontsize="x-small")


def razin_cohen(t, f):
    if not len(t):
        _empty(f, "(f) Razin & Cohen")
        return
    t = t[t.step > 0]
    long = pd.concat(
        [
            t.assign(value=t.w00.abs(), quantity=r"$|W_{00}|$"),
            t.assign(value=1 / np.sqrt(2 * t.train_loss), quantity=r"$1/\sqrt{2L}$"),
            t.assign(value=t.sv_2, quantity=r"$\sigma_2/\sigma_1$"),
        ]
    )
    sns.lineplot(long, x="step", y="value", hue="quantity", style="quantity", dashes=["", (3, 2), ""],
                 **theme.BANDS, ax=f)  # fmt: skip
    f.set(xscale="log", yscale="log", xlabel="step", ylabel="")
    f.set_xlim(t.step.max() / 30, t.step.max())  # the escape from the small init and after
    f.set_title("(f) Razin & Cohen, depth 3")
    f.legend(fontsize="x-small")
