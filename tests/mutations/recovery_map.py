"""Wrong worlds for the recovery_map claims (see tests/mutations/__init__.py)."""

from __future__ import annotations

import numpy as np

from mutations import carry

OUTCOME = ["test_error", "status"]


def drift_ignores_eta(world):
    """The regularised drift runs on the time scale sigma^2 k, not eta^2 sigma^2 k: every eta row does what
    the middle eta row does at the same (sigma, seed)."""
    t = world.table
    etas = np.sort(t.eta.unique())
    mid = etas[len(etas) // 2]
    for eta in etas:
        if eta != mid:
            t = carry(t, OUTCOME, np.isclose(t.eta, mid), np.isclose(t.eta, eta), on=("sigma", "seed", "step"))
    world.table = t
    return world


MUTATIONS = [
    (r"^the recovery boundary follows", drift_ignores_eta),
]
