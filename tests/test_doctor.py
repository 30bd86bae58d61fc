"""The cluster checks' own logic on what SLURM's client commands print (the
checks against a running cluster are in tests/test_cluster.py)."""

from __future__ import annotations

import subprocess
import sys

from conftest import make_workdir

from implicitbias.pipeline import doctor
from implicitbias.pipeline.doctor import Request

# `sinfo --noheader --Node --format=%N|%P|%c|%m|%G` on a cluster with a default CPU
# partition and a GPU partition (one node in both)
SINFO = """\
cpu01|main*|2|3900|(null)
cpu02|main*|4|7800|(null)
gpu01|gpu|32|512000|gpu:a100:4(S:0-1)
gpu01|main*|32|512000|gpu:a100:4(S:0-1)
"""


def test_sinfo_is_read_per_node_and_partition():
    nodes = doctor.parse_sinfo(SINFO)
    assert [(n.name, n.partition, n.default, n.cpus, n.mem_mb, n.gpus) for n in nodes] == [
        ("cpu01", "main", True, 2, 3900, 0),
        ("cpu02", "main", True, 4, 7800, 0),
        ("gpu01", "gpu", False, 32, 512000, 4),
        ("gpu01", "main", True, 32, 512000, 4),
    ]
    assert doctor.gpu_count("gpu:a100:2,gpu:1,license:3") == 3 and doctor.gpu_count("gpu:4") == 4


def test_a_job_that_fits_no_node_of_its_partition_names_the_setting_to_change():
    nodes = doctor.parse_sinfo("\n".join(SINFO.splitlines()[:2]) + "\n" + SINFO.splitlines()[2])  # main: 2 and 4 CPUs
    group = Request("a group of 6 train jobs", cpus=6, mem_mb=8000, gpus=0)
    found = doctor.fit_problems([group, Request("a reference job", 1, 2000, 0)], nodes)
    assert len(found) == 2, found  # one line per resource, for the largest request
    assert "asks for 6 CPUs, but the nodes of partition 'main' have at most 4" in found[0] and "`cores:`" in found[0]
    assert "8000 MB of memory" in found[1] and "at most 7800" in found[1] and "`mem_mb=`" in found[1]
    assert doctor.fit_problems([Request("g", 32, 8000, 4, partition="gpu"), Request("r", 4, 7800, 0)], nodes) == []
    (line,) = doctor.fit_problems([Request("a group of 2 train jobs", 4, 8000, 0)], doctor.parse_sinfo("a|main*|4|3900|(null)\nb|main*|2|8000|(null)"))
    assert line.startswith("a group of 2 train jobs asks for 4 CPUs, 8000 MB") and "no node" in line


def test_partitions_must_exist_or_have_a_default_and_gpus_need_a_gpu_partition():
    nodes = doctor.parse_sinfo(SINFO)
    assert doctor.fit_problems([Request("g", 1, 1, 0, partition="short")], nodes) == [
        "partition 'short' does not exist (partitions: gpu, main*): set `slurm_partition` in "
        "profiles/slurm/config.yaml (or --set-resources) to one of them"
    ]
    no_default = doctor.parse_sinfo(SINFO.replace("*", ""))
    assert "no default partition" in doctor.fit_problems([Request("g", 1, 1, 0)], no_default)[0]
    cpu_only = doctor.parse_sinfo(SINFO.splitlines()[0])
    (line,) = doctor.fit_problems([Request("a group of 2 train jobs", 2, 3000, 1)], cpu_only)
    assert "asks for 1 GPUs" in line and "a partition with GPUs, or `device: cpu`" in line


def test_scontrol_values_and_the_squeue_memory_rule():
    config = "MinJobAge               = 300 sec\nAccountingStorageType   = accounting_storage/none\n"
    assert doctor.seconds(doctor.config_value(config, "MinJobAge")) == 300
    assert doctor.config_value(config, "AccountingStorageType") == "accounting_storage/none"
    assert doctor.seconds("1h") == 3600 and doctor.seconds(None) is None
    assert doctor.account_problems([Request("g", 1, 1, 0, account="x")], config) == []  # no accounting: no accounts


GROUP_FAILED = """\
[Wed Dec  2 02:55:12 2026]
    message: Error in group train
    jobs:
        rule train:
            jobid: 4
            output: results/a/batches/x.parquet, results/a/batches/x.provenance.json
            log: {log} (check log file(s) for error details)
    [Wed Dec  2 02:55:12 2026]
    Error in rule train:
        message: None
"""


def test_a_group_whose_jobs_wrote_no_log_gets_the_sbatch_hint(tmp_path):
    log = tmp_path / "x.log"
    text = GROUP_FAILED.format(log=log)
    log.write_text("")  # Snakemake creates the job logs before submitting
    assert "SLURM's sbatch refused it" in doctor.failure_hint(text)
    log.write_text("Traceback ...\n")  # the job ran and failed: its log says why
    assert doctor.failure_hint(text) is None
    assert doctor.failure_hint("Error in rule train:\n    message: None\n") is None


def test_the_command_says_when_a_run_is_not_a_slurm_run(tmp_path):
    work = make_workdir(tmp_path / "w")
    done = subprocess.run(
        [sys.executable, "-m", "implicitbias.pipeline.doctor"], cwd=work, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "cluster check: this run does not use the slurm executor (add --workflow-profile profiles/slurm)"
    ), done.stderr[-2000:]
    assert not (work / "results").exists()


def test_messages_name_the_profile_the_command_uses():
    assert doctor.profile_file(["snakemake", "--workflow-profile", "profiles/mycluster/"]) == "profiles/mycluster/config.yaml"
    assert doctor.profile_file(["snakemake", "--workflow-profile=p"]) == "p/config.yaml"
    assert doctor.profile_file(["snakemake"]) == "profiles/slurm/config.yaml"
    nodes = doctor.parse_sinfo("a|main*|2|3900|(null)")
    (line,) = doctor.fit_problems([Request("g", 4, 100, 0)], nodes, "profiles/mycluster/config.yaml")
    assert "set `cores:` in profiles/mycluster/config.yaml" in line
