"""Wrong worlds for the claims of low_rank (see tests/mutations/__init__.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mutations import World


def init_scale_reversed(world: World) -> World:
    """Sensing where the init scale had the opposite effect: each run carries the α list in reverse order."""
    t = world.table
    alphas = sorted(t.alpha[t.model == "sensing_uut"].dropna().unique())
    flip = dict(zip(alphas, alphas[::-1]))
    sensing = t.model == "sensing_uut"
    t.loc[sensing, "alpha"] = t.loc[sensing, "alpha"].map(flip)
    return world


def sdp_below_threshold(world: World) -> World:
    """A perturbed reference: the SDP at the large m is the one solved from the small m's measurements."""
    t = world.table
    s = world.settings["sensing"]
    m_hi, m_lo = max(s["measurements"]), min(s["measurements"])
    sensing = t.model == "sensing_uut"
    lo = t[sensing & (t.m == m_lo)].groupby("seed").sdp_dist_truth.first()
    hi = sensing & (t.m == m_hi)
    t.loc[hi, "sdp_dist_truth"] = t.loc[hi, "seed"].map(lo).to_numpy()
    return world


def sdp_not_optimal(world: World) -> World:
    """A perturbed reference: the SDP 'solution' is a feasible point with 10% more trace than the minimum."""
    t = world.table
    t.loc[t.model == "sensing_uut", "sdp_trace_ratio"] /= 1.1
    for sol in world.reference["min_trace"].values():
        sol["trace"] *= 1.1
    return world


def depth3_does_what_depth2_did(world: World) -> World:
    """Completion where depth does not matter: the depth-3 cells carry the depth-2 trajectories."""
    t = world.table
    d2 = t[t.model == "completion_depth2"]
    moved = d2.assign(model="completion_depth3", cell=d2.cell.str.replace("completion_depth2", "completion_depth3"))
    world.table = pd.concat([t[t.model != "completion_depth3"], moved], ignore_index=True)
    return world


def razin_cohen_too_few_steps(world: World) -> World:
    """Razin-Cohen stopped at a tenth of its budget: still at the small init, where nothing has yet happened."""
    t = world.table
    rc = t.model == "razin_cohen"
    end = t.step[rc].max()
    world.table = t[~rc | (t.step <= end / 10)].reset_index(drop=True)
    return world


def razin_cohen_det_flips(world: World) -> World:
    """The unbalanced-init world (i.i.d. Gaussian factors): det W changed sign on a seed, which then fits all
    three entries at a finite W00 (the loss vanishes, |W00| stops growing, sigma_2/sigma_1 stays finite)."""
    t = world.table
    rc = t.model == "razin_cohen"
    cell = sorted(t.cell[rc].unique())[0]
    end = t.step[rc].max()
    late = rc & (t.cell == cell) & (t.step > end / 3)
    w00 = t.loc[late, "w00"].iloc[0]
    t.loc[late, "det"] = -1.0
    t.loc[late, "w00"] = w00
    t.loc[late, "train_loss"] = 1e-26
    t.loc[late, "sv_2"] = np.abs(1 / w00) ** 2
    return world


def razin_cohen_depth_one(world: World) -> World:
    """Razin-Cohen without the factorization: GD on W itself fits W = (1 - e^(-eta t))T with W00 = 0, whose two
    singular values stay equal (sigma_2/sigma_1 = 1)."""
    t = world.table
    t.loc[t.model == "razin_cohen", "sv_2"] = 1.0
    return world


MUTATIONS = [
    (r"error falls as alpha shrinks", init_scale_reversed),
    (r"SDP at m=\d+ recovers X\*", sdp_below_threshold),
    (r"is a true minimum below GD", sdp_not_optimal),
    (r"^completion: depth 3", depth3_does_what_depth2_did),
    (r"Razin-Cohen, k the last step: (the loss vanishes|\|W00\|)", razin_cohen_too_few_steps),
    (r"Razin-Cohen, k the last step: effective rank", razin_cohen_depth_one),
    (r"Razin-Cohen: det W stays positive|Razin-Cohen, k the last step: \|W00\|", razin_cohen_det_flips),
]
