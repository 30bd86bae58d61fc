"""Run-level tables for the report: per-job benchmark records and provenance."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from .tables import write_csv

PROVENANCE_COLUMNS = ("experiment", "batch", "cells", "device", "dtype", "git_revision", "wall_seconds", "python")


def benchmarks(paths: list[str], output: str) -> None:
    """Stack Snakemake's per-job benchmark TSVs (s, max_rss, …), one row per training job."""
    rows, columns = [], ["experiment", "batch"]
    for p in sorted(paths):
        with open(p, newline="") as fh:
            for r in csv.DictReader(fh, delimiter="\t"):
                columns += [c for c in r if c not in columns]
                rows.append({"experiment": Path(p).parent.name, "batch": Path(p).stem, **r})
    write_csv(output, rows, columns)


def provenance(paths: list[str], output: str) -> None:
    """One row per training job: device, dtype, git revision, wall time and package versions."""
    rows, columns = [], list(PROVENANCE_COLUMNS)
    for p in sorted(paths):
        rec = json.loads(Path(p).read_text())
        row = {
            "experiment": rec["spec"]["experiment"],
            "batch": Path(p).name.removesuffix(".provenance.json"),
            "cells": len(rec["spec"]["cells"]),
            **{k: rec.get(k) for k in PROVENANCE_COLUMNS[3:]},
            **{f"version_{k}": v for k, v in rec["versions"].items()},
        }
        columns += [c for c in row if c not in columns]
        rows.append(row)
    write_csv(output, rows, columns)
