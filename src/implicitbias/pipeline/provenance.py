"""Provenance of a job: what produced a table, so a number can be traced back."""

from __future__ import annotations

import platform
import subprocess
from importlib import metadata
from pathlib import Path

PACKAGES = ("implicitbias", "torch", "numpy", "scipy", "pyarrow", "pandas", "seaborn", "snakemake")


def versions() -> dict[str, str | None]:
    """Installed versions of the packages the pipeline depends on (None if absent)."""
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def git_revision(where: str | Path = ".") -> str | None:
    """The checked-out commit (with ``-dirty`` if the tree has changes), or None outside git."""
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=where, capture_output=True, text=True, timeout=10, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return rev + ("-dirty" if dirty else "")


def record(spec: dict, device: str, dtype: str, wall_seconds: float) -> dict:
    """The provenance record written beside each training table."""
    return {
        "spec": spec,
        "versions": versions(),
        "python": platform.python_version(),
        "host": platform.node(),
        "device": device,
        "dtype": dtype,
        "git_revision": git_revision(),
        "wall_seconds": wall_seconds,
    }
