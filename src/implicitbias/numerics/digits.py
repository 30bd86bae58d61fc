"""Real data for double descent: scikit-learn's bundled handwritten digits, and random features.

The data are ``sklearn.datasets.load_digits()``: 1797 grey-level 8×8 images
(pixels 0–16), 10 classes.  The file ships inside scikit-learn
(``sklearn/datasets/data/digits.csv.gz``), so nothing is downloaded.  We read
that file directly, as ``load_digits`` does, because importing
``sklearn.datasets`` costs over a second and imports pandas, which a training
job must not (tests check that both give the same arrays).

Random features of an image x ∈ [0, 1]⁶⁴ (pixels divided by 16), for N
features with a seeded W ∈ ℝ^{64×N} and b ∈ ℝ^N:

- ``rff``:  φ(x) = cos(Wᵀx + b),   W ~ N(0, ω² I), b ~ U[0, 2π)
  (random Fourier features of the Gaussian kernel exp(−ω²‖x − x′‖²/2));
- ``relu``: φ(x) = max(0, Wᵀ(x − x̄) + b), W ~ N(0, ρ² I), b ~ N(0, 1), with
  x̄ the mean training image.  The bias and the centring matter: without
  them many units are 0 on every training image (dead), the features have
  rank below N and the interpolation peak moves away from N = n.

Features are nested: the first N columns of W serve every smaller N, so a
sweep over N reuses one draw.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

N_CLASSES = 10
N_IMAGES = 1797  # images in load_digits(); the ones not used for training are the test set
PIXEL_MAX = 16.0


def data_file() -> Path:
    """Path of the digits file bundled with the installed scikit-learn (not imported)."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("scikit-learn is not installed; the digits data ship inside it")
    return Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "digits.csv.gz"


def load() -> tuple[np.ndarray, np.ndarray]:
    """(X, labels): X of shape [1797, 64] with pixels in [0, 16], integer labels 0–9."""
    data = np.loadtxt(data_file(), delimiter=",")
    return data[:, :-1], data[:, -1].astype(np.int64)


def split(n_images: int, n_train: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A seeded random split of the image indices: n_train for training, the rest for test."""
    order = np.random.default_rng([seed, 61]).permutation(n_images)
    return order[:n_train], order[n_train:]


def feature_map(kind: str, n_features: int, seed: int, scale: float, X_train: np.ndarray):
    """The random feature map X ↦ φ(X) ∈ ℝ^{m×N} of ``kind`` (``rff`` or ``relu``) for this
    seed; ``scale`` is ω (rff) or ρ (relu); ``X_train`` (raw pixels) gives x̄ for relu."""
    g = np.random.default_rng([seed, 62])
    W = scale * g.standard_normal((64, n_features))
    if kind == "rff":
        b = g.uniform(0.0, 2 * np.pi, n_features)
        return lambda X: np.cos(X / PIXEL_MAX @ W + b)
    if kind == "relu":
        b = g.standard_normal(n_features)
        center = X_train.mean(axis=0) / PIXEL_MAX
        return lambda X: np.maximum((X / PIXEL_MAX - center) @ W + b, 0.0)
    raise ValueError(f"unknown feature map {kind!r}; valid: rff, relu")
