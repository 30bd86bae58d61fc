"""The workflow on a real one-node SLURM cluster started on localhost (tests/slurm_harness.py).

Every run types the README's cluster command, ``snakemake --workflow-profile
profiles/slurm``, plus the two settings the README names for a cluster
without an accounting database, which this test cluster is: job status from
squeue (its MinJobAge keeps finished jobs listed for 300 s) and an earlier
first status check.  The node has 2 CPUs, like the issue's: the profile's
groups must fit it as shipped.  The runs start together and their waits
overlap.  If SLURM cannot start, these tests fail; they never skip.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import REPO, make_workdir, quick_config
from slurm_harness import LocalSlurm, submitted_jobids

from implicitbias.pipeline import config as ibconfig

pytestmark = pytest.mark.cluster

README_COMMAND = ("snakemake", "--workflow-profile", "profiles/slurm")
# the README's settings for clusters without accounting (the test cluster has none)
NO_ACCOUNTING = ("--slurm-status-command", "squeue", "--slurm-init-seconds-before-status-checks", "5")
TIMEOUT = 600  # a hung status loop must not hang the suite
FINAL = re.compile(r"JobState=(COMPLETED|FAILED|CANCELLED|TIMEOUT|OUT_OF_MEMORY|NODE_FAIL)")
CHECK_TIMEOUT = 120  # a run stopped by the cluster check ends long before this
REDUCED_REGIMES = REPO / "tests" / "regimes_reduced.yaml"
FAMILIES = ("pseudo_inverse", "max_margin")  # 6 training batches (groups of 4 and 2) and one reference job

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


@dataclass
class Run:
    work: Path
    rc: int | str  # exit code, or why it was killed
    out: str  # stdout and stderr
    jobs: dict[str, str]  # SLURM job id -> `scontrol show job` when the run ended
    seconds: float  # from the start of all runs to this one's end


def command(*extra: str) -> list[str]:
    """The README's cluster command run by this Python, then ``extra``."""
    return [sys.executable, "-m", *README_COMMAND, *extra]


def small_config() -> dict:
    config = quick_config()
    config["experiments"] = {name: config["experiments"][name] for name in FAMILIES}
    return config


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
def runs(slurm, scratch) -> dict[str, Run]:
    """Snakemake runs started together, by name.

    small: FAMILIES through the README's command.  local: the same config with
    the laptop command (`snakemake`).  gpu: one training batch with device:
    cuda and gpu_model: fake.  flaky: a one-rule workflow whose GPU job fails
    once.  too_small: a profile written for 4-CPU, 8 GB nodes.  no_accounting:
    the README's command without the squeue setting.  refused: training jobs
    asking for a node feature the cluster lacks (sbatch refuses the group).
    regimes: the reduced regime-map sweep (tests/regimes_reduced.yaml), given
    with --configfile as the README's regime-map command does.
    """
    experiment, batch = _first_batch()
    flaky = scratch / "flaky"
    flaky.mkdir()
    shutil.copytree(REPO / "profiles", flaky / "profiles")
    (flaky / "Snakefile").write_text(FLAKY)
    too_small = make_workdir(scratch / "too_small", small_config())
    profile = too_small / "profiles" / "slurm" / "config.yaml"
    text = profile.read_text()
    assert re.search(r"^cores: 2 ", text, re.MULTILINE) and "  - mem_mb=4000 " in text
    profile.write_text(re.sub(r"^cores: 2 ", "cores: 4 ", text, flags=re.MULTILINE).replace("  - mem_mb=4000 ", "  - mem_mb=8000 "))
    refused_config = small_config()
    refused_config["experiments"] = {"pseudo_inverse": refused_config["experiments"]["pseudo_inverse"]}
    regimes = make_workdir(scratch / "regimes")
    shutil.copy2(REDUCED_REGIMES, regimes / "regimes.yaml")
    plan = {
        "regimes": (regimes, command(*NO_ACCOUNTING, "--configfile", "regimes.yaml"), TIMEOUT),
        "small": (make_workdir(scratch / "small", small_config()), command(*NO_ACCOUNTING), TIMEOUT),
        "local": (make_workdir(scratch / "local", small_config()), [sys.executable, "-m", "snakemake"], TIMEOUT),
        "gpu": (
            make_workdir(scratch / "gpu", {**quick_config(), "device": "cuda"}),
            command(*NO_ACCOUNTING, f"results/{experiment}/batches/{batch}.parquet", "--set-resources", "train:gpu_model=fake"),
            TIMEOUT,
        ),
        "flaky": (flaky, command(*NO_ACCOUNTING), TIMEOUT),
        "too_small": (too_small, command(*NO_ACCOUNTING), CHECK_TIMEOUT),
        "no_accounting": (make_workdir(scratch / "no_accounting", small_config()), command(), CHECK_TIMEOUT),
        "refused": (
            make_workdir(scratch / "refused", refused_config),
            command(*NO_ACCOUNTING, "--set-resources", "train:constraint=nosuchfeature"),
            TIMEOUT,
        ),
    }
    procs, started = {}, time.monotonic()
    for name, (work, cmd, _) in plan.items():
        with open(work / "snakemake.out", "w") as out:
            procs[name] = subprocess.Popen(cmd, cwd=work, stdout=out, stderr=subprocess.STDOUT, env=slurm.env())
    results, jobs = {}, {}
    while procs:  # SLURM forgets a job MinJobAge (300 s) after it ends: record each while it is known
        for name, proc in list(procs.items()):
            work, _, timeout = plan[name]
            rc = proc.poll()
            if rc is None and time.monotonic() - started > timeout:
                proc.kill()
                proc.wait()
                rc = f"killed after {timeout} s"  # hung
            out = (work / "snakemake.out").read_text()
            for j in submitted_jobids(out):
                if not FINAL.search(jobs.get(j, "")):
                    jobs[j] = slurm.job(j) or jobs.get(j, "")
            if rc is not None:
                results[name] = Run(work, rc, out, {j: jobs[j] for j in submitted_jobids(out)}, time.monotonic() - started)
                del procs[name]
        time.sleep(1)
    print({name: f"{run.seconds:.0f} s" for name, run in results.items()})  # shown with -s
    return results


def test_the_command_is_the_readmes():
    readme = (REPO / "README.md").read_text()
    assert "\n" + " ".join(README_COMMAND) + "\n" in readme
    for setting in (" ".join(NO_ACCOUNTING[:2]), " ".join(NO_ACCOUNTING[2:])):
        assert f"`{setting}`" in readme, setting


def test_small_config_runs_through_slurm_in_groups_that_fit_and_every_claim_passes(runs, slurm):
    run = runs["small"]
    assert run.rc == 0, run.out[-4000:] + slurm.logs()
    jobids = submitted_jobids(run.out)
    assert jobids, "no job went through SLURM"
    infos = [run.jobs[j] for j in jobids]
    for job in infos:
        assert "JobState=COMPLETED" in job
        # only the compute rules are cluster jobs; the rest are localrules (Snakefile)
        assert re.search(r"Comment=rule_(train|reference)_", job), job
        assert int(re.search(r"NumCPUs=(\d+)", job).group(1)) <= 2  # the node's CPUs
    n_batches = sum(len(b) for b in ibconfig.plan(small_config()).values())
    assert len(jobids) - 1 < n_batches  # training batches are bundled into group jobs (+1: the reference job)
    assert any("NumCPUs=2" in job and "Comment=rule_train_train" in job for job in infos)  # a group ran 2 at a time
    claims = pd.read_csv(run.work / "results" / "claims.csv")
    assert len(claims) > 0 and claims["pass"].all(), claims[~claims["pass"]].to_string()
    assert set(claims.experiment) == set(FAMILIES)


def test_cluster_tables_and_claims_are_identical_to_a_local_run(runs):
    run, local_run = runs["small"], runs["local"]
    assert run.rc == 0 and local_run.rc == 0, run.out[-3000:] + local_run.out[-3000:]
    work, local = run.work, local_run.work
    for name in FAMILIES:
        pd.testing.assert_frame_equal(
            pd.read_parquet(work / "results" / name / "table.parquet"),
            pd.read_parquet(local / "results" / name / "table.parquet"),
            check_exact=True,
        )
    assert (work / "results" / "claims.csv").read_bytes() == (local / "results" / "claims.csv").read_bytes()


def test_a_node_too_small_for_the_group_stops_before_any_submission_with_one_line(runs):
    rc, out = runs["too_small"].rc, runs["too_small"].out
    assert rc == 1, out[-3000:]
    assert not submitted_jobids(out) and "message: None" not in out
    lines = [ln for ln in out.splitlines() if ln.startswith("cluster check:")]
    assert lines and lines == out.strip().splitlines()[-len(lines) :], out[-2000:]  # it ends with the check
    assert "asks for 4 CPUs, but the nodes of partition 'debug' have at most 2" in lines[0]
    assert "set `cores:` in profiles/slurm/config.yaml" in lines[0]


def test_no_accounting_with_the_sacct_status_command_stops_with_one_line(runs):
    rc, out = runs["no_accounting"].rc, runs["no_accounting"].out
    assert rc == 1, out[-3000:]
    assert not submitted_jobids(out) and "message: None" not in out
    last = out.strip().splitlines()
    checks = [ln for ln in last if ln.startswith("cluster check:")]
    assert checks and checks == last[-len(checks) :], out[-2000:]
    assert "`sacct` does not answer" in checks[0] and "--slurm-status-command squeue" in checks[0]


def test_a_group_that_sbatch_refuses_ends_with_a_hint_naming_sbatch(runs):
    rc, out = runs["refused"].rc, runs["refused"].out
    assert rc == 1, out[-3000:]
    assert not submitted_jobids(out)  # sbatch refused every attempt
    assert "Error in group" in out
    assert "SLURM's sbatch refused it" in out and "--test-only" in out


def test_gpu_model_training_job_gets_that_gpu_from_slurm_and_fails_clearly_without_cuda(runs):
    """device: cuda with gpu_model -> the training job asks SLURM for
    --gpus=<model>:1 and is scheduled with that GPU; torch sees no CUDA on the
    fake GPU, so the job fails (on every attempt) with the clear message of
    implicitbias.pipeline.device.resolve instead of running on the CPU."""
    work, rc, out, jobs = runs["gpu"].work, runs["gpu"].rc, runs["gpu"].out, runs["gpu"].jobs
    assert rc == 1, out[-3000:]
    failed = [j for j, info in jobs.items() if "JobState=FAILED" in info]
    retries = yaml.safe_load((REPO / "profiles" / "slurm" / "config.yaml").read_text())["retries"]
    assert len(failed) == len(jobs) == 1 + retries, out[-3000:]
    for j in failed:
        assert "TresPerJob=gres:gpu:fake:1" in jobs[j], jobs[j]
    experiment, batch = _first_batch()
    log = (work / "results" / "logs" / "train" / experiment / f"{batch}.log").read_text()
    # SLURM set CUDA_VISIBLE_DEVICES to the fake GPU it allocated (either of the node's two)
    assert re.search(r"device: cuda was requested but torch sees no CUDA GPU \(CUDA_VISIBLE_DEVICES=[01],", log), log


def test_a_job_that_fails_once_succeeds_on_retry(runs):
    run = runs["flaky"]
    assert run.rc == 0, run.out[-3000:]
    first, second = submitted_jobids(run.out)
    assert f"SLURM-job '{first}' failed" in run.out
    assert "JobState=FAILED" in run.jobs[first] and "JobState=COMPLETED" in run.jobs[second]
    assert (run.work / "first_attempt_failed").exists()


def test_resource_gpu_is_a_slurm_gpu(runs):
    """`gpu: 1` -> sbatch --gpus=1: the job is scheduled with one of the node's GPUs."""
    run = runs["flaky"]
    assert run.rc == 0, run.out[-3000:]
    assert "TresPerJob=gres:gpu:1" in run.jobs[submitted_jobids(run.out)[-1]]
    assert (run.work / "done.txt").read_text().strip() in {"0", "1"}  # CUDA_VISIBLE_DEVICES set by SLURM


def test_a_regime_sweep_goes_to_slurm_in_chunks_not_cells_nor_one_job(runs):
    """The reduced regime maps through SLURM: one training job per chunk, bundled four
    to a SLURM job; no experiment in one job, no job per cell; every claim passes."""
    run = runs["regimes"]
    assert run.rc == 0, run.out[-4000:]
    config = ibconfig.load(REDUCED_REGIMES)
    plan = ibconfig.plan(config)
    for experiment, chunks in plan.items():
        budget = {**config["chunk"], **(config["experiments"][experiment].get("chunk") or {})}
        cells = sum(len(c) for c in chunks.values())
        assert all(len(c) <= budget["cells"] for c in chunks.values())
        if cells > budget["cells"]:
            assert len(chunks) >= 2, experiment  # the sweep is spread over jobs
    n_chunks = sum(len(c) for c in plan.values())
    n_cells = sum(len(c) for chunks in plan.values() for c in chunks.values())
    infos = [run.jobs[j] for j in submitted_jobids(run.out)]
    assert all("JobState=COMPLETED" in info for info in infos)
    training = [info for info in infos if "Comment=rule_train" in info]
    group = yaml.safe_load((REPO / "profiles" / "slurm" / "config.yaml").read_text())["group-components"]
    per_job = int(group[0].split("=")[1])
    assert -(-n_chunks // per_job) <= len(training) < n_chunks  # bundled, at most `per_job` chunks each
    assert n_cells / len(infos) >= 20  # never a SLURM job per cell (or per handful of cells)
    claims = pd.read_csv(run.work / "results" / "claims.csv")
    assert set(claims.experiment) == set(plan)
    checks = claims[claims.relation != "info"]
    assert len(checks) > 0 and checks["pass"].astype(bool).all(), checks[checks["pass"] != True].to_string()  # noqa: E712
