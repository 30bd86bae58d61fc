"""Regime map of matrix sensing with X = UUᵀ over (init scale α, measurements m) (lecture: implicit bias).

The problem and the training are low_rank's part (a), reused as is
(:func:`implicitbias.experiments.low_rank.train.train_sensing`): X* ⪰ 0 of rank r with
‖X*‖_F = √n, m symmetric Gaussian measurements yᵢ = ⟨Aᵢ, X*⟩, GD on the factor U from
U₀ = αI.  Both α and m are swept inside each cell (a cell is one seed): one run per
(m, α), the runs of one m as one tensor program.  Identifiability sets the threshold
below which no method can recover X*: the rank-r PSD matrices form a manifold of
dimension d_f = nr − r(r − 1)/2, so with m < d_f measurements the rank-r PSD
interpolants through X* form a manifold of positive dimension.  The solver reference is
the minimum-trace PSD interpolant (the SDP of ``low_rank/reference.py``, cvxpy with
Clarabel), whose distance to X* is logged as ``sdp_dist_truth``; only the final step
is logged (``log_points: 2``) besides the start.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import torch

from ...numerics import step_size, train
from ..low_rank.train import train_sensing
from .problem import low_rank_settings


def train_batch(settings: dict, cells: list, device: torch.device, dtype: torch.dtype, reference=None):
    """Every cell (seed) of one group: one run per (m, α); returns (Trajectory, per-run constants)."""
    as_t = partial(train.stacked, dtype=dtype, device=device)
    traj, constants = train_sensing(low_rank_settings(settings), cells, as_t, reference)
    owner = traj.cell_of_run
    constants["eta_abs"] = step_size.absolute_step([cells[i].eta for i in owner], step_size.unit_of(settings, "gd"))
    constants["dof"] = np.full(
        len(owner), settings["n"] * settings["rank"] - settings["rank"] * (settings["rank"] - 1) // 2
    )
    return traj, constants
