"""Claims of the experiment adaptive_geometry: the lecture's statements checked as numbers (no torch).

Wilson et al.'s construction makes the statements exact: X s = 4y for s = sign(Xᵀy), so
from w = 0 every update of a coordinate-wise method (Adam, AdaGrad) is a multiple of s up
to the ε in its denominator; a test point's score is then (y + 2)λ > 0; GD from 0 follows
the spectral closed form to the min-norm interpolant, whose scores are y·w₁ + 2w₂ with
w₁ > 2|w₂|.  The bounds are these facts plus rounding or, for the test error as a
population rate, a binomial interval over the test points present.  A claim whose cells
are missing is a row with NaN, which fails.
"""

from __future__ import annotations

import numpy as np

from ...numerics import least_squares as ls
from ...numerics.stats import Z, distance_outside, two_sided_tail
from ...pipeline.claims import Claim, final_rows, worst

E = "adaptive_geometry"


def _seeds(cells) -> str:
    """How many seeds back a claim: said in its basis (its name stays the same whatever is present)."""
    return f"; {cells.seed.nunique()} seeds present"


def _sqrt_v(c) -> np.ndarray:
    """A lower bound of every √v_j (coordinates with a gradient) up to step K, per cell.

    The first gradient is −Xᵀy, so √G_j ≥ |Xᵀy|_j for AdaGrad's sum and √v̂_j ≥ |Xᵀy|_j·((1 − β₂)β₂^(K−1))^(1/2)
    for Adam's bias-corrected average."""
    return c.min_abs_xty * np.where(np.isnan(c.rule_beta2), 1.0, np.sqrt((1 - c.rule_beta2) * c.rule_beta2 ** (c.step - 1)))


def claims(table, settings: dict, reference=None) -> list[Claim]:
    """Adam and AdaGrad end along sign(Xᵀy) and predict +1 everywhere; GD reaches the min-norm
    interpolant and classifies the test set."""
    n, n_test, p = settings["n"], settings["n_test"], settings["p"]
    d = 6 * n
    last = final_rows(table, finite="train_loss")
    out = []
    alpha = two_sided_tail(Z)
    for name in ("adam", "adagrad"):
        c = last[last.optimizer == name]
        delta = c.rule_eps / _sqrt_v(c)  # largest relative change eps/(sqrt v + eps) of a coordinate's step
        kappa = ls.step_kappa(n, d, c.eta_abs * c.frob2 / _sqrt_v(c))  # gain eta|X|_F^2/sqrt(v) of a gradient error
        angle = c.step * (delta + ls.U * kappa)
        bound = 0.5 * angle**2 + (d + 2) * ls.U  # 1 - cos <= sin^2/2, plus the rounding of the cosine
        errors = int(round(float((c.test_error * n_test).sum())))
        gap, width = distance_outside(1 - p, errors, n_test * len(c), alpha) if len(c) else (float("nan"),) * 2
        out += [
            Claim(E, f"{name} ends along sign(X^T y): max over seeds of 1 - cos(w_K, sign(X^T y))",
                  worst(1 - c.cos_sign), "<=", worst(bound), "Wilson et al. 2017: X sign(X^T y) = 4y",
                  f"theorem: every step is along s = sign(X^T y) but for eps/(sqrt v + eps) <= "
                  f"{worst(delta):.1e} (first gradient -X^T y bounds v from below) and rounding u*kappa (kappa = 10 + "
                  f"2(n+d+1) eta|X|_F^2/sqrt(v)); to first order the "
                  f"angle to s is at most K times that, and 1 - cos <= angle^2/2, plus (d + 2)u for the cosine"
                  + _seeds(c)),
            Claim(E, f"{name} predicts +1 everywhere: max over seeds of |test error - fraction of negatives in the test set|",
                  worst((c.test_error - c.test_negatives).abs()), "<=", 2 * ls.U, "predicts +1 everywhere",
                  "theorem: a test point's fresh coordinates never get a gradient, so its score is "
                  "y w_1 + w_2 + w_3 = (y + 2) lambda > 0 along s; both rates are k/n_test, each correctly rounded (u)"
                  + _seeds(c)),
            Claim(E, f"{name}'s test error is the population rate of negatives 1 - p = {1 - p:g}: "
                     "|pooled test error - (1 - p)|",
                  gap, "<=", width, "binomial(n_test * seeds, 1 - p)",
                  f"statistics: Clopper-Pearson interval at level 1 - {alpha:.0e} of the errors among the "
                  f"{n_test} x {len(c)} test points present (the labels are independent draws)" + _seeds(c)),
        ]  # fmt: skip
    gd = last[last.optimizer == "gd"]
    kappa = ls.step_kappa(n, d, gd.eta_abs * np.sqrt(gd.beta * gd.frob2))
    allow = gd.dist_exact + ls.floor(kappa, 2.0, gd.step) + (n + d) * ls.U * (1 + np.sqrt(gd.beta))  # kappa(X) <= sqrt(beta)
    out += [
        Claim(E, "gd classifies every test point: max over seeds of the test error at the last step",
              worst(gd.test_error), "<=", 0.0, "min-norm solution X^T (X X^T)^-1 y",
              "theorem: the min-norm interpolant X^T alpha has alpha constant on each class, so a test point "
              "scores y w_1 + 2 w_2 with w_1 > 2|w_2| for every n_+ in (n/2, n) (closed form); GD ends within "
              "the next row's bound of it" + _seeds(gd)),
        Claim(E, "gd converges to the min-norm interpolant: max over seeds of |w_K - X^T(X X^T)^-1 y| / |X^T(X X^T)^-1 y|",
              worst(gd.dist_min_norm), "<=", worst(allow), "numpy.linalg.pinv",
              "rounding: u*kappa*2*K (kappa = 10 + 2(n+d+1) eta|X||X|_F) and the error of pinv, (n+d)u(1 + kappa(X)), "
              "plus the exact spectral closed form of GD from 0 at K (theorem); "
              "kappa(X) <= sqrt(beta) since X X^T >= I" + _seeds(gd)),
    ]  # fmt: skip
    return out
