"""The workflow on a real one-node SLURM cluster started on localhost (tests/slurm_harness.py).

Every run goes through profiles/slurm as a user's would, plus two settings of
this test cluster: it has no accounting database, so job status comes from
squeue (its MinJobAge keeps finished jobs listed), and the first status check
comes after 2 s instead of 40 s.  The plugin waits 10 s longer after each
status check that finds no job finished, so a run spends most of its time
asleep: the three runs start together and their waits overlap.  If SLURM
cannot start, these tests fail; they never skip.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import REPO, make_workdir, quick_config, snakemake_command
from implicitbias.pipeline import config as ibconfig
from slurm_harness import LocalSlurm, submitted_jobids

CLUSTER_ARGS = (
    "--workflow-profile",
    "profiles/slurm",
    "--slurm-status-command",
    "squeue",
    "--slurm-init-seconds-before-status-checks",
    "2",
)
TIMEOUT = 600  # a hung status loop must not hang the suite

# One GPU job that fails on its first attempt (leaving a marker) and succeeds on the next.
FLAKY = """
rule flaky:
    output:
        "done.txt",
    resources:
        gpu=1,
    shell:
        "if [ -e first_attempt_failed ]; then echo $CUDA_VISIBLE_DEVICES > {output}; "
        "else touch first_attempt_failed; exit 1; fi"
"""


def _first_batch() -> tuple[str, str]:
    experiment, batches = next(iter(ibconfig.plan(quick_config()).items()))
    return experiment, next(iter(batches))


@pytest.fixture(scope="module")
def scratch():
    """A folder under /tmp that the munge user can traverse (pytest's tmp_path is 0700)."""
    path = Path(tempfile.mkdtemp(prefix="ibslurm-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def slurm(scratch):
    cluster = LocalSlurm(scratch / "slurm", gpus=2).start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="module")
def runs(slurm, scratch) -> dict[str, tuple[Path, int, str]]:
    """Three snakemake runs on the cluster, started together: name -> (workdir, exit code, output).

    quick: the quick config.  gpu: one training batch of the quick config with
    device: cuda and gpu_model: fake, no retries.  flaky: a one-rule workflow
    whose GPU job fails once.
    """
    gpu_config = {**quick_config(), "device": "cuda"}
    experiment, batch = _first_batch()
    flaky = scratch / "flaky"
    flaky.mkdir()
    shutil.copytree(REPO / "profiles", flaky / "profiles")
    (flaky / "Snakefile").write_text(FLAKY)
    plan = {
        "quick": (make_workdir(scratch / "quick"), ()),
        "gpu": (
            make_workdir(scratch / "gpu", gpu_config),
            (f"results/{experiment}/batches/{batch}.parquet", "--retries", "0", "--set-resources", "train:gpu_model=fake"),
        ),
        "flaky": (flaky, ()),
    }
    procs = {}
    for name, (work, args) in plan.items():
        with open(work / "snakemake.out", "w") as out:
            cmd = snakemake_command(*args, *CLUSTER_ARGS)
            procs[name] = subprocess.Popen(cmd, cwd=work, stdout=out, stderr=subprocess.STDOUT, env=slurm.env())
    results = {}
    for name, proc in procs.items():
        work = plan[name][0]
        try:
            rc = proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
        results[name] = (work, rc, (work / "snakemake.out").read_text())
    return results


def test_quick_config_runs_through_slurm_and_every_claim_passes(runs, slurm):
    work, rc, out = runs["quick"]
    assert rc == 0, out[-4000:] + slurm.logs()
    jobids = submitted_jobids(out)
    assert jobids, "no job went through SLURM"
    for jobid in jobids:
        job = slurm.job(jobid)
        assert "JobState=COMPLETED" in job
        # only the compute rules are cluster jobs; the rest are localrules (Snakefile)
        assert re.search(r"Comment=rule_(train|reference)_", job), job
    n_batches = sum(len(b) for b in ibconfig.plan(quick_config()).values())
    assert len(jobids) < n_batches  # training batches are bundled into group jobs
    claims = pd.read_csv(work / "results" / "claims.csv")
    assert len(claims) > 0 and claims["pass"].all(), claims[~claims["pass"]].to_string()
    assert set(claims.experiment) == set(quick_config()["experiments"])


def test_cluster_tables_equal_a_local_run(runs, quick_run):
    work, rc, out = runs["quick"]
    assert rc == 0, out[-4000:]
    for name in ibconfig.plan(quick_config()):
        on_cluster = pd.read_parquet(work / "results" / name / "table.parquet")
        local = pd.read_parquet(quick_run / "results" / name / "table.parquet")
        assert list(on_cluster.columns) == list(local.columns)
        assert len(on_cluster) == len(local)
        for col in local.columns:
            if pd.api.types.is_float_dtype(local[col]):
                np.testing.assert_allclose(on_cluster[col], local[col], rtol=1e-12, atol=1e-12, equal_nan=True, err_msg=col)
            elif local[col].dtype == object and isinstance(local[col].iloc[0], (list, np.ndarray)):
                for a, b in zip(on_cluster[col], local[col]):  # list columns (e.g. mean_field's weights)
                    np.testing.assert_allclose(np.stack(a), np.stack(b), rtol=1e-12, atol=1e-12, err_msg=col)
            else:
                assert (on_cluster[col].to_numpy() == local[col].to_numpy()).all(), col


def test_gpu_model_training_job_gets_that_gpu_from_slurm_and_fails_clearly_without_cuda(runs, slurm):
    """device: cuda with gpu_model -> the training job asks SLURM for
    --gpus=<model>:1 and is scheduled with that GPU; torch sees no CUDA on the
    fake GPU, so the job fails with the clear message of
    implicitbias.pipeline.device.resolve instead of running on the CPU."""
    work, rc, out = runs["gpu"]
    assert rc != 0, out[-3000:]
    jobs = {j: slurm.job(j) for j in submitted_jobids(out)}
    failed = [j for j, info in jobs.items() if "JobState=FAILED" in info]
    assert len(failed) == 1, out[-3000:]
    assert "TresPerJob=gres:gpu:fake:1" in jobs[failed[0]], jobs[failed[0]]
    experiment, batch = _first_batch()
    log = (work / "results" / "logs" / "train" / experiment / f"{batch}.log").read_text()
    # SLURM set CUDA_VISIBLE_DEVICES to the fake GPU it allocated (either of the node's two)
    assert re.search(r"device: cuda was requested but torch sees no CUDA GPU \(CUDA_VISIBLE_DEVICES=[01],", log), log


def test_a_job_that_fails_once_succeeds_on_retry(runs, slurm):
    work, rc, out = runs["flaky"]
    assert rc == 0, out[-3000:]
    first, second = submitted_jobids(out)
    assert f"SLURM-job '{first}' failed" in out
    assert "JobState=FAILED" in slurm.job(first) and "JobState=COMPLETED" in slurm.job(second)
    assert (work / "first_attempt_failed").exists()


def test_resource_gpu_is_a_slurm_gpu(runs, slurm):
    """`gpu: 1` -> sbatch --gpus=1: the job is scheduled with one of the node's GPUs."""
    work, rc, out = runs["flaky"]
    assert rc == 0, out[-3000:]
    assert "TresPerJob=gres:gpu:1" in slurm.job(submitted_jobids(out)[-1])
    assert (work / "done.txt").read_text().strip() in {"0", "1"}  # CUDA_VISIBLE_DEVICES set by SLURM
