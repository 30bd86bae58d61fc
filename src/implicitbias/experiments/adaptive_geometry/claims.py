"""Claims of the experiment adaptive_geometry: the lecture's statements checked as numbers (no torch)."""

from __future__ import annotations

from ...pipeline.claims import Claim, worst

E = "adaptive_geometry"


def claims(table, settings: dict, reference=None) -> list[Claim]:
    """Adam and AdaGrad end along sign(Xᵀy) and predict +1 everywhere; GD classifies the test set."""
    E = "adaptive_geometry"
    last = table.sort_values("step").groupby("cell").tail(1)
    out = []

    def cells(name):
        return last[last.optimizer == name]

    for name in ("adam", "adagrad"):
        c = cells(name)
        out += [
            Claim(E, f"{name}: min over cells of cos(w, sign(X^T y)) at the last step",
                  worst(c.cos_sign, "min"), ">=", 0.999, "Wilson et al. 2017: X sign(X^T y) = 4y"),
            Claim(E, f"{name}: max over cells of |test error - fraction of negatives in the test set|",
                  worst((c.test_error - c.test_negatives).abs()), "<=", 0.03, "predicts +1 everywhere"),
        ]  # fmt: skip
    gd = cells("gd")
    out += [
        Claim(E, "gd: max over cells of the test error at the last step",
              worst(gd.test_error), "<=", 0.0, "min-norm solution X^T (X X^T)^-1 y"),
        Claim(E, "gd: min over cells of cos(w, X^T (X X^T)^-1 y) at the last step",
              worst(gd.cos_min_norm, "min"), ">=", 0.999, "numpy.linalg.pinv"),
    ]  # fmt: skip
    return out
