"""Claims of the experiment robbins_monro: the lecture's statements checked as numbers (no torch)."""

from __future__ import annotations

import math

import numpy as np

from ...numerics.stochastic_approximation import PHI0, asymptotic_k_mse
from ...pipeline.claims import Claim, final_rows

E = "robbins_monro"


def claims(table, settings: dict, reference=None) -> list[Claim]:
    out = []
    last = final_rows(table)
    med = last[last.model == "median"]
    if len(med):
        runs = int(med.runs.iloc[0])
        N = int(med.step.max())
        for c in (2.0, 1 / PHI0, 5.0):
            rows = med[np.isclose(med.eta, c, rtol=1e-6)]
            err = float((rows.k_mse / rows.k_mse_theory - 1).abs().max()) if len(rows) else float("nan")
            out.append(
                Claim(E, f"median, c={c:.4g}: |N*MSE / (c^2 s^2/(2c phi(0) - 1)) - 1| at N={N}, {runs} runs",
                      err, "<=", 0.10, f"asymptotic variance; relative s.e. sqrt(2/runs)={math.sqrt(2 / runs):.3f}")
            )  # fmt: skip
            out.append(Claim(E, f"median, c={c:.4g}: N*MSE", float(rows.k_mse.mean()) if len(rows) else float("nan"),
                             "info", float(asymptotic_k_mse(c)), "prediction in the bound column"))  # fmt: skip
        one = med[np.isclose(med.eta, 1.0)]
        best = med[np.isclose(med.eta, 1 / PHI0, rtol=1e-6)]
        ratio = float(one.k_mse.mean() / best.k_mse.mean()) if len(one) and len(best) else float("nan")
        out.append(Claim(E, f"median, c=1 violates 2c phi(0) > 1: N*MSE(c=1) / N*MSE(c=1/phi(0)) at N={N}",
                         ratio, ">=", 5.0, "rate k^(-2c phi(0)) slower than 1/k"))  # fmt: skip

    ls = table[table.model == "least_squares"]
    if len(ls):
        K = int(ls.step.max())
        cst, dec = ls[ls.optimizer == "sgd"], ls[ls.optimizer == "robbins_monro"]
        err = lambda f, k: float(f[f.step == k].sq_error.mean()) if len(f) else float("nan")  # noqa: E731
        tenth = int(ls.step[ls.step <= K // 10].max()) if (ls.step <= K // 10).any() else 0
        floor = float(cst.noise_floor.mean()) if len(cst) else float("nan")
        out += [
            Claim(E, f"least squares, constant step: |mean |x_K - x*|^2 / noise floor tr S - 1|, K={K}",
                  abs(err(cst, K) / floor - 1), "<=", 0.15, "stationary covariance S (Lyapunov equation)"),
            Claim(E, f"least squares: final error of eta/k over that of constant eta, K={K}",
                  err(dec, K) / err(cst, K), "<=", 0.1, "constant step plateaus, eta/k does not"),
            Claim(E, f"least squares, eta/k keeps decreasing: error at K={K} over error at k={tenth}",
                  err(dec, K) / err(dec, tenth), "<=", 0.3, "rate 1/k when 2 eta lambda_min > 1"),
            Claim(E, f"least squares, constant step has plateaued: error at K={K} over error at k={tenth}",
                  err(cst, K) / err(cst, tenth), ">=", 0.5, "noise floor"),
        ]  # fmt: skip
    return out
