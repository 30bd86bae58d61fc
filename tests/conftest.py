"""Shared helpers: a throw-away copy of the workflow, and running snakemake in it."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
QUICK = REPO / "tests" / "quick_config.yaml"
REGIMES = REPO / "tests" / "regimes_reduced.yaml"  # the regime maps of config/regimes.yaml, on a few hundred cells
WORKFLOW_FILES = ("Snakefile", "workflow", "scripts", "profiles", "environment.yml")
# How long a snakemake started by a test may take before the test gives up: a guard
# against a hung run on a loaded machine, never a measure of speed.
HANG_GUARD = 1800


def make_workdir(where: Path, config: dict | str | Path = QUICK) -> Path:
    """Copy the workflow to ``where`` with ``config`` as its config.yaml."""
    where.mkdir(parents=True, exist_ok=True)
    for name in WORKFLOW_FILES:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, where / name, dirs_exist_ok=True)
        else:
            shutil.copy2(src, where / name)
    if isinstance(config, dict):
        (where / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    else:
        shutil.copy2(config, where / "config.yaml")
    return where


def snakemake_command(*args: str) -> list[str]:
    """The command a user types, ``snakemake`` followed by ``args``, run by this Python.

    No ``--cores``: like the README's plain ``snakemake``, it takes its settings
    from the workflow's ``profiles/default`` (copied by :func:`make_workdir`).
    """
    return [sys.executable, "-m", "snakemake", *args]


def snakemake(workdir: Path, *args: str, timeout: float = HANG_GUARD, **kwargs) -> subprocess.CompletedProcess:
    """Run ``snakemake args`` in ``workdir``; returns the completed process."""
    return subprocess.run(
        snakemake_command(*args), cwd=workdir, capture_output=True, text=True, timeout=timeout, **kwargs
    )


def quick_config() -> dict:
    return yaml.safe_load(QUICK.read_text())


def regimes_config() -> dict:
    return yaml.safe_load(REGIMES.read_text())


SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"


def check_config(config: dict) -> dict:
    """What ``workflow/rules/common.smk`` runs on a config before Snakemake plans a job, in
    this process: the schema (composed with every experiment's contract, filling in the
    defaults) and the plan's checks.  Returns the plan; a bad config raises
    ``ConfigError`` whose message is the one line common.smk exits with."""
    from implicitbias.pipeline import config as ibconfig

    return ibconfig.plan(config, SCHEMA)


def chunk_of(config: dict, experiment: str, model: str, results: str | Path | None = None) -> str:
    """The id of the one chunk (training job) that trains ``model``'s cells when ``config``
    is planned over ``results`` (by default none: a fresh run)."""
    from implicitbias.pipeline import config as ibconfig

    plan = ibconfig.plan(copy.deepcopy(config), SCHEMA, results)[experiment]
    (chunk,) = [c for c, cells in plan.items() if cells[0].model == model]
    return chunk


# ---------------------------------------------------------------- whole-workflow runs, started early
# Two runs of the quick config, the shipped seeds (shared by every test that reads its
# results) and every seed shifted by SEED_OFFSET, take most of the suite's time, much of
# it in single processes that leave a core idle.  Each starts in the background once the
# tests are collected, if a selected test needs it, and runs while the other tests do;
# its fixture waits for it.

# Fixed before any run and never tuned: the 1000th prime. Override with
# IMPLICITBIAS_SEED_OFFSET to try others; every check must hold for any seed list.
SEED_OFFSET = int(os.environ.get("IMPLICITBIAS_SEED_OFFSET", "7919"))


def shift_seeds(config: dict, offset: int) -> dict:
    """The config with every seed (grid, include and exclude entries) shifted by ``offset``."""
    config = copy.deepcopy(config)
    for block in config["experiments"].values():
        for entry in [block["grid"], *(block.get("include") or []), *(block.get("exclude") or [])]:
            if "seed" in entry:
                seeds = entry["seed"] if isinstance(entry["seed"], list) else [entry["seed"]]
                entry["seed"] = [s + offset for s in seeds]
    return config


RUNS = {  # fixture name -> its config
    "quick_run": quick_config,
    "shifted_run": lambda: shift_seeds(quick_config(), SEED_OFFSET),
    "regimes_run": regimes_config,
    "regimes_shifted_run": lambda: shift_seeds(regimes_config(), SEED_OFFSET),
}
# Runs of a second config, as the README runs config/regimes.yaml: the workflow's own
# config.yaml stays, and `snakemake --configfile <this path>` (holding the run's config) replaces it.
CONFIGFILE = {"regimes_run": "config/regimes.yaml", "regimes_shifted_run": "config/regimes.yaml"}
_started: dict[str, tuple[Path, subprocess.Popen]] = {}


def _start(config, name: str) -> tuple[Path, subprocess.Popen]:
    if name not in _started:
        args = ()
        if name in CONFIGFILE:
            work = make_workdir(config._tmp_path_factory.mktemp(name), REPO / "config.yaml")
            (work / CONFIGFILE[name]).parent.mkdir(parents=True, exist_ok=True)
            (work / CONFIGFILE[name]).write_text(yaml.safe_dump(RUNS[name](), sort_keys=False))
            args = ("--configfile", CONFIGFILE[name])
        else:
            work = make_workdir(config._tmp_path_factory.mktemp(name), RUNS[name]())
        with open(work / "snakemake.out", "w") as out:  # stdout and stderr, as a terminal shows them
            proc = subprocess.Popen(snakemake_command(*args), cwd=work, stdout=out, stderr=subprocess.STDOUT)
        _started[name] = (work, proc)
    return _started[name]


def pytest_collection_finish(session):
    if session.config.option.collectonly:
        return
    needed = {name for item in session.items for name in RUNS if name in getattr(item, "fixturenames", ())}
    for name in sorted(needed):
        _start(session.config, name)


def pytest_sessionfinish(session):
    for _, proc in _started.values():  # only runs this session started, and only if still running
        if proc.poll() is None:
            proc.terminate()
            proc.wait()


def _finished(request, name: str) -> Path:
    work, proc = _start(request.config, name)
    try:
        returncode = proc.wait(timeout=HANG_GUARD)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise
    assert returncode == 0, (work / "snakemake.out").read_text()[-4000:]
    return work


@pytest.fixture(scope="session")
def quick_run(request) -> Path:
    """The quick config run once end to end; tests read its results (and must not change them)."""
    return _finished(request, "quick_run")


@pytest.fixture(scope="session")
def shifted_run(request) -> Path:
    """The quick config run once with every seed shifted by SEED_OFFSET."""
    return _finished(request, "shifted_run")


@pytest.fixture(scope="session")
def regimes_run(request) -> Path:
    """The reduced regime maps (tests/regimes_reduced.yaml) run once end to end, by the README's
    command for the regime maps: ``snakemake --configfile config/regimes.yaml``."""
    return _finished(request, "regimes_run")


@pytest.fixture(scope="session")
def regimes_shifted_run(request) -> Path:
    """The reduced regime maps run once with every seed shifted by SEED_OFFSET."""
    return _finished(request, "regimes_shifted_run")


# ---------------------------------------------------------------- the cluster marker
# Tests that start a local SLURM cluster (tests/test_cluster.py, via tests/slurm_harness.py)
# need root and Debian's slurm and munge packages.  They carry the `cluster` marker
# (registered in pyproject.toml), which the default `python -m pytest` deselects
# (addopts `-m "not cluster"`); `python -m pytest -m "cluster or not cluster"`, the
# command of .ci/run, runs them too.
CLUSTER_MODULES = {"test_cluster.py"}
RUN_EVERYTHING = 'python -m pytest -m "cluster or not cluster"'


@pytest.hookimpl(tryfirst=True)  # before the mark plugin deselects by `-m`
def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.name in CLUSTER_MODULES:
            item.add_marker(pytest.mark.cluster)


def pytest_deselected(items):
    cluster = [item for item in items if item.get_closest_marker("cluster")]
    if cluster:
        _DESELECTED_CLUSTER.extend(cluster)


_DESELECTED_CLUSTER: list = []


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    n = len(_DESELECTED_CLUSTER)
    if n:
        terminalreporter.write_line(
            f"{n} cluster test(s) deselected (they start a local SLURM: root and the slurm/munge "
            f"packages, which .ci/run installs); run everything with: {RUN_EVERYTHING}"
        )
