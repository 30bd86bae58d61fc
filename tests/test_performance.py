"""Performance paths that must not change results, and the benchmark's smoke run.

No timing is asserted here: benchmarks/run.py measures the ratios.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from conftest import REPO
from implicitbias.numerics import objectives, optim
from implicitbias.experiments import EXPERIMENTS


def shared_problem(R=6, n=9, p=23):
    g = torch.Generator().manual_seed(3)
    A = torch.randn(n, p, generator=g, dtype=torch.float64)
    y = torch.randn(n, generator=g, dtype=torch.float64).expand(R, n)
    x = torch.randn(R, p, generator=g, dtype=torch.float64)
    seeds = torch.arange(R)
    sigma = torch.tensor([0.0, 0.5, 1.0, 0.0, 2.0, 0.1], dtype=torch.float64)[:R]
    return A, y, x, seeds, sigma


def test_least_squares_shared_problem_is_one_gemm_with_the_same_numbers():
    A, y, x, seeds, sigma = shared_problem()
    R, (n, p) = x.shape[0], A.shape
    per_run = objectives.LeastSquares(A.expand(R, n, p).contiguous(), y, seeds, sigma)
    shared = objectives.LeastSquares(A.expand(R, n, p), y, seeds, sigma)
    matrix = objectives.LeastSquares(A, y, seeds, sigma)
    assert per_run.shared is None and shared.shared is not None and matrix.shared is not None
    # The same sums of n (or p) products in another order: float64 round-off is
    # ~n·u·‖A‖‖x‖ ≈ 1e-15 of the scale, far inside 1e-12.
    scale = torch.linalg.matrix_norm(A) * (torch.linalg.vector_norm(x, dim=1, keepdim=True) + 1)
    for other in (shared, matrix):
        assert torch.all((other.residual(x) - per_run.residual(x)).abs() <= 1e-12 * scale)
        assert torch.allclose(other.loss(x), per_run.loss(x), rtol=1e-12, atol=0)
        for t, batch in ((1, None), (2, None), (3, 4), (7, 1)):  # full batch with label noise; minibatches
            g0, g1 = per_run.grad(x, t, batch), other.grad(x, t, batch)
            assert torch.all((g1 - g0).abs() <= 1e-12 * scale**2 * (n / (batch or n)))


def test_shared_problem_trains_like_per_run_problems():
    """GD for 50 steps from the same x0 on both paths: the same iterates up to round-off."""
    A, y, x0, seeds, _ = shared_problem()
    R, (n, p) = x0.shape[0], A.shape
    eta = torch.full((R,), 0.5 / torch.linalg.matrix_norm(A, 2).item() ** 2, dtype=torch.float64)
    zero = torch.zeros(R, dtype=torch.float64)
    finals = []
    for A_runs in (A.expand(R, n, p), A.expand(R, n, p).contiguous()):
        objective, rule, x = objectives.LeastSquares(A_runs, y, seeds, zero), optim.make("gd", x0, eta), x0
        for t in range(1, 51):
            x = rule.step(x, objective.grad(x, t), t)
        finals.append(x)
    assert torch.allclose(finals[0], finals[1], rtol=0, atol=1e-12 * float(x0.abs().max()))


def test_constant_step_skips_the_product_but_a_reassigned_schedule_still_applies():
    x = torch.ones(2, 3, dtype=torch.float64)
    g = torch.full((2, 3), 0.25, dtype=torch.float64)
    eta = torch.tensor([0.1, 0.3], dtype=torch.float64)
    rule = optim.make("gd", x, eta)
    assert torch.equal(rule.step(x, g, 5), x - eta[:, None] * g)
    rule.schedule = lambda t: 0.5  # label_noise drops η this way
    assert torch.equal(rule.step(x, g, 5), x - (eta[:, None] * 0.5) * g)


def test_claims_and_figure_modules_import_no_torch_and_training_does():
    names = sorted(EXPERIMENTS)
    code = (
        "import sys, importlib, importlib.util\n"
        "import implicitbias.pipeline.jobs, implicitbias.pipeline.tables\n"
        f"for n in {names!r}:\n"
        "    for part in ('claims', 'figure', 'problem', 'reference'):\n"
        "        if importlib.util.find_spec(f'implicitbias.experiments.{n}.{part}'):\n"
        "            importlib.import_module(f'implicitbias.experiments.{n}.{part}')\n"
        "assert 'torch' not in sys.modules, 'a claims, figure, problem or reference module imports torch'\n"
        f"importlib.import_module('implicitbias.experiments.{names[0]}.train')\n"
        "assert 'torch' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("run, configfile", [("quick_run", "config.yaml"), ("regimes_run", "config/regimes.yaml")])
def test_claims_jobs_run_without_torch(request, run, configfile, tmp_path):
    """Every experiment's claims, from a run's tables, in one process that never imports torch."""
    work = request.getfixturevalue(run)
    code = f"""
import os, sys
import yaml
from implicitbias.pipeline import jobs, schema

config = yaml.safe_load(open({configfile!r}))
schema.validate(config, schema.compose({str(REPO / "workflow/schemas/config.schema.yaml")!r}))  # fills in the defaults
for name in config["experiments"]:
    base = "results/" + name
    ref = base + "/reference.json"
    jobs.claims(name, config["experiments"][name]["settings"], base + "/table.parquet", {str(tmp_path)!r} + "/" + name + ".csv",
                reference=jobs.load_reference([ref] if os.path.exists(ref) else []))
assert "torch" not in sys.modules, "a claims function imported torch"
"""
    subprocess.run([sys.executable, "-c", code], check=True, cwd=work)


def test_benchmark_smoke_run(tmp_path):
    """The benchmark at tiny sizes: every ratio measured and reported with its goal and a verdict."""
    out = tmp_path / "bench.json"
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / "run.py"), "--tiny", "--json", str(out)],
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(out.read_text())
    # Tiny sizes cannot meet the goals, so either verdict may appear; each must be the one
    # that the measured value and the README's goal give.
    lines = done.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("ratio "))
    table = lines[header + 1 : lines.index("", header)]
    table = [line for line in table if "(info" not in line]  # the start-up cost rows report, with no goal
    printed = [line.split()[-1] for line in table]
    r2, r3 = results["R2"], results["R3"]
    expected = [r["ratio"] >= 20 for r in results["R1"].values()]
    expected += [r2["shared_gflops"] / r2["gemm_gflops"] >= 0.5, r3["ratio"] >= 3, r3["pipeline_s"] <= 15]
    expected += [results["R4"]["tiny"]["wall_s"] <= 60]
    r5 = results["R5"]["rows"]
    expected += [r5[-1]["plan_s"] <= 10]
    assert printed == ["pass" if ok else "MISSED" for ok in expected], table
    assert [line[:2] for line in table] == ["R1"] * 3 + ["R2", "R3", "  ", "R4", "R5"]
    # the growth table: one row per size, every cell planned, trained and aggregated
    assert [r["cells"] for r in r5] == [100, 1000]
    growth = lines[lines.index(next(line for line in lines if line.startswith("R5 growth"))) + 2 :][: len(r5)]
    assert [int(line.split()[0]) for line in growth] == [100, 1000]
    assert all(r["chunks"] >= 1 and r["plan_rss_mb"] > 0 and r["table_cells"] == r["cells"] for r in r5)
    assert set(results["R1"]) == {"least_squares", "logistic", "quadratic"}
    for r in results["R1"].values():
        assert r["max_final_loss_gap"] <= 1e-10  # the naive loop and the pipeline compute the same GD
    assert results["R3"]["pipeline_jobs"] < results["R3"]["paramspace_jobs"] == results["R3"]["cells"] + 2
    assert results["R4"]["tiny"]["claims_passed"] == results["R4"]["tiny"]["claims"] > 0
    assert results["R4"]["tiny"]["max_rss_mb"] > 0
    assert not results["imports"]["claims_imports_torch"]
    start = [line for line in lines if line.startswith("start ")]  # the fixed start-up cost, a line of its own
    assert len(start) == 1 and "snakemake -n, one-rule workflow" in start[0]
    assert results["startup"]["dry_run_s"] > 0 and results["startup"]["stale_slurm_dry_run_s"] > 0
    assert np.isfinite(results["R2"]["shared_gflops"] / results["R2"]["gemm_gflops"])
