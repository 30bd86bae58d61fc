"""Chunks: the bounded units of training work, stable when a grid grows.

A *chunk* is the set of cells one training job trains in one process.  It
holds at most ``chunk.cells`` cells and ``chunk.run_steps`` run-steps (the
cost model of :mod:`implicitbias.pipeline.cost`: steps × replicate runs per
cell), both set in the config.  Chunks never mix models, and the cells that
share one problem stay together: a *unit* is one (model, loss, optimizer,
seed), the cells that train on the same data as one tensor program (the
shared-matrix GEMM path of :func:`implicitbias.numerics.train.stacked`), and a
unit is split only when it alone exceeds the budget.

**Stable under grid extension.**  A run records each planned chunk's cell list
in its *ledger*, ``results/<experiment>/batches/<chunk>.cells.json``, when it
starts (never in a dry run).  A later plan keeps every recorded chunk that
still holds a cell of the grid, with exactly its recorded cells, so its params
(:func:`implicitbias.pipeline.config.batch_spec`) and its table do not change;
only the cells no recorded chunk holds are packed into new chunks.  Adding
seeds or axis values therefore plans only new chunks, and a job on a cluster
node, which plans again when it starts, finds the same chunks in the ledger.
Cells a recorded chunk holds but the grid no longer has are trained with it
(its params stay put) and dropped at aggregation.

A new chunk's id is ``<model>.<8 hex digits of a hash of its cell ids>``, so a
fresh run of the same grid always produces the same ids.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from .grid import Cell


@dataclass(frozen=True)
class Budget:
    """The most work one training job may hold."""

    cells: int
    run_steps: float


def budget(config: dict, experiment: str) -> Budget:
    """The experiment's chunk budget: its block's ``chunk`` entries over the top-level ``chunk``."""
    merged = {**config["chunk"], **(config["experiments"][experiment].get("chunk") or {})}
    return Budget(int(merged["cells"]), float(merged["run_steps"]))


def run_steps(settings: dict, models) -> int:
    """Run-steps of a batch: for each cell (given by its model), ``steps`` × ``runs`` (replicates), each read
    from the model's own settings object (``settings[model]``) when it has one, else from the experiment's."""
    total = 0
    for model in models:
        own = settings.get(model) if isinstance(settings.get(model), dict) else {}
        total += int(own.get("steps", settings.get("steps", 1))) * int(own.get("runs", settings.get("runs", 1)))
    return total


def chunk_id(cells: list[Cell]) -> str:
    """``<model>.<hash>``: the model and the first 8 hex digits of SHA-1 of the sorted cell ids."""
    digest = hashlib.sha1("\n".join(c.id for c in sorted(cells)).encode()).hexdigest()[:8]
    return f"{cells[0].model}.{digest}"


def ledger_path(results: str | Path, experiment: str, chunk: str) -> Path:
    return Path(results, experiment, "batches", f"{chunk}.cells.json")


def read_ledger(results: str | Path, experiment: str) -> dict[str, list[Cell]]:
    """Every chunk a run of ``experiment`` has recorded: id → its cells."""
    out = {}
    for path in sorted(Path(results, experiment, "batches").glob("*.cells.json")):
        try:
            cells = [Cell(*c) for c in json.loads(path.read_text())["cells"]]
        except (ValueError, KeyError, TypeError):
            continue  # a torn or hand-edited record: its cells are planned afresh
        if cells:
            out[path.name.removesuffix(".cells.json")] = cells
    return out


def write_ledger(results: str | Path, experiment: str, chunks: dict[str, list[Cell]]) -> list[Path]:
    """Record each chunk's cells (only those not recorded yet); returns the files written."""
    from .tables import write_json

    written = []
    for chunk, cells in chunks.items():
        path = ledger_path(results, experiment, chunk)
        if not path.exists():
            write_json(path, {"cells": [[c.model, c.loss, c.optimizer, c.eta, c.sigma, c.seed] for c in cells]})
            written.append(path)
    return written


def pack(cells: list[Cell], limit: Budget, run_steps) -> dict[str, list[Cell]]:
    """New chunks for ``cells``: per model, whole units in sorted order, each chunk filled up to the budget.

    ``run_steps(cell)`` is the cost model's run-steps of one cell.  A unit
    (model, loss, optimizer, seed) that alone exceeds the budget is cut into
    pieces that fit; otherwise units are never split.
    """
    units: dict[tuple, list[Cell]] = {}
    for c in sorted(cells, key=lambda c: (c.model, c.loss, c.optimizer, c.seed, c.eta, c.sigma)):
        units.setdefault((c.model, c.loss, c.optimizer, c.seed), []).append(c)
    chunks: list[list[Cell]] = []
    current: list[Cell] = []
    used = 0.0

    def close():
        nonlocal current, used
        if current:
            chunks.append(current)
        current, used = [], 0.0

    for unit in units.values():
        cost = sum(run_steps(c) for c in unit)
        if current and (current[0].model != unit[0].model or len(current) + len(unit) > limit.cells
                        or used + cost > limit.run_steps):
            close()
        if len(unit) <= limit.cells and cost <= limit.run_steps:
            current.extend(unit)
            used += cost
            continue
        for c in unit:  # a unit larger than the budget: cut it cell by cell
            if current and (len(current) + 1 > limit.cells or used + run_steps(c) > limit.run_steps):
                close()
            current.append(c)
            used += run_steps(c)
    close()
    return {chunk_id(chunk): chunk for chunk in chunks}


def plan(cells: list[Cell], ledger: dict[str, list[Cell]], limit: Budget, run_steps) -> dict[str, list[Cell]]:
    """Chunk id → cells for one experiment, sorted by id: the recorded chunks that hold a grid cell, and new ones for the rest.

    Recorded chunks never overlap when the ledger is the pipeline's own; a
    hand-made one that does is kept only for its first chunk by id, and the
    other's grid cells are packed afresh, so each cell is trained in one chunk.
    """
    wanted = set(cells)
    kept, covered = {}, set()
    for chunk, recorded in sorted(ledger.items()):
        own = set(recorded)
        if own & wanted and not own & covered:
            kept[chunk] = recorded
            covered |= own
    fresh = pack([c for c in cells if c not in covered], limit, run_steps)
    # sorted by id: the same chunks in the same order whether or not they were recorded yet
    # (the order of the aggregation's inputs and params)
    return dict(sorted({**kept, **fresh}.items()))
