"""Claims of the experiment risk_map: the min-norm risk map against the exact finite-n formula (no torch).

At each point (σ, p) of the map the mean of the S seeds present is compared with
Hastie–Montanari–Rosset–Tibshirani's exact expectation in standard errors SE = sd/√S,
with the exact sd of the Gaussian-noise risk (``hmrt.minnorm_exact_variance``).  The
grid's ±σ label noise has a smaller fourth moment than a Gaussian of the same variance
(E(ξ + ε)⁴ − 3v² = −2σ⁴), which lowers the conditional variance of the noise term, so
that sd is an upper bound.  Only points with |γ − 1| ≥ ``claim_distance`` are checked
(|p − n| ≥ 8 there keeps four moments, so a mean of S seeds is near normal).  A row
testing P points at once allows c = the normal quantile at family-wise level ALPHA
(Bonferroni), as double_descent does.

The theory's boundary on the map is the contour where the formula equals r², the risk of
the null estimator β̂ = 0: interpolation helps below it and hurts above it.  The second
check asks the measured map to be on the formula's side of it wherever the formula is
more than c·SE away from r².
"""

from __future__ import annotations

import numpy as np

from ...numerics import hmrt
from ...numerics.stats import normal_allowance
from ...pipeline.claims import Claim, worst
from ..double_descent.claims import ALPHA, by_point

E = "risk_map"
HM = "Hastie-Montanari-Rosset-Tibshirani: exact Gaussian-design risk"


def points(table, settings: dict):
    """Per (σ, p): mean, SE (exact sd / √S), seed count, γ, the formula and the total noise variance."""
    n, r2 = settings["n"], settings["signal_norm_squared"]
    s = by_point(table, "risk").join(
        table.groupby(["sigma", "p"])[["theory_exact", "noise_variance_total", "gamma"]].first()
    )
    p = s.index.get_level_values("p").to_numpy()
    sd = np.sqrt(hmrt.minnorm_exact_variance(p, n, r2, s["noise_variance_total"].to_numpy()))
    return s.assign(exact_se=sd / np.sqrt(s["count"]))


def claims(table, settings: dict, reference=None) -> list[Claim]:
    """The formula at every checked point, and the side of the r² contour."""
    r2, dist = settings["signal_norm_squared"], settings["claim_distance"]
    s = points(table, settings) if len(table) else None
    far = s[np.abs(s.gamma - 1) >= dist] if s is not None else None
    P = len(far) if far is not None else 0
    c = normal_allowance(P, ALPHA)
    z = ((far["mean"] - far["theory_exact"]) / far["exact_se"]).abs() if P else np.array([np.nan])
    seeds = f"; {int(far['count'].min()) if P else 0} seeds per point present"
    if P:
        clear = (far["theory_exact"] - r2).abs() >= c * far["exact_se"]
        wrong_side = np.sign(far["mean"][clear] - r2) != np.sign(far["theory_exact"][clear] - r2)
        flips, checked = float(wrong_side.sum()), int(clear.sum())
    else:
        flips, checked = float("nan"), 0
    return [
        Claim(E, f"min-norm mean risk vs the exact finite-n formula at every point with |gamma - 1| >= {dist:g}: "
                 "max over points |mean - formula| / SE", worst(z), "<=", c, HM,
              f"statistics: c = {c:.3g} standard errors, the normal quantile at family-wise level {ALPHA:g} over {P} "
              "points (Bonferroni); SE = sd/sqrt(S) with the exact sd of the Gaussian-noise risk (inverse-Wishart "
              "second moments), an upper bound under +-sigma label noise" + seeds),
        Claim(E, "the measured map is on the formula's side of the contour risk = r^2 (the null estimator's "
                 "risk): points on the wrong side, among those where the formula is > c SE from r^2",
              flips, "<=", 0.0, HM,
              f"statistics: at each of the {checked} points the formula lies more than c = {c:.3g} SE from r^2 = "
              f"{r2:g}, so the mean falls on the other side with probability <= {ALPHA:g} over all points "
              "(the same Bonferroni allowance as the row above)" + seeds),
        Claim(E, "checked points on the map (info)", float(P), "info", np.nan, HM),
    ]  # fmt: skip
