"""Solver reference of max_margin: the hard-margin SVM (QP), the l-inf max-margin (LP), and Soudry's w̃.

Besides ŵ, α and the ℓ∞ direction, each data set records what the claims need
from Soudry et al. (2018) (see ``claims.py``): the η-free part w̃₀ of the
closed-form correction w̃ (η exp(−zₙᵀw̃) = αₙ on the support vectors, i.e.
w̃ = w̃₀ + ŵ log η, so θ_t ≈ ŵ log(ηt) + w̃₀), the smallest eigenvalue λ of
A = Σₙ αₙ zₙzₙᵀ on the span of the support vectors and the smallest excess
margin μ = minₙ zₙᵀŵ − 1 of the other points: the rates at which θ_t
approaches the closed form.
"""

from __future__ import annotations

import numpy as np

from ...numerics.margins import hard_margin_svm, linf_max_margin
from .problem import SETS, data

# dual weights below this fraction of the largest are zero (Clarabel's tolerances are 1e-8 relative)
SUPPORT = 1e-6


def soudry(Z: np.ndarray, w: np.ndarray, alpha: np.ndarray) -> dict:
    """w̃₀ (NaN unless the support vectors span ℝ^d), λ and μ of the data Z with SVM (w, α)."""
    sv = alpha > SUPPORT * alpha.max()
    ZS = Z[sv]
    spans = np.linalg.matrix_rank(ZS) == Z.shape[1]
    w_tilde = np.linalg.lstsq(ZS, -np.log(alpha[sv]), rcond=None)[0] if spans else np.full(Z.shape[1], np.nan)
    A = (alpha[sv, None] * ZS).T @ ZS
    eig = np.linalg.eigvalsh(A)
    lam = float(eig[eig > 1e-9 * eig.max()].min())
    mu = float((Z[~sv] @ w).min() - 1) if (~sv).any() else float("inf")
    return {"w_tilde": w_tilde.tolist(), "lambda_min": lam, "mu_min": mu}


def reference(settings: dict, seeds) -> dict:
    """For every data set and seed: ŵ, α (cvxpy QP), the ℓ∞ direction and γ∞ (HiGHS LP), w̃₀, λ, μ."""
    out = {}
    for name in SETS:
        out[name] = {}
        for seed in seeds:
            X, y = data(name, seed, settings)
            Z = y[:, None] * X
            w, alpha = hard_margin_svm(X, y)
            w_inf, gamma_inf = linf_max_margin(X, y)
            out[name][str(seed)] = {
                "w": w.tolist(), "alpha": alpha.tolist(), "w_inf": w_inf.tolist(), "gamma_inf": gamma_inf,
                # the ℓ∞-normalised margin of ŵ (GD's limit) as a fraction of γ∞
                "linf_margin_of_w": float((Z @ w).min() / np.abs(w).max() / gamma_inf),
                **soudry(Z, w, alpha),
            }  # fmt: skip
    return out
