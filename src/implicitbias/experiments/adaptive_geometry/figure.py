"""Figure "adaptive_geometry": Wilson et al.'s construction, per optimizer.

(a) the test error against t, with the test set's fraction of negatives
    (the error of predicting +1 everywhere) as a dotted line.
(b) cos(w_t, sign(Xᵀy)) against t.
(c) cos(w_t, Xᵀ(XXᵀ)⁻¹y), the minimum-norm interpolant, against t.
Bands are 95% confidence intervals over seeds.
"""

from __future__ import annotations

import pandas as pd
import seaborn as sns

from ...pipeline import theme

ORDER = ("gd", "adam", "adagrad")


def figure(table: pd.DataFrame, settings: dict, reference=None):
    t = table[table.step > 0]
    order = [o for o in ORDER if o in set(t.optimizer)]
    fig, (a, b, c) = theme.panels(3)
    style = {"hue": "optimizer", "hue_order": order, "style": "optimizer", "style_order": order}  # Adam and AdaGrad coincide
    sns.lineplot(t, x="step", y="test_error", **theme.BANDS, ax=a, **style)
    a.axhline(t.test_negatives.mean(), color="0.3", ls=":", lw=1, label="fraction of\nnegatives")
    a.set(xscale="log", xlabel="step t", ylabel="test error", ylim=(-0.02, 1.0))
    a.set_title("(a) test error")
    a.legend(fontsize="x-small")
    for ax, column, title in (
        (b, "cos_sign", r"(b) $\cos(w_t, \mathrm{sign}(X^\top y))$"),
        (c, "cos_min_norm", r"(c) $\cos(w_t, X^\top(XX^\top)^{-1}y)$"),
    ):
        sns.lineplot(t, x="step", y=column, **theme.BANDS, ax=ax, **style)
        ax.set(xscale="log", xlabel="step t", ylabel="cosine", ylim=(0, 1.02))
        ax.set_title(title)
        ax.legend(fontsize="x-small")
    return fig
