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
import pytest
import yaml

from conftest import REPO, make_workdir, quick_config, snakemake
from implicitbias.pipeline import config as ibconfig


def _tables(work: Path) -> dict[str, pd.DataFrame]:
    return {p.parent.name: pd.read_parquet(p) for p in sorted((work / "results").glob("*/table.parquet"))}


@pytest.fixture(scope="module")
def interrupted_run(tmp_path_factory):
    """A fresh quick run: a second snakemake tries to start while it trains, then the
    first is killed with SIGKILL mid-training, unlocked and rerun to completion."""
    work = make_workdir(tmp_path_factory.mktemp("killed"))
    cmd = [sys.executable, "-m", "snakemake", "--cores", "2"]
    first = subprocess.Popen(cmd, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    batches = work / "results" / "pseudo_inverse" / "batches"
    deadline = time.monotonic() + 240
    while not list(batches.glob("*.parquet")) and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.05)
    assert first.poll() is None, "the run finished before it could be interrupted"
    # the finished tables (written atomically by the first run, never touched again by it)
    record = {"before": {p: p.read_bytes() for p in (work / "results").rglob("*.parquet")}}
    record["second"] = snakemake(work)  # must refuse: the directory is locked
    record["after_second"] = {p: p.read_bytes() for p in record["before"] if p.exists()}
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    record["tables_at_kill"] = sorted(p.name for p in batches.glob("*.parquet"))
    record["unlock"] = snakemake(work, "--unlock")
    record["rerun"] = snakemake(work)
    record["work"] = work
    return record


def test_second_snakemake_gets_a_lock_message_and_changes_nothing(interrupted_run):
    second = interrupted_run["second"]
    assert second.returncode != 0
    assert "cannot be locked" in second.stdout + second.stderr
    # every table that existed when the second snakemake started is still there, unchanged
    assert interrupted_run["after_second"] == interrupted_run["before"]


def test_rerun_after_sigkill_completes_with_identical_tables(interrupted_run, quick_run):
    assert interrupted_run["tables_at_kill"], "killed before any table was written"
    assert interrupted_run["unlock"].returncode == 0
    rerun = interrupted_run["rerun"]
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    work = interrupted_run["work"]
    # determinism: a fresh directory, interrupted or not, gives bitwise identical tables
    mine, reference = _tables(work), _tables(quick_run)
    assert mine.keys() == reference.keys()
    for name in mine:
        pd.testing.assert_frame_equal(mine[name], reference[name], check_exact=True)
    claims = pd.read_csv(work / "results" / "claims.csv")
    pd.testing.assert_frame_equal(claims, pd.read_csv(quick_run / "results" / "claims.csv"), check_exact=True)


def test_no_half_written_table_is_ever_read(interrupted_run):
    for path in (interrupted_run["work"] / "results").rglob("*.parquet"):
        with open(path, "rb") as fh:
            assert fh.read(4) == b"PAR1"


def _tree(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``root``: its bytes and modification time."""
    return {str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}


def test_truncated_table_is_detected_and_rebuilt(quick_run, tmp_path):
    work = make_workdir(tmp_path / "w")
    for name in ("results", ".snakemake"):
        shutil.copytree(quick_run / name, work / name, symlinks=True)
    victim = work / "results" / "pseudo_inverse" / "batches" / "linear_z.parquet"
    data = victim.read_bytes()
    victim.write_bytes(data[: len(data) // 2])  # newer than everything, and broken
    before = _tree(work / "results")
    dry = snakemake(work, "-n")
    assert dry.returncode == 0, dry.stderr[-3000:]
    assert "this dry run, which changes nothing" in dry.stdout + dry.stderr
    assert _tree(work / "results") == before  # a dry run renames and deletes nothing
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
    assert not claims["pass"].all()  # claims about missing cells fail; none is hidden
    assert re.search(r"claims: \d+/\d+ passed", done.stdout + done.stderr)


@pytest.mark.parametrize(
    "axis, value",
    [("model", "../../etc"), ("model", "/tmp/abs"), ("optimizer", "gd/../x"), ("loss", "..")],
)
def test_names_cannot_escape_results(axis, value, tmp_path):
    config = copy.deepcopy(quick_config())
    config["experiments"]["pseudo_inverse"]["grid"][axis] = [value]
    work = make_workdir(tmp_path / "w", config)
    done = snakemake(work, "-n")
    assert done.returncode != 0
    assert f"grid.{axis}" in done.stdout + done.stderr
    with pytest.raises(ibconfig.ConfigError):
        ibconfig.plan(config)  # the package refuses it too, without the schema


@pytest.mark.parametrize("name", ["../escape", "/abs/path"])
def test_experiment_names_cannot_escape_results(name, tmp_path):
    config = copy.deepcopy(quick_config())
    config["experiments"] = {name: config["experiments"]["pseudo_inverse"]}
    work = make_workdir(tmp_path / "w", config)
    done = snakemake(work, "-n")
    assert done.returncode != 0 and "experiments" in done.stdout + done.stderr
    assert not (tmp_path / "escape").exists()


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
