"""Figure "label_noise": label noise, not minibatch sampling, finds the flat (minimum-ℓ1) interpolant.

Top row, sparse recovery with f_v(x) = ⟨v⊙v, x⟩ (HaoChen et al.), five
conditions at the same η: label-noise SGD, label noise alone (full-batch GD
with fresh labels), minibatch noise alone (SGD, σ = 0), GD and Gaussian-noise
GD.  (a) distance ‖v⊙v − w_ℓ1‖² to the minimum-ℓ1 interpolant (legend: seeds
that round to its support), (b) ‖v⊙v‖₁ / ‖w_ℓ1‖₁, (c) tr ∇²L with its
zero-loss value 2‖v⊙v‖₁ (dashed), (d) the clean training loss; bands are 95%
confidence intervals over seeds.  Bottom row, the toy f(u, v) = uv: (e) mean
s_k against η²σ²k for every (η, σ) pair with the exact-log (dashed) and ¼ tr ∇²L
(dotted, one curve for all pairs) predictions, (f) the distance of the mean
from each prediction in standard errors, (g) mean sinh 2s_k, label noise against
Gaussian noise, (h) the two regularisers along uv = 1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import NullFormatter

from ...numerics import stats
from ...numerics import toy_drift as ln
from ...pipeline import theme
from .claims import ALPHA_AGREE, CONDITIONS, next_order, recovered


def figure(table: pd.DataFrame, settings: dict, reference=None):
    fig, axes = theme.grid(2, 4, width=2.6 * theme.COLUMN_WIDTH, height=4.8)
    quadratic_panels(table[table.model == "quadratic"], reference, *axes[0])
    toy = table[table.model == "product"].sort_values("step")
    e, f, g, h = axes[1]
    collapse_panels(toy, settings.get("product", {}), e, f)
    s_end = conserved_panel(toy, g)
    regularizer_panel(toy, s_end, h)
    return fig


def label_of(quad: pd.DataFrame) -> pd.Series:
    """Each row's condition name (CONDITIONS), or None."""
    out = pd.Series(None, index=quad.index, dtype=object)
    for name, (optimizer, noisy) in CONDITIONS.items():
        out[(quad.optimizer == optimizer) & ((quad.sigma > 0) == noisy)] = name
    return out


def quadratic_panels(quad: pd.DataFrame, reference, a, b, c, d):
    """(a) distance to w_ℓ1, (b) ℓ1 norm over the LP's minimum, (c) flatness, (d) fit."""
    quad = quad.assign(run=label_of(quad))
    last = quad.sort_values("step").groupby("cell").tail(1)
    names = {}
    for name in CONDITIONS:
        rows = last[last.run == name]
        if len(rows):
            names[name] = f"{name} ({int(recovered(rows).sum())}/{len(rows)})"
    quad = quad[quad.step > 0].assign(run=lambda t: t.run.map(names))
    order = [names[n] for n in CONDITIONS if n in names]
    l1_min = {int(k): v["l1"] for k, v in ((reference or {}).get("quadratic") or {}).items()}
    quad = quad.assign(l1_ratio=quad.l1_norm / quad.seed.map(l1_min), two_l1=2 * quad.l1_norm)
    panels = ((a, "dist_l1", r"$\|v\odot v - w_{\ell_1}\|^2$", "(a) distance to the min-$\\ell_1$ interpolant"),
              (b, "l1_ratio", r"$\|v\odot v\|_1 / \|w_{\ell_1}\|_1$", "(b) $\\ell_1$ norm (1: basis pursuit)"),
              (c, "trace_hessian", r"tr $\nabla^2 L$ (dashed: $2\|v\odot v\|_1$)", "(c) flatness"),
              (d, "train_loss", "training loss (clean labels)", "(d) fit"))  # fmt: skip
    for ax, col, label, title in panels:
        if quad[col].notna().any():
            sns.lineplot(quad, x="step", y=col, hue="run", hue_order=order, **theme.BANDS, ax=ax, legend=ax is a)
        ax.set(xscale="log", yscale="log", xlabel="step k", ylabel=label)
        ax.set_title(title)
    if len(quad):
        sns.lineplot(quad, x="step", y="two_l1", hue="run", hue_order=order, errorbar=None, ax=c, legend=False,
                     linestyle="--")  # fmt: skip
        b.axhline(1.0, color="k", lw=0.8, ls=":")
        d.set_ylim(bottom=1e-12)  # GD reaches round-off; below this nothing is visible
        drop = float(quad.eta_drop_step.iloc[0])
        for ax in (a, b, c, d):
            ax.axvline(drop, color="0.5", lw=0.6, ls=":")
        a.legend(fontsize="xx-small", title=r"(seeds at supp $w_{\ell_1}$); $\eta$ drops at the dotted line",
                 title_fontsize="xx-small")  # fmt: skip


def pair_label(row) -> str:
    return rf"$\eta\cosh 2s_0$={row.eta_abs * np.cosh(2 * row.s0):.3g}, $\sigma$={row.sigma:g}"


def collapse_panels(toy: pd.DataFrame, s: dict, e, f):
    """(e) mean s_k against η²σ²k for each pair, (f) distance from the two predictions in standard errors."""
    ln_runs = toy[(toy.optimizer == "sgd") & (toy.sigma > 0)]
    palette = sns.color_palette(theme.PALETTE)
    for i, (_, cell) in enumerate(ln_runs.groupby("cell", sort=True)):
        cell = cell[cell.step > 0]
        tau = cell.eta_abs**2 * cell.sigma**2 * cell.step
        color = palette[i % len(palette)]
        e.plot(tau, cell.s, color=color, lw=1.2, label=pair_label(cell.iloc[0]))
        e.plot(tau, cell.s_exact_log, color=color, lw=0.8, ls="--")
        late = cell[cell.step >= 100]  # before, s has hardly moved and its s.e. is ~0
        margin = next_order(late.s_exact_log, late.eta_abs, late.sigma, late.step)
        for column, ls in (("s_exact_log", "-"), ("s_quarter_trace", ":")):
            z = ((late.s - late[column]).abs() - margin) / late.s_se
            f.plot(late.step, z.clip(lower=1e-2), color=color, lw=1.0, ls=ls)
    if len(ln_runs):
        r = ln_runs.iloc[0]
        tau = np.geomspace(1e-4, float((ln_runs.eta_abs**2 * ln_runs.sigma**2 * ln_runs.step).max()), 200)
        e.plot(tau, ln.drift_quarter_trace(float(r.s0), 1.0, 1.0, tau), color="k", lw=0.8, ls=":",
               label=r"$\frac{1}{4}$tr$\,\nabla^2L$: one curve")  # fmt: skip
        e.set_title(rf"(e) toy, {int(r.runs)} runs per pair")
        z = stats.bonferroni_z(ALPHA_AGREE, ln_runs.cell.nunique() * len(s.get("checkpoints", [])))
        f.axhline(z, color="k", lw=0.6, ls="--")
        for k in s.get("checkpoints", []):
            f.axvline(k, color="0.5", lw=0.6, ls=":")
    e.set(xscale="log", xlabel=r"$\eta^2\sigma^2 k$ (dashed: exact-log)", ylabel=r"mean $s_k$ ($u = e^s, v = e^{-s}$)")
    e.legend(fontsize="xx-small")
    f.set(xscale="log", yscale="log", xlabel="step k", ylabel="|mean $s_k$ − prediction| / s.e.")
    f.xaxis.set_minor_formatter(NullFormatter())
    f.set_title("(f) vs exact-log (—), ¼ tr ∇²L (⋯)")


def conserved_panel(toy: pd.DataFrame, g) -> float:
    """(g) mean sinh 2s_k / sinh 2s₀ against η²σ²k: label noise (every pair) against Gaussian noise."""
    s_end = np.nan
    palette = sns.color_palette(theme.PALETTE)
    for (optimizer, _), cell in toy[toy.sigma > 0].groupby(["optimizer", "cell"], sort=True):
        cell = cell[cell.step > 0]
        tau = cell.eta_abs**2 * cell.sigma**2 * cell.step
        sinh0 = np.sinh(2 * cell.s0.iloc[0])
        color = palette[2] if optimizer == "noisy_gd" else palette[1]
        label = "Gaussian noise" if optimizer == "noisy_gd" else "label noise"
        g.plot(tau, cell.sinh2s / sinh0, color=color, lw=1.0, label=label)
        g.fill_between(tau, (cell.sinh2s - 2 * cell.sinh2s_se) / sinh0, (cell.sinh2s + 2 * cell.sinh2s_se) / sinh0,
                       color=color, alpha=0.25, lw=0)  # fmt: skip
        if optimizer == "sgd" and not np.isfinite(s_end):
            s_end = float(cell.s.iloc[-1])
    if len(toy):
        tau = np.geomspace(1e-4, float((toy.eta_abs**2 * toy.sigma**2 * toy.step).max()), 100)
        g.plot(tau, np.exp(-tau), color="k", lw=0.8, ls=":", label=r"$e^{-\eta^2\sigma^2 k}$")
    handles, labels = g.get_legend_handles_labels()
    keep = dict(zip(labels, handles))
    g.legend(keep.values(), keep.keys(), fontsize="xx-small")
    g.set(xscale="log", yscale="log", xlabel=r"$\eta^2\sigma^2 k$", ylabel=r"mean $\sinh 2s_k$ / $\sinh 2s_0$")
    g.set_title(r"(g) mean $\sinh 2s$: label vs Gaussian")
    return s_end


def regularizer_panel(toy: pd.DataFrame, s_end: float, h):
    """(h) R along uv = 1: Damian–Lee–Ma's form, ¼ tr ∇²L, and the lecture's form (scaled by 1/η)."""
    first = toy[(toy.optimizer == "sgd") & (toy.sigma > 0)]
    eta = float(first.eta_abs.iloc[0]) if len(first) else 0.02
    s_max = 0.5 * np.arccosh(0.9 / eta)  # stay inside η cosh 2s < 1
    grid = np.linspace(-min(1.0, s_max), min(1.0, s_max), 201)
    curves = {
        r"DLM: $-\frac{1}{2\eta}$tr log$(I - \frac{\eta}{2}\nabla^2L)$": ln.regularizer_dlm(grid, eta),
        r"$\frac{1}{4}$tr$\,\nabla^2 L$": ln.quarter_trace(grid),
        r"lecture: $\frac{1}{2n}$tr log$(I - \frac{\eta}{2}\nabla^2L)$, $\times 1/\eta$": ln.regularizer_lecture(grid, eta) / eta,
    }
    for (label, values), ls in zip(curves.items(), ("-", ":", "--")):
        h.plot(grid, values - values[len(grid) // 2], ls=ls, lw=1.0, label=label)
    if len(first):
        s0 = float(first.s0.iloc[0])
        h.axvline(s0, color="0.5", lw=0.6)
        if np.isfinite(s_end):
            h.axvline(s_end, color="0.5", lw=0.6, ls="--")
            h.annotate("", xy=(s_end, 0.05), xytext=(s0, 0.05), arrowprops={"arrowstyle": "->", "color": "0.3"})
    h.set(xlabel=r"$s$ on $uv = 1$", ylabel=r"$R(s) - R(0)$")
    h.set_title(rf"(h) the two R's ($\eta$={eta:.3g})")
    h.legend(fontsize="xx-small", loc="lower center")
