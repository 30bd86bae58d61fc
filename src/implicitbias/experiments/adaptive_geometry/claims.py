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

import math

import numpy as np

from ...numerics import least_squares as ls
from ...numerics import step_size
from ...numerics.stats import Z, distance_outside, two_sided_tail
from ...pipeline.claims import Claim, final_rows, worst

E = "adaptive_geometry"


def _seeds(cells) -> str:
    """How many seeds back a claim: said in its basis (its name stays the same whatever is present)."""
    return f"; {cells.seed.nunique()} seeds present"


SCHEDULES = {"constant": lambda t: np.ones_like(t), "inv_sqrt": lambda t: t**-0.5, "inv_t": lambda t: 1 / t}


def _preconditioner(c, schedule: str) -> tuple[float, float]:
    """(gain, R) of one cell's run: at every step t ≤ K its per-coordinate step η_t/√v_j is at most
    η·gain/|Xᵀy|_j, and √v_j ≥ |Xᵀy|_j / R.

    The first gradient is −Xᵀy, so AdaGrad's √G_j ≥ |Xᵀy|_j (R = 1), and Adam's bias-corrected
    √v̂_j ≥ |Xᵀy|_j·((1 − β₂)β₂^(t−1)/(1 − β₂^t))^(1/2) =: |Xᵀy|_j / R_t."""
    t = np.arange(1.0, c.step + 1)
    b2 = c.rule_beta2
    R = np.ones_like(t) if np.isnan(b2) else np.sqrt((1 - b2**t) / ((1 - b2) * b2 ** (t - 1)))
    return float(np.max(SCHEDULES[schedule](t) * R)), float(np.max(R))


def _direction_bound(c, schedule: str, n: int, d: int) -> tuple[float, float, float]:
    """(bound on 1 − cos(w_K, s), stability number, its limit) of one Adam or AdaGrad cell.

    Along s every step is a multiple of s but for ε, which changes a coordinate's step by a relative
    δ ≤ ε·R/min|Xᵀy|, and for rounding u·κ. The steps are preconditioned by P_t ≤ η·gain·D⁻¹
    (D = diag|Xᵀy|); when the preconditioned curvature h = η·gain·λ_max(X D⁻¹ Xᵀ) is inside the
    stability region of the rule (GD-like: h ≤ 2; Adam, heavy-ball-like with momentum β₁:
    (1 − β₁)h ≤ 2(1 + β₁)), an off-path perturbation is not amplified, to first order with frozen
    coefficients, beyond A = (max|Xᵀy|/min|Xᵀy|)^(1/2)·K^(1/4)·G (the change of norm from P to the
    identity, the growth of that norm as P shrinks, and G the transient growth of a stable heavy-ball
    mode, 1 for AdaGrad). The angle is then at most A·K·(δ + u·κ), and 1 − cos ≤ angle²/2; plus
    (d + 2)u for the computed cosine. NaN outside the stability region.
    """
    gain, R = _preconditioner(c, schedule)
    h = c.eta_abs * gain * c.precond_curvature
    if np.isnan(c.rule_beta1):  # AdaGrad
        number, limit, G = h, 2.0, 1.0
    else:  # Adam: max_k k rho^(k-1)(|T| + rho), rho = sqrt(beta1), |T| <= 3(1 + beta1)
        b1 = c.rule_beta1
        rho = math.sqrt(b1)
        number, limit = (1 - b1) * h, 2 * (1 + b1)
        G = (3 * (1 + b1) + rho) / (math.e * rho * math.log(1 / rho))
    delta = c.rule_eps * R / c.min_abs_xty
    kappa = float(ls.step_kappa(n, d, c.eta_abs * gain * c.frob2 / c.min_abs_xty))
    A = math.sqrt(c.max_abs_xty / c.min_abs_xty) * c.step**0.25 * G
    angle = A * c.step * (delta + ls.U * kappa)
    bound = 0.5 * angle**2 + (d + 2) * ls.U
    return (bound if number <= limit else float("nan")), number, limit


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
        schedule = step_size.rule_options(settings, name).get("schedule", "constant")
        derived = [_direction_bound(r, schedule, n, d) for _, r in c.iterrows()]
        bound = [b for b, _, _ in derived]
        margin = worst([number / limit for _, number, limit in derived])
        errors = round(float((c.test_error * n_test).sum()))
        gap, width = distance_outside(1 - p, errors, n_test * len(c), alpha) if len(c) else (float("nan"),) * 2
        out += [
            Claim(E, f"{name} ends along sign(X^T y): max over seeds of 1 - cos(w_K, sign(X^T y))",
                  worst(1 - c.cos_sign), "<=", worst(bound), "Wilson et al. 2017: X sign(X^T y) = 4y",
                  "theorem: to first order, every step is along s = sign(X^T y) but for eps and rounding; inside the "
                  f"stability region of the preconditioned step (here at {margin:.2f} of its edge; NaN outside) an "
                  "off-path perturbation is not amplified beyond a computed factor, so 1 - cos <= (A K (delta + "
                  "u kappa))^2/2 + (d + 2)u (see _direction_bound)" + _seeds(c)),
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
