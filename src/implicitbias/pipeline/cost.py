"""What a config will cost, before anything runs: cells, jobs, run-steps, time.

    python -m implicitbias.pipeline.cost [config.yaml]             # from this machine's records
    python -m implicitbias.pipeline.cost config/regimes.yaml --measure

Counts come from the same plan the Snakefile builds (implicitbias.pipeline.config.plan).
The time estimate uses this machine's benchmark records, when a previous run
left them in results/benchmarks/train/: each training job costs its recorded
start-up overhead plus its run-steps times the measured seconds per run-step.
With ``--measure`` it times instead, on this machine and in this process, the
first unit (one model, loss, optimizer and seed: every η and σ of it, the real
settings) of every (experiment, model), and each training job costs the
start-up of a training process (timed: a fresh interpreter importing torch and
the package) plus its cells times that model's measured seconds per cell.
Jobs run ``cores`` at a time.
"""

from __future__ import annotations

import argparse
import csv
import json
from dataclasses import dataclass
from pathlib import Path

from ..experiments import EXPERIMENTS
from . import config as ibconfig
from .chunks import run_steps

SCHEMA = "workflow/schemas/config.schema.yaml"
# Per experiment: aggregate, claims, figure.  Per run: all_claims, run_info, all.
JOBS_PER_EXPERIMENT = 3
JOBS_PER_RUN = 3


@dataclass
class Cost:
    cells: int
    training_jobs: int
    jobs: int
    run_steps: int
    seconds: float | None  # estimated wall time, None without benchmark records


def load(config_path: str, schema_path: str = SCHEMA) -> dict:
    """Read and validate a config exactly as the Snakefile does (schema defaults filled in)."""
    from . import schema

    config = ibconfig.load(config_path)
    schema.validate(config, schema.compose(schema_path))
    return config


def _run_steps(config: dict, experiment: str, cells: list) -> int:
    return run_steps(config["experiments"][experiment]["settings"], [c.model for c in cells])


def measured_rates(results: str = "results") -> tuple[float, float] | None:
    """(overhead seconds per job, seconds per run-step) fitted to past training jobs."""
    points = []
    for tsv in Path(results, "benchmarks", "train").glob("*/*.tsv"):
        prov = Path(results, tsv.parent.name, "batches", f"{tsv.stem}.provenance.json")
        if not prov.exists():
            continue
        spec = json.loads(prov.read_text())["spec"]
        with open(tsv, newline="") as fh:
            seconds = float(next(csv.DictReader(fh, delimiter="\t"))["s"])
        steps = run_steps(spec["settings"], [c[0] for c in spec["cells"]])
        wall = json.loads(prov.read_text())["wall_seconds"]
        points.append((seconds, wall, steps))
    if not points:
        return None
    overhead = sum(s - w for s, w, _ in points) / len(points)
    per_step = sum(w for _, w, _ in points) / max(sum(n for _, _, n in points), 1)
    return overhead, per_step


def startup_seconds() -> float:
    """Wall time of a fresh interpreter that imports what a training job imports."""
    import subprocess
    import sys
    import time

    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import torch, pyarrow, implicitbias.pipeline.jobs"], check=True)
    return time.perf_counter() - start


def seconds_per_cell(config: dict, plan: dict) -> dict[tuple[str, str], float]:
    """(experiment, model) → training seconds per cell, timed on the model's first unit in this process."""
    import time

    import torch

    from .. import experiments
    from . import device, grid

    torch.set_num_threads(config["threads"])
    dev, dtype = device.resolve(config["device"]), device.dtype(config["dtype"])
    out = {}
    for experiment, chunks in plan.items():
        settings = config["experiments"][experiment]["settings"]
        reference = None
        if EXPERIMENTS[experiment].reference:
            seeds = sorted({c.seed for cells in chunks.values() for c in cells})[:1]
            reference = experiments.part(experiment, "reference").reference(settings, seeds)
        train = experiments.part(experiment, "train").train_batch
        for cells in chunks.values():
            model = cells[0].model
            if (experiment, model) in out:
                continue
            first = cells[0]
            unit = [c for c in cells if (c.loss, c.optimizer, c.seed) == (first.loss, first.optimizer, first.seed)]
            start = time.perf_counter()
            for group in grid.groups(unit).values():
                train(settings, group, dev, dtype, reference=reference)
            out[experiment, model] = (time.perf_counter() - start) / len(unit)
    return out


def estimate(config: dict, cores: int = 2, results: str = "results", measure: bool = False) -> Cost:
    plan = ibconfig.plan(config, results=results)
    cells = sum(len(c) for batches in plan.values() for c in batches.values())
    training = sum(len(batches) for batches in plan.values())
    references = sum(EXPERIMENTS[e].reference for e in plan)
    steps = sum(_run_steps(config, e, c) for e, batches in plan.items() for c in batches.values())
    jobs = training + references + JOBS_PER_EXPERIMENT * len(plan) + JOBS_PER_RUN
    if measure:
        overhead, per_cell = startup_seconds(), seconds_per_cell(config, plan)
        job = lambda e, chunk: sum(per_cell[e, c.model] for c in chunk)
    elif rates := measured_rates(results):
        overhead, per_step = rates
        job = lambda e, chunk: per_step * _run_steps(config, e, chunk)
    else:
        return Cost(cells, training, jobs, steps, None)
    work = [overhead + job(e, chunk) for e, chunks in plan.items() for chunk in chunks.values()]
    seconds = max(sum(work) / cores, max(work)) + overhead * JOBS_PER_EXPERIMENT * len(plan) / cores
    return Cost(cells, training, jobs, steps, seconds)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", nargs="?", default="config.yaml")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--results", default="results")
    parser.add_argument("--measure", action="store_true", help="time one unit of every model here, now")
    args = parser.parse_args(argv)
    cost = estimate(load(args.config), args.cores, args.results, args.measure)
    print(f"cells:         {cost.cells}")
    print(f"training jobs: {cost.training_jobs}")
    print(f"jobs:          {cost.jobs}")
    print(f"run-steps:     {cost.run_steps}")
    if cost.seconds is None:
        print("estimated wall time: unknown (no benchmark records in results/benchmarks/train yet; try --measure)")
    else:
        source = "one unit per model timed here now" if args.measure else "this machine's benchmark records"
        print(f"estimated wall time: {cost.seconds:.0f} s = {cost.seconds / 60:.1f} min on {args.cores} cores ({source})")


if __name__ == "__main__":
    main()
