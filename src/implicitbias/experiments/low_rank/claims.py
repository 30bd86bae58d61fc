"""Claims of the experiment low_rank: the lecture's statements checked as numbers (no torch)."""

from __future__ import annotations

import numpy as np

from ...pipeline.claims import Claim, last_rows, worst

E = "low_rank"


def final_rows(table):
    """The last logged row of every run (cell, and alpha and m where swept)."""
    keys = [k for k in ("cell", "alpha", "m") if k in table and table[k].notna().any()]
    return last_rows(table, keys, finite="train_loss")


def claims(table, settings: dict, reference=None) -> list[Claim]:
    """The lecture's statements about this figure, each checked as a number."""
    return sensing_claims(table, settings) + completion_claims(table) + razin_cohen_claims(table)


def sensing_claims(table, settings) -> list[Claim]:
    t = table[table.model == "sensing_uut"]
    if not len(t):
        return []
    last = final_rows(t)
    s = settings["sensing"]
    alphas = sorted({float(a) for a in s["alphas"]}, reverse=True)
    small = alphas[-1]
    m_hi, m_lo = max(s["measurements"]), min(s["measurements"])
    hi = last[last.m == m_hi]
    # monotone: err(α_{k+1}) / err(α_k) for consecutive α (largest first), per seed
    ratios = []
    for _, runs in hi.groupby("cell"):
        err = runs.set_index("alpha").rel_err.reindex(alphas).to_numpy()
        ratios.append(np.nanmax(err[1:] / err[:-1]) if np.isfinite(err).all() else np.nan)
    at_small = hi[np.isclose(hi.alpha, small)]
    lo = last[(last.m == m_lo) & np.isclose(last.alpha, small)]
    out = [
        Claim(E, f"sensing m={m_hi}: rel. error falls as alpha shrinks: max over seeds, consecutive alpha "
                 "of err(smaller alpha)/err(larger alpha)",
              max(ratios) if ratios else np.nan, "<=", 1.0, "ground truth X*"),
        Claim(E, f"sensing m={m_hi}, alpha={small:g}: max over seeds |X - X*|_F/|X*|_F",
              worst(at_small["rel_err"], "max"), "<=", 1e-2, "ground truth X*"),
        Claim(E, f"sensing m={m_hi}, alpha={small:g}: max over seeds |tr X / tr X* - 1|",
              worst((at_small.trace_ratio - 1).abs()), "<=", 1e-2,
              "ground truth X*"),
        Claim(E, f"min-trace SDP at m={m_hi} recovers X*: max over seeds |X_sdp - X*|_F/|X*|_F",
              worst(at_small["sdp_dist_truth"], "max"), "<=", 1e-4, "SDP (cvxpy, Clarabel)"),
        # (no bound) whether GD's small-alpha limit is the nuclear-norm minimiser is disputed (Arora et al. 2019)
        Claim(E, f"sensing m={m_lo}, alpha={small:g}: mean over seeds tr X / tr X_sdp (info: the limit "
                 "is disputed, Arora et al. 2019)",
              worst(lo["sdp_trace_ratio"], "mean"), "info", np.nan, "SDP (cvxpy, Clarabel)"),
        Claim(E, f"sensing m={m_lo}, alpha={small:g}: mean over seeds |X - X_sdp|_F/|X_sdp|_F (info)",
              worst(lo["sdp_dist"], "mean"), "info", np.nan, "SDP (cvxpy, Clarabel)"),
        Claim(E, f"sensing m={m_lo}, alpha={small:g}: mean over seeds |X - X*|_F/|X*|_F (info)",
              worst(lo["rel_err"], "mean"), "info", np.nan, "ground truth X*"),
        Claim(E, f"min-trace SDP at m={m_lo}: mean over seeds |X_sdp - X*|_F/|X*|_F (info)",
              worst(lo["sdp_dist_truth"], "mean"), "info", np.nan, "SDP (cvxpy, Clarabel)"),
    ]  # fmt: skip
    return out


def completion_claims(table) -> list[Claim]:
    last = final_rows(table[table.model.str.startswith("completion_depth")])
    d2, d3 = last[last.model == "completion_depth2"], last[last.model == "completion_depth3"]
    if not len(d2) and not len(d3):
        return []
    return [
        Claim(E, "completion: mean test MSE at depth 2 / mean test MSE at depth 3",
              worst(d2["test_mse"], "mean") / worst(d3["test_mse"], "mean"), ">=", 10.0, "ground truth W*"),
        Claim(E, "completion depth 3 has effective rank 2: max over seeds sigma_3/sigma_1",
              worst(d3["sv_3"], "max"), "<=", 1e-2, "singular values of W"),
        Claim(E, "completion depth 2: min over seeds sigma_3/sigma_1 (info)",
              worst(d2["sv_3"], "min"), "info", np.nan, "singular values of W"),
    ]  # fmt: skip


def razin_cohen_claims(table) -> list[Claim]:
    last = final_rows(table[table.model == "razin_cohen"])
    if not len(last):
        return []
    last = last.assign(abs_w00=last.w00.abs(), product=last.w00.abs() * np.sqrt(2 * last.train_loss))
    ref = "Razin & Cohen 2020: |W00| ~ 1/sqrt(2L)"
    return [
        Claim(E, "Razin-Cohen: |W00| grows without bound as L -> 0: min over seeds |W00| at the last step",
              worst(last["abs_w00"], "min"), ">=", 10.0, ref),
        Claim(E, "Razin-Cohen: min over seeds |W00| sqrt(2L) at the last step",
              worst(last["product"], "min"), ">=", 0.9, ref),
        Claim(E, "Razin-Cohen: max over seeds |W00| sqrt(2L) at the last step",
              worst(last["product"], "max"), "<=", 1.1, ref),
        Claim(E, "Razin-Cohen: effective rank 1: max over seeds sigma_2/sigma_1",
              worst(last["sv_2"], "max"), "<=", 1e-2, "singular values of W"),
        Claim(E, "Razin-Cohen: the loss vanishes: max over seeds L at the last step (info)",
              worst(last["train_loss"], "max"), "info", np.nan, ref),
    ]  # fmt: skip
