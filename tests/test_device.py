"""Device resolution (implicitbias.pipeline.device) and the one-GPU-per-job claim (implicitbias.pipeline.gpus)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap

import pytest
import torch

from conftest import make_workdir, quick_config, snakemake
from implicitbias.pipeline import config as ibconfig
from implicitbias.pipeline import device, gpus

# A process that claims one of `keys`, prints the index (or None), and holds it until stdin closes.
HOLDER = textwrap.dedent(
    """
    import sys
    from implicitbias.pipeline.gpus import claim
    print(claim(sys.argv[2].split(","), sys.argv[1]), flush=True)
    sys.stdin.read()
    """
)


def _holder(lock_dir, keys):
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(lock_dir), ",".join(keys)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    return proc, proc.stdout.readline().strip()


def _release(proc):
    proc.stdin.close()
    assert proc.wait(timeout=30) == 0


def test_concurrent_processes_get_distinct_gpus_and_a_freed_one_is_reused(tmp_path):
    keys = ["GPU-aaaa", "GPU-bbbb"]
    first, i = _holder(tmp_path, keys)
    second, j = _holder(tmp_path, keys)
    assert {i, j} == {"0", "1"}
    third, k = _holder(tmp_path, keys)
    assert k == "None"  # every GPU held: no silent sharing
    _release(third)
    _release(first)  # the kernel drops its lock when the process exits
    fourth, m = _holder(tmp_path, keys)
    assert m == i
    _release(second)
    _release(fourth)


def test_a_process_keeps_its_gpu_on_a_second_claim(tmp_path, monkeypatch):
    monkeypatch.setattr(gpus, "_held", {})
    keys = ["GPU-cccc", "GPU-dddd"]
    assert gpus.claim(keys, tmp_path) == 0
    assert gpus.claim(keys, tmp_path) == 0
    # another process sees GPU 0 taken and gets GPU 1
    other, j = _holder(tmp_path, keys)
    assert j == "1"
    _release(other)
    for fh in gpus._held.values():
        fh.close()


def test_the_same_physical_gpu_under_another_index_is_excluded(tmp_path):
    # job A sees (X, Y) and takes X; job B sees only X (as its index 0): nothing is free
    a, i = _holder(tmp_path, ["GPU-X", "GPU-Y"])
    b, j = _holder(tmp_path, ["GPU-X"])
    assert (i, j) == ("0", "None")
    _release(a)
    _release(b)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message shown where torch sees no GPU")
def test_cuda_without_a_visible_gpu_fails_with_a_clear_message(monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    with pytest.raises(RuntimeError, match=r"device: cuda was requested but torch sees no CUDA GPU.*CUDA_VISIBLE_DEVICES=0"):
        device.resolve("cuda")
    assert device.resolve("auto") == torch.device("cpu")
    assert device.resolve("cpu") == torch.device("cpu")


LAPTOP_WORKFLOW = """
rule all:
    input:
        expand("out/{i}.txt", i=range(4)),


rule job:
    output:
        "out/{i}.txt",
    resources:
        gpu=1,
    shell:
        "{PYTHON} {workflow.basedir}/claim_and_hold.py {output}"
"""

CLAIM_AND_HOLD = """
import sys, time
from implicitbias.pipeline.gpus import claim
start = time.time()
index = claim(["GPU-0", "GPU-1"], "locks")
time.sleep(1.5)
open(sys.argv[1], "w").write(f"{index} {start} {time.time()}")
"""


def test_snakemake_resources_gpu_with_claims_gives_each_running_job_its_own_gpu(tmp_path):
    """On one machine with 2 GPUs: `--resources gpu=2` bounds the concurrent GPU
    jobs, and each running job claims a GPU no other running job holds."""
    (tmp_path / "Snakefile").write_text(LAPTOP_WORKFLOW.replace("{PYTHON}", sys.executable))
    (tmp_path / "claim_and_hold.py").write_text(CLAIM_AND_HOLD)
    cmd = [sys.executable, "-m", "snakemake", "--cores", "4", "--resources", "gpu=2", "--workflow-profile", "none"]
    done = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    runs = [tuple(float(v) for v in (tmp_path / "out" / f"{i}.txt").read_text().split()) for i in range(4)]
    assert all(r[0] in (0.0, 1.0) for r in runs)
    for a in range(4):
        for b in range(a + 1, 4):
            overlap = runs[a][1] < runs[b][2] and runs[b][1] < runs[a][2]
            if overlap:
                assert runs[a][0] != runs[b][0], runs
    assert any(runs[a][1] < runs[b][2] and runs[b][1] < runs[a][2] for a in range(4) for b in range(a + 1, 4))


# ---------------------------------------------------------------- the project's train rule on a GPU


def _gpu_workdir(where, device_name):
    """The quick config's pseudo_inverse family (two training batches) with ``device: device_name``."""
    config = quick_config()
    config["device"] = device_name
    config["experiments"] = {"pseudo_inverse": config["experiments"]["pseudo_inverse"]}
    return make_workdir(where, config), sorted(ibconfig.plan(config)["pseudo_inverse"])


def _planned_train_resources(out: str) -> dict[str, str]:
    """batch -> the `resources:` line of its planned train job, from a dry run's output."""
    jobs = re.findall(r"^rule train:\n(.*?)(?=^\S|\Z)", out, re.M | re.S)
    return {re.search(r"batch=([\w.]+)", j).group(1): re.search(r"resources: (.*)", j).group(1) for j in jobs}


@pytest.mark.parametrize("device_name, gpus_per_job", [("cuda", 1), ("cpu", 0)])
def test_train_jobs_ask_for_a_gpu_exactly_when_the_device_is_cuda(tmp_path, device_name, gpus_per_job):
    """The README's `snakemake --resources gpu=N`: each training job of the project's own
    train rule declares gpu=1 under device: cuda (so N bounds the GPU jobs at once), 0 otherwise."""
    work, batches = _gpu_workdir(tmp_path / "w", device_name)
    done = snakemake(work, "-n", "--resources", "gpu=2")
    assert done.returncode == 0, done.stderr[-3000:]
    planned = _planned_train_resources(done.stdout + done.stderr)
    assert sorted(planned) == batches
    for batch, resources in planned.items():
        assert re.search(rf"\bgpu={gpus_per_job}\b", resources), (batch, resources)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message shown where torch sees no GPU")
def test_a_cuda_training_job_without_a_gpu_fails_with_the_clear_message(tmp_path):
    work, batches = _gpu_workdir(tmp_path / "w", "cuda")
    target = f"results/pseudo_inverse/batches/{batches[0]}.parquet"
    done = snakemake(work, target, "--resources", "gpu=2")  # the target first: --resources takes a list
    out = done.stdout + done.stderr
    assert done.returncode != 0
    log = (work / "results" / "logs" / "train" / "pseudo_inverse" / f"{batches[0]}.log").read_text()
    message = "device: cuda was requested but torch sees no CUDA GPU"
    assert message in log and message in out  # in the job's log, and shown at the end of the run
    assert "A job failed: its log is named in the error above" in out
    assert not (work / target).exists()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU that torch sees")
def test_a_cuda_training_job_runs_on_the_gpu(tmp_path):
    work, batches = _gpu_workdir(tmp_path / "w", "cuda")
    target = f"results/pseudo_inverse/batches/{batches[0]}.parquet"
    done = snakemake(work, target, "--resources", "gpu=1")
    assert done.returncode == 0, done.stderr[-3000:]
    record = json.loads((work / target.replace(".parquet", ".provenance.json")).read_text())
    assert record["device"].startswith("cuda"), record["device"]
