"""Wrong worlds for the stability_map claims (see tests/mutations/__init__.py)."""

from __future__ import annotations


def _relabel(world, factor: float):
    """β misjudged: the run recorded at ηβ = e actually stepped at e·factor (its label reads e/factor)."""
    t = world.table
    t["eta"] = t["eta"] / factor
    return world


def beta_underestimated(world):
    """β estimated 2% too low: every run steps 2% longer than its ηβ label, so 1.97 already diverges."""
    return _relabel(world, 1.02)


def beta_overestimated(world):
    """β estimated 2% too high: every run steps 2% shorter than its label, so 2.01 and 2.02 stay stable."""
    return _relabel(world, 0.98)


MUTATIONS = [
    (r"^the divergence fraction crosses 1/2|^no run diverges at", beta_underestimated),
    (r"^the divergence fraction crosses 1/2|^every run diverges at", beta_overestimated),
]
