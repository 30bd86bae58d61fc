"""Escape over a barrier: the Eyring–Kramers law and the exact first-passage times it approximates.

Overdamped Langevin dynamics dX = −V'(X) dt + √(2T) dW started in a minimum a
leaves its basin over the saddle s after a mean time (Eyring 1935; Kramers 1940;
Bovier, Gayrard & Klein 2004 for the proof)

    τ_K = 2π / √(V''(a)·|V''(s)|) · exp(ΔV/T),   ΔV = V(s) − V(a),

to leading order as T → 0.  Noisy GD θ ← θ − ηV'(θ) + ησξ is the Euler–Maruyama
chain of that diffusion with time step η and T = ησ²/2, so it needs τ/η steps.

Two exact references bracket the asymptotics:

- :func:`mfpt_diffusion`: the mean first-passage time of the diffusion itself,
  a double integral (Gardiner, *Stochastic Methods*, §5.2.7).  Its ratio to τ_K
  is 1 + O(T): the finite-temperature (Laplace) correction of Kramers' law.
- :func:`mfpt_chain`: the mean number of steps of the discrete chain, solving
  its first-passage equation τ(x) = 1 + ∫ p(x → y) τ(y) dy by Nyström's method.
  Its ratio to the diffusion's time /η is 1 + :func:`euler_correction` + O(η²).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy.integrate import cumulative_trapezoid, trapezoid
from scipy.stats import norm


def kramers_time(barrier: float, curvature_min: float, curvature_saddle: float, T):
    """τ_K = 2π/√(V''(a)|V''(s)|)·exp(ΔV/T) in the diffusion's time units (divide by η for steps)."""
    return 2 * math.pi / math.sqrt(curvature_min * curvature_saddle) * np.exp(barrier / np.asarray(T, dtype=float))


def euler_correction(eta: float, curvature_min: float, curvature_saddle: float) -> float:
    """First-order relative change of the escape time of the Euler–Maruyama chain: −η(V''(a) − |V''(s)|)/4.

    The chain's generator is that of the diffusion with drift −V' − (η/2)(V'V'' − TV''')
    and diffusion T(1 + ηV'') up to O(η²) (weak backward error analysis).  Its
    stationary density is ∝ exp(−[V − ηV'²/4]/T − ηV''/2); Laplace's method on the
    first-passage integral then multiplies τ by
        [1 + ηV''(s)]⁻¹ · exp(−η(V''(a) − V''(s))/2) · [(1 − ηV''(a)/2)(1 − ηV''(s)/2)]^(−1/2)
      = 1 − η(V''(a) + V''(s))/4 + O(η²),
    the three factors being the diffusion coefficient at s, the −ηV''/2 term of the
    density and the curvatures of V − ηV'²/4 at a and s.  It does not depend on T,
    so it moves the prefactor of Kramers' law, not its slope ΔV.
    """
    return -eta * (curvature_min - curvature_saddle) / 4


def mfpt_diffusion(V: Callable, T: float, start: float, target: float, upper: float, points: int = 200001) -> float:
    """Mean first-passage time from ``start`` down to ``target`` < start of dX = −V'dt + √(2T)dW,
    reflected at ``upper`` (choose it where V is so high that it is never reached):

        τ = (1/T) ∫_target^start e^{V(y)/T} ∫_y^upper e^{−V(z)/T} dz dy.

    Both exponentials are shifted by their extreme values before exponentiating,
    and the integrals are trapezoidal on about ``points`` nodes, ``start`` among
    them (error O(h²))."""
    h = (upper - target) / (points - 1)
    below = np.linspace(target, start, max(round((start - target) / h), 1) + 1)
    z = np.concatenate([below, np.linspace(start, upper, max(round((upper - start) / h), 1) + 1)[1:]])  # start is a node
    v = V(z)
    inner_shift = v.min()
    weight = np.exp(-(v - inner_shift) / T)
    # ∫_z^upper e^{−(V − shift)/T}, summed from the upper end: no cancellation between the two wells' masses
    tail = -cumulative_trapezoid(weight[::-1], z[::-1], initial=0.0)[::-1]
    keep = z <= start
    outer_shift = v[keep].max()
    outer = trapezoid(np.exp((v[keep] - outer_shift) / T) * tail[keep], z[keep])
    return float(outer / T * math.exp((outer_shift - inner_shift) / T))


def mfpt_chain(
    step_map: Callable, noise_sd: float, start: float, target: float, upper: float, h: float
) -> float:
    """Mean number of steps for x' = step_map(x) + noise_sd·ξ (ξ ~ N(0, 1)) to reach x ≤ ``target``.

    The first-passage time solves τ(x) = 1 + ∫_{y > target} p(x → y) τ(y) dy with the
    Gaussian kernel p.  Nyström's method with trapezoidal weights on a grid of
    spacing ``h`` over (target, upper] turns it into (I − K W)τ = 1, and τ(start)
    follows from the same quadrature.  ``h`` must be a small fraction of
    ``noise_sd`` (the kernel's width); halve it to measure the discretisation error.
    """
    x = np.linspace(target, upper, math.ceil((upper - target) / h) + 1)
    w = np.full(len(x), x[1] - x[0])
    w[0] = w[-1] = (x[1] - x[0]) / 2
    m = step_map(x)
    K = norm.pdf((x[None, :] - m[:, None]) / noise_sd) / noise_sd
    tau = np.linalg.solve(np.eye(len(x)) - K * w[None, :], np.ones(len(x)))
    k0 = norm.pdf((x - step_map(np.array([start]))[0]) / noise_sd) / noise_sd
    return float(1 + (k0 * w) @ tau)


def noisy_gd_escape_steps(dV: Callable, eta: float, sigma: float, start: float, target: float, upper: float,
                          resolution: int) -> tuple[float, float]:
    """The exact mean number of steps of noisy GD θ ← θ − ηV'(θ) + ησξ from ``start`` to θ ≤ ``target``
    (:func:`mfpt_chain` on a grid of spacing ησ/resolution), and its change when the grid is halved
    (the discretisation error)."""
    step = lambda x: x - eta * dV(x)
    h = eta * sigma / resolution
    coarse = mfpt_chain(step, eta * sigma, start, target, upper, h)
    fine = mfpt_chain(step, eta * sigma, start, target, upper, h / 2)
    return fine, abs(fine - coarse)


def arrhenius_fit(inverse_T, log_tau, se_log_tau) -> dict:
    """Weighted least squares of log τ = log A + ΔV·(1/T), weights 1/se²; the standard errors of
    slope and intercept come from the runs' standard errors (not from the residuals), and
    ``chi2`` = Σ((residual/se)²) measures how well a straight line describes them."""
    x, y, s = (np.asarray(v, dtype=float) for v in (inverse_T, log_tau, se_log_tau))
    w = 1 / s**2
    X = np.stack([np.ones_like(x), x], axis=1)
    cov = np.linalg.inv(X.T @ (w[:, None] * X))
    intercept, slope = cov @ (X.T @ (w * y))
    resid = y - (intercept + slope * x)
    return {
        "slope": float(slope),
        "intercept": float(intercept),
        "se_slope": float(math.sqrt(cov[1, 1])),
        "se_intercept": float(math.sqrt(cov[0, 0])),
        "chi2": float(np.sum(w * resid**2)),
    }
