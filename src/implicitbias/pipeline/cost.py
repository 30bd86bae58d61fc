"""What a config will cost, before anything runs: cells, jobs, run-steps, time.

    python -m implicitbias.cost [config.yaml]

Counts come from the same plan the Snakefile builds (implicitbias.pipeline.config.plan).
The time estimate uses this machine's benchmark records, when a previous run
left them in results/benchmarks/train/: each training job costs its recorded
start-up overhead plus its run-steps times the measured seconds per run-step.
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


def estimate(config: dict, cores: int = 2, results: str = "results") -> Cost:
    plan = ibconfig.plan(config, results=results)
    cells = sum(len(c) for batches in plan.values() for c in batches.values())
    training = sum(len(batches) for batches in plan.values())
    references = sum(EXPERIMENTS[e].reference for e in plan)
    steps = sum(_run_steps(config, e, c) for e, batches in plan.items() for c in batches.values())
    jobs = training + references + JOBS_PER_EXPERIMENT * len(plan) + JOBS_PER_RUN
    rates = measured_rates(results)
    seconds = None
    if rates:
        overhead, per_step = rates
        work = [overhead + per_step * _run_steps(config, e, c) for e, b in plan.items() for c in b.values()]
        seconds = max(sum(work) / cores, max(work)) + overhead * JOBS_PER_EXPERIMENT * len(plan) / cores
    return Cost(cells, training, jobs, steps, seconds)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", nargs="?", default="config.yaml")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--results", default="results")
    args = parser.parse_args(argv)
    cost = estimate(load(args.config), args.cores, args.results)
    print(f"cells:         {cost.cells}")
    print(f"training jobs: {cost.training_jobs}")
    print(f"jobs:          {cost.jobs}")
    print(f"run-steps:     {cost.run_steps}")
    if cost.seconds is None:
        print("estimated wall time: unknown (no benchmark records in results/benchmarks/train yet)")
    else:
        print(f"estimated wall time: {cost.seconds:.0f} s on {args.cores} cores (from this machine's benchmark records)")


if __name__ == "__main__":
    main()
