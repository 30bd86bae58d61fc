"""Solver reference of mean_field: the F1 max-margin gamma*_LP over a dense dictionary of ReLU units (HiGHS)."""

from __future__ import annotations

import numpy as np

from ...numerics import f1_margin
from .problem import problem


def reference(settings: dict, seeds: list[int]) -> dict:
    """γ*_LP and its atoms (θⱼ, cⱼ with cⱼ ≠ 0) on each seed's margin problem."""
    d, K = settings["d"], settings["dictionary"]
    out = {}
    for seed in seeds:
        X, y, _, _ = problem(seed, d, settings["k"], settings["n"], 0)
        theta = f1_margin.sphere(K, d, seed)
        gamma, c = f1_margin.max_margin(X, y, theta)
        used = np.abs(c) > 1e-9 * np.abs(c).sum()
        out[str(seed)] = {"gamma": gamma, "atoms": theta[used].tolist(), "weights": c[used].tolist()}
    return {"d": d, "dictionary": K, "seeds": out}
