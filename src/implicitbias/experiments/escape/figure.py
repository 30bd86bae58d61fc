"""Figure "escape": GD stays, noisy dynamics escape (Kramers–Eyring) and concentrate (Gibbs);
GD ends at certified spurious minima of a teacher–student network.

(a) |θ_k − a| of GD from every initial point, per step η (the worst init), with
    the rounding bound dashed; (b) Arrhenius plot: mean escape time against 1/T
    for noisy GD and SGD, the Kramers–Eyring line and the exact times of the
    diffusion and of the chain; (b, lower) the fraction of runs not yet escaped
    against k/τ̂, with e^{−k/τ̂}; (c) histograms of θ at the last step against
    the Gibbs densities; (d) the certified loss of every teacher–student run per
    optimizer (global minima at the rounding floor); (e) the fraction of runs at
    a global minimum with Clopper–Pearson stats.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns

from ...numerics import gibbs, kramers, stats
from ...numerics.critical_points import OUTCOMES
from ...numerics.double_well import TiltedDoubleWell
from ...pipeline import theme
from .claims import NAMES, complete, escape_times, final_rows, outcomes, temperature


def figure(table: pd.DataFrame, settings: dict, reference=None):
    table = complete(table)
    fig, axes = theme.grid(2, 3, height=5.0)
    (a, b, c), (b2, d, e) = axes
    s = settings["double_well"]
    well = TiltedDoubleWell(s["tilt"])
    dw = table[table.model == "double_well"]
    palette = sns.color_palette(theme.PALETTE)
    panel_gd(a, dw, well)
    panel_arrhenius(b, b2, dw, well, s, palette)
    panel_gibbs(c, dw, well)
    ts = table[table.model == "teacher_student"]
    panel_losses(d, ts)
    panel_fractions(e, ts, settings["alpha"])
    return fig


def panel_gd(ax, dw, well: TiltedDoubleWell):
    gd = dw[(dw.optimizer == "gd") & (dw.step > 0)]
    if len(gd):
        worst = gd.groupby(["eta_abs", "step"], as_index=False).distance_to_a.max().rename(columns={"eta_abs": "eta"})
        worst["eta"] = worst.eta.map(lambda v: f"{v:g}")
        floor = np.finfo(float).tiny
        sns.lineplot(data=worst.assign(distance_to_a=worst.distance_to_a.clip(lower=floor)), x="step",
                     y="distance_to_a", hue="eta", ax=ax, lw=1)  # fmt: skip
        for eta, rows in gd.groupby("eta_abs"):
            ax.axhline(float(rows.rounding_bound.iloc[0]), color="0.5", lw=0.5, ls="--")
        limit = 2 / float(gd.secant_sharpness.iloc[0])
        handles, labels = ax.get_legend_handles_labels()
        labels = [f"{lab} (≥ 2/S)" if float(lab) >= limit else lab for lab in labels]
        ax.legend(handles, labels, title=f"η (2/S = {limit:.3g})", fontsize="xx-small", title_fontsize="xx-small")
    ax.set(xscale="log", yscale="log", xlabel="step k", ylabel=r"max over inits $|\theta_k - a|$",
           ylim=(1e-17, 10))  # fmt: skip
    ax.set_title("(a) GD stays at a")


def panel_arrhenius(ax, ax_surv, dw, well: TiltedDoubleWell, s: dict, palette):
    K = int(s["steps"])
    _, mu_s, lam_a = well.curvatures()
    rows = []
    for (opt, eta, sigma), cell in final_rows(dw[dw.optimizer.isin(["noisy_gd", "sgd"]) & (dw.sigma > 0)]).groupby(
        ["optimizer", "eta_abs", "sigma"]
    ):
        tau, se, _, _ = escape_times(cell, K)
        b, _, a = well.critical_points()
        chain = (kramers.noisy_gd_escape_steps(well.dV, eta, sigma, a, b, a + 1.6, s["chain_resolution"])[0]
                 if opt == "noisy_gd" else np.nan)  # fmt: skip
        rows.append({"optimizer": opt, "eta": eta, "sigma": sigma, "T": temperature(eta, sigma), "tau": tau * eta,
                     "se": se * eta, "chain": chain * eta, "cell": cell})  # fmt: skip
    if rows:
        frame = pd.DataFrame(rows)
        for i, (opt, f) in enumerate(frame.groupby("optimizer")):
            ax.errorbar(1 / f["T"], f.tau, yerr=2 * f.se, fmt="o", ms=3, color=palette[i], label=NAMES[opt])
        noisy = frame[frame.optimizer == "noisy_gd"]
        ax.plot(1 / noisy["T"], noisy.chain, "x", color="k", ms=4, label="exact chain (Nyström)")
        T = np.linspace(frame["T"].min() * 0.9, frame["T"].max() * 1.1, 24)
        ax.plot(1 / T, kramers.kramers_time(well.barrier, lam_a, mu_s, T), color="k", lw=0.8,
                label=r"Kramers: $\frac{2\pi}{\sqrt{V''(a)|V''(s)|}}e^{\Delta V/T}$")  # fmt: skip
        b, _, a = well.critical_points()
        ax.plot(1 / T, [kramers.mfpt_diffusion(well.V, t, a, b, a + 1.6) for t in T], color="k", lw=0.6, ls="--",
                label="exact diffusion")  # fmt: skip
        ax.legend(fontsize="xx-small")
        for i, (opt, f) in enumerate(frame.groupby("optimizer")):
            for j, r in enumerate(f.itertuples()):
                esc = r.cell.escape_step.to_numpy()
                k = np.sort(np.where(esc >= 0, esc, np.inf)) / (r.tau / r.eta)
                surv = 1 - np.arange(1, len(k) + 1) / len(k)
                ax_surv.step(k[np.isfinite(k)], surv[np.isfinite(k)], where="post", color=palette[i], lw=0.7,
                             alpha=0.4 + 0.6 * j / max(len(f) - 1, 1), label=NAMES[opt] if j == 0 else None)  # fmt: skip
        grid = np.linspace(0, 6, 100)
        ax_surv.plot(grid, np.exp(-grid), color="k", lw=0.8, ls="--", label=r"$e^{-k/\hat\tau}$")
        ax_surv.legend(fontsize="xx-small")
    ax.set(yscale="log", xlabel="1/T", ylabel=r"mean escape time $\eta\hat\tau$")
    ax.set_title("(b) Kramers–Eyring escape")
    ax_surv.set(yscale="log", xlabel=r"$k/\hat\tau$", ylabel="fraction not yet at b", ylim=(1e-3, 1.05))
    ax_surv.set_title("(b) escape is memoryless")


def panel_gibbs(ax, dw, well: TiltedDoubleWell):
    last = final_rows(dw[(dw.optimizer == "noisy_gd") & (dw.sigma > 0)])
    b, s_, a = well.critical_points()
    grid = np.linspace(b - 0.8, a + 0.8, 801)
    for i, ((eta, sigma), rows) in enumerate(last.groupby(["eta_abs", "sigma"])):
        T = temperature(eta, sigma)
        color = sns.color_palette("rocket", last.sigma.nunique())[i]
        sns.histplot(x=rows.theta, stat="density", bins=np.linspace(b - 0.8, a + 0.8, 60), element="step",
                     fill=False, color=color, lw=0.7, ax=ax, label=f"T = {T:.3g}")  # fmt: skip
        ax.plot(grid, gibbs.density(well.V, T, grid), color=color, lw=1.0, ls="--")
    for x, name in ((b, "b"), (s_, "s"), (a, "a")):
        ax.axvline(x, color="0.6", lw=0.5, ls=":")
        ax.text(x, 0.98, name, transform=ax.get_xaxis_transform(), ha="center", va="top", fontsize="x-small")
    ax.set(xlim=(b - 0.8, a + 0.8), xlabel=r"$\theta$ at the last step", ylabel="density")
    if len(last):
        ax.legend(fontsize="xx-small", title="dashed: Gibbs", title_fontsize="xx-small")
    ax.set_title("(c) Gibbs concentration")


def panel_losses(ax, ts):
    last = final_rows(ts)
    last = last.assign(outcome=outcomes(last))
    if len(last):
        floor = float(last.loss_bound.min())
        frame = last.assign(method=last.optimizer.map(NAMES), loss=last.certified_loss.fillna(np.inf).clip(lower=floor))
        kinds = list(OUTCOMES)
        sns.stripplot(data=frame, x="method", y="loss", hue="outcome", ax=ax, size=2.5, jitter=0.3,
                      order=[NAMES[o] for o in NAMES if o in set(last.optimizer)],
                      hue_order=[o for o in kinds if o in set(frame.outcome)],
                      palette=dict(zip(kinds, sns.color_palette(theme.PALETTE)[1:5])))  # fmt: skip
        ax.axhline(floor, color="0.5", lw=0.5, ls="--")
        ax.legend(fontsize="xx-small", title="certified as", title_fontsize="xx-small")
        ax.tick_params(axis="x", labelrotation=20, labelsize="x-small")
    ax.set(yscale="log", xlabel="", ylabel="loss at the end point")
    ax.set_title("(d) teacher–student end points")


def panel_fractions(ax, ts, alpha: float):
    last = final_rows(ts)
    last = last.assign(outcome=outcomes(last))
    rows = []
    for opt, f in last.groupby("optimizer"):
        x, n = int((f.outcome == "global").sum()), len(f)
        lo, hi = stats.clopper_pearson(x, n, alpha)
        rows.append((NAMES.get(opt, opt), x / n, lo, hi))
    order = {NAMES[o]: i for i, o in enumerate(NAMES)}
    rows.sort(key=lambda r: order.get(r[0], 99))
    for i, (name, p, lo, hi) in enumerate(rows):
        ax.errorbar(i, p, yerr=[[p - lo], [hi - p]], fmt="o", ms=4, capsize=2, color="k")
    ax.set_xticks(range(len(rows)), [r[0] for r in rows], rotation=20, fontsize="x-small")
    ax.set(ylim=(0, 1), ylabel=f"fraction at a global minimum ({1 - alpha:.3g} CP)")
    ax.set_title("(e) runs at a global minimum")
