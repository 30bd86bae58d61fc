"""The batched training loop: iterate an update rule, log on a geometric schedule.

All runs of a batch advance together as one tensor program.  Metrics are
written into preallocated device tensors at the logged steps only; the one
host–device synchronisation per logged step is the divergence check.  A run
whose iterate or loss stops being finite, or whose loss exceeds ``blowup``
times its starting loss, is *diverged*: that is a result, recorded with its
step, not an error.  The loop ends early once every run has diverged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

import numpy as np
import torch

from . import optim


class Objective(Protocol):
    """A batched loss over runs: ``loss(x)`` is ``[R]``, ``grad(x, t, batch_size)`` is ``[R, P]``."""

    def loss(self, x: torch.Tensor) -> torch.Tensor: ...

    def grad(self, x: torch.Tensor, t: int, batch_size: int | None) -> torch.Tensor: ...


def stacked(arrays, dtype: torch.dtype, device: torch.device | str = "cpu") -> torch.Tensor:
    """Per-run numpy arrays (one problem each) as one ``[R, …]`` tensor of the batch."""
    return torch.as_tensor(np.stack(arrays), dtype=dtype, device=device)


def log_schedule(steps: int, points: int) -> np.ndarray:
    """Steps 0, …, ``steps`` spaced geometrically (about ``points`` of them, all distinct)."""
    if steps <= 0:
        return np.array([0])
    geo = np.geomspace(1, steps, num=max(points, 2))
    return np.unique(np.concatenate([[0], np.rint(geo).astype(np.int64), [steps]]))


@dataclass
class Trajectory:
    """Logged history of a batch: ``metrics[name]`` has shape ``[len(steps), R]``.

    ``diverged_at[r]`` is the first logged step at which run r was found
    diverged, or −1; rows after it are NaN.

    R counts *runs*.  Usually run r trains grid cell r; an experiment that
    sweeps a setting inside each cell (e.g. an init scale α) trains several
    runs per cell and sets ``cell_of_run[r]``, the index of run r's cell (its
    per-run constants, such as α, then tell the runs of one cell apart).
    """

    steps: np.ndarray
    metrics: dict[str, np.ndarray]
    diverged_at: np.ndarray
    x: torch.Tensor
    cell_of_run: np.ndarray | None = None

    @property
    def diverged(self) -> np.ndarray:
        return self.diverged_at >= 0


def run(
    objective: Objective,
    rule: optim.Rule,
    x0: torch.Tensor,
    log_at: np.ndarray,
    metrics: Callable[[torch.Tensor], dict[str, torch.Tensor]],
    blowup: float = 1e10,
) -> Trajectory:
    """Train all runs from ``x0`` up to the last step of ``log_at``; ``metrics(x)`` gives ``[R]`` tensors."""
    R = x0.shape[0]
    x = x0.clone()
    logged = {int(s): i for i, s in enumerate(log_at)}
    first = metrics(x)
    table = {k: torch.full((len(log_at), R), float("nan"), dtype=x.dtype, device=x.device) for k in first}
    loss0 = objective.loss(x0)
    limit = blowup * torch.clamp(loss0, min=torch.finfo(x.dtype).tiny)
    diverged_at = torch.full((R,), -1, dtype=torch.int64, device=x.device)

    def record(i: int, t: int, values: dict[str, torch.Tensor]) -> bool:
        alive = diverged_at < 0
        for k, v in values.items():
            table[k][i] = torch.where(alive, v, table[k][i])
        bad = ~torch.isfinite(x).all(dim=1) | ~(objective.loss(x) <= limit)
        diverged_at.copy_(torch.where(alive & bad, torch.full_like(diverged_at, t), diverged_at))
        return bool((diverged_at >= 0).all())

    record(0, 0, first)
    last = int(log_at[-1])
    for t in range(1, last + 1):
        x = rule.step(x, objective.grad(x, t, rule.batch_size), t)
        i = logged.get(t)
        if i is not None and record(i, t, metrics(x)):
            break
    return Trajectory(
        steps=np.asarray(log_at),
        metrics={k: v.cpu().numpy() for k, v in table.items()},
        diverged_at=diverged_at.cpu().numpy(),
        x=x,
    )
