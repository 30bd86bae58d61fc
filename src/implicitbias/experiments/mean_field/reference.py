"""Solver references of mean_field (HiGHS and Clarabel, no torch), per seed of the margin problem.

* γ*_LP, the F1 max margin over a dense dictionary of unit ReLU directions, with
  its atoms (θⱼ, cⱼ ≠ 0): a lower bound on γ*;
* γ*_up, the dual certificate of that LP evaluated exactly on the whole sphere
  (``f1_margin.upper_bound``): γ*_LP ≤ γ* ≤ γ*_up;
* γ*_init, the F1 max margin over the network's own m initial directions
  wⱼ/‖wⱼ‖: the largest margin/P that any output layer on the initial features
  reaches (the output-layer model trains exactly such a network);
* â, the F2 (kernel) max margin of the same m random features, the hard-margin
  SVM  min ‖a‖² s.t. yᵢ Σⱼ aⱼ relu(wⱼ·xᵢ) ≥ 1  solved by cvxpy (Clarabel):
  the output layer is a linear model on these features, and GD on an
  exponentially-tailed loss converges in direction to it (Soudry et al. 2018),
  not to the F1 solution; with γ_F1(â), its F1-normalised margin
  (``f1_margin.output_layer_margin``).  The features are drawn by
  ``problem.init(seed, m, d)``, the very function that initialises training, so
  the reference and the trained output layer share them.
"""

from __future__ import annotations

import numpy as np

from ...numerics import f1_margin, margins
from .problem import init, problem


def reference(settings: dict, seeds: list[int]) -> dict:
    """γ*_LP and its atoms, γ*_up, γ*_init, â and γ_F1(â) on each seed's margin problem."""
    d, K, m = settings["d"], settings["dictionary"], settings["width"]
    out = {}
    for seed in seeds:
        X, y, _, _ = problem(seed, d, settings["k"], settings["n"], 0)
        theta = f1_margin.sphere(K, d, seed)
        gamma, c, p = f1_margin.max_margin(X, y, theta, dual=True)
        used = np.abs(c) > 1e-9 * np.abs(c).sum()
        W0 = init(seed, m, d)[1]
        gamma_init, _ = f1_margin.max_margin(X, y, W0 / np.linalg.norm(W0, axis=1, keepdims=True))
        a_f2, _ = margins.hard_margin_svm(np.maximum(X @ W0.T, 0.0), y)
        out[str(seed)] = {
            "gamma": gamma, "gamma_upper": f1_margin.upper_bound(X, y, p), "gamma_init": gamma_init,
            "atoms": theta[used].tolist(), "weights": c[used].tolist(),
            "f2_weights": a_f2.tolist(), "gamma_f2": f1_margin.output_layer_margin(a_f2, W0, X, y),
        }  # fmt: skip
    return {"d": d, "dictionary": K, "width": m, "seeds": out}
