"""Claims of the experiment robbins_monro: the lecture's statements checked as numbers (no torch).

Every bound is a statistic of the runs present: Z standard errors (the
``*_se`` columns, sample standard deviation over the R replicates of a cell /
√R), around a prediction that is exact (the second moment of least-squares
SGD) or asymptotic with its leading finite-N correction removed (the median).
A claim whose cells are missing is a row with NaN, which fails.
"""

from __future__ import annotations

import math

import numpy as np

from ...numerics.stats import Z, richardson, two_sided_tail
from ...numerics.stochastic_approximation import PHI0, asymptotic_k_mse
from ...pipeline.claims import Claim, worst

E = "robbins_monro"
CS = (2.0, 1 / PHI0, 5.0)  # step constants with 2cφ(0) > 1: the √k rate
SLOW = 1.0  # 2cφ(0) < 1: no √k rate


def _ends(rows):
    """(last row, row at the largest logged step ≤ last/10) of one cell's rows, or None."""
    rows = rows.sort_values("step")
    last = rows.iloc[-1]
    early = rows[(rows.step >= 1) & (rows.step <= last.step / 10)]
    return (last, early.iloc[-1]) if len(early) else None


def _cells(table, model, **match):
    t = table[table.model == model]
    for k, v in match.items():
        t = t[np.isclose(t[k], v, rtol=1e-6)] if isinstance(v, float) else t[t[k] == v]
    return [e for _, rows in t.groupby("cell") for e in [_ends(rows)] if e is not None]


def _runs(ends) -> str:
    """How many runs back a claim: said in its basis (its name stays the same whatever is present)."""
    cells = len(ends)
    runs = int(sum(last.runs for last, _ in ends))
    return f"; {runs} runs in {cells} cell{'s' if cells != 1 else ''} present"


def claims(table, settings: dict, reference=None) -> list[Claim]:
    out = []
    N = settings["median"]["steps"]
    tail = two_sided_tail(Z)
    for c in CS:
        ends = _cells(table, "median", eta=float(c))
        V = float(asymptotic_k_mse(c))
        q = min(2 * c * PHI0 - 1, 1.0)
        est, se = [], []
        for last, early in ends:
            v, w_late, w_early = richardson(last.k_mse, early.k_mse, early.step / last.step, q)
            est.append(v)
            se.append(w_late * last.step * last.sq_error_se + w_early * early.step * early.sq_error_se)
        v = float(np.mean(est)) if est else float("nan")
        s = float(np.sqrt(np.sum(np.square(se)))) / len(se) if se else float("nan")
        out.append(Claim(
            E, f"median, c={c:.4g}: |k*MSE_k extrapolated to k -> inf / (c^2 s^2/(2c phi(0) - 1)) - 1|, "
               f"from k = N/10 and N = {N}",
            abs(v / V - 1), "<=", Z * s / V, "asymptotic variance (Chung 1954; Sacks 1958)",
            f"statistics: {Z:g} standard errors (a correct claim fails with probability {tail:.0e}) of k*MSE_k "
            f"extrapolated to k -> inf, over the runs present; the extrapolation is a theorem: k*MSE_k = V + B k^-q "
            f"+ o(k^-q) with q = min(2c phi(0) - 1, 1) = {q:.3f}, whose k^-q term Richardson extrapolation from "
            f"k = N/10 and N removes (its standard error is at most w_N se_N + w_N/10 se_N/10)" + _runs(ends),
        ))  # fmt: skip
        out.append(Claim(E, f"median, c={c:.4g}: N*MSE at N={N}",
                         float(np.mean([last.k_mse for last, _ in ends])) if ends else float("nan"),
                         "info", V, "prediction c^2 s^2/(2c phi(0) - 1) in the bound column", _runs(ends)[2:]))  # fmt: skip

    ends = _cells(table, "median", eta=SLOW)
    growth, se = [], []
    for last, early in ends:
        span = math.log(last.step / early.step)
        growth.append(math.log(last.k_mse / early.k_mse) / span)
        se.append((last.sq_error_se / last.sq_error + early.sq_error_se / early.sq_error) / span)
    out.append(Claim(
        E, f"median, c={SLOW:g} is too small (2c phi(0) = {2 * SLOW * PHI0:.3f} < 1): growth exponent of k*MSE_k "
           f"from k = N/10 to N = {N}",
        worst(growth, "min"), ">=", Z * worst(se), "rate k^-(2c phi(0)) (Chung 1954)",
        f"statistics: k*MSE_k grows (exponent > 0) by {Z:g} standard errors of the exponent over the runs present; "
        f"theorem: for 2c phi(0) < 1 the MSE decays only like k^-(2c phi(0)), so k*MSE_k ~ k^{1 - 2 * SLOW * PHI0:.3f}"
        + _runs(ends),
    ))  # fmt: skip

    out += _least_squares(table, settings["least_squares"]["steps"])
    return out


def _least_squares(table, K: int) -> list[Claim]:
    """Constant step: at its noise floor and flat; η/k: keeps falling and ends below it. Each
    against the exact expectation (sq_error_exact), allowing Z standard errors of each mean."""
    cst, dec = _cells(table, "least_squares", optimizer="sgd"), _cells(table, "least_squares", optimizer="robbins_monro")
    lo = lambda r: r.sq_error_exact - Z * r.sq_error_se
    hi = lambda r: r.sq_error_exact + Z * r.sq_error_se
    ratio_hi = lambda a, b: hi(a) / lo(b) if lo(b) > 0 else float("nan")  # NaN: the runs cannot tell
    pairs = [(d[0], c[0]) for d in dec for c in cst if d[0].seed == c[0].seed]
    stat = f"statistics: the exact expectation (linear recursion of the second moment) +- {Z:g} standard errors"
    return [
        Claim(E, f"least squares, constant step plateaus at its noise floor tr S: |mean |x_K - x*|^2 / tr S - 1|, "
                 f"K={K}",
              worst([abs(last.sq_error / last.noise_floor - 1) for last, _ in cst]), "<=",
              worst([(Z * last.sq_error_se + abs(last.sq_error_exact - last.noise_floor)) / last.noise_floor
                     for last, _ in cst]), "stationary covariance S (Lyapunov equation)",
              f"{stat} of the mean, plus the exact distance of E|x_K - x*|^2 from tr S (the transient)" + _runs(cst)),
        Claim(E, f"least squares, constant step has stopped decreasing: error at K={K} over error at K/10",
              worst([last.sq_error / early.sq_error for last, early in cst], "min"), ">=",
              worst([lo(last) / hi(early) for last, early in cst], "min"), "noise floor",
              f"{stat} of each mean: the ratio can be no lower than (E_K - Z se_K)/(E_K/10 + Z se_K/10)" + _runs(cst)),
        Claim(E, f"least squares, eta/k keeps decreasing: error at K={K} over error at K/10",
              worst([last.sq_error / early.sq_error for last, early in dec]), "<=",
              worst([ratio_hi(last, early) for last, early in dec]), "rate 1/k when 2 eta lambda_min > 1",
              f"{stat} of each mean: the ratio can be no higher than (E_K + Z se_K)/(E_K/10 - Z se_K/10); the exact "
              "ratio is about 1/10 (rate 1/k)" + _runs(dec)),
        Claim(E, f"least squares: final error of eta/k over that of the constant step, K={K}",
              worst([d.sq_error / c.sq_error for d, c in pairs]), "<=", worst([ratio_hi(d, c) for d, c in pairs]),
              "constant step plateaus, eta/k does not",
              f"{stat} of each mean: the ratio can be no higher than (E_rm + Z se_rm)/(E_const - Z se_const)"
              + _runs(dec) + _runs(cst)),
    ]  # fmt: skip
