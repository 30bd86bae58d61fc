"""Data sets of the experiment max_margin (numpy only; see train.py for the lecture's statement)."""

from __future__ import annotations

import numpy as np

SETS = ("symmetric", "orthants", "generic", "symmetric_init")  # symmetric_init: the symmetric set, random starts

# The orthants set: z = y·x of its two support vectors (y = +1 and y = −1).  For these two points
# alone, in closed form: the hard-margin SVM is ŵ = (12 z₁ + 8 z₂)/49 = (4, −30, 8)/49 (α = 12/49,
# 8/49; both margins 1) and the ℓ∞ max-margin direction is w∞ = (½, −1, 1) with γ∞ = 2 (both margins
# 2; w∞₁ = ½ is not a vertex of the cube, so sign descent must alternate the sign of its first step).
ORTHANT_SUPPORT = np.array([[1.0, -1.5, 0.0], [-1.0, -1.5, 1.0]])
ORTHANT_W_HAT = np.array([4.0, -30.0, 8.0]) / 49.0
ORTHANT_W_INF, ORTHANT_GAMMA_INF = np.array([0.5, -1.0, 1.0]), 2.0
# the other points have margin ≥ 1 + ORTHANT_EXCESS under ŵ and ≥ γ∞(1 + ORTHANT_EXCESS) under w∞,
# so that neither max-margin problem changes
ORTHANT_EXCESS = 0.5

def symmetric_set(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """X (16×2) and y (±1): the 4 support vectors first, then 6 random points per class."""
    g = np.random.default_rng([seed, 30])
    sv = np.array([[0.5, 1.5], [1.5, 0.5]])
    points = {+1: [], -1: []}
    for label in (+1, -1):
        while len(points[label]) < 6:
            x = g.uniform(0.3, 3.0, size=2)
            if x.sum() / np.sqrt(2) > np.sqrt(2) + 0.3:  # margin along (1, 1)/√2
                points[label].append(label * x)
    X = np.vstack([sv, -sv, points[+1], points[-1]])
    y = np.array([1.0, 1.0, -1.0, -1.0] + [1.0] * 6 + [-1.0] * 6)
    return X, y


def orthants_set(seed: int, points: int) -> tuple[np.ndarray, np.ndarray]:
    """X (``[2 + points, 3]``) and y: the two support vectors, then ``points`` random ones, labels ±1 in turn.

    The random zᵢ are uniform in the box around the support vectors widened by 1 and kept when their
    margins exceed both max margins by the factor 1 + ``ORTHANT_EXCESS``: the zᵢ lie in several
    orthants, so sign ∇L changes along the way, and ŵ, w∞ are those of the two support vectors.
    """
    g = np.random.default_rng([seed, 32])
    lo, hi = ORTHANT_SUPPORT.min(axis=0) - 1, ORTHANT_SUPPORT.max(axis=0) + 1
    Z = []
    while len(Z) < points:
        z = g.uniform(lo, hi)
        if z @ ORTHANT_W_HAT >= 1 + ORTHANT_EXCESS and z @ ORTHANT_W_INF >= ORTHANT_GAMMA_INF * (1 + ORTHANT_EXCESS):
            Z.append(z)
    Z = np.vstack([ORTHANT_SUPPORT, *Z]) if points else ORTHANT_SUPPORT.copy()
    y = np.where(np.arange(len(Z)) % 2 == 0, 1.0, -1.0)
    return y[:, None] * Z, y


def generic_set(seed: int, n: int, d: int, gap: float) -> tuple[np.ndarray, np.ndarray]:
    """n Gaussian points in ℝ^d, y = sign⟨w*, x⟩ for a random unit w*, |⟨w*, x⟩| > gap."""
    g = np.random.default_rng([seed, 31])
    w_star = g.standard_normal(d)
    w_star /= np.linalg.norm(w_star)
    X = np.empty((0, d))
    while len(X) < n:
        draw = g.standard_normal((2 * n, d))
        X = np.vstack([X, draw[np.abs(draw @ w_star) > gap]])
    X = X[:n]
    return X, np.sign(X @ w_star)


def data(name: str, seed: int, settings: dict) -> tuple[np.ndarray, np.ndarray]:
    """The data set ``name`` (see the module docstring) drawn with ``seed``."""
    if name in ("symmetric", "symmetric_init"):
        return symmetric_set(seed)
    if name == "orthants":
        return orthants_set(seed, settings["sets"]["orthants"]["points"])
    if name == "generic":
        s = settings["sets"]["generic"]
        return generic_set(seed, s["n"], s["d"], s["gap"])
    raise ValueError(f"unknown data set {name!r}; valid: {', '.join(SETS)}")


def angle_deg(w: np.ndarray) -> float:
    """Angle of a 2-d direction from the first axis, in degrees."""
    return float(np.degrees(np.arctan2(w[1], w[0])))
