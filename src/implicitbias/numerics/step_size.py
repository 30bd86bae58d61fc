"""The step size: one meaning for the grid's η.

The grid's η is read in the unit its block declares (``eta_unit``, or the
``eta_unit`` of one optimizer under ``optimizers:``), and turned here, and
only here, into the step η_abs that the update rule takes:

* ``absolute``: η_abs = η.
* ``inverse_sharpness``: η_abs = η/β, with β the sharpness of the problem
  (λ_max of the loss Hessian where the experiment says, e.g. AᵀA for
  ½‖Ax − y‖²).  GD is stable iff η < 2 in this unit, which is what makes the
  lecture's statements readable.
* ``width_scaled``: η_abs = η·m for a network of width m in the mean-field
  parametrisation f = (1/m) Σⱼ aⱼ σ(wⱼ·x): each unit's gradient is O(1/m), so
  η·m moves every unit by O(η) per step whatever the width (Chizat & Bach 2020).

Every table records both ``eta`` (as configured) and ``eta_abs``.
"""

from __future__ import annotations

import numpy as np

UNITS = ("absolute", "inverse_sharpness", "width_scaled")


def unit_of(settings: dict, optimizer: str) -> str:
    """The unit of η for ``optimizer``: its own ``optimizers.<name>.eta_unit`` unless that is
    ``block`` (the default), else the block's ``eta_unit``."""
    own = ((settings.get("optimizers") or {}).get(optimizer) or {}).get("eta_unit", "block")
    return settings.get("eta_unit", "absolute") if own == "block" else own


def absolute_step(eta, unit: str, beta=None, width=None) -> np.ndarray:
    """η_abs for each run: ``eta`` (one per run) in ``unit``, given the problem's β or width m."""
    eta = np.asarray(eta, dtype=float)
    if unit == "absolute":
        return eta
    if unit == "inverse_sharpness":
        if beta is None:
            raise ValueError("eta_unit inverse_sharpness needs the sharpness beta of the problem")
        return eta / np.asarray(beta, dtype=float)
    if unit == "width_scaled":
        if width is None:
            raise ValueError("eta_unit width_scaled needs the width m of the network")
        return eta * width
    raise ValueError(f"unknown eta_unit {unit!r}; valid: {', '.join(UNITS)}")


def rule_options(settings: dict, optimizer: str) -> dict:
    """The update rule's options from ``settings['optimizers']``, without the η unit (not a rule option)."""
    own = dict((settings.get("optimizers") or {}).get(optimizer) or {})
    own.pop("eta_unit", None)
    return own
