"""Claims of the experiment escape: the lecture's statements checked as numbers (no torch).

Statistical bounds use the runs present: standard errors of mean escape times,
Clopper–Pearson limits of fractions and the Dvoretzky–Kiefer–Wolfowitz limit of
Kolmogorov–Smirnov distances, all at the family-wise level ``alpha`` of the
settings, shared by the m statistical checks (Bonferroni: each at α/m, z the
two-sided normal quantile).  Systematic terms are computed, never chosen: the
finite-temperature correction of Kramers' law from the exact first-passage
integral of the diffusion, the first-order η correction of the Euler–Maruyama
chain, the chain's exact stationary law, and rounding bounds.

Claim names depend on nothing measured, so a missing batch leaves every row in
place (failing); temperatures and counts go into the reference column.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.integrate import cumulative_trapezoid

from ...numerics import gibbs, kramers, stats
from ...numerics.critical_points import classify
from ...numerics.double_well import TiltedDoubleWell
from ...pipeline.claims import Claim, last_rows, worst

E = "escape"

# Where each bound comes from (the claims table's basis column).
BASIS = {
    "gd_stays": "rounding: the computed GD map stops within 8u(abs(a) + eta * sum of abs(terms of V'(a)))/(eta V''(a)) of a; "
    "theorem: for eta < 2/S, S the largest secant slope of V' through a on (s, 2a - s], every step shrinks the distance to a",
    "escape": "statistics: Clopper-Pearson lower limit at level alpha/m; 1/2 is the fraction of an exponential "
    "escape time below its median",
    "chain": "statistics: z(alpha/m) standard errors of the mean escape step (delta method, censored at the "
    "horizon) combined with the Nystrom grid error (grid halved)",
    "prefactor": "statistics: z(alpha/m) standard errors of the runs, plus the finite-T (Laplace) correction "
    "abs(tau_diffusion/tau_K - 1) from the exact first-passage integral, plus the first-order Euler correction "
    "abs(eta (V''(a) + V''(s))/4) (weak backward error analysis of the chain), plus the rest of the eta "
    "correction, abs(tau_chain/tau_diffusion - 1 - first order), from the exact chain (Nystrom)",
    "slope": "statistics: z(alpha/m) standard errors of the weighted fit of log tau on 1/T (weights from the "
    "runs), plus abs(slope - Delta V) of the same fit to the exact diffusion times (the finite-T correction); the "
    "first-order eta correction is a T-independent factor and leaves the slope unchanged, and the rest, the "
    "difference of the fits to the exact chain and diffusion times, is added",
    "ks": "statistics: DKW-Massart limit sqrt(ln(2m/alpha)/(2R)) for R independent runs, plus the KS distance "
    "between the chain's stationary law (Nystrom) and the Gibbs density, which to first order in eta is "
    "exp(-V/T)(1 + eta V'^2/(4T) - eta V''/2)/Z",
    "mass": "statistics: the difference of two binomial fractions in z(alpha/m) standard errors",
    "certified": "rounding: the gradient norm and -lambda_min(exact Hessian) below gamma_m bounds of their computation, "
    "L above the rounding bound of L (or at most it: a global minimum)",
    "spurious": "statistics: a Clopper-Pearson lower limit above 0 needs at least one certified spurious minimum; "
    "Safran & Shamir (ICML 2018) prove spurious minima exist for 6 <= k = n <= 20",
}
NAMES = {"gd": "GD", "sgd": "SGD", "label_noise_sgd": "label-noise SGD", "noisy_gd": "Langevin (noisy GD)"}
NAN = float("nan")

# every column a claim or the figure reads: a table without some batch lacks them, and its claims must fail
COLUMNS = ("model", "loss", "optimizer", "eta", "sigma", "seed", "cell", "step", "status", "eta_abs", "theta", "distance_to_a",
           "theta0", "secant_sharpness", "rounding_bound", "replicate", "escape_step",
           "population_loss", "gradient_norm", "certified_loss", "loss_bound", "grad_norm", "grad_bound",
           "lambda_min", "hessian_bound", "newton_displacement", "polished_loss")  # fmt: skip


def check(key: str, text: str, measured: float, relation: str, bound: float, reference: str) -> Claim:
    return Claim(E, text, float(measured), relation, float(bound), reference, BASIS[key])


def info(text: str, value: float, reference: str) -> Claim:
    return Claim(E, text, float(value), "info", NAN, reference)


def complete(table):
    """The table with every column of COLUMNS (missing ones empty)."""
    return table.reindex(columns=list(dict.fromkeys([*table.columns, *COLUMNS])))


def final_rows(frame):
    """The last logged row of every run: a cell's replicate, or a GD cell's initial point."""
    return last_rows(frame, ("cell", "replicate", "theta0"))


def temperature(eta, sigma):
    """T = ησ²/2: noisy GD is the Euler–Maruyama chain of Langevin dynamics at this temperature."""
    return eta * sigma**2 / 2


def outcomes(frame) -> np.ndarray:
    """Each teacher–student run's end point: global, spurious, uncertified or diverged."""
    return classify(frame.certified_loss, frame.loss_bound, frame.grad_norm, frame.grad_bound, frame.lambda_min,
                    frame.hessian_bound)  # fmt: skip


def well_reference(well: TiltedDoubleWell, eta: float, sigma: float, near_b: float, resolution: int) -> dict:
    """Closed forms and exact integrals of the double well at one (η, σ), all computed from (η, σ) as the
    table labels them: Kramers' time and its corrections and the chain's exact mean escape time with its
    grid error (in steps), the Gibbs distribution function, its distance to the chain's stationary law
    (exact, by Nyström on a grid of spacing ησ/resolution, and to first order in η) and the Gibbs mass near b."""
    b, s, a = well.critical_points()
    _, mu_s, lam_a = well.curvatures()
    T = temperature(eta, sigma)
    tau_k = float(kramers.kramers_time(well.barrier, lam_a, mu_s, T)) / eta
    tau_d = kramers.mfpt_diffusion(well.V, T, a, b, a + 1.6) / eta
    tau_c, tau_c_error = kramers.noisy_gd_escape_steps(well.dV, eta, sigma, a, b, a + 1.6, resolution)
    grid = np.linspace(b - 1.5, a + 1.6, 40001)
    F = gibbs.cdf(well.V, T, grid)
    F_eta = gibbs.cdf(well.V, T, grid, well.dV, well.d2V, eta)
    coarse = np.arange(b - 1.5, a + 1.6, eta * sigma / resolution)
    F_chain = cumulative_trapezoid(gibbs.chain_stationary(lambda x: x - eta * well.dV(x), eta * sigma, coarse),
                                   coarse, initial=0.0)  # fmt: skip
    return {
        "T": T,
        "tau_kramers": tau_k,
        "tau_diffusion": tau_d,
        "tau_chain": tau_c,
        "tau_chain_error": tau_c_error,
        "finite_T": tau_d / tau_k - 1,
        "euler": kramers.euler_correction(eta, lam_a, mu_s),
        "cdf": lambda x: np.interp(x, grid, F),
        "ks_euler": float(np.max(np.abs(F_eta - F))),
        "ks_chain": float(np.max(np.abs(F_chain / F_chain[-1] - np.interp(coarse, grid, F)))),
        "gibbs_near_b": float(np.interp(b + near_b, grid, F) - np.interp(b - near_b, grid, F)),
        "gibbs_basin_a": float(1 - np.interp(s, grid, F)),
    }


def escape_times(rows, horizon: int) -> tuple[float, float, int, int]:
    """(mean escape step, its standard error, escaped, runs) from the final rows of one cell's runs;
    NaN mean and error if a run diverged (its passage time is then unknown)."""
    esc = rows.escape_step.to_numpy(dtype=float)
    if (rows.status == "diverged").any():
        return NAN, NAN, int((esc >= 0).sum()), len(esc)
    seen = esc >= 0
    tau, se = stats.ratio_mean(np.where(seen, esc, horizon), seen)
    return tau, se, int(seen.sum()), len(esc)


# ----------------------------------------------------------------------------- claims


def claims(table, settings: dict, reference=None) -> list[Claim]:
    table = complete(table)
    dw, ts = table[table.model == "double_well"], table[table.model == "teacher_student"]
    noisy = final_rows(dw[(dw.optimizer == "noisy_gd") & (dw.sigma > 0)])
    # the statistical checks share alpha: per temperature the chain, prefactor and KS checks (3 per T), plus
    # the two escape fractions, the slope and the mass near b
    m = 3 * max(noisy.sigma.nunique(), 1) + 4
    z, level = stats.bonferroni_z(settings["alpha"], m), settings["alpha"] / m
    ctx = {"z": z, "level": level, "m": m}
    s = settings["double_well"]
    return (gd_claims(dw, s) + escape_claims(dw, s, ctx) + gibbs_claims(noisy, s, ctx)
            + teacher_claims(ts, settings["teacher_student"], ctx))  # fmt: skip


def gd_claims(dw, s: dict) -> list[Claim]:
    well = TiltedDoubleWell(s["tilt"])
    gd = final_rows(dw[(dw.optimizer == "gd") & (dw.sigma == 0)])
    limit = 2 / well.secant_sharpness(2 * well.a - well.s)
    below, above = gd[gd.eta_abs < limit], gd[gd.eta_abs >= limit]
    ratio = worst(below.distance_to_a / below.rounding_bound)  # NaN (a failing check) if a run diverged
    big = above[above.eta_abs == above.eta_abs.max()]
    return [
        check("gd_stays", "(a) GD stays in the shallow minimum a: max over steps eta < 2/S and initial points in "
              "(s, 2a - s] of |theta_K - a| / rounding bound", ratio, "<=", 1.0,
              f"{below.eta_abs.nunique()} steps below 2/S = {limit:.4g}, {below.theta0.nunique()} initial points; a the "
              "shallow root of V' = 4 theta^3 - 4 theta + c (Newton-refined)"),
        info("(a) GD at the largest step eta >= 2/S: fraction of initial points that jump to the deep basin",
             float((big.theta < well.s).mean()) if len(big) else NAN,
             f"eta = {big.eta_abs.max():g}; 2/S is sufficient, not necessary" if len(big) else "no such step"),
    ]  # fmt: skip


def escape_claims(dw, s: dict, ctx: dict) -> list[Claim]:
    well = TiltedDoubleWell(s["tilt"])
    K, z = int(s["steps"]), ctx["z"]
    out = []
    for opt, name in (("noisy_gd", "noisy GD"), ("sgd", "SGD (label noise +-sigma on the tilt)")):
        rows = final_rows(dw[(dw.optimizer == opt) & (dw.sigma > 0)])
        cold = rows[rows.sigma == rows.sigma.min()]
        _, _, x, n = escape_times(cold, K) if len(cold) else (NAN, NAN, 0, 0)
        lo = stats.clopper_pearson(x, n, ctx["level"])[0] if n else NAN
        T = temperature(float(cold.eta_abs.iloc[0]), float(cold.sigma.iloc[0])) if n else NAN
        out.append(check("escape", f"(b) {name} leaves the shallow basin: lower confidence limit of the fraction of "
                         "runs at the coldest temperature that reach b within the horizon", lo, ">=", 0.5,
                         f"{x}/{n} runs escaped within K = {K} steps at T = {T:.4g}"))  # fmt: skip

    noisy = final_rows(dw[(dw.optimizer == "noisy_gd") & (dw.sigma > 0)])
    per_T = []
    for (eta, sigma), rows in noisy.groupby(["eta_abs", "sigma"]):
        tau, se, x, n = escape_times(rows, K)
        ref = well_reference(well, eta, sigma, s["near_b"], s["chain_resolution"])
        chain, err = ref["tau_chain"], ref["tau_chain_error"]
        rest = chain / ref["tau_diffusion"] - 1 - ref["euler"]  # η beyond first order (exact chain)
        tol = z * se / ref["tau_kramers"] + abs(ref["finite_T"]) + abs(ref["euler"]) + abs(rest)
        per_T.append({"T": ref["T"], "tau": tau, "se": se, "n": n, "ref": ref, "chain": chain, "rest": rest,
                      "z_chain": abs(tau - chain) / math.hypot(se, err),
                      "prefactor": abs(tau / ref["tau_kramers"] - 1), "tol": tol})  # fmt: skip
    per_T.sort(key=lambda r: r["T"])
    temps = ", ".join(f"{r['T']:.4g}" for r in per_T) or "none"
    out += [
        check("chain", "(b) noisy GD's mean escape step equals the exact first-passage time of the chain: max over "
              "temperatures of |mean - exact| in standard errors", worst([r["z_chain"] for r in per_T]), "<=", z,
              f"Nystrom solution of tau(x) = 1 + int p(x -> y) tau(y) dy at T = {temps}; z = z(alpha/m), m = {ctx['m']}"),
        check("prefactor", "(b) Kramers-Eyring prefactor: max over temperatures of |mean escape step / tau_K - 1| "
              "over its tolerance, tau_K = 2 pi / sqrt(V''(a) |V''(s)|) exp(Delta V/T) / eta",
              worst([r["prefactor"] / r["tol"] for r in per_T]), "<=", 1.0,
              "; ".join(f"T = {r['T']:.4g}: {r['prefactor']:.4f} <= {r['tol']:.4f} (finite-T {r['ref']['finite_T']:+.4f}, "
                        f"Euler {r['ref']['euler']:+.4f}, higher order {r['rest']:+.4f})" for r in per_T)
              or "no temperatures"),
    ]  # fmt: skip
    for which, r in (("coldest", per_T[0] if per_T else None), ("warmest", per_T[-1] if per_T else None)):
        out.append(info(f"(b) noisy GD at the {which} temperature: mean escape step / tau_K",
                        r["tau"] / r["ref"]["tau_kramers"] if r else NAN,
                        f"T = {r['T']:.4g}, {r['n']} runs, mean {r['tau']:.5g} +- {r['se']:.3g} steps, exact chain "
                        f"{r['chain']:.5g}, tau_K = {r['ref']['tau_kramers']:.5g}" if r else "no runs"))  # fmt: skip

    if len(per_T) >= 3:
        eta = float(noisy.eta_abs.iloc[0])
        inv_T = np.array([1 / r["T"] for r in per_T])
        se_log = np.array([r["se"] / r["tau"] for r in per_T])
        fit = kramers.arrhenius_fit(inv_T, np.log([r["tau"] * eta for r in per_T]), se_log)
        exact = kramers.arrhenius_fit(inv_T, np.log([r["ref"]["tau_diffusion"] * eta for r in per_T]), se_log)
        chain = kramers.arrhenius_fit(inv_T, np.log([r["chain"] * eta for r in per_T]), se_log)
        bias, rest = exact["slope"] - well.barrier, chain["slope"] - exact["slope"]
        measured, bound = abs(fit["slope"] - well.barrier), z * fit["se_slope"] + abs(bias) + abs(rest)
        detail = (f"slope {fit['slope']:.4f} +- {fit['se_slope']:.4f}, finite-T bias {bias:+.4f}, eta beyond first "
                  f"order {rest:+.4f}, T = {temps}")
    else:
        fit, measured, bound, detail = {"slope": NAN, "chi2": NAN}, NAN, 0.0, "fewer than 3 temperatures"
    out += [
        check("slope", "(b) Arrhenius slope of log(mean escape time) against 1/T (3 or more temperatures): "
              "|slope - Delta V|, Delta V = V(s) - V(a)", measured, "<=", bound,
              f"Delta V = {well.barrier:.5g}; {detail}"),
        info("(b) Arrhenius slope of noisy GD (an estimate of Delta V)", fit["slope"], "weighted least squares"),
        info("(b) chi^2 of the Arrhenius fit (temperatures - 2 degrees of freedom)", fit["chi2"], "weighted residuals"),
    ]  # fmt: skip

    sgd = final_rows(dw[(dw.optimizer == "sgd") & (dw.sigma > 0)])
    for which, pick in (("coldest", min), ("warmest", max)):
        ratio, detail = NAN, "no runs"
        if len(sgd) and len(noisy):
            sigma = pick(set(sgd.sigma) & set(noisy.sigma), default=None)
            if sigma is not None:
                a, b = sgd[sgd.sigma == sigma], noisy[noisy.sigma == sigma]
                ratio = escape_times(a, K)[0] / escape_times(b, K)[0]
                detail = f"T = {temperature(float(a.eta_abs.iloc[0]), sigma):.4g}; same noise variance sigma^2"
        out.append(info(f"(b) SGD's mean escape step over noisy GD's at the {which} temperature", ratio, detail))
    return out


def gibbs_claims(noisy, s: dict, ctx: dict) -> list[Claim]:
    well = TiltedDoubleWell(s["tilt"])
    b = well.b
    per_T = []
    for (eta, sigma), rows in noisy.groupby(["eta_abs", "sigma"]):
        theta = rows.theta.to_numpy(dtype=float)
        ref = well_reference(well, eta, sigma, s["near_b"], s["chain_resolution"])
        R = len(theta)
        per_T.append({"T": ref["T"], "R": R, "ref": ref, "ks": stats.ks_distance(theta, ref["cdf"]),
                      "bound": stats.dkw_epsilon(R, ctx["level"]) + ref["ks_chain"],
                      "near": float(np.mean(np.abs(theta - b) <= s["near_b"])),
                      "basin_a": float(np.mean(theta > well.s)), "step": int(rows.step.max())})  # fmt: skip
    per_T.sort(key=lambda r: r["T"])
    out = [
        check("ks", "(c) noisy GD concentrates: max over temperatures of the KS distance of the runs' last step to "
              "the Gibbs density exp(-V/T)/Z over its bound", worst([r["ks"] / r["bound"] for r in per_T]),
              "<=", 1.0, "; ".join(f"T = {r['T']:.4g}: {r['ks']:.4f} <= {r['bound']:.4f} ({r['R']} runs at step "
                                   f"{r['step']}; chain vs Gibbs {r['ref']['ks_chain']:.4f}, first order "
                                   f"{r['ref']['ks_euler']:.4f})" for r in per_T) or "no runs"),
    ]  # fmt: skip
    if len(per_T) >= 2:
        cold, warm = per_T[0], per_T[-1]
        se = math.sqrt(cold["near"] * (1 - cold["near"]) / cold["R"] + warm["near"] * (1 - warm["near"]) / warm["R"])
        growth = (cold["near"] - warm["near"]) / se if se > 0 else NAN
        detail = f"T = {cold['T']:.4g}: {cold['near']:.4f}, T = {warm['T']:.4g}: {warm['near']:.4f}"
    else:
        growth, detail = NAN, "fewer than 2 temperatures"
    out.append(check("mass", "(c) the mass near b grows as T falls: mass within near_b of b at the coldest minus at the "
                     "warmest temperature, in standard errors", growth, ">=", ctx["z"],
                     f"{detail}; Gibbs: exp(-V/T) concentrates on the global minimiser b as T -> 0"))  # fmt: skip
    for which, r in (("coldest", per_T[0] if per_T else None), ("warmest", per_T[-1] if per_T else None)):
        out += [
            info(f"(c) mass within near_b of b at the {which} temperature", r["near"] if r else NAN,
                 f"T = {r['T']:.4g}; Gibbs {r['ref']['gibbs_near_b']:.4f}" if r else "no runs"),
            info(f"(c) fraction still in the shallow basin at the {which} temperature", r["basin_a"] if r else NAN,
                 f"T = {r['T']:.4g}; Gibbs {r['ref']['gibbs_basin_a']:.4f}" if r else "no runs"),
        ]  # fmt: skip
    return out


def teacher_claims(ts, s: dict, ctx: dict) -> list[Claim]:
    last = final_rows(ts)
    last = last.assign(outcome=outcomes(last))
    gd = last[(last.optimizer == "gd") & (last.sigma == 0)]
    n = len(gd)
    spur = gd[gd.outcome == "spurious"]
    x = len(spur)
    lo, hi = stats.clopper_pearson(x, n, ctx["level"]) if n else (NAN, NAN)
    ref = f"Safran & Shamir (ICML 2018); k = {s['k']}, n = {s['n']}, d = {s['d']}, {n} GD runs"
    out = [
        check("certified", "(d) every GD end point is certified, a global or a spurious minimum: uncertified runs",
              int((~gd.outcome.isin(["global", "spurious"])).sum()) if n else NAN, "<=", 0, ref),
        check("spurious", "(d) GD ends at certified spurious minima: number of runs (a Clopper-Pearson lower limit "
              "above 0)", x if n else NAN, ">=", 1, f"{ref}; fraction {x}/{n}, interval [{lo:.3f}, {hi:.3f}] at level "
              f"{ctx['level']:.2g}"),
        info("(d) GD's spurious minima: smallest loss", float(spur.certified_loss.min()) if x else NAN, ref),
        info("(d) GD's spurious minima: smallest Hessian eigenvalue", float(spur.lambda_min.min()) if x else NAN,
             "torch.func.hessian of the closed-form loss"),
        info("(d) GD's spurious minima: largest |grad L| / its rounding bound",
             float((spur.grad_norm / spur.grad_bound).max()) if x else NAN, "after Newton polishing"),
        info("(d) GD's spurious minima: largest Newton step from GD's end point",
             float(spur.newton_displacement.max()) if x else NAN, "Frobenius norm"),
    ]  # fmt: skip
    by_run = gd.set_index("replicate").outcome
    for opt, name in NAMES.items():
        rows = last[last.optimizer == opt]
        N, g = len(rows), int((rows.outcome == "global").sum())
        lo, hi = stats.clopper_pearson(g, N, ctx["level"]) if N else (NAN, NAN)
        counts = ", ".join(f"{k} {v}" for k, v in rows.outcome.value_counts().sort_index().items()) or "no runs"
        setting = (f"eta = {rows.eta.iloc[0]:g}, sigma = {rows.sigma.iloc[0]:g}, {s['steps']} steps + {s['polish_steps']}"
                   f" GD steps; " if N else "")  # fmt: skip
        out.append(info(f"(e) {name}: fraction of runs at a global minimum", g / N if N else NAN,
                        f"{setting}{counts}; Clopper-Pearson [{lo:.3f}, {hi:.3f}]"))  # fmt: skip
        if opt != "gd":
            mine = rows.set_index("replicate").outcome
            both = by_run.index.intersection(mine.index)
            rescued = int(((by_run[both] == "spurious") & (mine[both] == "global")).sum())
            lost = int(((by_run[both] == "global") & (mine[both] != "global")).sum())
            out.append(info(f"(e) {name} from GD's initialisations: GD-spurious runs it ends at a global minimum",
                            rescued if len(both) else NAN, f"paired runs; GD-global runs it does not end global: "
                            f"{lost}"))  # fmt: skip
    return out
