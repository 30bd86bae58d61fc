"""Claims of the experiment stability_map: where GD's divergence fraction crosses ½ (no torch).

With x₀ = 0, E(x_K)/E(x₀) = Σᵢ (1 − ηλᵢ)^{2K} wᵢ (train.py).  For ηβ ≤ 2 no term
grows, so no run ever passes blowup·E(x₀) (B > 1): the divergence fraction is 0.
At ηβ = 2 + h the top term alone is (1 + h)^{2K} w₁, so a run is found diverged at
step K unless w₁ < B(1 + h)^{−2K}.  Since y ~ N(0, I_n) is independent of A,
w₁ = (u₁ᵀy)²/‖y‖² ~ Beta(½, (n − 1)/2), and

    P(a run at ηβ = 2 + h is not diverged) ≤ I_{B(1+h)^{−2K}}(½, (n − 1)/2) =: p_miss,

the regularised incomplete beta function.  K is chosen so that p_miss is negligible
(K = 4000, h = 0.01, B = 10¹⁰: p_miss ≈ 4·10⁻¹² at n = 100).  So the fraction is 0 up to ηβ = 2 and
≈ 1 from 2 + h on: the crossing, the midpoint between the last grid point with a
fraction below ½ and the next, is 2 + h/2 — within one grid spacing of 2.
"""

from __future__ import annotations

import numpy as np
from scipy.special import betainc

from ...pipeline.claims import Claim, worst

E = "stability_map"
THRESHOLD = 2.0  # ηβ: the lecture's stability threshold 2/β


# The columns this job reads (implicitbias.pipeline.jobs reads only these): at 10⁴–10⁵ cells
# the table is mostly columns the divergence fractions do not need.
COLUMNS_READ = ("cell", "n", "eta", "seed", "status")

def fractions(table):
    """Divergence fraction over the seeds present, per (n, ηβ): columns n, eta, frac, seeds."""
    t = table.assign(div=(table.status == "diverged").astype(float))
    g = t.groupby(["n", "eta"])
    return g.div.mean().rename("frac").to_frame().join(g.seed.nunique().rename("seeds")).reset_index()


def crossing(etas: np.ndarray, frac: np.ndarray) -> float:
    """Midpoint between the first grid η whose fraction is ≥ ½ and the grid point before it (NaN if none)."""
    order = np.argsort(etas)
    etas, frac = etas[order], frac[order]
    above = np.flatnonzero(frac >= 0.5)
    if len(above) == 0 or above[0] == 0:
        return float("nan")
    i = above[0]
    return float((etas[i - 1] + etas[i]) / 2)


def p_miss(K: int, h: float, n, blowup: float) -> np.ndarray:
    """P(w₁ < B(1 + h)^{−2K}) for w₁ ~ Beta(½, (n − 1)/2): a run at ηβ = 2 + h not yet diverged at K."""
    n = np.asarray(n, dtype=float)
    t = np.exp(np.log(blowup) - 2 * K * np.log1p(h))
    return np.where(n > 1, betainc(0.5, np.maximum(n - 1, 1e-300) / 2, t), float(t >= 1))


def claims(table, settings: dict, reference=None) -> list[Claim]:
    """Where the measured divergence fraction crosses ½, against ηβ = 2; and the two sides of it."""
    K, B = settings["steps"], settings["blowup"]
    f = fractions(table)
    etas = np.sort(f.eta.unique())
    h = float(np.min(np.diff(etas))) if len(etas) > 1 else float("nan")
    crossings = []
    for n in settings["samples"]:
        rows = f[f.n == n]
        crossings.append(crossing(rows.eta.to_numpy(), rows.frac.to_numpy()) if len(rows) else float("nan"))
    miss = worst(p_miss(K, h, settings["samples"], B)) if np.isfinite(h) else float("nan")
    seeds = f"; {int(f.seeds.min()) if len(f) else 0} seeds per (eta, n) present"
    below = f[f.eta <= THRESHOLD]
    above = f[f.eta >= THRESHOLD + h - 1e-9]
    return [
        Claim(E, "the divergence fraction crosses 1/2 within one grid spacing of eta*beta = 2: max over shapes n/p "
                 "of |crossing - 2|",
              worst(np.abs(np.array(crossings) - THRESHOLD)), "<=", h, "stability threshold 2/beta",
              f"theorem: no run diverges at eta*beta <= 2 (|1 - eta lambda| <= 1 for every mode); at 2 + h the top mode "
              f"grows by (1 + h)^(2K) = {np.exp(2 * K * np.log1p(h)):.1e} (h = {h:g}, K = {K}) and a run stays below "
              f"blowup = {B:g} with probability <= p_miss = {miss:.1e} (w_1 ~ Beta(1/2, (n - 1)/2), worst n); the "
              "crossing, the midpoint of the grid cell where the fraction passes 1/2, is then 2 + h/2" + seeds),
        Claim(E, "no run diverges at eta*beta <= 2: max over (eta, n) of the divergence fraction",
              worst(below.frac), "<=", 0.0, "stability threshold 2/beta",
              "theorem: for eta*beta <= 2 every residual mode is multiplied by |1 - eta lambda_i| <= 1 per step, so "
              "E(x_k) <= E(x_0) < blowup E(x_0) at every step (float64 rounding adds u*kappa*K ~ 1e-11 relative)" + seeds),
        Claim(E, "every run diverges at eta*beta >= 2 + h: min over (eta, n) of the divergence fraction",
              worst(above.frac, "min"), ">=", 1.0, "stability threshold 2/beta",
              f"theorem: each run misses with probability <= p_miss = {miss:.1e} at eta*beta = 2 + h (less above); "
              f"over the {int(above.seeds.sum()) if len(above) else 0} (eta, n, seed) runs the chance that any misses "
              f"is <= {miss * (above.seeds.sum() if len(above) else 0):.1e}" + seeds),
        Claim(E, "divergence fraction at eta*beta = 2 + h, mean over shapes (info)",
              worst(f[np.isclose(f.eta, THRESHOLD + h)].frac, "mean"), "info", np.nan, "stability threshold 2/beta"),
    ]  # fmt: skip
