"""Interruption, concurrency, determinism, divergence and security: nothing lost."""

from __future__ import annotations

import copy
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from conftest import REPO, check_config, chunk_of, make_workdir, quick_config, snakemake, snakemake_command
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


def _tree(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``root``: its bytes and modification time."""
    return {str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}


def test_truncated_table_is_detected_and_rebuilt(quick_run, tmp_path):
    work = make_workdir(tmp_path / "w")
    for name in ("results", ".snakemake"):
        shutil.copytree(quick_run / name, work / name, symlinks=True)
    victim = work / "results" / "pseudo_inverse" / "batches" / f"{chunk_of(quick_config(), 'pseudo_inverse', 'linear_z')}.parquet"
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
    mine, reference = _tables(work)["pseudo_inverse"], _tables(quick_run)["pseudo_inverse"]
    pd.testing.assert_frame_equal(mine, reference, check_exact=True)


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


# ---------------------------------------------------------------- a failed job: --keep-going, then partial=True


def _descends_from(pid: int, ancestor: int) -> bool:
    while pid > 1:
        if pid == ancestor:
            return True
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            return False
    return False


def _job_writing(log: Path, run: subprocess.Popen) -> int | None:
    """The process started by ``run`` (a snakemake) that has ``log`` open: that job's own process."""
    target = str(log.resolve())
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        try:
            if any(os.readlink(fd) == target for fd in fd_dir.iterdir()):
                pid = int(fd_dir.parent.name)
                if _descends_from(pid, run.pid):
                    return pid
        except OSError:
            continue  # the process ended while we looked
    return None


@pytest.fixture(scope="module")
def failed_job_run(tmp_path_factory):
    """Two families; one training job of pseudo_inverse is killed (SIGKILL, as the OOM killer
    would) while ``snakemake --keep-going`` runs; then ``snakemake --config partial=True``
    asks for that family's figure from the batch that exists."""
    config = quick_config()
    config["experiments"] = {name: config["experiments"][name] for name in ("pseudo_inverse", "adaptive_geometry")}
    # pseudo_inverse cut to its two batches (models linear and linear_z) and fewer steps: the
    # killed job is found by the log it holds open from its start, so its length does not matter
    block = config["experiments"]["pseudo_inverse"]
    block["grid"]["eta"], block["include"] = [1.0], [{"model": "linear_z", "eta": 1.0}]
    block["settings"]["steps"] = 500
    work = make_workdir(tmp_path_factory.mktemp("keepgoing"), config)
    victim, other = (chunk_of(config, "pseudo_inverse", m) for m in ("linear", "linear_z"))
    log = work / "results" / "logs" / "train" / "pseudo_inverse" / f"{victim}.log"
    with open(work / "keep-going.out", "w") as out:
        run = subprocess.Popen(snakemake_command("--keep-going"), cwd=work, stdout=out, stderr=subprocess.STDOUT)
        deadline, killed = time.monotonic() + 240, None
        while killed is None and run.poll() is None and time.monotonic() < deadline:
            if (pid := _job_writing(log, run)) is not None:
                os.kill(pid, signal.SIGKILL)
                killed = pid
            time.sleep(0.02)
        returncode = run.wait(timeout=300)
    record = {"work": work, "victim": victim, "other": other, "killed": killed, "returncode": returncode}
    record["keep_going"] = (work / "keep-going.out").read_text()
    record["files_after_keep_going"] = {str(p.relative_to(work)) for p in (work / "results").rglob("*") if p.is_file()}
    # the README's command for one family's partial figure and claims (the targets before
    # --config, which takes a list)
    targets = ("results/figures/pseudo_inverse.png", "results/pseudo_inverse/claims.csv")
    record["partial"] = snakemake(work, *targets, "--config", "partial=True")
    return record


def test_keep_going_builds_every_figure_whose_batches_succeed(failed_job_run):
    out = failed_job_run["keep_going"]
    assert failed_job_run["killed"] is not None, "the training job was never seen running"
    assert failed_job_run["returncode"] != 0  # a job failed: the run says so
    victim, other = failed_job_run["victim"], failed_job_run["other"]
    assert "Error in rule train" in out and f"batch={victim}" in out
    files = failed_job_run["files_after_keep_going"]
    # the other family, and the other batch of the same family, were still built
    assert {"results/figures/adaptive_geometry.png", "results/adaptive_geometry/claims.csv"} <= files
    assert f"results/pseudo_inverse/batches/{other}.parquet" in files
    # nothing that needs the killed batch was built
    assert not files & {f"results/pseudo_inverse/batches/{victim}.parquet", "results/figures/pseudo_inverse.png",
                        "results/pseudo_inverse/claims.csv", "results/claims.csv"}  # fmt: skip


def test_partial_draws_the_figure_from_the_batches_that_exist_and_fails_their_claims(failed_job_run):
    work, done = failed_job_run["work"], failed_job_run["partial"]
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    results = work / "results" / "pseudo_inverse"
    victim = failed_job_run["victim"]
    assert not (results / "batches" / f"{victim}.parquet").exists()  # not retrained: drawn without it
    table = pd.read_parquet(results / "table.parquet")
    assert set(table.model) == {"linear_z"}
    assert table.attrs["missing"] == [victim]  # what the figure job stamps on the figure
    assert (work / "results" / "figures" / "pseudo_inverse.png").stat().st_size > 0
    claims = pd.read_csv(results / "claims.csv")
    about_missing = claims[claims.claim.str.contains("GD from 0")]  # the linear model's cells
    assert len(about_missing) > 0 and not about_missing["pass"].any()  # failing rows, never hidden
