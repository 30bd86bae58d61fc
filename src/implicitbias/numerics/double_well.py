"""The tilted double well V(θ) = (θ² − 1)² + cθ, a one-dimensional landscape with a known answer.

For 0 < c < 8/(3√3) the derivative V'(θ) = 4θ³ − 4θ + c has three real roots
b < s < a: a deep minimum b < 0 (the tilt lowers the left well), a saddle
(local maximum) s and a shallow minimum a > 0.  Everything about escape from a
is then a closed form of (V(s) − V(a), V''(a), V''(s)); see
``implicitbias.numerics.kramers``.  The functions work on floats, numpy arrays
and torch tensors alike (plain arithmetic only).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TiltedDoubleWell:
    c: float

    def __post_init__(self):
        if not 0 < self.c < 8 / (3 * math.sqrt(3)):
            raise ValueError(f"tilt c = {self.c} gives no shallow minimum: need 0 < c < 8/(3√3) = 1.5396")

    def V(self, x):
        return (x * x - 1) ** 2 + self.c * x

    def dV(self, x):
        return 4 * x * (x * x - 1) + self.c

    def d2V(self, x):
        return 12 * x * x - 4

    def critical_points(self) -> tuple[float, float, float]:
        """(b, s, a): deep minimum, saddle, shallow minimum, each refined by Newton to rounding."""
        roots = np.sort(np.roots([4.0, 0.0, -4.0, self.c]).real)
        out = []
        for r in roots:
            for _ in range(4):  # Newton on the (simple) root: quadratic convergence from ~1e-15
                r = r - self.dV(r) / self.d2V(r)
            out.append(float(r))
        return tuple(out)

    @property
    def b(self) -> float:
        return self.critical_points()[0]

    @property
    def s(self) -> float:
        return self.critical_points()[1]

    @property
    def a(self) -> float:
        return self.critical_points()[2]

    @property
    def barrier(self) -> float:
        """ΔV = V(s) − V(a), the barrier seen from the shallow minimum."""
        _, s, a = self.critical_points()
        return float(self.V(s) - self.V(a))

    def curvatures(self) -> tuple[float, float, float]:
        """(V''(b), |V''(s)|, V''(a)): the curvatures at the deep minimum, saddle and shallow minimum."""
        b, s, a = self.critical_points()
        return float(self.d2V(b)), float(-self.d2V(s)), float(self.d2V(a))

    def secant_sharpness(self, hi: float) -> float:
        """S = max over θ in (s, hi] of V'(θ)/(θ − a), the largest secant slope of V' through a.

        V'(θ) = (θ − a)·q(θ) with q(θ) = 4(θ² + aθ + a² − 1) (divide by the root a).
        q(s) = 0, and q increases on θ > −a/2, so on (s, hi] the secant slope q lies
        in (0, q(hi)]: S = q(hi).  GD θ ← θ − ηV'(θ) gives θ' − a = (1 − ηq(θ))(θ − a),
        so for η < 2/S every step shrinks |θ − a| on (s, hi]; with hi = 2a − s (the
        mirror of s) the iterates never leave (s, hi], and GD from anywhere in it
        converges to a.
        """
        a = self.a
        return float(4 * (hi * hi + a * hi + a * a - 1))
