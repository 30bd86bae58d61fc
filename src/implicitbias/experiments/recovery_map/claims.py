"""Claims of the experiment recovery_map: the recovery boundary follows η²σ²K = const (no torch).

A run has *recovered* when its final test error ‖v⊙v − w*‖² is at most
``recovery_fraction`` of its starting value.  For each η row of the map, the
boundary is the first σ of the grid at which at least half of the seeds present
recovered; its time scale is τ(η) = η²σ²K (η in the grid's unit, K the steps).

Damian–Lee–Ma's theorem puts the regularised drift of label-noise SGD on the time
scale η²σ²k, so at fixed K the boundary should be one contour τ = const.  A grid
locates a crossing only to a cell: the true crossing σ lies in (σ_{j−1}, σ_j], so two
rows on the same contour can differ by at most one σ step, a factor (σ_j/σ_{j−1})² in
τ.  The check: every row's boundary is within one σ cell of the contour through the
rows' median τ (measured in whole cells).  The map
itself (more rows, more seeds) is what tells whether the boundary is the contour; a
world whose drift ignores η (time scale σ²k) moves the boundary by one σ step per η
step and fails.
"""

from __future__ import annotations

import numpy as np

from ...pipeline.claims import Claim, final_rows, worst

E = "recovery_map"


def recovered(table, settings: dict):
    """Final rows with ``recovered`` (test error ≤ recovery_fraction × its start; a diverged run has not)."""
    last = final_rows(table)
    ok = (last.status == "ok") & (last.test_error <= settings["recovery_fraction"] * last.test_error0)
    return last.assign(recovered=ok.astype(float))


def fractions(table, settings: dict):
    """Recovered fraction over the seeds present per (η, σ): columns eta, sigma, frac, seeds."""
    g = recovered(table, settings).groupby(["eta", "sigma"])
    return g.recovered.mean().rename("frac").to_frame().join(g.seed.nunique().rename("seeds")).reset_index()


def boundary(f):
    """Per η: the first grid σ with a recovered fraction ≥ ½ (NaN when no σ of the row reaches it)."""
    out = {}
    for eta, row in f.groupby("eta"):
        row = row.sort_values("sigma")
        hit = row[row.frac >= 0.5]
        out[float(eta)] = float(hit.sigma.iloc[0]) if len(hit) else float("nan")
    return out


def cells_off(tau: np.ndarray, step: float) -> np.ndarray:
    """How many σ cells each row's boundary lies off the contour through the rows' median τ:
    |log(τ_row/median)| in units of one σ step of τ, rounded to whole cells (the grid's resolution)."""
    if not len(tau) or not np.isfinite(tau).all() or not np.isfinite(step):
        return np.full(max(len(tau), 1), np.nan)
    return np.rint(np.abs(np.log(tau / np.median(tau))) / np.log(step**2))


def claims(table, settings: dict, reference=None) -> list[Claim]:
    """The boundary against the contour η²σ²K = const."""
    K = settings["steps"]
    f = fractions(table, settings)
    sig = np.sort(f.sigma.unique())
    sig = sig[sig > 0]
    step = float(np.max(sig[1:] / sig[:-1])) if len(sig) > 1 else float("nan")  # the coarsest σ step
    tau = np.array([eta**2 * s**2 * K for eta, s in boundary(f).items()])
    med = float(np.median(tau)) if len(tau) and np.isfinite(tau).all() else float("nan")
    seeds = f"; {int(f.seeds.min()) if len(f) else 0} seeds per (eta, sigma) present"
    return [
        Claim(E, "the recovery boundary follows eta^2 sigma^2 K = const: max over eta rows of the sigma cells "
                 "between the row's boundary and the contour through the median row",
              worst(cells_off(tau, step)), "<=", 1.0, "Damian-Lee-Ma time scale eta^2 sigma^2 k",
              f"theorem: label-noise SGD's regularised drift runs on the time scale eta^2 sigma^2 k (Damian, Lee & Ma "
              f"2021), so at fixed K = {K} recovery sets in on one contour tau = eta^2 sigma^2 K = const; rounding to "
              f"the grid: each row's crossing, and the median row's, is located only to a sigma cell (a factor "
              f"{step**2:.3g} in tau), so rows on one contour differ from the median row by at most one cell; "
              "statistics: the seeds' fraction passes 1/2 in the cell where the recovery probability jumps from "
              "~0 to ~1 (the map shows the jump within one cell), so sampling adds no further cell; a world "
              "whose drift ignored eta (time scale sigma^2 k) would be off by one cell per eta step" + seeds),
        Claim(E, "median over eta rows of the boundary's eta^2 sigma^2 K (info)", med, "info", np.nan,
              "Damian-Lee-Ma time scale eta^2 sigma^2 k"),
        Claim(E, "recovered fraction at the smallest sigma, max over eta (info: label noise too weak to recover)",
              worst(f[np.isclose(f.sigma, f.sigma.min())].frac), "info", np.nan, "ground truth w*"),
    ]  # fmt: skip
