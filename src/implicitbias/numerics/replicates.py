"""Many independent replicates of one cell, trained as one batch and pooled.

Some claims are about a distribution over runs (the mean drift of s_k over
≥ 64 runs, the mean squared error of a Robbins–Monro estimate over ≥ 4000
runs).  Listing thousands of seeds on the grid would make a cell per run; instead
a cell (one seed) holds ``runs`` replicates.  Replicate j of seed s draws its
random numbers from the ``implicitbias.rng`` streams of the integer
s·2²⁰ + j, so a replicate's numbers depend only on (s, j): not on the batch,
nor on the other cells.  The training loop sees cells × runs rows;
:func:`pool` turns the per-replicate history into per-cell means and standard
errors.
"""

from __future__ import annotations

import numpy as np
import torch

from .train import Trajectory

MAX_RUNS = 2**20


def seeds(cell_seeds: list[int], runs: int, device=None) -> torch.Tensor:
    """Stream seeds s·2²⁰ + j of every replicate j < runs of every cell seed s, shape ``[cells·runs]``."""
    if not 1 <= runs <= MAX_RUNS:
        raise ValueError(f"runs must lie in 1..{MAX_RUNS}, got {runs}")
    s = torch.as_tensor(cell_seeds, dtype=torch.int64, device=device)
    j = torch.arange(runs, dtype=torch.int64, device=device)
    return (s[:, None] * MAX_RUNS + j[None, :]).reshape(-1)


def pool(traj: Trajectory, runs: int, standard_errors: tuple[str, ...] = ()) -> Trajectory:
    """Per-cell means of every metric over its ``runs`` replicates (rows cell·runs … cell·runs + runs − 1).

    For the metrics named in ``standard_errors`` also ``<name>_se`` = sample
    standard deviation / √runs.  A cell is diverged as soon as one of its
    replicates is (at the earliest such step), so a blow-up is never averaged away.
    """
    L = len(traj.steps)
    metrics = {}
    for name, values in traj.metrics.items():
        per = values.reshape(L, -1, runs)
        metrics[name] = per.mean(axis=2)
        if name in standard_errors:
            metrics[f"{name}_se"] = per.std(axis=2, ddof=1) / np.sqrt(runs) if runs > 1 else np.full_like(per[..., 0], np.nan)
    d = traj.diverged_at.reshape(-1, runs)
    first = np.where(d >= 0, d, np.iinfo(np.int64).max).min(axis=1)
    diverged_at = np.where(first == np.iinfo(np.int64).max, -1, first)
    return Trajectory(steps=traj.steps, metrics=metrics, diverged_at=diverged_at, x=traj.x)
