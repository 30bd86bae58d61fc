"""Load a run's results into pandas, for notebooks.

    from implicitbias import results
    table = results.load()            # every experiment's aggregated table
    claims = results.claims()         # results/claims.csv

``load`` stacks ``results/<experiment>/table.parquet``: one row per (cell,
logged step) with the six axes, ``cell``, ``step``, metrics, per-cell
constants and ``status``; columns an experiment does not have are NaN.
"""

from __future__ import annotations

from pathlib import Path


def load(results: str | Path = "results", experiments: list[str] | None = None):
    """All aggregated tables under ``results`` (or only ``experiments``) as one DataFrame."""
    import pandas as pd

    from .tables import read_parquet

    paths = sorted(Path(results).glob("*/table.parquet"))
    if experiments is not None:
        paths = [p for p in paths if p.parent.name in experiments]
    if not paths:
        raise FileNotFoundError(f"no aggregated table under {results}/*/table.parquet; run snakemake first")
    return pd.concat([read_parquet(p) for p in paths], ignore_index=True)


def claims(results: str | Path = "results"):
    """The run's claims table (experiment, claim, measured, relation, bound, pass, reference)."""
    import pandas as pd

    return pd.read_csv(Path(results) / "claims.csv")
