"""Solver references of mean_field (HiGHS, no torch), per seed of the margin problem.

* γ*_LP, the F1 max margin over a dense dictionary of unit ReLU directions, with
  its atoms (θⱼ, cⱼ ≠ 0): a lower bound on γ*;
* γ*_up, the dual certificate of that LP evaluated exactly on the whole sphere
  (``f1_margin.upper_bound``): γ*_LP ≤ γ* ≤ γ*_up;
* γ*_init, the F1 max margin over the network's own m initial directions
  wⱼ/‖wⱼ‖: the largest margin/P that any output layer on the initial features
  reaches (the output-layer model trains exactly such a network).
"""

from __future__ import annotations

import numpy as np

from ...numerics import f1_margin
from .problem import init, problem


def reference(settings: dict, seeds: list[int]) -> dict:
    """γ*_LP and its atoms, γ*_up and γ*_init on each seed's margin problem."""
    d, K, m = settings["d"], settings["dictionary"], settings["width"]
    out = {}
    for seed in seeds:
        X, y, _, _ = problem(seed, d, settings["k"], settings["n"], 0)
        theta = f1_margin.sphere(K, d, seed)
        gamma, c, p = f1_margin.max_margin(X, y, theta, dual=True)
        used = np.abs(c) > 1e-9 * np.abs(c).sum()
        W0 = init(seed, m, d)[1]
        gamma_init, _ = f1_margin.max_margin(X, y, W0 / np.linalg.norm(W0, axis=1, keepdims=True))
        out[str(seed)] = {
            "gamma": gamma, "gamma_upper": f1_margin.upper_bound(X, y, p), "gamma_init": gamma_init,
            "atoms": theta[used].tolist(), "weights": c[used].tolist(),
        }  # fmt: skip
    return {"d": d, "dictionary": K, "width": m, "seeds": out}
