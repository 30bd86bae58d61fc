"""Figure "label_noise": label noise prefers flat minima.

Top row, sparse recovery with f_v(x) = ⟨v⊙v, x⟩ (HaoChen et al.): (a) test
error ‖v⊙v − w*‖², (b) training loss on clean labels, (c) tr ∇²L with its
zero-loss value 2‖v⊙v‖₁ (dashed), against steps; bands are 95% confidence
intervals over seeds.  Bottom row, the toy f(u, v) = uv: (d) mean s_k over the
replicates against the exact-log and ¼ tr ∇²L predictions, (e) mean sinh 2s_k,
label noise against Gaussian noise (bands ±2 standard errors), (f) the two
regularisers along uv = 1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns

from ...numerics import toy_drift as ln
from ...pipeline import theme

NAMES = {"gd": "GD", "sgd": "label-noise SGD", "noisy_gd": "Gaussian-noise GD"}


def figure(table: pd.DataFrame, settings: dict, reference=None):
    fig, axes = theme.grid(2, 3, height=4.6)
    quad = table[(table.model == "quadratic") & (table.step > 0)].assign(run=lambda d: d.optimizer.map(NAMES))
    order = [NAMES[o] for o in NAMES if NAMES[o] in set(quad.run)]
    a, b, c = axes[0]
    for ax, col, label in ((a, "test_error", r"test error $\|v\odot v - w^*\|^2$"), (b, "train_loss", "training loss (clean labels)")):
        sns.lineplot(quad, x="step", y=col, hue="run", hue_order=order, **theme.BANDS, ax=ax, legend=ax is a)
        ax.set(xscale="log", yscale="log", xlabel="step k", ylabel=label)
    b.set_ylim(bottom=1e-12)  # GD reaches round-off; below this nothing is visible
    sns.lineplot(quad, x="step", y="trace_hessian", hue="run", hue_order=order, **theme.BANDS, ax=c, legend=False)
    sns.lineplot(quad.assign(two_l1=2 * quad.l1_norm), x="step", y="two_l1", hue="run", hue_order=order,
                 errorbar=None, ax=c, legend=False, linestyle="--")  # fmt: skip
    c.set(xscale="log", yscale="log", xlabel="step k", ylabel=r"tr $\nabla^2 L$ (dashed: $2\|v\odot v\|_1$)")
    if len(quad):
        drop = float(quad.eta_drop_step.iloc[0])
        for ax in (a, b, c):
            ax.axvline(drop, color="0.5", lw=0.6, ls=":")
        a.legend(fontsize="x-small", title=r"$\eta$ drops at the dotted line", title_fontsize="x-small")
    a.set_title("(a) sparse recovery")
    b.set_title("(b) fit")
    c.set_title("(c) flatness")

    toy = table[table.model == "product"].sort_values("step")
    d, e, f = axes[1]
    s_end = toy_panels(toy, settings.get("product", {}), d, e)
    regularizer_panel(toy, settings.get("product", {}), s_end, f)
    return fig


def toy_panels(toy: pd.DataFrame, s: dict, d, e):
    """(d) mean s_k and its predictions, (e) mean sinh 2s_k: label noise against Gaussian noise."""
    ln_runs, gauss = toy[toy.optimizer == "sgd"], toy[toy.optimizer == "noisy_gd"]
    s_end = np.nan
    palette = sns.color_palette(theme.PALETTE)
    for frame, name, color in ((ln_runs, NAMES["sgd"], palette[1]), (gauss, NAMES["noisy_gd"], palette[2])):
        if not len(frame):
            continue
        k = frame.step.to_numpy()
        d.plot(k, frame.s, color=color, lw=1.2, label=f"{name}, mean $s_k$")
        d.fill_between(k, frame.s - 2 * frame.s_se, frame.s + 2 * frame.s_se, color=color, alpha=0.25, lw=0)
        sinh0 = np.sinh(2 * frame.s0.iloc[0])
        e.plot(k, frame.sinh2s / sinh0, color=color, lw=1.2, label=name)
        e.fill_between(k, (frame.sinh2s - 2 * frame.sinh2s_se) / sinh0, (frame.sinh2s + 2 * frame.sinh2s_se) / sinh0,
                       color=color, alpha=0.25, lw=0)  # fmt: skip
    if len(ln_runs):
        k = ln_runs.step.to_numpy()
        d.plot(k, ln_runs.s_exact_log, color="k", lw=0.8, ls="--", label="exact-log prediction")
        d.plot(k, ln_runs.s_quarter_trace, color="0.5", lw=0.8, ls=":", label=r"$\frac{1}{4}$tr$\,\nabla^2L$ prediction")
        eta, sigma = ln_runs.eta.iloc[0], ln_runs.sigma.iloc[0]
        e.plot(k, np.exp(-(eta**2) * sigma**2 * k), color="k", lw=0.8, ls=":", label=r"$e^{-\eta^2\sigma^2 k}$")
        s_end = float(ln_runs.s.iloc[-1])
        d.set_title(rf"(d) toy $uv$: $\eta$={eta:g}, $\sigma$={sigma:g}, {int(ln_runs.runs.iloc[0])} runs")
    d.set(xlabel="step k", ylabel=r"$s$ ($u = e^s, v = e^{-s}$)")
    d.legend(fontsize="xx-small")
    e.set(xlabel="step k", ylabel=r"mean $\sinh 2s_k$ / $\sinh 2s_0$")
    e.set_title("(e) drift of the conserved quantity")
    e.legend(fontsize="xx-small")
    return s_end


def regularizer_panel(toy: pd.DataFrame, s: dict, s_end: float, f):
    """(f) R along uv = 1: Damian–Lee–Ma's form, ¼ tr ∇²L, and the lecture's form (scaled by 1/η)."""
    eta = float(toy.eta.iloc[0]) if len(toy) else 0.02
    s_max = 0.5 * np.arccosh(0.9 / eta)  # stay inside η cosh 2s < 1
    grid = np.linspace(-min(1.0, s_max), min(1.0, s_max), 201)
    curves = {
        r"DLM: $-\frac{1}{2\eta}$tr log$(I - \frac{\eta}{2}\nabla^2L)$": ln.regularizer_dlm(grid, eta),
        r"$\frac{1}{4}$tr$\,\nabla^2 L$": ln.quarter_trace(grid),
        r"lecture: $\frac{1}{2n}$tr log$(I - \frac{\eta}{2}\nabla^2L)$, $\times 1/\eta$": ln.regularizer_lecture(grid, eta) / eta,
    }
    for (label, values), ls in zip(curves.items(), ("-", ":", "--")):
        f.plot(grid, values - values[len(grid) // 2], ls=ls, lw=1.0, label=label)
    if len(toy):
        f.axvline(float(toy.s0.iloc[0]), color="0.5", lw=0.6)
        if np.isfinite(s_end):
            f.axvline(s_end, color="0.5", lw=0.6, ls="--")
            f.annotate("", xy=(s_end, 0.05), xytext=(float(toy.s0.iloc[0]), 0.05),
                       arrowprops={"arrowstyle": "->", "color": "0.3"})  # fmt: skip
    f.set(xlabel=r"$s$ on $uv = 1$", ylabel=r"$R(s) - R(0)$")
    f.set_title("(f) which R the drift follows")
    f.legend(fontsize="xx-small", loc="lower center")
