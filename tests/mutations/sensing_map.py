"""Wrong worlds for the sensing_map claims (see tests/mutations/__init__.py)."""

from __future__ import annotations

import numpy as np

from mutations import carry


def _dof(settings) -> int:
    n, r = settings["n"], settings["rank"]
    return n * r - r * (r - 1) // 2


def identifiable_below_dof(world):
    """X* recovered with too few measurements: the runs at m < d_f do what those at the largest m do."""
    t, top = world.table, max(world.settings["measurements"])
    world.table = carry(t, ["rel_err"], t.m == top, t.m < _dof(world.settings), on=("seed", "alpha", "step"))
    return world


def reference_returns_truth(world):
    """A solver reference that returns X* itself at every m (a wrong SDP): it 'recovers' from the smallest m."""
    world.table["sdp_dist_truth"] = 0.0
    return world


def error_grows_as_alpha_shrinks(world):
    """A world where a smaller init ends farther from X*: the error at each alpha is that of the mirrored alpha."""
    t = world.table
    alphas = np.sort(t.alpha.unique())
    mirror = dict(zip(alphas, alphas[::-1]))
    key = ["seed", "m", "step"]
    src = t[key + ["alpha", "rel_err"]].assign(alpha=t.alpha.map(mirror))
    world.table = t.drop(columns="rel_err").merge(src, on=key + ["alpha"], how="left")
    return world


MUTATIONS = [
    (r"^no seed recovers X\* below", identifiable_below_dof),
    (r"^GD's recovery threshold in m matches", reference_returns_truth),
    (r"error falls as alpha shrinks|error is proportional to alpha", error_grows_as_alpha_shrinks),
]
