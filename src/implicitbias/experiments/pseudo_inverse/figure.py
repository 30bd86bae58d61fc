"""Figure "pseudo_inverse": GD's limit on over-parametrised least squares.

(a) GD from 0: ‖x_k − A⁺y‖/‖A⁺y‖ against k for several ηβ, one above 2.
(b) GD from z: distance to z + A⁺(y − Az) → 0, distance to A⁺y does not.
(c) final distance to A⁺y and norm ‖x‖ per optimizer.
Bands are 95% confidence intervals over seeds.
"""

from __future__ import annotations

import pandas as pd
import seaborn as sns

from ...pipeline import theme


def figure(table: pd.DataFrame, settings: dict, reference=None):
    t = table[table.step > 0].assign(rel_pinv=lambda d: d.dist_pinv / d.pinv_norm)
    fig, (a, b, c) = theme.panels(3)

    gd0 = t[(t.model == "linear") & (t.optimizer == "gd")].assign(etabeta=lambda d: d.eta.map("{:g}".format))
    gd0, labels = theme.mark_diverged(gd0, "etabeta")
    order = [labels[v] for v in sorted(labels, key=float)]
    sns.lineplot(gd0, x="step", y="rel_pinv", hue="etabeta", hue_order=order, **theme.BANDS, ax=a)
    a.set(xscale="log", yscale="log", xlabel="step k", ylabel=r"$\|x_k - A^+y\| / \|A^+y\|$", ylim=(1e-17, 1e3))
    a.set_title("(a) GD from 0")
    a.legend(title=r"$\eta\beta$", fontsize="x-small")

    gdz = t[(t.model == "linear_z") & (t.optimizer == "gd")]
    if len(gdz):
        scale = (gdz.pinv_norm**2 + gdz.null_norm**2) ** 0.5
        long = pd.concat(
            [
                gdz.assign(value=gdz.dist_proj / scale, to=r"$z + A^+(y - Az)$"),
                gdz.assign(value=gdz.dist_pinv / scale, to=r"$A^+y$"),
            ]
        )
        sns.lineplot(long, x="step", y="value", hue="to", **theme.BANDS, ax=b)
        b.legend(title="distance to", fontsize="x-small")
    b.set(xscale="log", yscale="log", xlabel="step k", ylabel="relative distance")
    b.set_title("(b) GD from a random z")

    last = t.sort_values("step").groupby("cell").tail(1)
    last = last[last.model == "linear"]
    long = pd.concat(
        [
            last.assign(value=last.rel_pinv, quantity=r"$\|x_K - A^+y\|/\|A^+y\|$"),
            last.assign(value=last.norm / last.pinv_norm, quantity=r"$\|x_K\|/\|A^+y\|$"),
        ]
    )
    long = long[long.status == "ok"]
    order = [o for o in ("gd", "sgd", "heavy_ball", "nesterov", "adam", "adagrad") if o in set(long.optimizer)]
    sns.pointplot(
        long, x="optimizer", y="value", hue="quantity", order=order, **theme.BANDS,
        linestyle="none", dodge=0.3, markersize=4, ax=c, log_scale=True,
    )  # fmt: skip
    c.tick_params(axis="x", rotation=45)
    c.set(xlabel="", ylabel="at the last step")
    c.set_title("(c) optimizers")
    c.legend(fontsize="x-small")
    return fig
