"""Tidy tables: one row per (cell, logged step), written atomically as Parquet.

Training jobs build their table with pyarrow alone (no pandas import on the
hot path).  Every file is written to a temporary name in the same folder and
then renamed, so a reader never sees a half-written table: a killed job leaves
either nothing or a complete file.
"""

from __future__ import annotations

import csv
import json
import os
import stat
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .grid import AXES


def umask() -> int:
    """The process's umask, read without changing it (``os.umask`` can only set it)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)  # no /proc (macOS): set and restore at once
    os.umask(mask)
    return mask


def open_mode(path: Path) -> int:
    """The permission bits ``open(path, "w")`` would leave: an existing file keeps
    its own, a new one gets 0666 minus the umask."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return 0o666 & ~umask()


def atomic_write(path: str | os.PathLike, write) -> None:
    """Call ``write(tmp_path)`` then rename tmp_path to ``path`` (same filesystem).

    The file ends with the permissions an ordinary ``open()`` would give it
    (``tempfile.mkstemp`` alone would leave 0600, unreadable by collaborators
    whatever the umask).
    """
    path = Path(path)
    if path.exists() and not path.is_file():
        # renaming over a device or a directory would replace it (as root: /dev/null)
        raise ValueError(f"{path} exists and is not a regular file; refusing to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, open_mode(path))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path, obj) -> None:
    atomic_write(path, lambda tmp: Path(tmp).write_text(json.dumps(obj, indent=2, sort_keys=True, default=str)))


def write_csv(path, rows: list[dict], columns) -> None:
    """Write ``rows`` (dicts) as CSV with the given column order, atomically."""

    def write(tmp):
        with open(tmp, "w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(columns), extrasaction="ignore")
            w.writeheader()
            w.writerows(rows)

    atomic_write(path, write)


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
    clash = (set(traj.metrics) | set(constants)) & {*columns, "status"}
    if clash:
        raise ValueError(f"metric or constant names {sorted(clash)} clash with the table's own columns")
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


def is_complete(path) -> bool:
    """Whether a file ends like a finished Parquet file (magic bytes at both ends).

    A truncated file (a killed copy, a half-written file left by hand) lacks
    the footer; such a file must be rebuilt, never aggregated.
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
            fh.seek(-4, os.SEEK_END)
            return head == b"PAR1" and fh.read(4) == b"PAR1"
    except OSError:
        return False


def set_aside_incomplete(paths, derived=(), dry_run: bool = False) -> list[str]:
    """The existing but incomplete Parquet files among ``paths``.

    Unless ``dry_run``, each is renamed to ``<name>.corrupt`` (kept for
    inspection) and, if there was one, the ``derived`` files built from them are
    deleted, so that the workflow rebuilds the whole chain (Snakemake does not
    regenerate a missing intermediate file whose consumers are up to date).  A
    dry run only reports them and changes nothing on disk.
    """
    bad = [str(p) for p in map(Path, paths) if p.exists() and not is_complete(p)]
    if not dry_run:
        for p in bad:
            os.replace(p, p + ".corrupt")
        if bad:
            for d in derived:
                Path(d).unlink(missing_ok=True)
    return bad


def incomplete_message(path: str, experiment: str, dry_run: bool) -> str:
    """What is said about an incomplete table found at the start of a run."""
    rebuilt = f"it and {experiment}'s table, claims and figure"
    if dry_run:
        return (
            f"{path} is not a complete Parquet file: a run (not this dry run, which changes nothing) "
            f"sets it aside as {path}.corrupt and rebuilds {rebuilt}"
        )
    return f"{path} is not a complete Parquet file: renamed to {path}.corrupt; rebuilding {rebuilt}"


def read_arrow(path, columns=None) -> pa.Table:
    """Read a table, refusing a truncated or corrupt file with its path named.

    With ``columns``, only those of them the file has are read (a claims or
    figure module's ``COLUMNS_READ``: at 10⁵ cells a table is mostly columns a
    job does not need).
    """
    try:
        if columns is not None:
            have = set(pq.read_schema(path).names)
            columns = [c for c in columns if c in have]
        return pq.read_table(path, columns=columns)
    except (pa.ArrowInvalid, OSError) as err:
        raise ValueError(f"{path} is not a complete Parquet table ({err}); delete it and rerun") from err


def read_parquet(path, columns=None):
    """Read a table as pandas (see :func:`read_arrow`)."""
    return read_arrow(path, columns).to_pandas()
