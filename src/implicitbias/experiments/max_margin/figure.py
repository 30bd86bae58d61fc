"""Figure "max_margin": GD on separable data, in direction, tends to the L2 max-margin.

(a) ‖θ_t‖ against log t (symmetric set, GD), slope ‖ŵ‖ as a guide.
(b) the summed training loss against t, log-log, with Σα/(ηt) (slope −1).
(c) the angle gap 1 − cos(θ_t, ŵ) on the symmetric and generic sets, with a
    c/log² t guide (1 − cos is half the squared angle, and the angle is c/log t).
(d) the margin gap 1/‖ŵ‖ − minᵢ⟨θ_t, zᵢ⟩/‖θ_t‖, with a c/log t guide.
(e) the orthants set: the ℓ∞-normalised margin minᵢ⟨θ_t, zᵢ⟩/‖θ_t‖∞ over γ∞ per
    optimizer, against 1 (the ℓ∞ max margin, LP) and γ∞(ŵ)/γ∞ (GD's limit, SVM).
(f) the symmetric set: 1 − cos(θ_t, ŵ) per optimizer.
(g) random starts θ₀ = s·z/‖z‖ (logistic GD): ∠(θ_t, ŵ) per s, against the
    non-expansiveness bound arcsin(s/‖θ_t‖) around the start θ₀ = 0.
(h) SGD (one sample per step, fixed η) and GD at the same η (logistic loss):
    ∠(θ_t, ŵ), both O(1/log t) (Nacson, Srebro & Soudry 2019).
Bands are 95% confidence intervals over seeds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns

from ...pipeline import theme
from .claims import angle_to_svm

ORDER = ("gd", "heavy_ball", "normalized_gd", "adam", "adam_decay", "sign_gd")


def _guide(ax, t, values, label, style="k:"):
    ax.plot(t, values, style, lw=1, label=label)


def figure(table: pd.DataFrame, settings: dict, reference=None):
    fig, axes = theme.grid(2, 4, width=8 / 3 * theme.COLUMN_WIDTH, height=4.8)
    (a, b, c, starts_ax), (d, e, f, sgd_ax) = axes
    t = table[table.step > 0]
    gd = t[(t.model == "symmetric") & (t.optimizer == "gd")]
    gd = gd.assign(run=gd.loss + ", " + r"$\eta\beta$=" + gd.eta.map("{:g}".format))
    runs = sorted(gd.run.unique())

    sns.lineplot(gd, x="step", y="norm", hue="run", hue_order=runs, **theme.BANDS, ax=a)
    if len(gd):
        steps = np.geomspace(gd.step.min(), gd.step.max(), 50)
        w_norm = gd.svm_norm.mean()
        end = gd[gd.step == gd.step.max()].norm.mean()
        _guide(a, steps, end + w_norm * (np.log(steps) - np.log(steps[-1])), r"slope $\|\hat w\|$")
    a.set(xscale="log", xlabel="step t", ylabel=r"$\|\theta_t\|$")
    a.set_title(r"(a) $\|\theta_t\| \approx \|\hat w\|\log t$")
    a.legend(fontsize="xx-small")

    exp = gd[gd.loss == "exponential"]
    sns.lineplot(exp, x="step", y="train_loss", hue="run", **theme.BANDS, ax=b)
    for eb, cells in exp.groupby("eta"):
        steps = np.geomspace(cells.step.min(), cells.step.max(), 50)
        _guide(b, steps, (cells.sum_alpha / cells.eta_abs).mean() / steps, None)
    b.plot([], [], "k:", lw=1, label=r"$\sum\alpha/(\eta t)$")
    b.set(xscale="log", yscale="log", xlabel="step t", ylabel=r"$L(\theta_t)$ (sum)")
    b.set_title("(b) loss ~ 1/t")
    b.legend(fontsize="xx-small")

    gaps = t[(t.optimizer == "gd") & (t.loss == "exponential") & t.model.isin(["symmetric", "generic"])]
    sns.lineplot(gaps, x="step", y="gap_l2", hue="model", style="eta", **theme.BANDS, ax=c)
    generic = gaps[gaps.model == "generic"]
    if len(generic):
        steps = np.geomspace(10, generic.step.max(), 50)
        end = generic[generic.step == generic.step.max()].gap_l2.mean()
        _guide(c, steps, end * np.log(steps[-1]) ** 2 / np.log(steps) ** 2, r"$c/\log^2 t$")
    c.set(xscale="log", yscale="log", xlabel="step t", ylabel=r"$1 - \cos(\theta_t, \hat w)$")
    c.set_title("(c) angle gap")
    c.legend(fontsize="xx-small", ncols=2)

    gaps = gaps.assign(margin_gap=gaps.svm_margin - gaps.margin)
    sns.lineplot(gaps, x="step", y="margin_gap", hue="model", style="eta", **theme.BANDS, ax=d)
    if len(generic):
        g = gaps[gaps.model == "generic"]
        end = g[g.step == g.step.max()].margin_gap.mean()
        _guide(d, steps, end * np.log(steps[-1]) / np.log(steps), r"$c/\log t$")
    d.set(
        xscale="log",
        yscale="log",
        xlabel="step t",
        ylabel=r"$1/\|\hat w\| - \min_i \langle\theta_t, z_i\rangle/\|\theta_t\|$",
    )
    d.set_title("(d) margin gap")
    d.legend(fontsize="xx-small", ncols=2)

    st = t[t.model == "orthants"]
    st = st.assign(linf=st.margin_linf / st.gamma_inf)
    order = [o for o in ORDER if o in set(st.optimizer)]
    sns.lineplot(st, x="step", y="linf", hue="optimizer", hue_order=order, **theme.BANDS, ax=e)
    if len(st):
        e.axhline(1.0, color="0.3", ls=":", lw=0.8)
        e.axhline(st.linf_margin_of_w.iloc[0], color="0.3", ls="--", lw=0.8)
        e.text(st.step.min(), 1.0, r" $\ell_\infty$ max margin (LP)", va="bottom", fontsize="x-small")
        e.text(
            st.step.min(), st.linf_margin_of_w.iloc[0], r" $\hat w$ (SVM, GD's limit)", va="bottom", fontsize="x-small"
        )
    e.set(
        xscale="log", xlabel="step t", ylabel=r"$\min_i\langle\theta_t, z_i\rangle/(\|\theta_t\|_\infty\gamma_\infty)$"
    )
    e.set_title("(e) orthants set")
    e.legend(fontsize="xx-small", loc="lower right")

    de = t[(t.model == "symmetric") & (t.loss == "exponential")]
    order = [o for o in ORDER if o in set(de.optimizer)]
    sns.lineplot(de, x="step", y="gap_l2", hue="optimizer", hue_order=order, style="eta", **theme.BANDS, ax=f)
    f.set(xscale="log", yscale="log", xlabel="step t", ylabel=r"$1 - \cos(\theta_t, \hat w)$")
    f.set_title("(f) symmetric set: optimizers")
    f.legend(fontsize="xx-small", ncols=2)

    starts = t[t.model == "symmetric_init"]
    starts = starts.assign(angle_deg=np.degrees(angle_to_svm(starts)), start=starts.init_scale.map("s={:g}".format))
    order = [f"s={v:g}" for v in sorted(set(starts.init_scale))]
    sns.lineplot(starts, x="step", y="angle_deg", hue="start", hue_order=order, **theme.BANDS, ax=starts_ax)
    zero = starts[starts.init_scale == 0].set_index(["seed", "step"])
    for color, s0 in zip(sns.color_palette(), sorted(set(starts.init_scale))):
        if s0 == 0:
            continue
        run = starts[starts.init_scale == s0].set_index(["seed", "step"])
        sin = s0 / np.maximum(run.norm, zero.norm.reindex(run.index))  # ‖θ_t − θ⁰_t‖ ≤ s (non-expansive GD)
        bound = zero.angle_deg.reindex(run.index) + np.degrees(np.arcsin(sin.where(sin < 1)))
        guide = bound.groupby("step").agg(lambda b: b.mean() if b.notna().all() else np.nan)  # every seed bounded
        starts_ax.plot(guide.index, guide, ":", color=color, lw=0.9)
    starts_ax.plot([], [], "k:", lw=0.9, label=r"$\angle(\theta^0_t, \hat w) + \arcsin(s/\|\theta_t\|)$")
    starts_ax.set(xscale="log", yscale="log", xlabel="step t", ylabel=r"$\angle(\theta_t, \hat w)$ (degrees)")
    starts_ax.set_title(r"(g) starts $\theta_0 = s z/\|z\|$")
    starts_ax.legend(fontsize="xx-small")

    sym = t[(t.model == "symmetric") & (t.loss == "logistic") & t.optimizer.isin(["gd", "sgd"])]
    sym = sym[sym.eta.isin(set(sym[sym.optimizer == "sgd"].eta))]
    sym = sym.assign(angle_deg=np.degrees(angle_to_svm(sym)))
    order = [o for o in ("gd", "sgd") if o in set(sym.optimizer)]
    sns.lineplot(sym, x="step", y="angle_deg", hue="optimizer", hue_order=order, style="eta", **theme.BANDS, ax=sgd_ax)
    sgd_ax.set(xscale="log", yscale="log", xlabel="step t", ylabel=r"$\angle(\theta_t, \hat w)$ (degrees)")
    sgd_ax.set_title("(h) SGD (batch 1) vs GD")
    sgd_ax.legend(fontsize="xx-small")
    return fig
