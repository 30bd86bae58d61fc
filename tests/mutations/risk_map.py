"""Wrong worlds for the risk_map claims (see tests/mutations/__init__.py)."""

from __future__ import annotations

from implicitbias.numerics import hmrt


def formula_ignores_label_noise(world):
    """The formula fed the observation noise s^2 alone, forgetting the label noise sigma^2."""
    t, s = world.table, world.settings
    t["theory_exact"] = hmrt.minnorm_exact(t.p.to_numpy(), s["n"], s["signal_norm_squared"], s["noise_variance"])
    return world


MUTATIONS = [
    (r"^min-norm mean risk vs the exact|^the measured map is on the formula's side", formula_ignores_label_noise),
]
