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


def snakemake(workdir: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run snakemake in ``workdir`` with 2 cores; returns the completed process."""
    cmd = [sys.executable, "-m", "snakemake", "--cores", "2", *args]
    return subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=timeout)


def quick_config() -> dict:
    return yaml.safe_load(QUICK.read_text())


@pytest.fixture(scope="session")
def quick_run(tmp_path_factory) -> Path:
    """The quick config run once end to end; tests read its results."""
    work = make_workdir(tmp_path_factory.mktemp("quick"))
    done = snakemake(work)
    (work / "snakemake.out").write_text(done.stdout + done.stderr)
    assert done.returncode == 0, done.stderr[-4000:]
    return work
