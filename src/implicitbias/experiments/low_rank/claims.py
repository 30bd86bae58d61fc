"""Claims of the experiment low_rank: the lecture's statements checked as numbers (no torch).

Claim names come from the settings only, never from the table: a part whose
batch is missing still emits every one of its rows, as failing rows (NaN).
How many seeds back a row is said at the end of its basis.

Bases (see the README's section on low_rank for the derivations):

* sensing: the error falls as α shrinks (Li, Ma & Zhang 2018 bound GD's error by an
  increasing function of α); the SDP's own accuracy (Clarabel's tolerance ε, √ε at a
  degenerate optimum); weak duality for the minimum trace below the threshold;
* completion: every depth-3 run beats every depth-2 run (a rank test, U = 0);
* Razin & Cohen: det W > 0 is kept from a balanced init; on det W ≥ 0 the loss
  lies on the valley floor L ≥ ½W₀₀⁻² − W₀₀⁻⁴, where depth-3 flow gives
  d|W₀₀|^{8/3}/dt = 8, so L and 1 − |W₀₀|√(2L) fall like t^{−3/4} and σ₂/σ₁ at
  least like t^{−3/8}: checked decade over decade at the run's own step count.
"""

from __future__ import annotations

import math

import numpy as np

from ...pipeline.claims import Claim, last_rows, worst

E = "low_rank"
CLARABEL_TOL = 1e-8  # Clarabel's default tol_gap_abs, tol_gap_rel and tol_feas


def final_rows(table):
    """The last logged row of every run (cell, and alpha and m where swept)."""
    keys = [k for k in ("cell", "alpha", "m") if k in table and table[k].notna().any()]
    return last_rows(table, keys, finite="train_loss")


def runs(rows, what: str = "seeds") -> str:
    """' (over S seeds)': how many runs back a row (0 when its batch is missing)."""
    return f" (over {rows.seed.nunique() if len(rows) else 0} {what})"


# every column a claim reads: a part whose batch is missing may have left none of its own in the table
COLUMNS = ("model", "cell", "seed", "step", "train_loss", "alpha", "m", "rel_err", "trace_ratio", "sdp_dist",
           "sdp_trace_ratio", "sdp_dist_truth", "test_mse", "w00", "det", "sv_2")  # fmt: skip


def claims(table, settings: dict, reference=None) -> list[Claim]:
    """The lecture's statements about this figure, each checked as a number."""
    wanted = [*COLUMNS, f"sv_{settings['completion']['rank'] + 1}"]
    table = table.reindex(columns=table.columns.union(wanted, sort=False))
    return (
        sensing_claims(table[table.model == "sensing_uut"], settings, reference)
        + completion_claims(table[table.model.str.startswith("completion_depth")], settings)
        + razin_cohen_claims(table[table.model == "razin_cohen"])
    )


# ---------------------------------------------------------------- (a) sensing


def sensing_claims(t, settings: dict, reference=None) -> list[Claim]:
    s = settings["sensing"]
    alphas = sorted({float(a) for a in s["alphas"]}, reverse=True)
    small = alphas[-1]
    m_hi, m_lo = max(s["measurements"]), min(s["measurements"])
    last = final_rows(t)
    hi, lo = last[last.m == m_hi], last[last.m == m_lo]
    at_small = hi[np.isclose(hi.alpha, small)]
    lo_small = lo[np.isclose(lo.alpha, small)]
    # monotone: err(α_{k+1}) / err(α_k) for consecutive α (largest first), per seed
    ratios = []
    for _, run in hi.groupby("cell"):
        err = run.set_index("alpha").rel_err.reindex(alphas).to_numpy()
        ratios.append(np.nanmax(err[1:] / err[:-1]) if np.isfinite(err).all() else np.nan)
    sdp = "SDP (cvxpy, Clarabel)"
    return [
        Claim(E, f"sensing m={m_hi}: the error falls as alpha shrinks: max over seeds and consecutive alphas "
                 "of err(smaller alpha)/err(larger alpha)",
              worst(ratios), "<=", 1.0, "ground truth X*",
              "theorem: GD from U0 = alpha I ends within an increasing function of alpha of X*, vanishing as "
              "alpha -> 0 (Gunasekar et al. 2017; Li, Ma & Zhang 2018, under RIP); 'falls' is a ratio <= 1 "
              f"at every step of the alpha list {alphas}" + runs(hi)),
        Claim(E, f"min-trace SDP at m={m_hi} recovers X*: max over seeds |X_sdp - X*|_F/|X*|_F",
              worst(at_small["sdp_dist_truth"]), "<=", math.sqrt(CLARABEL_TOL), sdp,
              f"rounding: the solver stops at relative gap and infeasibility eps = {CLARABEL_TOL:g}; an eps-optimal "
              "point of an SDP whose optimum is rank-deficient (singularity degree 1) lies within O(sqrt(eps)) "
              "of it (Sturm 2000)" + runs(at_small)),
        Claim(E, f"min-trace SDP at m={m_lo} is a true minimum below GD at alpha={small:g}: min over seeds "
                 "(tr X + |nu| sqrt(2L)) / tr X_sdp",
              worst(weak_duality(lo_small, reference, m_lo), "min"), ">=", 1 - 2 * CLARABEL_TOL, sdp,
              "theorem: weak duality, tr X >= <nu, y> + <nu, A(X) - y> >= tr X_sdp - |nu| |A(X) - y| for every "
              "PSD X and the SDP's dual solution nu, with |A(X) - y| = sqrt(2L); rounding: minus the solver's "
              f"relative gap and dual infeasibility, 2 eps = {2 * CLARABEL_TOL:g}" + runs(lo_small)),
        # reported values: whether GD's small-alpha limit is the nuclear-norm minimiser is disputed
        # (Arora et al. 2019), and at m_hi the error at the smallest alpha is set by the step budget
        Claim(E, f"sensing m={m_hi}, alpha={small:g}: max over seeds |X - X*|_F/|X*|_F (info)",
              worst(at_small["rel_err"]), "info", np.nan, "ground truth X*"),
        Claim(E, f"sensing m={m_hi}, alpha={small:g}: max over seeds |tr X / tr X* - 1| (info)",
              worst((at_small.trace_ratio - 1).abs()), "info", np.nan, "ground truth X*"),
        Claim(E, f"sensing m={m_lo}, alpha={small:g}: mean over seeds tr X / tr X_sdp (info: the limit "
                 "is disputed, Arora et al. 2019)",
              worst(lo_small["sdp_trace_ratio"], "mean"), "info", np.nan, sdp),
        Claim(E, f"sensing m={m_lo}, alpha={small:g}: mean over seeds |X - X_sdp|_F/|X_sdp|_F (info)",
              worst(lo_small["sdp_dist"], "mean"), "info", np.nan, sdp),
        Claim(E, f"sensing m={m_lo}, alpha={small:g}: mean over seeds |X - X*|_F/|X*|_F (info)",
              worst(lo_small["rel_err"], "mean"), "info", np.nan, "ground truth X*"),
        Claim(E, f"min-trace SDP at m={m_lo}: mean over seeds |X_sdp - X*|_F/|X*|_F (info)",
              worst(lo_small["sdp_dist_truth"], "mean"), "info", np.nan, sdp),
    ]  # fmt: skip


def weak_duality(rows, reference, m: int) -> np.ndarray:
    """(tr X + ‖ν‖√(2L)) / tr X_sdp of each run: at least 1 when ν certifies the SDP's optimum."""
    duals = (reference or {}).get("min_trace", {})
    norm = np.array([duals.get(f"{int(seed)}/{m}", {}).get("dual_norm", np.nan) for seed in rows.seed])
    trace = np.array([duals.get(f"{int(seed)}/{m}", {}).get("trace", np.nan) for seed in rows.seed])
    return rows.sdp_trace_ratio.to_numpy() + norm * np.sqrt(2 * rows.train_loss.to_numpy()) / trace


# ---------------------------------------------------------------- (b) completion


def completion_claims(t, settings: dict) -> list[Claim]:
    r = settings["completion"]["rank"]
    last = final_rows(t)
    d2, d3 = last[last.model == "completion_depth2"], last[last.model == "completion_depth3"]
    sv = f"sv_{r + 1}"

    def rank_test(what: str) -> str:
        S2, S3 = d2.seed.nunique() if len(d2) else 0, d3.seed.nunique() if len(d3) else 0
        chance = 1 / math.comb(S2 + S3, S3) if S2 and S3 else float("nan")
        return (f"statistics: a rank test: every depth-3 run has a smaller {what} than every depth-2 run "
                f"(Mann-Whitney U = 0); were depth irrelevant, this would happen with probability "
                f"1/C({S2 + S3}, {S3}) = {chance:.3g} (over {S3} depth-3 and {S2} depth-2 seeds)")  # fmt: skip

    return [
        Claim(E, "completion: depth 3 completes better than depth 2: max over depth-3 seeds of the test MSE "
                 "(unobserved entries) / min over depth-2 seeds",
              worst(d3["test_mse"]) / worst(d2["test_mse"], "min"), "<=", 1.0, "depth-2 runs on the same problems",
              rank_test("test MSE")),
        Claim(E, f"completion: depth 3 is closer to rank {r} than depth 2: max over depth-3 seeds of "
                 f"sigma_{r + 1}/sigma_1 / min over depth-2 seeds",
              worst(d3[sv]) / worst(d2[sv], "min"), "<=", 1.0, "depth-2 runs on the same problems",
              rank_test(f"sigma_{r + 1}/sigma_1")),
        Claim(E, "completion depth 3: max over seeds test MSE (info)",
              worst(d3["test_mse"]), "info", np.nan, "ground truth W*"),
        Claim(E, "completion depth 2: min over seeds test MSE (info)",
              worst(d2["test_mse"], "min"), "info", np.nan, "ground truth W*"),
    ]  # fmt: skip


# ---------------------------------------------------------------- (c) Razin & Cohen


def decade(t, column: str):
    """(value at the last logged step, value at the last logged step ≤ a tenth of it, their step ratio) per run."""
    if not len(t):
        return np.array([np.nan]), np.array([np.nan]), np.nan
    k_end = t.step.max()
    early = t[(t.step > 0) & (t.step <= k_end / 10)].step
    k_early = early.max() if len(early) else np.nan
    if not np.isfinite(k_early):
        return np.array([np.nan]), np.array([np.nan]), np.nan
    late = t[t.step == k_end].set_index("cell")[column]
    then = t[t.step == k_early].set_index("cell")[column].reindex(late.index)
    return late.to_numpy(), then.to_numpy(), k_early / k_end


def razin_cohen_claims(t) -> list[Claim]:
    t = t.assign(deviation=(1 - t.w00.abs() * np.sqrt(2 * t.train_loss)).abs())
    ref = "Razin & Cohen 2020: |W00| ~ 1/sqrt(2L)"
    rate = ("on det W >= 0 the loss is at least the valley floor L_min(a) = 1/(2a^2) - 1/a^4 + O(a^-6), a = |W00|; "
            "along it balanced depth-3 flow (sigma' = 3 sigma^(4/3) <-grad L, u v^T>, Arora et al. 2019) gives "
            "d a^(8/3)/dt = 8 + O(a^-2), so a^(8/3) grows like 8 eta (k - k0) after an escape at step k0 >= 0")
    out = []
    for name, column, power, why in (
        ("the loss vanishes: max over seeds L(k)/L(k/10)", "train_loss", 0.75, "L ~ 1/(2a^2) falls like (k - k0)^(-3/4)"),
        ("|W00| sqrt(2L) -> 1: max over seeds |1 - |W00| sqrt(2L)| at k / at k/10", "deviation", 0.75,
         "1 - a sqrt(2 L_min) = 1/a^2 + O(a^-4) falls like (k - k0)^(-3/4)"),
        ("effective rank -> 1: max over seeds sigma_2/sigma_1 at k / at k/10", "sv_2", 0.375,
         "sigma_2 never grows (sigma_2' = -3 sigma_2^(4/3) <grad L, u_2 v_2^T> <= 0 on det W > 0) while "
         "sigma_1 >= a grows like (k - k0)^(3/8)"),
    ):  # fmt: skip
        late, then, ratio = decade(t, column)
        out.append(Claim(
            E, f"Razin-Cohen, k the last step: {name}", worst(late / then), "<=", ratio**power if ratio == ratio else 1.0,
            ref, f"theorem: {rate}; {why}, so the ratio is at most (k/10 / k)^{power:g} for any k0 >= 0 "
                 f"(k/10 is the logged step {ratio:.3g} k)" + runs(t)))  # fmt: skip
    last = final_rows(t)
    out += [
        Claim(E, "Razin-Cohen: det W stays positive: min over seeds and logged steps of det W",
              worst(t["det"], "min"), ">=", 0.0, "Razin & Cohen 2020",
              "theorem: from a balanced init the singular values of W follow sigma' = 3 sigma^(4/3) "
              "<-grad L, u v^T> (Arora et al. 2019), so none reaches 0 in finite time and det W keeps the "
              "sign of det W(0) > 0 (Razin & Cohen 2020); no W with zero loss has det W >= 0" + runs(t)),
        Claim(E, "Razin-Cohen: min over seeds |W00| at the last step (info: every norm diverges)",
              worst(last.w00.abs(), "min"), "info", np.nan, ref),
        Claim(E, "Razin-Cohen: max over seeds L at the last step (info)",
              worst(last["train_loss"]), "info", np.nan, ref),
        Claim(E, "Razin-Cohen: min over seeds |W00| sqrt(2L) at the last step (info)",
              worst(last.w00.abs() * np.sqrt(2 * last.train_loss), "min"), "info", np.nan, ref),
    ]  # fmt: skip
    return out
