"""Interruption, concurrency, determinism, divergence and security: nothing lost."""

from __future__ import annotations

import copy
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from conftest import REPO, check_config, make_workdir, quick_config, snakemake, snakemake_command
from implicitbias.pipeline import config as ibconfig


def _tables(work: Path) -> dict[str, pd.DataFrame]:
    return {p.parent.name: pd.read_parquet(p) for p in sorted((work / "results").glob("*/table.parquet"))}


# The family the interruption tests run: two training batches of unequal length
# (label_noise/product and label_noise/quadratic, ~3 s and ~16 s on one core here),
# so that when the first table appears the other batch is still training.
KILLED = "label_noise"


def _read_parquet_fully(path: Path) -> str:
    """'' if ``path`` is a complete Parquet file (its footer and every row group read), else why not."""
    try:
        pq.read_metadata(path)
        pq.read_table(path)
    except Exception as err:  # noqa: BLE001 - any failure to read is the finding
        return f"{type(err).__name__}: {err}"
    return ""


@pytest.fixture(scope="module")
def interrupted_run(tmp_path_factory):
    """One family of the quick config run by a plain ``snakemake``; once its first
    batch table is written, a second ``snakemake`` tries to start, then the first is
    killed with SIGKILL while the other batch trains, unlocked and rerun to completion.
    Every file is inspected at each stage, before the next one changes anything."""
    config = quick_config()
    config["experiments"] = {KILLED: config["experiments"][KILLED]}
    work = make_workdir(tmp_path_factory.mktemp("killed"), config)
    planned = [work / "results" / KILLED / "batches" / f"{b}.parquet" for b in ibconfig.plan(config)[KILLED]]
    first = subprocess.Popen(
        snakemake_command(), cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + 240
    while not any(p.exists() for p in planned) and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.05)
    record = {"work": work, "planned": planned, "running_at_second": first.poll() is None}
    # the finished tables (written atomically by the first run, never touched again by it)
    record["before"] = {p: p.read_bytes() for p in (work / "results").rglob("*.parquet")}
    record["second"] = snakemake(work)  # must refuse: the directory is locked
    record["after_second"] = {p: p.read_bytes() for p in record["before"] if p.exists()}
    os.killpg(first.pid, signal.SIGKILL)
    record["first_returncode"] = first.wait()  # -SIGKILL only if it was still running
    at_kill = sorted((work / "results").rglob("*.parquet"))
    record["unreadable_at_kill"] = {p: why for p in at_kill if (why := _read_parquet_fully(p))}
    record["at_kill"] = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in at_kill}
    record["missing_at_kill"] = [p for p in planned if not p.exists()]
    record["unlock"] = snakemake(work, "--unlock")
    record["rerun"] = snakemake(work)
    return record


def test_the_killed_run_was_still_training(interrupted_run):
    assert interrupted_run["running_at_second"], "the run finished before it could be interrupted"
    assert interrupted_run["first_returncode"] == -signal.SIGKILL  # it was running when killed
    planned, missing = interrupted_run["planned"], interrupted_run["missing_at_kill"]
    assert missing, "every batch had finished: nothing was interrupted"
    assert len(missing) < len(planned), "killed before any table was written"


def test_second_snakemake_gets_a_lock_message_and_changes_nothing(interrupted_run):
    second = interrupted_run["second"]
    assert second.returncode != 0
    assert "cannot be locked" in second.stdout + second.stderr
    # every table that existed when the second snakemake started is still there, unchanged
    assert interrupted_run["before"] and interrupted_run["after_second"] == interrupted_run["before"]


def test_every_table_present_at_kill_time_is_complete(interrupted_run):
    """Read before the rerun touches anything: a killed job leaves no half-written table
    (a truncated Parquet file starts with PAR1 too; reading its footer and rows fails)."""
    assert interrupted_run["at_kill"], "killed before any table was written"
    assert interrupted_run["unreadable_at_kill"] == {}


def test_rerun_after_sigkill_completes_with_identical_tables(interrupted_run, quick_run):
    assert interrupted_run["unlock"].returncode == 0
    rerun = interrupted_run["rerun"]
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    work = interrupted_run["work"]
    # the tables finished before the kill are kept as they were, not trained again
    for path, (data, mtime) in interrupted_run["at_kill"].items():
        assert (path.read_bytes(), path.stat().st_mtime_ns) == (data, mtime), path
    # determinism: interrupted or not, the family's table and claims are bitwise those of the quick run
    for name in ("table.parquet", "claims.csv"):
        read = pd.read_parquet if name.endswith(".parquet") else pd.read_csv
        mine, reference = read(work / "results" / KILLED / name), read(quick_run / "results" / KILLED / name)
        pd.testing.assert_frame_equal(mine, reference, check_exact=True)


def test_truncated_table_is_detected_and_rebuilt(quick_run, tmp_path):
    work = make_workdir(tmp_path / "w")
    for name in ("results", ".snakemake"):
        shutil.copytree(quick_run / name, work / name, symlinks=True)
    victim = work / "results" / "pseudo_inverse" / "batches" / "linear_z.parquet"
    data = victim.read_bytes()
    victim.write_bytes(data[: len(data) // 2])  # newer than everything, and broken
    done = snakemake(work)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-3000:]
    assert "not a complete Parquet file" in out
    assert victim.read_bytes()[:4] == b"PAR1" and victim.read_bytes()[-4:] == b"PAR1"
    assert (victim.parent / (victim.name + ".corrupt")).read_bytes() == data[: len(data) // 2]  # kept
    assert (work / "results" / "figures" / "pseudo_inverse.png").exists()
    pd.testing.assert_frame_equal(_tables(work)["pseudo_inverse"], _tables(quick_run)["pseudo_inverse"], check_exact=True)


def test_a_batch_that_diverges_entirely_still_gives_table_claims_and_figure(tmp_path):
    config = copy.deepcopy(quick_config())
    block = config["experiments"]["pseudo_inverse"]
    block["grid"]["eta"] = [2.5, 3.0]
    block["include"], block["settings"]["steps"] = [], 2000
    config["experiments"] = {"pseudo_inverse": block}
    work = make_workdir(tmp_path / "w", config)
    done = snakemake(work)
    assert done.returncode == 0, done.stderr[-3000:]
    table = _tables(work)["pseudo_inverse"]
    assert (table.status == "diverged").all()
    assert (work / "results" / "figures" / "pseudo_inverse.png").stat().st_size > 0
    claims = pd.read_csv(work / "results" / "claims.csv")
    assert (claims[claims.relation != "info"]["pass"] == False).any()  # noqa: E712  claims about missing cells fail
    assert re.search(r"claims: \d+/\d+ checks pass, \d+ reported values", done.stdout + done.stderr)


@pytest.mark.parametrize(
    "axis, value",
    [("model", "../../etc"), ("model", "/tmp/abs"), ("optimizer", "gd/../x"), ("loss", "..")],
)
def test_names_cannot_escape_results(axis, value):
    config = copy.deepcopy(quick_config())
    config["experiments"]["pseudo_inverse"]["grid"][axis] = [value]
    with pytest.raises(ibconfig.ConfigError, match=rf"grid\.{axis}"):
        check_config(config)  # what the workflow runs before planning


@pytest.mark.parametrize("name", ["../escape", "/abs/path"])
def test_experiment_names_cannot_escape_results(name):
    config = copy.deepcopy(quick_config())
    config["experiments"] = {name: config["experiments"]["pseudo_inverse"]}
    with pytest.raises(ibconfig.ConfigError, match=r"config error at experiments: .* valid choices"):
        check_config(config)


def test_config_is_loaded_with_safe_yaml(tmp_path):
    work = make_workdir(tmp_path / "w")
    marker = tmp_path / "pwned"
    (work / "config.yaml").write_text(f'x: !!python/object/apply:os.system ["touch {marker}"]\n')
    done = snakemake(work, "-n")
    assert done.returncode != 0
    assert not marker.exists()
    with pytest.raises(yaml.YAMLError):
        ibconfig.load(work / "config.yaml")
    assert not marker.exists()


def test_no_shell_eval_exec_or_unsafe_torch_load_in_the_code():
    sources = list((REPO / "src").rglob("*.py")) + list((REPO / "scripts").glob("*.py"))
    rules = list((REPO / "workflow" / "rules").glob("*.smk")) + [REPO / "Snakefile"]
    for path in sources + rules:
        text = path.read_text()
        assert not re.search(r"\b(eval|exec)\(", text), path
        assert "shell=True" not in text and "os.system" not in text, path
        for call in re.findall(r"torch\.load\([^)]*\)", text):
            assert "weights_only=True" in call, (path, call)
    for path in rules:
        assert not re.search(r"^\s*shell:", path.read_text(), re.M), path
