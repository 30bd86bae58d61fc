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


def gaussian_factors(seed: int, n: int, depth: int, std: float) -> np.ndarray:
    """N factors W_j ~ N(0, std²) entrywise, ``[N, n, n]``."""
    return std * np.random.default_rng([seed, 62, depth]).standard_normal((depth, n, n))


def haar_orthogonal(g: np.random.Generator, n: int) -> np.ndarray:
    """An n×n orthogonal matrix drawn from the Haar measure (QR of a Gaussian matrix, signs fixed by R's diagonal)."""
    Q, R = np.linalg.qr(g.standard_normal((n, n)))
    return Q * np.sign(np.diag(R))


def balanced_factors(seed: int, n: int, depth: int, scale: float) -> np.ndarray:
    """N factors W_j = scale·O_j, O_j Haar-orthogonal, redrawn until det(W_N ⋯ W_1) > 0; ``[N, n, n]``.

    The factors are *balanced*, W_{j+1}ᵀW_{j+1} = scale²I = W_jW_jᵀ: the initialisation of
    Razin & Cohen's theorem (2020), under which gradient flow keeps det W > 0.  An unbalanced
    (e.g. i.i.d. Gaussian) init lets the determinant of a single factor cross zero, so det W can
    change sign and the loss then vanishes at a finite W (seen on about one seed in thirty at
    3·10⁴ steps, and on most seeds eventually).
    """
    g = np.random.default_rng([seed, 64, depth])
    while True:
        F = np.stack([haar_orthogonal(g, n) for _ in range(depth)])
        if np.prod(np.linalg.det(F)) > 0:
            return scale * F
