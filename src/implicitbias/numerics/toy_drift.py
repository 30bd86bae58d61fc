"""Closed forms for the toy f(u, v) = u·v, loss L = ½(uv − y)², y = 1 (numpy only).

On the zero-loss set uv = 1 write u = eˢ, v = e⁻ˢ.  There ∇²L = [[v², 1], [1, u²]]
has eigenvalues 0 and u² + v² = 2 cosh 2s, so tr ∇²L = 2 cosh 2s, flattest at
s = 0.  Off the set, s is defined by u² − v² = 2 sinh 2s, the quantity that
gradient flow on L conserves (so s is the s of the point gradient flow maps to).

Label-noise SGD with step η and noise ±σ drifts along the set.  Two predictions:

- Damian–Lee–Ma's exact-log regulariser R = −(1/2η) tr log(I − (η/2)∇²L)
  = −(1/2η) log(1 − η cosh 2s) gives ds/dk = −(η²σ²/2) tanh 2s / (1 − η cosh 2s);
- its small-η limit R ≈ ¼ tr ∇²L = ½ cosh 2s gives sinh 2s_k = sinh 2s₀ e^{−η²σ²k}.

The lecture's form R = (1/2n) tr log(I − (η/2)∇²L) has the opposite sign (it is
≈ −(η/4n) tr ∇²L): minimising it would favour sharp minima.
"""

from __future__ import annotations

import math

import numpy as np


def drift_quarter_trace(s0: float, eta: float, sigma: float, k) -> np.ndarray:
    """s_k from R ≈ ¼ tr ∇²L: sinh 2s_k = sinh 2s₀ · exp(−η²σ²k)."""
    return 0.5 * np.arcsinh(np.sinh(2 * s0) * np.exp(-(eta**2) * sigma**2 * np.asarray(k, dtype=float)))


def _exact_log_potential(s, eta: float):
    """G(s) = ½ log sinh 2s − (η/2)(log tanh s + cosh 2s), whose s-derivative is
    (1 − η cosh 2s)/tanh 2s: along ds/dk = −(η²σ²/2) tanh 2s/(1 − η cosh 2s),
    G decreases at the constant rate η²σ²/2."""
    return 0.5 * np.log(np.sinh(2 * s)) - 0.5 * eta * (np.log(np.tanh(s)) + np.cosh(2 * s))


def drift_exact_log(s0: float, eta: float, sigma: float, k) -> np.ndarray:
    """s_k from Damian–Lee–Ma's exact-log regulariser: the solution of
    ds/dk = −(η²σ²/2) tanh 2s / (1 − η cosh 2s), from G(s_k) = G(s₀) − η²σ²k/2
    (s₀ > 0 and η cosh 2s₀ < 1; G is increasing on (0, s₀], solved by bisection)."""
    from scipy.optimize import brentq

    if not (s0 > 0 and eta * math.cosh(2 * s0) < 1):
        raise ValueError("the exact-log drift needs s0 > 0 and eta*cosh(2 s0) < 1")
    g0 = _exact_log_potential(s0, eta)
    out = []
    for kk in np.atleast_1d(np.asarray(k, dtype=float)):
        goal = g0 - 0.5 * eta**2 * sigma**2 * kk
        if kk == 0:
            out.append(s0)
            continue
        lo = s0 * 1e-150  # G(lo) ≈ (1 − η)/2 · log(lo) lies far below any goal
        out.append(brentq(lambda s: _exact_log_potential(s, eta) - goal, lo, s0, xtol=1e-15, rtol=1e-15))
    return np.array(out)


def quarter_trace(s):
    """¼ tr ∇²L on uv = 1: ¼(u² + v²) = ½ cosh 2s."""
    return 0.5 * np.cosh(2 * np.asarray(s, dtype=float))


def regularizer_dlm(s, eta: float):
    """Damian–Lee–Ma: R = −(1/2η) tr log(I − (η/2)∇²L) = −(1/2η) log(1 − η cosh 2s) on uv = 1."""
    return -np.log1p(-eta * np.cosh(2 * np.asarray(s, dtype=float))) / (2 * eta)


def regularizer_lecture(s, eta: float, n: int = 1):
    """The lecture's R = (1/2n) tr log(I − (η/2)∇²L) = (1/2n) log(1 − η cosh 2s) on uv = 1."""
    return np.log1p(-eta * np.cosh(2 * np.asarray(s, dtype=float))) / (2 * n)
