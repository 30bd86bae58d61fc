"""Claims of the experiment pseudo_inverse: the lecture's statements checked as numbers (no torch)."""

from __future__ import annotations

import numpy as np

from ...pipeline.claims import Claim, final_rows, worst

E = "pseudo_inverse"


def contraction_rate(steps: np.ndarray, rel: np.ndarray, window=(1e-3, 1e-9)) -> float:
    """Measured per-step factor (d_k2/d_k1)^(1/(k2−k1)) over the logged steps where
    the relative error lies in ``window``: past the transient, above round-off."""
    hi, lo = window
    inside = np.flatnonzero((rel <= hi) & (rel >= lo))
    if len(inside) < 2:
        return float("nan")
    i, j = inside[0], inside[-1]
    return float((rel[j] / rel[i]) ** (1.0 / (steps[j] - steps[i])))


def claims(table, settings: dict, reference=None) -> list[Claim]:
    """The lecture's statements about this figure, each checked as a number."""
    E = "pseudo_inverse"
    last = final_rows(table, finite="train_loss")
    last = last.assign(rel_pinv=last.dist_pinv / last.pinv_norm)
    gd0 = last[(last.model == "linear") & (last.optimizer == "gd")]
    out = []

    for eb in (0.5, 1.0, 1.99):
        cells = gd0[np.isclose(gd0.eta, eb)]
        out.append(
            Claim(E, f"GD from 0 at eta*beta={eb:g}: max over seeds of |x_K - A+y|/|A+y|",
                  worst(cells["rel_pinv"]), "<=", 1e-10, "numpy.linalg.pinv")
        )  # fmt: skip

    gdz = last[(last.model == "linear_z") & (last.optimizer == "gd")]
    gdz = gdz.assign(
        rel_proj=gdz.dist_proj / np.hypot(gdz.pinv_norm, gdz.null_norm),
        kept=gdz.dist_pinv / gdz.null_norm,
    )
    out += [
        Claim(E, "GD from z: max |x_K - (z + A+(y - Az))| / |z + A+(y - Az)|",
              worst(gdz["rel_proj"]), "<=", 1e-10, "numpy.linalg.pinv"),
        Claim(E, "GD from z keeps the null-space part: min |x_K - A+y| / |(I - A+A)z|",
              worst(gdz["kept"], "min"), ">=", 0.1, "numpy.linalg.pinv"),
    ]  # fmt: skip

    above = gd0[np.isclose(gd0.eta, 2.01)]
    below = gd0[np.isclose(gd0.eta, 1.99)]
    frac = lambda f: float((f.status == "diverged").mean()) if len(f) else float("nan")  # noqa: E731
    out += [
        Claim(E, "eta*beta=2.01 diverges: fraction of seeds with status=diverged",
              frac(above), ">=", 1.0, "stability threshold 2/beta"),
        Claim(E, "eta*beta=1.99 is stable: fraction of seeds with status=diverged",
              frac(below), "<=", 0.0, "stability threshold 2/beta"),
    ]  # fmt: skip

    err = []
    for cell, rows in table[(table.model == "linear") & (table.optimizer == "gd") & np.isclose(table.eta, 1.0)].groupby("cell"):
        rows = rows.sort_values("step")
        rate = contraction_rate(rows.step.to_numpy(), (rows.dist_pinv / rows.pinv_norm).to_numpy())
        err.append(abs(rate - (1 - rows.lambda_plus.iloc[0] / rows.beta.iloc[0])))
    out.append(
        Claim(E, "contraction at eta=1/beta: max |measured rate - (1 - lambda_+/beta)|",
              max(err) if err else float("nan"), "<=", 1e-2, "eigenvalues of A^T A")
    )  # fmt: skip

    for name in ("sgd", "heavy_ball", "nesterov"):
        cells = last[(last.model == "linear") & (last.optimizer == name)]
        out.append(Claim(E, f"{name} reaches the same limit: max |x_K - A+y|/|A+y|",
                         worst(cells["rel_pinv"]), "<=", 1e-8, "numpy.linalg.pinv"))  # fmt: skip
    for name in ("adam", "adagrad"):
        cells = last[(last.model == "linear") & (last.optimizer == name)]
        cells = cells.assign(loss_ratio=cells.train_loss / cells.loss0)
        out += [
            Claim(E, f"{name} fits the data: max E(x_K)/E(x_0)",
                  worst(cells["loss_ratio"]), "<=", 1e-6, "E(x_0)"),
            Claim(E, f"{name} ends elsewhere: min |x_K - A+y|/|A+y|",
                  worst(cells["rel_pinv"], "min"), ">=", 1e-2, "numpy.linalg.pinv"),
        ]  # fmt: skip
    return out
