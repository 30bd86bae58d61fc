"""The F1 (variation-norm) max margin of a data set, as a linear program.

F1 is the space of functions f(x) = ∫ relu(θ·x) dμ(θ) over unit directions θ,
with norm the least total variation |μ| (Bach 2017).  Its max-margin classifier

    γ* = max_{‖f‖_F1 ≤ 1} min_i yᵢ f(xᵢ)

becomes a linear program once μ is restricted to a finite dictionary
θ₁, …, θ_K of unit directions:

    maximise γ   subject to   yᵢ Σⱼ cⱼ relu(θⱼ·xᵢ) ≥ γ  (i = 1..n),   Σⱼ |cⱼ| ≤ 1,

with cⱼ = cⱼ⁺ − cⱼ⁻, cⱼ^± ≥ 0.  The dictionary's value γ*_K is at most γ*
and approaches it as the dictionary fills the sphere.  A two-layer network
f = (1/m) Σ aⱼ relu(wⱼ·x) is the measure with mass aⱼ‖wⱼ‖/m at wⱼ/‖wⱼ‖, so
its margin divided by its path norm (1/m) Σ |aⱼ|‖wⱼ‖ is at most γ*.

An upper bound comes from LP duality on the whole sphere: for any probability
vector p over the samples and any f in the unit ball of F1,

    minᵢ yᵢf(xᵢ) ≤ Σᵢ pᵢyᵢf(xᵢ) = ∫ Σᵢ pᵢyᵢ relu(θ·xᵢ) dμ(θ) ≤ sup_{‖θ‖=1} |g_p(θ)|,

g_p(θ) = Σᵢ pᵢyᵢ relu(θ·xᵢ).  With p the dual solution of the dictionary LP
this certificate γ*_up brackets γ*_K ≤ γ* ≤ γ*_up; :func:`sphere_sup` computes
the supremum exactly for d = 3 (see there).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog


def sphere(K: int, d: int, seed: int) -> np.ndarray:
    """K directions drawn uniformly on the unit sphere of ℝ^d (normalised Gaussians)."""
    theta = np.random.default_rng([seed, d, K, 43]).standard_normal((K, d))
    return theta / np.linalg.norm(theta, axis=1, keepdims=True)


def max_margin(X: np.ndarray, y: np.ndarray, theta: np.ndarray, dual: bool = False):
    """γ*_K and the weights c (``[K]``) of the F1 max margin over the dictionary theta (``[K, d]``).

    Solved by HiGHS (scipy.optimize.linprog).  With ``dual``, also the dual
    weights p ≥ 0 of the n margin constraints (a probability vector).  Raises
    RuntimeError if the solver does not report an optimum.
    """
    n, K = len(y), len(theta)
    Phi = y[:, None] * np.maximum(X @ theta.T, 0.0)  # yᵢ relu(θⱼ·xᵢ), [n, K]
    # variables [c⁺ (K), c⁻ (K), γ]; linprog minimises, so the cost is −γ
    cost = np.zeros(2 * K + 1)
    cost[-1] = -1.0
    margin_rows = np.hstack([-Phi, Phi, np.ones((n, 1))])  # γ − yᵢ f(xᵢ) ≤ 0
    norm_row = np.concatenate([np.ones(2 * K), [0.0]])[None]  # Σ (c⁺ + c⁻) ≤ 1
    bounds = [(0, None)] * (2 * K) + [(None, None)]
    res = linprog(
        cost, A_ub=np.vstack([margin_rows, norm_row]), b_ub=np.concatenate([np.zeros(n), [1.0]]),
        bounds=bounds, method="highs",
    )  # fmt: skip
    if res.status != 0:
        raise RuntimeError(f"F1 max-margin LP failed: {res.message}")
    c = res.x[:K] - res.x[K : 2 * K]
    if not dual:
        return float(-res.fun), c
    p = np.maximum(-res.ineqlin.marginals[:n], 0.0)  # HiGHS reports ∂(−γ)/∂b ≤ 0 for each ≤ row
    return float(-res.fun), c, p / p.sum()


def sphere_sup(X: np.ndarray, q: np.ndarray, tol: float = 1e-9) -> float:
    """sup over unit θ ∈ ℝ³ of g(θ) = Σᵢ qᵢ relu(θ·xᵢ), exactly (X is ``[n, 3]``).

    The great circles θ·xᵢ = 0 cut the sphere into cells on which the set of
    active samples A is fixed and g(θ) = θ·v_A, v_A = Σ_{i∈A} qᵢxᵢ.  The maximum
    lies (i) inside a cell, at θ = v_A/‖v_A‖ with value ‖v_A‖, (ii) inside an arc
    of a circle θ ⊥ xᵢ, at the normalised projection of v_A, or (iii) at a
    vertex ±xᵢ×xⱼ.  Every cell and arc touches a vertex, and near the vertex of
    circles i, j the active sets are the vertex's own with i and j on or off:
    these candidates are enumerated, each (i), (ii) kept only if its θ has the
    active set it was computed from (within ``tol``), and the largest value
    returned.  Points in general position (no three circles through a point).
    """
    n = len(q)
    I, J = np.triu_indices(n, 1)
    cross = np.cross(X[I], X[J])
    norm = np.linalg.norm(cross, axis=1)
    keep = norm > 0
    V = cross[keep] / norm[keep, None]
    V, I, J = np.vstack([V, -V]), np.r_[I[keep], I[keep]], np.r_[J[keep], J[keep]]
    rows = np.arange(len(V))
    best = float((np.maximum(V @ X.T, 0.0) @ q).max())  # (iii)
    base = V @ X.T > 0

    def consistent(theta, active):
        s = theta @ X.T
        return np.all(np.where(active, s >= -tol, s <= tol), axis=1)

    for on_i in (False, True):
        for on_j in (False, True):
            active = base.copy()
            active[rows, I], active[rows, J] = on_i, on_j
            v = (active * q) @ X
            length = np.linalg.norm(v, axis=1)
            ok = (length > 0) & consistent(v / np.where(length > 0, length, 1.0)[:, None], active)
            if ok.any():
                best = max(best, float(length[ok].max()))  # (i)
    for circle, other in ((I, J), (J, I)):
        for on in (False, True):
            active = base.copy()
            active[rows, circle], active[rows, other] = False, on
            v = (active * q) @ X
            x = X[circle]
            proj = v - (np.sum(v * x, axis=1) / np.sum(x * x, axis=1))[:, None] * x
            length = np.linalg.norm(proj, axis=1)
            theta = proj / np.where(length > 0, length, 1.0)[:, None]
            ok = (length > 0) & consistent(theta, active)
            if ok.any():
                best = max(best, float(length[ok].max()))  # (ii)
    return best


def upper_bound(X: np.ndarray, y: np.ndarray, p: np.ndarray) -> float:
    """γ*_up = sup over unit θ of |Σᵢ pᵢyᵢ relu(θ·xᵢ)| ≥ γ* for a probability vector p.

    Exact for d = 3 (:func:`sphere_sup`); in other dimensions the (loose) Σᵢ pᵢ‖xᵢ‖.
    """
    if X.shape[1] != 3:
        return float(p @ np.linalg.norm(X, axis=1))
    q = p * y
    return max(sphere_sup(X, q), sphere_sup(X, -q))


def output_layer_margin(a: np.ndarray, W: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
    """The F1-normalised margin min yᵢf(xᵢ) / P of f = (1/m) Σⱼ aⱼ relu(wⱼ·x), P = (1/m) Σⱼ |aⱼ|‖wⱼ‖.

    f is the measure with mass aⱼ‖wⱼ‖/m at wⱼ/‖wⱼ‖, so this is at most the F1 max
    margin over the directions wⱼ/‖wⱼ‖ (and at most γ*); the 1/m cancels, and so
    does any positive scale of a.
    """
    return float((y * (np.maximum(X @ W.T, 0.0) @ a)).min() / (np.abs(a) @ np.linalg.norm(W, axis=1)))


def network(c: np.ndarray, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
    """f(x) = Σⱼ cⱼ relu(θⱼ·x) at the rows of X."""
    return np.maximum(X @ theta.T, 0.0) @ c
