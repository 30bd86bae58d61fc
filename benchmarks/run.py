"""The performance benchmark: measures R1–R4 side by side in one run and prints them with their goals.

    python benchmarks/run.py               # everything, issue sizes (R4 runs the quick AND the full config)
    python benchmarks/run.py --skip-full   # R4 on the quick config only
    python benchmarks/run.py --tiny        # tiny sizes, seconds: the smoke test (not a test of the goals)

What each ratio measures (all in this one run, on the same machine and load):

R1  grid throughput (run-steps per second) of the pipeline's training against
    the naive design, for least squares, logistic regression and the two-layer
    diagonal ("quadratic") network (benchmarks/families.py), on a grid of
    ``cells`` cells × ``steps`` GD steps.  Pipeline: ONE process trains the
    whole grid (its wall time, interpreter start and imports included).  Naive:
    one process per cell with an autograd + torch.optim.SGD loop; ``sample``
    such processes (cells spread over the grid) are run and timed whole, and
    the naive grid time is cells × their mean wall time.  Snakemake's own cost
    per job is left out of both (it would only add to the naive side, one job
    per cell).  Both designs reach the same final losses (checked).
R2  roofline: GFLOP/s of GD on least-squares runs sharing one A (n×p), counting
    the 4Rnp flops of the two GEMMs per step, over the float64 GEMM rate of a
    square matrix product; both on one thread, best of three, alternated.
R3  planning: wall time of ``snakemake -n`` for a grid of ``r3_cells`` cells in
    this pipeline (one job per model) against a generated workflow with one
    job per cell, named by six Paramspace wildcards.
Start-up: the fixed cost of every ``snakemake`` command, apart from any
    workflow: a dry run of a one-rule Snakefile, with the Slurm configuration
    this machine has (if any) and with one whose controller does not answer (a
    login node while the controller is down, a workstation with a stale
    slurm.conf), best of three each.  Snakemake imports every installed
    executor plugin at start, and the SLURM plugin (the ``cluster`` extra)
    runs ``scontrol show config`` on import, for up to 10 s; the line names
    the executor plugins installed.
R4  end to end: wall time of ``snakemake --cores 2`` from a clean results/, for
    tests/quick_config.yaml and config.yaml, in a copy of the workflow; the
    peak resident memory (max_rss) of the largest training job.
R5  scale: how planning and aggregation grow from 10³ to 10⁵ cells (10² to
    10³ with --tiny), on pseudo_inverse grids of η × seeds with the default
    chunk budget.  Planning: wall time and peak memory of ``snakemake -n`` in
    a copy of the workflow (goal: ≤ 10 s at 10⁵ cells).  Aggregation: every
    chunk is trained for ``scale_steps`` GD steps in one process by the
    pipeline's own job function, then a fresh process (no torch) times the
    aggregation of the chunk tables and the family's claims job on the
    aggregated table, with its peak memory.

Every timed process runs with one torch thread (OMP_NUM_THREADS=1).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import importlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
FAMILIES = ("least_squares", "logistic", "quadratic")
WORKFLOW_FILES = ("Snakefile", "workflow", "scripts", "profiles", "environment.yml")

SIZES = {
    "issue": dict(cells=256, steps=1000, sample=4, r2_runs=256, r2_n=100, r2_p=1000, r2_steps=50, gemm=1024,
                  r3_axes=(20, 10, 10),  # η × σ × seeds; × 2 models × 5 optimizers = 20 000 cells
                  scale=(1_000, 10_000, 100_000), scale_steps=10),
    "tiny": dict(cells=16, steps=20, sample=1, r2_runs=16, r2_n=20, r2_p=100, r2_steps=5, gemm=128,
                 r3_axes=(2, 2, 3), scale=(100, 1_000), scale_steps=2),
}  # fmt: skip

GOALS = {"R1": 20.0, "R2": 0.5, "R3": 3.0, "R3_seconds": 15.0, "R4_quick": 60.0, "R4_full": 600.0, "R5_plan": 10.0}


def env() -> dict:
    """The environment of every timed process: this checkout's code, one thread."""
    paths = [str(ROOT / "src"), str(ROOT / "benchmarks"), os.environ.get("PYTHONPATH", "")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p), "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1"}  # fmt: skip


def timed(
    cmd: list[str], cwd: Path | None = None, timeout: float = 1800, extra_env: dict | None = None
) -> tuple[float, subprocess.CompletedProcess]:
    """Wall seconds of a command (from spawn to exit) and its completed process."""
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env={**env(), **(extra_env or {})}, capture_output=True, text=True, timeout=timeout)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return wall, done


def worker(kind: str, **args) -> tuple[float, dict]:
    """Run ``kind`` in a fresh interpreter; its wall time and the JSON it printed.

    The arguments travel in a file (``@path``): 10⁵ cell ids exceed a command line."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(args, fh)
    try:
        wall, done = timed([sys.executable, __file__, "--worker", kind, "@" + fh.name])
    finally:
        os.unlink(fh.name)
    return wall, json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- work done inside worker processes


def run_worker(kind: str, args: dict) -> dict:
    if kind == "dry_run":  # snakemake -n in this process, for its peak memory
        import resource
        import runpy

        os.chdir(args["cwd"])
        sys.argv = ["snakemake", "-n", "--cores", "2"]
        start = time.perf_counter()
        try:
            runpy.run_module("snakemake", run_name="__main__")
        except SystemExit as stop:
            if stop.code not in (0, None):
                raise
        return {"seconds": time.perf_counter() - start, "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    if kind == "aggregate":  # no torch: what the aggregate and claims jobs do, timed
        import resource

        from implicitbias.pipeline import jobs, schema

        settings = schema.settings_of(args["experiment"], args["settings"])
        start = time.perf_counter()
        jobs.aggregate(args["tables"], args["table"], args["tables"], args["cells"])
        middle = time.perf_counter()
        jobs.claims(args["experiment"], settings, args["table"], args["claims"])
        end = time.perf_counter()
        import pyarrow.parquet as pq

        cells = len(set(pq.read_table(args["table"], columns=["cell"]).column("cell").to_pylist()))
        return {"aggregate_s": middle - start, "claims_s": end - middle, "table_cells": cells,
                "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}  # fmt: skip
    if kind == "train_chunks":
        from implicitbias.pipeline import config as ibconfig
        from implicitbias.pipeline import jobs

        config = yaml.safe_load(Path(args["config"]).read_text())
        start = time.perf_counter()
        tables = []
        for chunk, cells in ibconfig.plan(config)["pseudo_inverse"].items():
            spec = ibconfig.batch_spec(config, "pseudo_inverse", cells)
            table = str(Path(args["where"], f"{chunk}.parquet"))
            with contextlib.redirect_stdout(io.StringIO()):
                jobs.train(spec, table, str(Path(args["where"], f"{chunk}.provenance.json")))
            tables.append(table)
        return {"seconds": time.perf_counter() - start, "tables": tables}
    if kind == "imports":  # before anything imports torch
        start = time.perf_counter()
        for name in args["modules"]:
            importlib.import_module(name)
        return {"seconds": time.perf_counter() - start, "torch": "torch" in sys.modules}
    import torch

    torch.set_num_threads(1)
    if kind == "naive":
        import families

        final, seconds = families.naive(args["family"], families.cells(args["cells"])[args["cell"]], args["steps"])
        return {"final": final, "loop_s": seconds}
    if kind == "pipeline":
        import families

        first_last, seconds = families.pipeline(args["family"], families.cells(args["cells"]), args["steps"])
        return {"first": first_last[0].tolist(), "final": first_last[1].tolist(), "loop_s": seconds}
    if kind == "roofline":
        return roofline(**args)
    raise ValueError(kind)


def roofline(runs: int, n: int, p: int, steps: int, gemm: int) -> dict:
    """Best-of-three GFLOP/s: a square GEMM, GD on runs sharing A, and GD with one copy of A per run."""
    import numpy as np
    import torch

    from implicitbias.numerics import objectives, optim, train

    g = torch.Generator().manual_seed(0)
    a, b = (torch.randn(gemm, gemm, generator=g, dtype=torch.float64) for _ in range(2))
    A, y = torch.randn(n, p, generator=g, dtype=torch.float64), torch.randn(n, generator=g, dtype=torch.float64)
    x0 = torch.zeros(runs, p, dtype=torch.float64)
    eta = torch.full((runs,), 1.0 / torch.linalg.matrix_norm(A, 2).item() ** 2, dtype=torch.float64)
    seeds, sigma = torch.arange(runs), torch.zeros(runs, dtype=torch.float64)
    problems = {
        "shared": A.expand(runs, n, p),  # stride 0 over runs: the GEMM path
        "per_run": A.expand(runs, n, p).contiguous(),  # one A per run: the einsum path
    }

    def gd(A_runs) -> float:
        objective = objectives.LeastSquares(A_runs, y.expand(runs, n), seeds, sigma)
        rule = optim.make("gd", x0, eta)
        start = time.perf_counter()
        train.run(objective, rule, x0, np.array([0, steps]), lambda x: {})
        return time.perf_counter() - start

    def square() -> float:
        start = time.perf_counter()
        a @ b
        return time.perf_counter() - start

    best = {"gemm": float("inf"), "shared": float("inf"), "per_run": float("inf")}
    for _ in range(3):
        best["gemm"] = min(best["gemm"], square())
        for key, A_runs in problems.items():
            best[key] = min(best[key], gd(A_runs))
    flops = 4.0 * runs * n * p * steps
    return {
        "gemm_gflops": 2.0 * gemm**3 / best["gemm"] / 1e9,
        "shared_gflops": flops / best["shared"] / 1e9,
        "per_run_gflops": flops / best["per_run"] / 1e9,
        "shared_us_per_run_step": best["shared"] / (runs * steps) * 1e6,
        "per_run_us_per_run_step": best["per_run"] / (runs * steps) * 1e6,
    }


# ---------------------------------------------------------------- R1 – R4, measured from the parent process


def measure_r1(size: dict) -> dict:
    import numpy as np

    out = {}
    N, S = size["cells"], size["steps"]
    sample = np.unique(np.linspace(0, N - 1, size["sample"]).astype(int)).tolist()
    for family in FAMILIES:
        pipe_wall, pipe = worker("pipeline", family=family, cells=N, steps=S)
        naive = [worker("naive", family=family, cells=N, cell=i, steps=S) for i in sample]
        naive_wall = float(np.mean([w for w, _ in naive]))
        naive_loop = float(np.mean([r["loop_s"] for _, r in naive]))
        gap = max(abs(r["final"] - pipe["final"][i]) / pipe["first"][i] for i, (_, r) in zip(sample, naive))
        out[family] = {
            "cells": N, "steps": S, "naive_processes_run": len(sample),
            "pipeline_wall_s": pipe_wall, "pipeline_loop_s": pipe["loop_s"],
            "naive_process_wall_s": naive_wall, "naive_loop_s": naive_loop,
            "naive_grid_s": N * naive_wall,
            "pipeline_run_steps_per_s": N * S / pipe_wall, "naive_run_steps_per_s": S / naive_wall,
            "ratio": N * naive_wall / pipe_wall,
            "step_ratio": (naive_loop / S) / (pipe["loop_s"] / (N * S)),
            "max_final_loss_gap": gap,
        }  # fmt: skip
    return out


def measure_imports() -> dict:
    """What a claims job imports (the experiment module) and what torch would add to it."""
    from implicitbias.experiments import EXPERIMENTS

    modules = ["implicitbias.pipeline.jobs", "implicitbias.pipeline.tables"] + [f"implicitbias.experiments.{e}" for e in EXPERIMENTS]
    _, lazy = worker("imports", modules=modules)
    _, eager = worker("imports", modules=["torch", *modules])
    _, bare = worker("imports", modules=[])
    return {"claims_modules_s": lazy["seconds"], "claims_imports_torch": lazy["torch"],
            "with_torch_s": eager["seconds"], "interpreter_and_numpy_s": bare["seconds"]}  # fmt: skip


def copy_workflow(where: Path, config: dict) -> Path:
    where.mkdir(parents=True, exist_ok=True)
    for name in WORKFLOW_FILES:
        src = ROOT / name
        (shutil.copytree(src, where / name) if src.is_dir() else shutil.copy2(src, where / name))
    (where / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return where


def r3_axes(size: dict) -> dict:
    etas, sigmas, seeds = size["r3_axes"]
    return {
        "model": ["linear", "linear_z"],
        "loss": ["squares"],
        "optimizer": ["gd", "sgd", "heavy_ball", "nesterov", "adam"],
        "eta": [round(0.05 * (i + 1), 2) for i in range(etas)],
        "sigma": [round(0.1 * i, 1) for i in range(sigmas)],
        "seed": list(range(seeds)),
    }


PARAMSPACE_SNAKEFILE = '''\
# Generated by benchmarks/run.py: the one-job-per-cell design, six Paramspace wildcards.
import itertools

import pandas as pd
from snakemake.utils import Paramspace

AXES = {axes!r}
paramspace = Paramspace(pd.DataFrame(list(itertools.product(*AXES.values())), columns=list(AXES)))


rule all:
    input:
        "results/claims.csv",


rule train:
    output:
        f"results/{{paramspace.wildcard_pattern}}/table.parquet",
    params:
        cell=paramspace.instance,
    shell:
        "touch {{output}}"


rule aggregate:
    input:
        expand("results/{{params}}/table.parquet", params=paramspace.instance_patterns),
    output:
        "results/claims.csv",
    shell:
        "touch {{output}}"
'''


def measure_r3(size: dict, tmp: Path) -> dict:
    axes = r3_axes(size)
    cells = 1
    for values in axes.values():
        cells *= len(values)
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    block = config["experiments"]["pseudo_inverse"]
    config["experiments"] = {"pseudo_inverse": {"grid": axes, "settings": block["settings"]}}
    ours = copy_workflow(tmp / "r3_pipeline", config)
    theirs = tmp / "r3_paramspace"
    theirs.mkdir()
    (theirs / "Snakefile").write_text(PARAMSPACE_SNAKEFILE.format(axes=axes))
    dry = [sys.executable, "-m", "snakemake", "-n", "--cores", "2"]
    ours_s, done = timed(dry, cwd=ours)
    theirs_s, done2 = timed(dry, cwd=theirs)
    return {"cells": cells, "pipeline_s": ours_s, "paramspace_s": theirs_s, "ratio": theirs_s / ours_s,
            "pipeline_jobs": job_count(done.stdout + done.stderr),
            "paramspace_jobs": job_count(done2.stdout + done2.stderr)}  # fmt: skip


def scale_config(cells: int, steps: int) -> dict:
    """pseudo_inverse with ``cells`` cells (η × 100 seeds, or fewer seeds below 10⁴ cells) and ``steps`` steps."""
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    block = config["experiments"]["pseudo_inverse"]
    seeds = min(100, cells // 10)
    etas = cells // seeds
    grid = {"model": ["linear"], "loss": ["squares"], "optimizer": ["gd"], "sigma": [0.0], "seed": list(range(seeds)),
            "eta": [round(0.01 + 1.98 * i / etas, 8) for i in range(etas)]}  # fmt: skip
    settings = {**block["settings"], "steps": steps, "log_points": 2}
    config["experiments"] = {"pseudo_inverse": {"grid": grid, "settings": settings}}
    return config


def measure_r5(size: dict, tmp: Path) -> dict:
    """Planning and aggregation time and peak memory at each of ``size['scale']`` cells."""
    from implicitbias.pipeline import config as ibconfig

    rows = []
    for cells in size["scale"]:
        config = scale_config(cells, size["scale_steps"])
        work = copy_workflow(tmp / f"r5_{cells}", config)
        plan_s, plan = worker("dry_run", cwd=str(work))  # the wall time of the whole command
        chunks = ibconfig.plan(yaml.safe_load((work / "config.yaml").read_text()))["pseudo_inverse"]
        where = tmp / f"r5_{cells}_tables"
        where.mkdir()
        _, trained = worker("train_chunks", config=str(work / "config.yaml"), where=str(where))
        ids = [c.id for cs in chunks.values() for c in cs]
        _, agg = worker("aggregate", tables=trained["tables"], table=str(where / "table.parquet"), cells=ids,
                        experiment="pseudo_inverse", settings=config["experiments"]["pseudo_inverse"]["settings"],
                        claims=str(where / "claims.csv"))  # fmt: skip
        rows.append({"cells": len(ids), "chunks": len(chunks), "plan_s": plan_s,
                     "plan_rss_mb": plan["max_rss_mb"], "train_s": trained["seconds"], **agg,
                     "table_mb": (where / "table.parquet").stat().st_size / 2**20})  # fmt: skip
        shutil.rmtree(where)
    return {"rows": rows}


def job_count(log: str) -> int | None:
    """The 'total' of snakemake's job-stats table."""
    for line in log.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "total" and parts[1].isdigit():
            return int(parts[1])
    return None


ONE_RULE = 'rule one:\n    output:\n        "one.txt",\n    shell:\n        "touch {output}"\n'

# A Slurm configuration whose controller does not answer (192.0.2.1 is TEST-NET-1: never routed).
STALE_SLURM_CONF = """\
ClusterName=stale
SlurmctldHost=controller(192.0.2.1)
NodeName=node1 CPUs=1 State=UNKNOWN
PartitionName=main Nodes=node1 Default=YES
"""


def measure_startup(tmp: Path, repeat: int = 3) -> dict:
    """Dry run of a one-rule workflow, best of ``repeat``: as this machine is, and with a stale Slurm configuration."""
    import pkgutil

    work = tmp / "startup"
    work.mkdir()
    (work / "Snakefile").write_text(ONE_RULE)
    (tmp / "stale-slurm.conf").write_text(STALE_SLURM_CONF)
    dry = [sys.executable, "-m", "snakemake", "-n", "--cores", "1"]
    plain = min(timed(dry, cwd=work)[0] for _ in range(repeat))
    stale = min(timed(dry, cwd=work, extra_env={"SLURM_CONF": str(tmp / "stale-slurm.conf")})[0] for _ in range(repeat))
    prefix = "snakemake_executor_plugin_"
    plugins = sorted(m.name.removeprefix(prefix).replace("_", "-") for m in pkgutil.iter_modules() if m.name.startswith(prefix))
    return {"dry_run_s": plain, "stale_slurm_dry_run_s": stale, "executor_plugins": plugins,
            "slurm_conf": os.environ.get("SLURM_CONF") or ("/etc/slurm/slurm.conf" if Path("/etc/slurm/slurm.conf").exists() else None)}  # fmt: skip


def tiny_config() -> dict:
    """One small family of the quick config: exercises R4's code in seconds."""
    config = yaml.safe_load((ROOT / "tests" / "quick_config.yaml").read_text())
    config["experiments"] = {"adaptive_geometry": config["experiments"]["adaptive_geometry"]}
    return config


def measure_r4(tiny: bool, skip_full: bool, tmp: Path) -> dict:
    runs = {"tiny": tiny_config()} if tiny else {"quick": yaml.safe_load((ROOT / "tests/quick_config.yaml").read_text())}
    if not tiny and not skip_full:
        runs["full"] = yaml.safe_load((ROOT / "config.yaml").read_text())
    out = {}
    for name, config in runs.items():
        work = copy_workflow(tmp / f"r4_{name}", config)
        wall, _ = timed([sys.executable, "-m", "snakemake", "--cores", "2"], cwd=work, timeout=3600)
        out[name] = {"wall_s": wall, **claims_passed(work), **largest_job(work)}
    return out


def claims_passed(work: Path) -> dict:
    with open(work / "results" / "claims.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    checks = [r for r in rows if r["relation"] != "info"]  # reported values are never passes
    return {"claims": len(checks), "claims_passed": sum(r["pass"] == "True" for r in checks)}


def largest_job(work: Path) -> dict:
    """The training job with the largest peak resident memory (Snakemake's benchmark max_rss, MB)."""
    best = {"max_rss_mb": float("nan"), "largest_job": None}
    for tsv in sorted((work / "results" / "benchmarks").rglob("*.tsv")):
        with open(tsv, newline="") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                rss = float(row["max_rss"]) if row["max_rss"] not in ("", "NA", "-") else float("nan")
                if not best["max_rss_mb"] >= rss:
                    best = {"max_rss_mb": rss, "largest_job": str(tsv.relative_to(work / "results" / "benchmarks"))}
    return best


# ---------------------------------------------------------------- the report


def verdict(ok: bool) -> str:
    return "pass" if ok else "MISSED"


def r5_lines(r5: list[dict]) -> list[str]:
    """R5's verdict row, then its growth table."""
    top = r5[-1]
    lines = [f"{'R5':<6} {'planning, ' + format(top['cells'], ',') + ' cells':<34} {top['plan_s']:>11.1f}s "
             f"{'<= 10 s':>10}  {verdict(top['plan_s'] <= GOALS['R5_plan'])}", ""]  # fmt: skip
    lines.append("R5 growth (pseudo_inverse grid, default chunk budget; planning = snakemake -n in one process)")
    lines.append(f"  {'cells':>8} {'chunks':>7} {'plan s':>7} {'plan MB':>8} {'aggregate s':>12} {'claims s':>9} "
                 f"{'agg+claims MB':>14} {'table MB':>9}")  # fmt: skip
    for r in r5:
        lines.append(f"  {r['cells']:>8} {r['chunks']:>7} {r['plan_s']:>7.2f} {r['plan_rss_mb']:>8.0f} "
                     f"{r['aggregate_s']:>12.2f} {r['claims_s']:>9.2f} {r['max_rss_mb']:>14.0f} {r['table_mb']:>9.1f}")  # fmt: skip
    return lines


def report(results: dict, tiny: bool) -> str:
    lines = []
    load = results["load"]
    lines.append(f"machine: {os.cpu_count()} cores; load average before {load['before']}, after {load['after']}")
    if tiny:
        lines.append("TINY sizes: a smoke run, the pass/fail below does not test the goals")
    lines.append(f"{'ratio':<6} {'what':<34} {'measured':>12} {'goal':>10}  result")
    if "R1" not in results:  # --only-r5
        return "\n".join(lines + r5_lines(results["R5"]["rows"]))
    r1 = results["R1"]
    for family, r in r1.items():
        lines.append(f"{'R1':<6} {'grid throughput, ' + family:<34} {r['ratio']:>11.1f}x {'>= 20x':>10}  "
                     f"{verdict(r['ratio'] >= GOALS['R1'])}")  # fmt: skip
    r2 = results["R2"]
    ratio2 = r2["shared_gflops"] / r2["gemm_gflops"]
    lines.append(f"{'R2':<6} {'roofline, shared-A least squares':<34} {ratio2:>12.2f} {'>= 0.5':>10}  "
                 f"{verdict(ratio2 >= GOALS['R2'])}")  # fmt: skip
    r3 = results["R3"]
    ok3 = r3["ratio"] >= GOALS["R3"] and r3["pipeline_s"] <= GOALS["R3_seconds"]
    lines.append(f"{'R3':<6} {'planning, snakemake -n':<34} {r3['ratio']:>11.1f}x {'>= 3x':>10}  "
                 f"{verdict(r3['ratio'] >= GOALS['R3'])}")  # fmt: skip
    lines.append(f"{'':<6} {'  dry run of this pipeline':<34} {r3['pipeline_s']:>11.1f}s {'<= 15 s':>10}  "
                 f"{verdict(r3['pipeline_s'] <= GOALS['R3_seconds'])}")  # fmt: skip
    st = results["startup"]
    lines.append(f"{'start':<6} {'snakemake -n, one-rule workflow':<34} {st['dry_run_s']:>11.1f}s {'':>10}  (info)")
    lines.append(f"{'':<6} {'  same, Slurm controller silent':<34} {st['stale_slurm_dry_run_s']:>11.1f}s {'':>10}  "
                 f"(info; executor plugins installed: {', '.join(st['executor_plugins']) or 'none'})")  # fmt: skip
    for name, r in results["R4"].items():
        goal = GOALS.get(f"R4_{name}", GOALS["R4_quick"])
        lines.append(f"{'R4':<6} {'end to end, ' + name + ' config':<34} {r['wall_s']:>11.1f}s "
                     f"{'<= ' + format(goal, 'g') + ' s':>10}  {verdict(r['wall_s'] <= goal)}")  # fmt: skip
    lines += r5_lines(results["R5"]["rows"])
    lines.append("")
    lines.append("details")
    for family, r in r1.items():
        lines.append(
            f"  R1 {family}: {r['cells']} cells x {r['steps']} steps. pipeline: 1 process, {r['pipeline_wall_s']:.2f} s "
            f"({r['pipeline_run_steps_per_s']:.3g} run-steps/s; loop {r['pipeline_loop_s'] / (r['cells'] * r['steps']) * 1e6:.2f} "
            f"us/run-step). naive: {r['naive_processes_run']} of {r['cells']} processes run, {r['naive_process_wall_s']:.2f} s "
            f"each (loop {r['naive_loop_s'] / r['steps'] * 1e6:.1f} us/step) -> {r['naive_grid_s']:.0f} s for the grid "
            f"({r['naive_run_steps_per_s']:.3g} run-steps/s). Per step alone: {r['step_ratio']:.1f}x. "
            f"Same results: max |L_naive - L_pipeline|/L_0 = {r['max_final_loss_gap']:.1e}"
        )
    lines.append(
        f"  R2 float64 GEMM {results['sizes']['gemm']}^3: {r2['gemm_gflops']:.2f} GFLOP/s; GD, "
        f"{results['sizes']['r2_runs']} runs sharing A ({results['sizes']['r2_n']}x{results['sizes']['r2_p']}): "
        f"{r2['shared_gflops']:.2f} GFLOP/s ({r2['shared_us_per_run_step']:.2f} us/run-step); one A per run (einsum): "
        f"{r2['per_run_gflops']:.2f} GFLOP/s ({r2['per_run_us_per_run_step']:.2f} us/run-step)"
    )
    lines.append(
        f"  R3 {r3['cells']} cells: this pipeline {r3['pipeline_s']:.1f} s ({r3['pipeline_jobs']} jobs), "
        f"Paramspace {r3['paramspace_s']:.1f} s ({r3['paramspace_jobs']} jobs)"
    )
    for name, r in results["R4"].items():
        lines.append(
            f"  R4 {name}: {r['wall_s']:.1f} s, checks {r['claims_passed']}/{r['claims']} pass; largest training "
            f"job {r['largest_job']}: max_rss {r['max_rss_mb']:.0f} MB"
        )
    lines.append(
        f"  start-up: dry run of a one-rule Snakefile, best of {1 if tiny else 3}; this machine's Slurm configuration: "
        f"{st['slurm_conf'] or 'none'}; 'controller silent': SLURM_CONF names a controller at 192.0.2.1 "
        f"(never routed). Executor plugins installed: {', '.join(st['executor_plugins']) or 'none'}"
    )
    imp = results["imports"]
    lines.append(
        f"  claims job imports: {imp['claims_modules_s']:.2f} s (torch imported: {imp['claims_imports_torch']}); "
        f"with torch: {imp['with_torch_s']:.2f} s"
    )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tiny", action="store_true", help="tiny sizes (a smoke run)")
    parser.add_argument("--skip-full", action="store_true", help="R4 on the quick config only")
    parser.add_argument("--json", help="also write the measurements to this JSON file")
    parser.add_argument("--only-r5", action="store_true", help="only R5, the planning and aggregation growth table")
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "ARGS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        kind, text = args.worker
        print(json.dumps(run_worker(kind, json.loads(Path(text[1:]).read_text() if text.startswith("@") else text))))
        return 0
    sys.path.insert(0, str(ROOT / "src"))
    size = SIZES["tiny" if args.tiny else "issue"]
    results = {"sizes": size, "load": {"before": [round(x, 2) for x in os.getloadavg()]}}
    with tempfile.TemporaryDirectory(prefix="ib_bench_") as tmp:
        if not args.only_r5:
            results["R1"] = measure_r1(size)
            _, results["R2"] = worker("roofline", runs=size["r2_runs"], n=size["r2_n"], p=size["r2_p"],
                                      steps=size["r2_steps"], gemm=size["gemm"])  # fmt: skip
            results["imports"] = measure_imports()
            results["startup"] = measure_startup(Path(tmp), repeat=1 if args.tiny else 3)
            results["R3"] = measure_r3(size, Path(tmp))
            results["R4"] = measure_r4(args.tiny, args.skip_full, Path(tmp))
        results["R5"] = measure_r5(size, Path(tmp))
    results["load"]["after"] = [round(x, 2) for x in os.getloadavg()]
    text = report(results, args.tiny)
    print(text)
    if args.json:
        Path(args.json).write_text(json.dumps({**results, "report": text}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
