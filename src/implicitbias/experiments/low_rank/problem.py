"""Problems of the experiment low_rank: matrix sensing, completion and the Razin-Cohen example (numpy only)."""

from __future__ import annotations

import numpy as np

RAZIN_COHEN_MASK = np.array([[0.0, 1.0], [1.0, 1.0]])  # W₀₀ is unobserved
RAZIN_COHEN_TARGET = np.array([[0.0, 1.0], [1.0, 0.0]])


def sensing_truth(seed: int, n: int, rank: int) -> np.ndarray:
    """X* = BBᵀ, B ∈ ℝ^{n×r} standard Gaussian, scaled to ‖X*‖_F = √n."""
    B = np.random.default_rng([seed, 51]).standard_normal((n, rank))
    X = B @ B.T
    return X * np.sqrt(n) / np.linalg.norm(X)


def sensing_problem(seed: int, n: int, rank: int, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """X* (n×n), Aᵢ = (Gᵢ + Gᵢᵀ)/√2 with Gᵢ standard Gaussian (``[m, n, n]``), yᵢ = ⟨Aᵢ, X*⟩.

    The same seed gives the same X* at every m, so the runs at m = 60 and 120
    recover the same matrix.
    """
    X = sensing_truth(seed, n, rank)
    G = np.random.default_rng([seed, 52, m]).standard_normal((m, n, n))
    A = (G + G.transpose(0, 2, 1)) / np.sqrt(2)
    return X, A, np.einsum("mij,ij->m", A, X)


def completion_problem(seed: int, n: int, rank: int, observed: int) -> tuple[np.ndarray, np.ndarray]:
    """W* = BCᵀ (B, C ∈ ℝ^{n×r} Gaussian) scaled to ‖W*‖_F = n, and a mask of ``observed`` entries drawn uniformly."""
    g = np.random.default_rng([seed, 61])
    W = g.standard_normal((n, rank)) @ g.standard_normal((rank, n))
    mask = np.zeros(n * n)
    mask[g.choice(n * n, size=observed, replace=False)] = 1.0
    return W * n / np.linalg.norm(W), mask.reshape(n, n)


def gaussian_factors(seed: int, n: int, depth: int, std: float, positive_det: bool = False) -> np.ndarray:
    """N factors W_j ~ N(0, std²) entrywise, ``[N, n, n]``; with ``positive_det`` redrawn until det(W_N ⋯ W_1) > 0."""
    g = np.random.default_rng([seed, 62, depth])
    while True:
        F = std * g.standard_normal((depth, n, n))
        W = F[0]
        for Fj in F[1:]:
            W = Fj @ W
        if not positive_det or np.linalg.det(W) > 0:
            return F
