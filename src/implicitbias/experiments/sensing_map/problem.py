"""The problem of sensing_map in low_rank's terms (no torch): its settings as low_rank's ``sensing`` block."""

from __future__ import annotations


def low_rank_settings(settings: dict) -> dict:
    """The same problem in low_rank's settings layout (its ``sensing`` block), for its training and its SDP."""
    keys = ("n", "rank", "measurements", "alphas", "steps")
    return {
        "sensing": {k: settings[k] for k in keys},
        **{k: settings[k] for k in ("log_points", "blowup", "optimizers")},
    }
