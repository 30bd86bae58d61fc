"""Data of the experiment mean_field: clusters on a k x k grid (Chizat & Bach 2020), numpy only."""

from __future__ import annotations

import numpy as np


def cluster_centres(k: int) -> tuple[np.ndarray, float]:
    """The k grid coordinates Δ(1 + 3(p − 1)) − ½ (p = 1..k) and the radius Δ = 1/(3k − 1)."""
    delta = 1.0 / (3 * k - 1)
    return delta * (1 + 3 * np.arange(k)) - 0.5, delta


def problem(seed: int, d: int, k: int, n: int, n_test: int) -> tuple[np.ndarray, ...]:
    """Training inputs X (``[n, d]``), labels y, and a fresh test set (``[n_test, d]``)."""
    if d < 3:
        raise ValueError(f"d = {d}: the inputs need d >= 3 (bias and two plane coordinates)")
    g = np.random.default_rng([seed, d, k, 40])
    labels = np.ones(k * k)
    labels[g.permutation(k * k)[: k * k // 2]] = -1.0
    coords, delta = cluster_centres(k)

    def draw(rng, size):
        cluster = rng.integers(k * k, size=size)
        T, R = rng.uniform(0, 2 * np.pi, size), delta * rng.uniform(0, 1, size)
        X = np.empty((size, d))
        X[:, 0] = 1.0
        X[:, 1] = coords[cluster // k] + R * np.cos(T)
        X[:, 2] = coords[cluster % k] + R * np.sin(T)
        X[:, 3:] = rng.uniform(-0.5, 0.5, (size, d - 3))
        return X, labels[cluster]

    X, y = draw(g, n)
    X_test, y_test = draw(np.random.default_rng([seed, d, k, 41]), n_test)
    return X, y, X_test, y_test


def init(seed: int, m: int, d: int) -> tuple[np.ndarray, np.ndarray]:
    """a (``[m]``) and W (``[m, d]``), all N(0, 1)."""
    g = np.random.default_rng([seed, d, m, 42])
    return g.standard_normal(m), g.standard_normal((m, d))
