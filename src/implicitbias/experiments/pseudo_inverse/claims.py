"""Claims of the experiment pseudo_inverse: the lecture's statements checked as numbers (no torch).

Every bound is computed from the run (its step count K, η_abs·β, λ₊/β, ‖A‖_F²,
…) by the formulas of :mod:`.bounds`; a claim whose cells are missing is a row
with NaN, which fails.  Besides the lecture's statements, two rows demonstrate
errata of the lecture: x = (AᵀA)⁻¹Aᵀy is written for p > n, where AᵀA is
singular, and the variational problem min ‖Ax − y‖² s.t. Ax = y, which every
interpolant solves, should minimise ‖x‖.
"""

from __future__ import annotations

import math

import numpy as np

from ...numerics import least_squares as ls
from ...pipeline.claims import Claim, final_rows, worst
from . import bounds

E = "pseudo_inverse"
ETA_BETAS = (0.5, 1.0, 1.99)  # GD from 0: converges for each; 1.99 is stable, 2.01 diverges
UNSTABLE = 2.01
WINDOW = (1e-3, 1e-9)  # relative errors between which the contraction rate is measured


def contraction_rate(steps: np.ndarray, rel: np.ndarray, window=WINDOW) -> tuple[float, int, int]:
    """Measured per-step factor (d_j/d_i)^(1/(k_j − k_i)) over the logged steps where the
    relative error lies in ``window``, with the indices i, j of its ends (NaN, −1, −1 without two)."""
    hi, lo = window
    inside = np.flatnonzero((rel <= hi) & (rel >= lo))
    if len(inside) < 2:
        return float("nan"), -1, -1
    i, j = inside[0], inside[-1]
    return float((rel[j] / rel[i]) ** (1.0 / (steps[j] - steps[i]))), int(i), int(j)


def _seeds(cells) -> str:
    """How many seeds back a claim: said in its basis (its name stays the same whatever is present)."""
    return f"; {cells.seed.nunique()} seeds present"


def claims(table, settings: dict, reference=None) -> list[Claim]:
    """The lecture's statements about this figure, each checked as a number."""
    n, p = settings["n"], settings["p"]
    last = final_rows(table, finite="train_loss")
    last = last.assign(rel_pinv=last.dist_pinv / last.pinv_norm, eta_beta=last.eta_abs * last.beta,
                       lam_ratio=last.lambda_plus / last.beta)  # fmt: skip
    gd0 = last[(last.model == "linear") & (last.optimizer == "gd")]
    out = []

    for eb in ETA_BETAS:
        c = gd0[np.isclose(gd0.eta, eb)]
        bound = bounds.gd_bound(c.step, n, p, c.eta_beta, c.lam_ratio, c.frob2, c.beta, 1.0, 2.0)
        K = int(c.step.min()) if len(c) else 0
        out.append(Claim(
            E, f"GD from 0 at eta*beta={eb:g} converges to A+y: max over seeds of |x_K - A+y|/|A+y|",
            worst(c.rel_pinv), "<=", worst(bound), "numpy.linalg.pinv",
            f"rounding: u*kappa*S*K = {worst(bound - bounds.gd_rate(c.eta_beta, c.lam_ratio) ** c.step):.2e} at K = {K}"
            f" (kappa = 10 + 2(n+p+1) eta|A||A|_F, S = 2|A+y|) and the error of pinv, plus the theorem's rho^K|A+y|"
            f" with rho = max|1 - eta lambda| = {worst(bounds.gd_rate(c.eta_beta, c.lam_ratio)):.4f}" + _seeds(c),
        ))  # fmt: skip

    gdz = last[(last.model == "linear_z") & (last.optimizer == "gd")]
    proj = np.hypot(gdz.pinv_norm, gdz.null_norm)  # |z + A+(y − Az)|: A+y ⊥ (I − A+A)z
    z0 = _start_norms(table, gdz)  # |z|
    e0 = (z0 + gdz.pinv_norm) / proj  # |x_0 − x∞| ≤ |P_row z| + |A+y|
    scale = 1 + e0
    bound_z = bounds.gd_bound(gdz.step, n, p, gdz.eta_beta, gdz.lam_ratio, gdz.frob2, gdz.beta, e0, scale)
    out.append(Claim(
        E, "GD from z converges to z + A+(y - Az): max over seeds of |x_K - (z + A+(y - Az))| / |z + A+(y - Az)|",
        worst(gdz.dist_proj / proj), "<=", worst(bound_z), "numpy.linalg.pinv",
        "rounding: u*kappa*S*K (S = |x_inf| + |x_0 - x_inf|) and the error of pinv, plus the theorem's rho^K|x_0 - x_inf|"
        + _seeds(gdz),
    ))  # fmt: skip

    # the null-space part of z along the whole run: GD's steps lie in the row space of A
    runs_z = table[(table.model == "linear_z") & (table.optimizer == "gd")]
    drift = runs_z.null_drift / runs_z.null_norm
    kappa_z = bounds.gd_kappa(n, p, gdz.eta_abs * gdz.beta, gdz.frob2, gdz.beta)
    allow = (ls.floor(kappa_z, scale * proj, gdz.step) + _projector_error(n, p, gdz) * (z0 + 2 * scale * proj)) / gdz.null_norm
    out.append(Claim(
        E, "GD from z never moves the null-space part of z: max over logged steps and seeds of "
           "|(I - A+A)(x_k - z)| / |(I - A+A)z|",
        worst(drift), "<=", worst(allow), "(I - A+A)z",
        "rounding: u*kappa*S*K of the iterate plus the error of the computed projector I - A+A "
        "((n+p) u (1 + kappa(A)) times |x_k - z|); in exact arithmetic the drift is 0 (GD steps lie in the row space)"
        + _seeds(gdz),
    ))  # fmt: skip

    out += _stability(table, gd0, settings)
    out.append(_contraction(table, settings))

    for name in ("sgd", "heavy_ball", "nesterov"):
        c = last[(last.model == "linear") & (last.optimizer == name)]
        if name == "sgd":
            rms = c.dist_rms / c.pinv_norm
            bound = worst(bounds.sgd_bound(c.step, n, p, c.eta_abs, rms, c.row_norm2_max, c.beta, c.lambda_plus))
            basis = (f"theorem: the exact second moment of batch-1 SGD (a linear recursion) gives "
                     f"(E|x_K - A+y|^2)^(1/2)/|A+y| <= {worst(rms):.2e}; Markov: exceeded by a factor "
                     f"{bounds.SGD_DELTA ** -0.5:g} with probability <= {bounds.SGD_DELTA:g} per seed; "
                     "plus u*kappa*2*K and the error of pinv")
        else:
            bound = worst([bounds.momentum_bound(name, r.step, n, p, r.eta_beta, r.lam_ratio, r.momentum, r.frob2, r.beta)
                           for r in c.itertuples()])  # fmt: skip
            basis = ("rounding: u*kappa*S*sum_k|T^k| and the error of pinv, plus the theorem's |T^K| of the 2x2 mode "
                     "matrix T(eta lambda) (Cayley-Hamilton, over eta lambda in [eta lambda_+, eta beta])")
        out.append(Claim(E, f"{name} converges to the same limit A+y: max over seeds of |x_K - A+y|/|A+y|",
                         worst(c.rel_pinv), "<=", bound, "numpy.linalg.pinv", basis + _seeds(c)))  # fmt: skip

    for name in ("adam", "adagrad"):
        out += _adaptive(table, last[(last.model == "linear") & (last.optimizer == name)], name, settings)

    out += _errata(gd0, gdz, scale * proj, settings)
    return out


def _start_norms(table, cells) -> np.ndarray:
    """|x_0| of each of ``cells`` (the norm logged at step 0)."""
    start = table[table.step == 0].set_index("cell").norm
    return start.reindex(cells.index).to_numpy()


def _projector_error(n: int, p: int, cells) -> np.ndarray:
    """Error of the computed projector I − A⁺A: (n + p)·u·(1 + κ(A))."""
    return bounds.reference_error(n, p, cells.beta, cells.lambda_plus)


def _stability(table, gd0, settings: dict) -> list[Claim]:
    """GD on a quadratic is stable iff ηβ < 2: 2.01 diverges for every seed, 1.99 for none."""
    K, blowup = settings["steps"], settings["blowup"]
    above, below = gd0[np.isclose(gd0.eta, UNSTABLE)], gd0[np.isclose(gd0.eta, 1.99)]
    frac = lambda f: float((f.status == "diverged").mean()) if len(f) else float("nan")
    growth = (UNSTABLE - 1) ** K
    return [
        Claim(E, f"eta*beta={UNSTABLE:g} diverges: fraction of seeds with status=diverged",
              frac(above), ">=", 1.0, "stability threshold 2/beta",
              f"theorem: the top mode of A^T A grows by |1 - eta beta|^K = {UNSTABLE - 1:g}^{K} = {growth:.1e}; the run "
              f"passes {blowup:g} E(x_0) unless that mode's weight in A+y is below ~{math.sqrt(blowup) / growth:.0e}"
              " of |y|/sqrt(beta), which a Gaussian draw misses with probability of that order" + _seeds(above)),
        Claim(E, "eta*beta=1.99 is stable: fraction of seeds with status=diverged",
              frac(below), "<=", 0.0, "stability threshold 2/beta",
              "theorem: for eta < 2/beta every mode contracts (|1 - eta lambda| <= 0.99) and E(x_k) never increases "
              "(descent lemma), so the loss never reaches blowup*E(x_0)" + _seeds(below)),
    ]  # fmt: skip


def _contraction(table, settings: dict) -> Claim:
    """At η = 1/β the measured rate against 1 − λ₊/β, allowing the deviation of the exact spectral
    closed form over the same window plus the rounding of the two measured distances."""
    n, p = settings["n"], settings["p"]
    runs = table[(table.model == "linear") & (table.optimizer == "gd") & np.isclose(table.eta, 1.0)]
    dev, allow = [], []
    for _, rows in runs.groupby("cell"):
        rows = rows.sort_values("step")
        steps, rel = rows.step.to_numpy(), (rows.dist_pinv / rows.pinv_norm).to_numpy()
        exact = (rows.dist_exact / rows.pinv_norm).to_numpy()
        r0 = rows.iloc[0]
        slowest = 1 - r0.lambda_plus / r0.beta
        rate, i, j = contraction_rate(steps, rel)
        if i < 0:
            dev.append(float("nan"))
            allow.append(float("nan"))
            continue
        closed = (exact[j] / exact[i]) ** (1.0 / (steps[j] - steps[i]))
        kappa = bounds.gd_kappa(n, p, r0.eta_abs * r0.beta, r0.frob2, r0.beta)
        ref = float(bounds.reference_error(n, p, r0.beta, r0.lambda_plus))
        # relative error of a measured distance at step k: rounding of x_k and of A+y, and of the powers (2ku)
        d_i, d_j = ((float(ls.floor(kappa, 2.0, k)) + ref + 2 * k * ls.U) / d for k, d in ((steps[i], rel[i]), (steps[j], rel[j])))
        log_tol = (-math.log1p(-d_i) - math.log1p(-d_j)) / (steps[j] - steps[i]) if max(d_i, d_j) < 1 else math.inf
        dev.append(abs(rate - slowest))
        allow.append(abs(closed - slowest) + closed * math.expm1(log_tol))
    return Claim(
        E, f"contraction at eta=1/beta: max over seeds of |measured rate - (1 - lambda_+/beta)| "
           f"(rate over the logged steps with relative error in [{WINDOW[1]:g}, {WINDOW[0]:g}])",
        worst(dev), "<=", worst(allow), "eigenvalues of A^T A",
        "theorem: the exact spectral closed form |e_k|^2 = sum_i c_i^2 (1 - lambda_i/beta)^(2k) over the "
        "same window deviates from 1 - lambda_+/beta by the faster modes; plus the rate error from the rounding "
        "u*kappa*2*k of each measured distance" + _seeds(runs),
    )  # fmt: skip


def _adaptive(table, cells, name: str, settings: dict) -> list[Claim]:
    """Adam and AdaGrad fit the data (the loss falls over the last decade at least as fast as their
    O(1/sqrt k) rate guarantee) and end at another interpolant (a null-space part beyond rounding)."""
    n, p = settings["n"], settings["p"]
    runs = table[(table.model == "linear") & (table.optimizer == name)]
    falls = []
    for cell, r in cells.iterrows():
        rows = runs[runs.cell == cell]
        early = rows[rows.step <= r.step / 10].sort_values("step")
        if not len(early) or early.step.iloc[-1] < 1:
            falls.append(float("nan"))
            continue
        e = early.iloc[-1]
        residual = (p + 2) * ls.U * math.sqrt(r.frob2) * r.norm + ls.U * math.sqrt(2 * r.loss0)  # |fl(Ax - y) - (Ax - y)|
        falls.append(max(r.train_loss - 0.5 * residual**2, 0.0) / e.train_loss * math.sqrt(e.step / r.step) ** -1)
    kappa = bounds.gd_kappa(n, p, 2.0, cells.frob2, cells.beta)  # GD at the largest stable step
    # plus the projector's error times |x| <= 2|A+y|
    floor = ls.floor(kappa, 2.0, cells.step) + 2 * bounds.reference_error(n, p, cells.beta, cells.lambda_plus)
    return [
        Claim(E, f"{name} fits the data: max over seeds of [E(x_K)/E(x_(K/10))] / sqrt(K/10 / K)",
              worst(falls), "<=", 1.0, "O(1/sqrt k) rate",
              "theorem: the regret bounds of AdaGrad (Duchi, Hazan & Singer 2011) and Adam/AMSGrad (Kingma & Ba 2015; "
              "Reddi, Kale & Kumar 2018) give E - E* = O(1/sqrt k): over the last decade the loss must fall by "
              "sqrt(10) (E(x_K) less its rounding floor)" + _seeds(cells)),
        Claim(E, f"{name} ends at another interpolant: min over seeds of |(I - A+A)x_K| / |A+y|",
              worst(cells.null_drift / cells.pinv_norm, "min"), ">=", worst(floor), "numpy.linalg.pinv",
              "rounding: GD, SGD and momentum steps lie in the row space of A, so from 0 their null-space part is at "
              "most u*kappa*2*K (GD at eta*beta = 2) plus the projector's error" + _seeds(cells)),
    ]  # fmt: skip


def _errata(gd0, gdz, scale_z, settings: dict) -> list[Claim]:
    """Two errata of the lecture, as numbers: AᵀA is singular for p > n; A⁺y is the interpolant of least norm."""
    n, p = settings["n"], settings["p"]
    gram = gd0[np.isclose(gd0.eta, 1.0)]
    F = (ls.floor(bounds.gd_kappa(n, p, gdz.eta_abs * gdz.beta, gdz.frob2, gdz.beta), scale_z, gdz.step) / gdz.pinv_norm
         + bounds.reference_error(n, p, gdz.beta, gdz.lambda_plus))  # fmt: skip
    return [
        Claim(E, f"erratum (A^T A)^-1 A^T y: A^T A (p x p, p = {p} > n = {n}) is singular: "
                 f"max over seeds of |lambda_min(A^T A)| / lambda_max(A^T A)",
              worst(np.abs(gram.gram_lambda_min) / gram.beta), "<=", worst((n * gram.frob2 / gram.beta + p) * ls.U),
              "numpy.linalg.eigvalsh",
              "rounding: forming A^T A errs by <= n u |A|_F^2 and a symmetric eigensolver by <= p u |A^T A| "
              "(Higham 2002, 3.5), so a singular A^T A shows |lambda_min| <= (n |A|_F^2/beta + p) u beta" + _seeds(gram)),
        Claim(E, "erratum min |Ax - y|^2 s.t. Ax = y: another interpolant (GD from z) has a larger norm than A+y: "
                 "min over seeds of (|x_K|^2 - |A+y|^2) / |A+y|^2",
              worst((gdz.norm**2 - gdz.pinv_norm**2) / gdz.pinv_norm**2, "min"), ">=", worst(2 * F + F**2),
              "numpy.linalg.pinv",
              "rounding: were x_K the computed A+y, |x_K|^2 would differ from |A+y|^2 by at most (2F + F^2)|A+y|^2, "
              "F = u*kappa*S*K/|A+y| + the error of pinv; every interpolant solves the lecture's problem (value 0)"
              + _seeds(gdz)),
    ]  # fmt: skip
