"""Claims of the figure "escape" (no torch): every bound is derived and its basis stated.

Statistical bounds use the runs present: standard errors of mean escape times,
Clopper–Pearson limits of fractions and the Dvoretzky–Kiefer–Wolfowitz limit of
Kolmogorov–Smirnov distances, all at the family-wise level ``alpha`` of the
settings, split over the statistical rows by Bonferroni (z below).  Systematic
terms are computed, not chosen: the finite-temperature correction of Kramers'
law from the exact first-passage integral of the diffusion, the first-order
η correction of the Euler–Maruyama chain, and rounding bounds.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.integrate import cumulative_trapezoid

from ...claims import Claim
from ...numerics import gibbs, intervals, kramers
from ...numerics.double_well import TiltedDoubleWell

E = "escape"

# Where each bound comes from (the report's `basis` column).
BASIS = {
    "gd_stays": "theorem + rounding: for eta < 2/S (S the largest secant slope of V' through a on (s, 2a-s]) "
    "every GD step shrinks |theta - a|; the computed map stops within 8u(|a| + eta sum|terms of V'(a)|)/(eta V''(a))",
    "escape_fraction": "statistics: Clopper-Pearson lower limit at level alpha/m (Bonferroni over m statistical rows); "
    "1/2 = the fraction of an exponential escape time below its median",
    "chain": "statistics: z(alpha/m) standard errors of the mean escape step (delta method, censored at the horizon) "
    "and the Nystrom grid error (grid halved)",
    "prefactor": "statistics + first-order corrections: z(alpha/m) standard errors of the runs, plus the finite-T "
    "(Laplace) correction |tau_diffusion/tau_K - 1| from the exact first-passage integral, plus the first-order "
    "Euler correction |eta (V''(a) - |V''(s)|)/4|",
    "slope": "statistics + finite-T correction: z(alpha/m) standard errors of the weighted fit of log tau on 1/T "
    "(weights from the runs), plus the slope the same fit gives on the exact diffusion times; the first-order "
    "eta correction is a T-independent factor and leaves the slope unchanged",
    "ks": "statistics + eta correction: DKW-Massart limit sqrt(ln(2m/alpha)/(2R)) for R independent runs, plus the "
    "KS distance between the chain's stationary law (Nystrom) and the Gibbs density (to first order in eta: the "
    "density exp(-V/T)(1 + eta V'^2/(4T) - eta V''/2))",
    "mass_near_b": "statistics: the difference of two binomial fractions in z(alpha/m) standard errors",
    "ts_certified": "rounding: |grad L| and -lambda_min(Hessian) below gamma_m bounds of their computation, "
    "L above the rounding bound of L (torch.func Hessian of the closed form)",
    "ts_spurious": "statistics: a Clopper-Pearson lower limit > 0 needs at least one certified spurious minimum; "
    "Safran & Shamir (2018) prove spurious minima exist for 6 <= k = n <= 20",
    "info": "reported value, no bound",
}


def claim(key: str, text: str, measured: float, relation: str, bound: float, reference: str) -> Claim:
    """One claims row; its basis is ``BASIS[key]`` (a column of the claims table)."""
    return Claim(E, text, float(measured), relation, float(bound), f"{reference} [basis: {BASIS[key]}]")


# every column a claim or the figure reads: a table without some batch lacks them, and its claims must fail, not crash
COLUMNS = ("model", "loss", "optimizer", "eta", "sigma", "seed", "cell", "step", "status", "theta", "distance_to_a",
           "theta0", "secant_sharpness", "rounding_bound", "replicate", "escape_step", "tau_chain", "tau_chain_error",
           "population_loss", "gradient_norm", "outcome", "certified_loss", "loss_bound", "grad_norm", "grad_bound",
           "lambda_min", "hessian_bound", "newton_displacement", "polished_loss")  # fmt: skip


def complete(table):
    """The table with every column of COLUMNS (missing ones empty)."""
    return table.reindex(columns=list(dict.fromkeys([*table.columns, *COLUMNS])))


def info(text: str, value: float, reference: str) -> Claim:
    return claim("info", text, value, "info", float("nan"), reference)


def final_rows(frame):
    """The last logged row of every run (cell, replicate or initial point)."""
    keys = ["cell"] + [c for c in ("replicate", "theta0") if c in frame.columns and frame[c].notna().any()]
    return frame.sort_values("step").groupby(keys, sort=True).tail(1)


def temperature(eta, sigma):
    """T = ησ²/2: noisy GD is the Euler–Maruyama chain of Langevin dynamics at this temperature."""
    return eta * sigma**2 / 2


def well_reference(well: TiltedDoubleWell, eta: float, sigma: float, near_b: float, resolution: int = 8) -> dict:
    """Closed forms and exact integrals of the double well at one (η, σ): Kramers' time and its corrections
    (in steps), the Gibbs distribution function, its distance to the chain's stationary law (exact, by
    Nyström on a grid of spacing ησ/resolution, and to first order in η) and the Gibbs mass near b."""
    b, s, a = well.critical_points()
    lam_b, mu_s, lam_a = well.curvatures()
    T = temperature(eta, sigma)
    tau_k = float(kramers.kramers_time(well.barrier, lam_a, mu_s, T)) / eta
    tau_d = kramers.mfpt_diffusion(well.V, T, a, b, a + 1.6) / eta
    grid = np.linspace(b - 1.5, a + 1.6, 40001)
    F = gibbs.cdf(well.V, T, grid)
    F_eta = gibbs.cdf(well.V, T, grid, well.dV, well.d2V, eta)
    coarse = np.arange(b - 1.5, a + 1.6, eta * sigma / resolution)
    pi = gibbs.chain_stationary(lambda x: x - eta * well.dV(x), eta * sigma, coarse)
    F_chain = cumulative_trapezoid(pi, coarse, initial=0.0)
    return {
        "T": T,
        "tau_kramers": tau_k,
        "tau_diffusion": tau_d,
        "finite_T": tau_d / tau_k - 1,
        "euler": kramers.euler_correction(eta, lam_a, mu_s),
        "grid": grid,
        "cdf": lambda x: np.interp(x, grid, F),
        "ks_euler": float(np.max(np.abs(F_eta - F))),
        "ks_chain": float(np.max(np.abs(F_chain / F_chain[-1] - np.interp(coarse, grid, F)))),
        "gibbs_near_b": float(np.interp(b + near_b, grid, F) - np.interp(b - near_b, grid, F)),
        "gibbs_basin_a": float(1 - np.interp(s, grid, F)),
    }


# ----------------------------------------------------------------------------- claims


def claims(table, settings: dict, reference=None) -> list[Claim]:
    table = complete(table)
    dw, ts = table[table.model == "double_well"], table[table.model == "teacher_student"]
    s = settings["double_well"]
    noisy = dw[(dw.optimizer == "noisy_gd") & (dw.sigma > 0)]
    temps = sorted(noisy.sigma.unique())
    # the statistical rows share the family-wise level alpha: per temperature the chain, prefactor and KS
    # rows, plus the slope, the mass near b and the two escape fractions
    m = 3 * max(len(temps), 1) + 4
    z = intervals.bonferroni_z(settings["alpha"], m)
    level = settings["alpha"] / m
    return (
        gd_claims(dw, s)
        + escape_claims(dw, s, z, level)
        + gibbs_claims(noisy, s, z, level)
        + teacher_claims(ts, settings["teacher_student"], level)
    )


def gd_claims(dw, s: dict) -> list[Claim]:
    well = TiltedDoubleWell(s["tilt"])
    gd = final_rows(dw[(dw.optimizer == "gd") & (dw.sigma == 0)])
    limit = 2 / well.secant_sharpness(2 * well.a - well.s)
    below, above = gd[gd.eta < limit], gd[gd.eta >= limit]
    worst = float((below.distance_to_a / below.rounding_bound).max()) if len(below) else float("nan")
    n_eta, n_init = below.eta.nunique(), below.theta0.nunique()
    out = [
        claim("gd_stays", f"(a) GD stays in the shallow minimum: max over {n_eta} steps eta < 2/S = {limit:.4g} and "
              f"{n_init} inits in (s, 2a - s] of |theta_K - a| / rounding bound", worst, "<=", 1.0,
              "a = shallow root of V'(theta) = 4 theta^3 - 4 theta + c (Newton-refined)"),
    ]  # fmt: skip
    for eta, rows in above.groupby("eta"):
        out.append(info(f"(a) GD at eta = {eta:g} >= 2/S: fraction of inits that jump to the deep basin",
                        float((rows.theta < well.s).mean()), "2/S is sufficient, not necessary"))  # fmt: skip
    return out


def escape_times(rows, horizon: int) -> tuple[float, float, int, int]:
    """(mean escape step, its standard error, escaped, runs) from the final rows of one cell's runs."""
    esc = rows.escape_step.to_numpy()
    seen = esc >= 0
    tau, se = intervals.ratio_mean(np.where(seen, esc, horizon), seen)
    return tau, se, int(seen.sum()), len(esc)


def escape_claims(dw, s: dict, z: float, level: float) -> list[Claim]:
    well = TiltedDoubleWell(s["tilt"])
    lam_b, mu_s, lam_a = well.curvatures()
    K = int(s["steps"])
    out = []
    for opt, name in (("noisy_gd", "noisy GD"), ("sgd", "SGD (+-sigma gradient noise)")):
        rows = final_rows(dw[(dw.optimizer == opt) & (dw.sigma > 0)])
        cold = rows[rows.sigma == rows.sigma.min()] if len(rows) else rows
        _, _, x, n = escape_times(cold, K) if len(cold) else (0, 0, 0, 0)
        lo = intervals.clopper_pearson(x, n, level)[0] if n else float("nan")
        T = temperature(float(cold.eta.iloc[0]), float(cold.sigma.iloc[0])) if n else float("nan")
        out.append(claim("escape_fraction", f"(b) {name} leaves the shallow basin: lower confidence limit of the "
                         f"fraction of {n} runs that reached b within K = {K} steps, coldest T = {T:.4g}", lo,
                         ">=", 0.5, f"{x}/{n} escaped"))  # fmt: skip

    noisy = final_rows(dw[(dw.optimizer == "noisy_gd") & (dw.sigma > 0)])
    sgd = final_rows(dw[(dw.optimizer == "sgd") & (dw.sigma > 0)])
    per_T, worst_chain = [], float("nan") if noisy.empty else 0.0
    for (eta, sigma), rows in noisy.groupby(["eta", "sigma"]):
        tau, se, x, n = escape_times(rows, K)
        ref = well_reference(well, eta, sigma, s["near_b"], s["chain_resolution"])
        chain, chain_err = float(rows.tau_chain.iloc[0]), float(rows.tau_chain_error.iloc[0])
        worst_chain = max(worst_chain, abs(tau - chain) / math.hypot(se, chain_err))
        per_T.append((ref["T"], tau, se, ref))
        ratio = tau / ref["tau_kramers"]
        tol = z * se / ref["tau_kramers"] + abs(ref["finite_T"]) + abs(ref["euler"])
        out += [
            claim("prefactor", f"(b) Kramers-Eyring at T = {ref['T']:.4g} (Delta V/T = {well.barrier / ref['T']:.3g}, "
                  f"{n} runs): |mean escape step / tau_K - 1|, tau_K = 2 pi/sqrt(V''(a)|V''(s)|) exp(Delta V/T)/eta",
                  abs(ratio - 1), "<=", tol, f"tau_K = {ref['tau_kramers']:.5g} steps; finite-T correction "
                  f"{ref['finite_T']:+.4f}, Euler correction {ref['euler']:+.4f}"),
            info(f"(b) noisy GD at T = {ref['T']:.4g}: mean escape step (s.e. {se:.3g}; exact chain {chain:.5g})",
                 tau, "Nystrom solution of the chain's first-passage equation"),
        ]  # fmt: skip
    for (eta, sigma), rows in sgd.groupby(["eta", "sigma"]):
        tau, se, x, n = escape_times(rows, K)
        match = noisy[np.isclose(noisy.eta, eta) & np.isclose(noisy.sigma, sigma)]
        tau_n = escape_times(match, K)[0] if len(match) else float("nan")
        out.append(info(f"(b) SGD with +-sigma gradient noise at T = {temperature(eta, sigma):.4g}: mean escape step / "
                        f"noisy GD's ({x}/{n} escaped)", tau / tau_n, "same variance; non-Gaussian noise changes the "
                        "rate at finite eta"))  # fmt: skip
    out.insert(2, claim("chain", f"(b) noisy GD's mean escape step equals the exact first-passage time of the chain: "
                        f"max over {len(per_T)} temperatures of |mean - exact| in standard errors", worst_chain, "<=", z,
                        "Nystrom solution of tau(x) = 1 + int p(x -> y) tau(y) dy"))  # fmt: skip

    if len(per_T) >= 3:
        T, tau, se, refs = zip(*per_T)
        eta = float(noisy.eta.iloc[0])
        inv_T = 1 / np.array(T)
        se_log = np.array(se) / np.array(tau)
        fit = kramers.arrhenius_fit(inv_T, np.log(np.array(tau) * eta), se_log)
        exact = kramers.arrhenius_fit(inv_T, np.log([r["tau_diffusion"] * eta for r in refs]), se_log)
        bias = exact["slope"] - well.barrier
        measured, bound = abs(fit["slope"] - well.barrier), z * fit["se_slope"] + abs(bias)
    else:
        fit, bias, measured, bound = {"slope": float("nan"), "chi2": float("nan")}, float("nan"), float("nan"), 0.0
    out += [
        claim("slope", f"(b) Arrhenius slope of log(mean escape time) against 1/T over {len(per_T)} temperatures "
              f"(>= 3 needed): |slope - Delta V|, Delta V = V(s) - V(a) = {well.barrier:.5g}", measured, "<=", bound,
              f"finite-T slope bias {bias:+.4f} (exact diffusion times)"),
        info("(b) Arrhenius slope of noisy GD (estimate of Delta V)", fit["slope"], "weighted least squares"),
        info("(b) chi^2 of the Arrhenius fit (degrees of freedom = temperatures - 2)", fit["chi2"], "weighted residuals"),
    ]  # fmt: skip
    return out


def gibbs_claims(noisy, s: dict, z: float, level: float) -> list[Claim]:
    well = TiltedDoubleWell(s["tilt"])
    b = well.b
    last = final_rows(noisy)
    out, masses = [], []
    for (eta, sigma), rows in last.groupby(["eta", "sigma"]):
        theta = rows.theta.to_numpy()
        ref = well_reference(well, eta, sigma, s["near_b"], s["chain_resolution"])
        R = len(theta)
        ks = intervals.ks_distance(theta, ref["cdf"])
        bound = intervals.dkw_epsilon(R, level) + ref["ks_chain"]
        near = float(np.mean(np.abs(theta - b) <= s["near_b"]))
        masses.append((ref["T"], near, R))
        out += [
            claim("ks", f"(c) noisy GD concentrates: KS distance of {R} runs at step {int(rows.step.max())} to the Gibbs "
                  f"density exp(-V/T)/Z at T = {ref['T']:.4g}", ks, "<=", bound,
                  f"Z by the trapezoidal rule; KS(chain's stationary law, Gibbs) = {ref['ks_chain']:.4f} "
                  f"(first order in eta: {ref['ks_euler']:.4f})"),
            info(f"(c) mass within {s['near_b']:g} of b at T = {ref['T']:.4g} (Gibbs: {ref['gibbs_near_b']:.4f})", near,
                 "Gibbs density"),
            info(f"(c) fraction still in the shallow basin at T = {ref['T']:.4g} (Gibbs: {ref['gibbs_basin_a']:.4f})",
                 float(np.mean(theta > well.s)), "Gibbs density"),
        ]  # fmt: skip
    if len(masses) >= 2:
        (T_cold, m_cold, n_cold), (T_warm, m_warm, n_warm) = min(masses), max(masses)
        se = math.sqrt(m_cold * (1 - m_cold) / n_cold + m_warm * (1 - m_warm) / n_warm)
        growth = (m_cold - m_warm) / se if se > 0 else float("nan")
        text = f"T = {T_cold:.4g} vs {T_warm:.4g}"
    else:
        growth, text = float("nan"), "fewer than 2 temperatures"
    out.append(claim("mass_near_b", f"(c) the mass near b grows as T falls: (mass at the coldest - at the warmest T) "
                     f"in standard errors, {text}", growth, ">=", z, "Gibbs: exp(-V/T) concentrates on the global "
                     "minimiser b as T -> 0"))  # fmt: skip
    return out


def teacher_claims(ts, s: dict, level: float) -> list[Claim]:
    last = final_rows(ts)
    out = []
    gd = last[(last.optimizer == "gd") & (last.sigma == 0)]
    n = len(gd)
    uncertified = int((~gd.outcome.isin(["global", "spurious"])).sum()) if n else float("nan")
    spurious = int((gd.outcome == "spurious").sum()) if n else 0
    lo, hi = intervals.clopper_pearson(spurious, n, level) if n else (float("nan"), float("nan"))
    ref = f"Safran & Shamir (ICML 2018), k = {s['k']}, n = {s['n']}, d = {s['d']}"
    out += [
        claim("ts_certified", f"(d) every GD end point is certified (global: L <= rounding bound; spurious: "
              f"|grad L|, -lambda_min below rounding bounds, L above): uncertified runs of {n}", uncertified, "<=", 0,
              ref),
        claim("ts_spurious", f"(d) GD ends at certified spurious minima: runs of {n} (Clopper-Pearson interval of "
              f"the fraction at level {level:.2g}: [{lo:.3f}, {hi:.3f}])", spurious if n else float("nan"), ">=", 1,
              ref),
    ]  # fmt: skip
    spur = gd[gd.outcome == "spurious"]
    if len(spur):
        out += [
            info("(d) GD spurious minima: smallest loss", float(spur.certified_loss.min()), ref),
            info("(d) GD spurious minima: smallest Hessian eigenvalue (min over runs)", float(spur.lambda_min.min()),
                 "torch.func.hessian"),
            info("(d) GD spurious minima: largest |grad L| / rounding bound",
                 float((spur.grad_norm / spur.grad_bound).max()), "after Newton polishing"),
            info("(d) GD spurious minima: largest Newton displacement from GD's end point",
                 float(spur.newton_displacement.max()), "Frobenius norm"),
        ]  # fmt: skip
    names = {"gd": "GD", "sgd": "SGD", "label_noise_sgd": "label-noise SGD", "noisy_gd": "Langevin (noisy GD)"}
    gd_outcome = gd.set_index("replicate").outcome if n else None
    for (opt, eta, sigma), rows in last.groupby(["optimizer", "eta", "sigma"]):
        x, N = int((rows.outcome == "global").sum()), len(rows)
        lo, hi = intervals.clopper_pearson(x, N, level)
        counts = ", ".join(f"{k} {v}" for k, v in rows.outcome.value_counts().sort_index().items())
        out.append(info(f"(e) {names.get(opt, opt)} (eta = {eta:g}, sigma = {sigma:g}, {s['steps']} + {s['polish_steps']} "
                        f"GD steps): fraction of {N} runs at a global minimum, CP interval [{lo:.3f}, {hi:.3f}] "
                        f"({counts})", x / N, ref))  # fmt: skip
        if opt != "gd" and gd_outcome is not None:
            mine = rows.set_index("replicate").outcome
            both = gd_outcome.index.intersection(mine.index)
            rescued = int(((gd_outcome[both] == "spurious") & (mine[both] == "global")).sum())
            lost = int(((gd_outcome[both] == "global") & (mine[both] != "global")).sum())
            out.append(info(f"(e) {names.get(opt, opt)} from GD's initialisations: GD-spurious runs it ends global "
                            f"(and GD-global runs it does not: {lost})", rescued, "paired runs"))  # fmt: skip
    return out
