"""Tidy tables: one row per (cell, logged step), written atomically as Parquet.

Training jobs build their table with pyarrow alone (no pandas import on the
hot path).  Every file is written to a temporary name in the same folder and
then renamed, so a reader never sees a half-written table: a killed job leaves
either nothing or a complete file.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .grid import AXES


def atomic_write(path: str | os.PathLike, write) -> None:
    """Call ``write(tmp_path)`` then rename tmp_path to ``path`` (same filesystem)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path, obj) -> None:
    atomic_write(path, lambda tmp: Path(tmp).write_text(json.dumps(obj, indent=2, sort_keys=True, default=str)))


def trajectory_table(experiment: str, cells: list, traj, constants: dict[str, np.ndarray]) -> pa.Table:
    """The tidy table of one batch: cells × logged steps, metrics, constants and status.

    A diverged run keeps its rows up to the step where divergence was found.
    With ``traj.cell_of_run`` set, several runs share a cell (one row per run
    and logged step; the constants say which run is which).
    """
    diverged_at = traj.diverged_at
    L, R = len(traj.steps), len(diverged_at)
    owner = np.arange(R) if traj.cell_of_run is None else np.asarray(traj.cell_of_run)
    keep = np.ones((R, L), dtype=bool)
    for r in np.flatnonzero(diverged_at >= 0):
        keep[r] = traj.steps <= diverged_at[r]
    run = np.repeat(np.arange(R), L)[keep.ravel()]
    step = np.tile(traj.steps, R)[keep.ravel()]
    columns = {
        "experiment": [experiment] * len(run),
        "cell": [cells[owner[r]].id for r in run],
    }
    for axis in AXES:
        values = np.array([getattr(c, axis) for c in cells])
        columns[axis] = values[owner[run]]
    columns["step"] = step
    for name, values in traj.metrics.items():
        columns[name] = values.T[keep]
    for name, values in constants.items():
        columns[name] = np.asarray(values)[run]
    columns["status"] = np.where(diverged_at[run] >= 0, "diverged", "ok")
    return pa.table(columns)


def write_parquet(path, table: pa.Table, metadata: dict | None = None) -> None:
    if metadata:
        meta = dict(table.schema.metadata or {})
        meta[b"implicitbias"] = json.dumps(metadata, default=str).encode()
        table = table.replace_schema_metadata(meta)
    atomic_write(path, lambda tmp: pq.write_table(table, tmp))


def read_parquet(path):
    """Read a table as pandas, refusing a truncated or corrupt file with its path named."""
    try:
        return pq.read_table(path).to_pandas()
    except (pa.ArrowInvalid, OSError) as err:
        raise ValueError(f"{path} is not a complete Parquet table ({err}); delete it and rerun") from err
