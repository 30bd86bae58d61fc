"""What each Snakemake job does, as plain functions of paths and data.

The scripts under ``scripts/`` only unpack the ``snakemake`` object and call
one of these, so every step of the pipeline can also be run from a notebook.
The training job imports torch and pyarrow only; pandas and seaborn are
imported by the aggregation, claims and figure jobs.
"""

from __future__ import annotations

import contextlib
import csv
import time
import traceback
from pathlib import Path

from .. import experiments
from .grid import Cell


def reference(experiment: str, settings: dict, seeds: list[int], output: str) -> None:
    """Compute an experiment's solver reference once (e.g. an SVM or an LP), as JSON.

    Experiments whose contract has ``reference: true`` define
    ``reference(settings, seeds) -> dict`` in their ``reference.py``; their ``train_batch``, ``claims`` and
    ``figure`` receive it as ``reference=`` (None for experiments without one).
    """
    from .tables import write_json

    start = time.perf_counter()
    ref = experiments.part(experiment, "reference").reference(settings, seeds)
    write_json(output, ref)
    print(f"{experiment}: reference for seeds {seeds} in {time.perf_counter() - start:.2f} s")


def load_reference(paths) -> dict | None:
    """The reference JSON among a job's inputs, or None."""
    import json

    for p in paths:
        if str(p).endswith("reference.json"):
            return json.loads(Path(p).read_text())
    return None


def train(spec: dict, table_path: str, provenance_path: str, threads: int = 1, reference: dict | None = None) -> None:
    """Train one batch of cells and write its tidy table and provenance record.

    Each (loss, optimizer) group of the batch trains as one tensor program.
    """
    import pyarrow as pa
    import torch

    from . import device, grid, provenance, tables

    torch.set_num_threads(threads)
    dev = device.resolve(spec["device"])
    dtype = device.dtype(spec["dtype"])
    name = spec["experiment"]
    module = experiments.part(name, "train")
    start = time.perf_counter()
    parts, n_cells, n_div = [], 0, 0
    for cells in grid.groups([Cell(*c) for c in spec["cells"]]).values():
        traj, constants = module.train_batch(spec["settings"], cells, dev, dtype, reference=reference)
        parts.append(tables.trajectory_table(name, cells, traj, constants))
        n_cells, n_div = n_cells + len(cells), n_div + int((traj.diverged_at >= 0).sum())
    wall = time.perf_counter() - start
    record = provenance.record(spec, str(dev), spec["dtype"], wall)
    tables.write_parquet(table_path, pa.concat_tables(parts, promote_options="default"), record)
    tables.write_json(provenance_path, record)
    print(f"{name}: trained {n_cells} cells in {len(parts)} group(s) on {dev} in {wall:.2f} s; {n_div} diverged")


def aggregate(inputs: list[str], output: str, planned: list[str] | None = None, cells: list[str] | None = None) -> None:
    """Concatenate the chunk tables of one experiment into one table, sorted by (cell, step).

    ``cells``, the ids of the grid's cells, keeps only their rows: a chunk
    recorded by an earlier run may also hold cells the grid has since dropped
    (:mod:`implicitbias.pipeline.chunks`).  ``planned`` lists every chunk table
    the config implies; those absent from ``inputs`` (a partial run) are
    recorded in the table's ``attrs["missing"]`` so the figure can say what it lacks.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    from .tables import atomic_write, read_arrow

    table = pa.concat_tables([read_arrow(p) for p in inputs], promote_options="default")
    if cells is not None:
        table = table.filter(pc.is_in(table["cell"], value_set=pa.array(cells, pa.string())))
    frame = table.sort_by([("cell", "ascending"), ("step", "ascending")]).to_pandas()
    frame.attrs["missing"] = sorted(Path(p).stem for p in set(planned or inputs) - set(inputs))
    atomic_write(output, lambda tmp: frame.to_parquet(tmp, index=False))


def claims(experiment: str, settings: dict, table_path: str, output: str, reference: dict | None = None) -> list[dict]:
    """Check the experiment's claims on its aggregated table; write them as CSV (every check
    fails when the table lacks planned chunks: :func:`implicitbias.pipeline.claims.partial_table`)."""
    from .tables import read_parquet

    from .claims import partial_table

    module = experiments.part(experiment, "claims")
    table = read_parquet(table_path, getattr(module, "COLUMNS_READ", None))
    claims = partial_table(module.claims(table, settings, reference=reference), table.attrs.get("missing", []))
    rows = [c.row() for c in claims]
    write_csv(output, rows)
    return rows


def figure(experiment: str, settings: dict, table_path: str, pdf: str, png: str, reference: dict | None = None) -> None:
    """Draw the experiment's figure as vector PDF and PNG (marked when batches are missing)."""
    from . import theme
    from .tables import read_parquet

    module = experiments.part(experiment, "figure")
    table = read_parquet(table_path, getattr(module, "COLUMNS_READ", None))
    fig = module.figure(table, settings, reference=reference)
    theme.mark_missing(fig, table.attrs.get("missing", []))
    theme.save(fig, pdf, png)


def read_claims(path: str) -> list[dict]:
    """Rows of a claims CSV with typed measured, bound and pass."""
    from .claims import COLUMNS

    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        r["measured"], r["bound"] = float(r["measured"]), float(r["bound"])
        r["pass"] = {"True": True, "False": False}.get(r["pass"])  # empty: a reported value
    return [{c: r.get(c, "") for c in COLUMNS} for r in rows]


def collect_claims(inputs: list[str], output: str) -> list[dict]:
    """Stack every experiment's claims into results/claims.csv."""
    rows = [r for path in inputs for r in read_claims(path)]
    write_csv(output, rows)
    return rows


def write_csv(path: str, rows: list[dict]) -> None:
    """Write claim rows in the claims table's column order."""
    from .claims import COLUMNS
    from .tables import write_csv as write_table

    write_table(path, rows, COLUMNS)


@contextlib.contextmanager
def logged(path: str):
    """Send the job's prints and any traceback to its Snakemake log file."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh, contextlib.redirect_stdout(fh), contextlib.redirect_stderr(fh):
        try:
            yield
        except BaseException:
            traceback.print_exc(file=fh)
            raise
