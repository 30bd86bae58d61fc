"""Shared helpers: a throw-away copy of the workflow, and running snakemake in it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
QUICK = REPO / "tests" / "quick_config.yaml"
WORKFLOW_FILES = ("Snakefile", "workflow", "scripts", "profiles", "environment.yml")


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


def snakemake(workdir: Path, *args: str, timeout: float = 300, **kwargs) -> subprocess.CompletedProcess:
    """Run ``snakemake args`` in ``workdir``; returns the completed process."""
    return subprocess.run(
        snakemake_command(*args), cwd=workdir, capture_output=True, text=True, timeout=timeout, **kwargs
    )


def quick_config() -> dict:
    return yaml.safe_load(QUICK.read_text())


SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"


def check_config(config: dict) -> dict:
    """What ``workflow/rules/common.smk`` runs on a config before Snakemake plans a job, in
    this process: the schema (composed with every experiment's contract, filling in the
    defaults) and the plan's checks.  Returns the plan; a bad config raises
    ``ConfigError`` whose message is the one line common.smk exits with."""
    from implicitbias.pipeline import config as ibconfig

    return ibconfig.plan(config, SCHEMA)


@pytest.fixture(scope="session")
def quick_run(tmp_path_factory) -> Path:
    """The quick config run once end to end; tests read its results."""
    work = make_workdir(tmp_path_factory.mktemp("quick"))
    done = snakemake(work)
    (work / "snakemake.out").write_text(done.stdout + done.stderr)
    assert done.returncode == 0, done.stderr[-4000:]
    return work


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
