"""Claims of the experiment label_noise: the lecture's statements checked as numbers (no torch)."""

from __future__ import annotations

import math

from ...numerics.toy_drift import quarter_trace, regularizer_dlm, regularizer_lecture
from ...pipeline.claims import Claim, final_rows, worst

E = "label_noise"


def claims(table, settings: dict, reference=None) -> list[Claim]:
    """(a) sparse recovery and flatness on the quadratic model; (b) the drift on the toy."""
    out = []
    if (table.model == "quadratic").any():
        out += quadratic_claims(table[table.model == "quadratic"], settings["quadratic"])
    if (table.model == "product").any():
        out += product_claims(table[table.model == "product"], settings["product"])
    return out


def quadratic_claims(table, s: dict) -> list[Claim]:
    last = final_rows(table)
    ln = last[(last.optimizer == "sgd") & (last.sigma > 0)]
    gd = last[(last.optimizer == "gd") & (last.sigma == 0)]
    gauss = last[(last.optimizer == "noisy_gd") & (last.sigma > 0)]
    ref = "HaoChen, Wei, Lee & Ma (2021); w* (test error of v0 is 95)"
    out = [
        Claim(E, "(a) label-noise SGD recovers w*: max over seeds of |v(+)v - w*|^2",
              worst(ln["test_error"], "max"), "<=", 0.05, ref),
        Claim(E, "(a) GD does not: mean over seeds of |v(+)v - w*|^2", worst(gd["test_error"], "mean"), ">=", 50, ref),
        Claim(E, "(a) GD does not: min over seeds of |v(+)v - w*|^2", worst(gd["test_error"], "min"), ">=", 10, ref),
        Claim(E, "(a) Gaussian-noise GD does not: mean over seeds of |v(+)v - w*|^2",
              worst(gauss["test_error"], "mean"), ">=", 50, ref),
        Claim(E, "(a) Gaussian-noise GD does not: min over seeds of |v(+)v - w*|^2",
              worst(gauss["test_error"], "min"), ">=", 10, ref),
    ]  # fmt: skip
    both = last[last.index.isin(ln.index) | last.index.isin(gd.index)]
    out += [
        Claim(E, "(a) both fit the clean labels: max over label-noise and GD seeds of L_K / L_0",
              worst(both.assign(ratio=both.train_loss / both.train_loss0)["ratio"], "max"), "<=", 1e-3,
              "L(v0) with v0 = 1"),
        Claim(E, "(a) flatter: max over seeds tr H(label noise) / min over seeds tr H(GD), exact Hessian",
              worst(ln["trace_exact_final"], "max") / worst(gd["trace_exact_final"], "min"), "<=", 0.5,
              "torch.func.hessian"),
        Claim(E, "(a) Hutchinson's estimate of tr H at the end: max over runs |estimate - exact| / its s.d.",
              worst((last.trace_hutchinson_final - last.trace_exact_final).abs() / last.hutchinson_sd), "<=", 4.0, "exact Hessian (torch.func.hessian); s.d. sqrt(2 sum_{i!=j} H_ij^2 / probes)"),
        Claim(E, "(a) label noise: mean tr H at the end (exact)", worst(ln["trace_exact_final"], "mean"),
              "info", float("nan"), "torch.func.hessian"),
        Claim(E, "(a) label noise: mean 2|v(+)v|_1 (tr H at zero loss, this loss normalisation)",
              2 * worst(ln["l1_norm"], "mean"), "info", float("nan"), "closed form"),
        Claim(E, "(a) GD: mean tr H at the end (exact)", worst(gd["trace_exact_final"], "mean"),
              "info", float("nan"), "torch.func.hessian"),
        Claim(E, "(a) GD: mean 2|v(+)v|_1 (tr H at zero loss, this loss normalisation)",
              2 * worst(gd["l1_norm"], "mean"), "info", float("nan"), "closed form"),
    ]  # fmt: skip
    return out


def _at(frame, step: int, column: str) -> float:
    rows = frame[frame.step == step]
    return float(rows[column].mean()) if len(rows) else float("nan")


def product_claims(table, s: dict) -> list[Claim]:
    s0, K = s["s0"], int(s["steps"])
    ln = table[(table.optimizer == "sgd") & (table.sigma > 0)]
    gauss = table[(table.optimizer == "noisy_gd") & (table.sigma > 0)]
    ref = "Damian, Lee & Ma: ds/dk = -(eta^2 sigma^2/2) tanh 2s / (1 - eta cosh 2s)"
    out = []
    for k, tol in zip(s["checkpoints"], s["tolerances"]):
        sim, pred = _at(ln, k, "s"), _at(ln, k, "s_exact_log")
        out += [
            Claim(E, f"(b) toy, label noise: |mean s_k / exact-log s_k - 1| at k={k}", abs(sim / pred - 1),
                  "<=", tol, ref),
            Claim(E, f"(b) toy: simulated mean s_k at k={k}", sim, "info", float("nan"), "simulation"),
            Claim(E, f"(b) toy: exact-log prediction s_k at k={k}", pred, "info", float("nan"), ref),
            Claim(E, f"(b) toy: 1/4 tr H prediction s_k at k={k}", _at(ln, k, "s_quarter_trace"), "info",
                  float("nan"), "sinh 2s_k = sinh 2s_0 exp(-eta^2 sigma^2 k)"),
        ]  # fmt: skip
    g = gauss[gauss.step == K]
    sinh0 = math.sinh(2 * s0)
    z_sinh = (float(g.sinh2s.mean()) - sinh0) / float(g.sinh2s_se.mean()) if len(g) else float("nan")
    z_s = (float(g.s.mean()) - s0) / float(g.s_se.mean()) if len(g) else float("nan")
    l = ln[ln.step == K]
    z_ln = (float(l.sinh2s.mean()) - sinh0) / float(l.sinh2s_se.mean()) if len(l) else float("nan")
    out += [
        Claim(E, f"(b) toy, Gaussian noise: |mean sinh 2s_K - sinh 2s_0| in standard errors, K={K}", abs(z_sinh),
              "<=", 3.0, "E sinh 2s is conserved up to O(eta^3 sigma^2 k) without label noise"),
        Claim(E, f"(b) toy, label noise: (mean sinh 2s_K - sinh 2s_0) in standard errors, K={K}", z_ln,
              "<=", -3.0, "sinh 2s_k = sinh 2s_0 exp(-eta^2 sigma^2 k)"),
        Claim(E, f"(b) toy, Gaussian noise: (mean s_K - s_0) in standard errors, K={K} (Ito drift of the concave s)",
              z_s, "info", float("nan"), "-(eta^2 sigma^2/2) tanh 2s / cosh 2s per step"),
    ]  # fmt: skip

    eta = float(ln.eta.iloc[0]) if len(ln) else float("nan")
    s_end = _at(ln, K, "s")
    lam_max = 2 * math.cosh(2 * s0)  # the largest Hessian eigenvalue along the path
    ratio_dlm = float(regularizer_dlm(s0, eta) / quarter_trace(s0))
    ratio_lec = float(regularizer_lecture(s0, eta) / quarter_trace(s0))
    out += [
        Claim(E, "(b) DLM's R = -(1/2eta) tr log(I - eta H/2) falls along the simulated path: R(mean s_K) - R(s_0)",
              float(regularizer_dlm(s_end, eta) - regularizer_dlm(s0, eta)), "<=", 0.0, "Damian, Lee & Ma"),
        Claim(E, "(b) the lecture's R = (1/2n) tr log(I - eta H/2) rises along it (wrong sign): R(mean s_K) - R(s_0)",
              float(regularizer_lecture(s_end, eta) - regularizer_lecture(s0, eta)), ">=", 0.0, "lecture, Part II"),
        Claim(E, "(b) DLM's R / (1/4 tr H) - 1 at s_0 (small-eta limit; bound eta*lambda_max/2)", ratio_dlm - 1,
              "<=", eta * lam_max / 2, "-log(1-x)/x - 1 <= x for x <= 1/2"),
        Claim(E, "(b) the lecture's R / (1/4 tr H) at s_0 (about -eta: not 1/4 tr H)", ratio_lec,
              "<=", 0.0, "lecture, Part II"),
    ]  # fmt: skip
    return out
