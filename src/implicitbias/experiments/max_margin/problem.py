"""Data sets of the experiment max_margin (numpy only; see train.py for the lecture's statement)."""

from __future__ import annotations

import numpy as np

SETS = ("symmetric", "stretched", "generic")

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
    if name == "symmetric":
        return symmetric_set(seed)
    if name == "stretched":
        X, y = symmetric_set(seed)
        return X * np.array([1.0, settings["sets"]["stretched"]["stretch"]]), y
    if name == "generic":
        s = settings["sets"]["generic"]
        return generic_set(seed, s["n"], s["d"], s["gap"])
    raise ValueError(f"unknown data set {name!r}; valid: {', '.join(SETS)}")


def angle_deg(w: np.ndarray) -> float:
    """Angle of a 2-d direction from the first axis, in degrees."""
    return float(np.degrees(np.arctan2(w[1], w[0])))
