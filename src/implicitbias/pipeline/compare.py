"""Compare two results folders value by value: aggregated tables and claims.

    python -m implicitbias.pipeline.compare results_before results_after

For every experiment present in either folder, the aggregated tables
``<experiment>/table.parquet`` are aligned on (cell, step, and the run keys
alpha/m/run where present) and compared column by column; ``claims.csv`` is
compared row by row.  Values are *identical* when equal, or both NaN; the
report lists every column that differs, with the largest absolute and
relative difference, and every column or claim present on one side only.
Exit status 0 when everything is identical, 1 otherwise.  Used to check that
a refactoring changes no number.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

RUN_KEYS = ("cell", "step", "alpha", "m", "run", "gamma", "p")


def _sorted(table: pd.DataFrame) -> pd.DataFrame:
    keys = [k for k in RUN_KEYS if k in table]
    return table.sort_values(keys, kind="stable").reset_index(drop=True)


def _same(u, v) -> bool:
    """Equal values, both NaN, or equal arrays (list columns), NaN equal to NaN."""
    if isinstance(u, (list, tuple, np.ndarray)) or isinstance(v, (list, tuple, np.ndarray)):
        u, v = np.asarray(u), np.asarray(v)
        if u.shape != v.shape:
            return False
        if u.dtype.kind == "f" or v.dtype.kind == "f":
            return bool(np.array_equal(u.astype(float), v.astype(float), equal_nan=True))
        return bool(np.array_equal(u, v))
    return bool(u == v) or (u != u and v != v)


def column_differences(a: pd.DataFrame, b: pd.DataFrame) -> list[str]:
    """One line per column whose values differ (NaN equals NaN), or that one side lacks."""
    out = [f"column {c!r} only in the first" for c in a.columns if c not in b.columns]
    out += [f"column {c!r} only in the second" for c in b.columns if c not in a.columns]
    if len(a) != len(b):
        return out + [f"{len(a)} rows against {len(b)}"]
    for c in (c for c in a.columns if c in b.columns):
        x, y = a[c].to_numpy(), b[c].to_numpy()
        if x.dtype.kind in "fiub" and y.dtype.kind in "fiub":
            x, y = x.astype(float), y.astype(float)
            same = (x == y) | (np.isnan(x) & np.isnan(y))
            if not same.all():
                d = np.abs(x - y)[~same]
                rel = d / np.maximum(np.abs(x[~same]), np.finfo(float).tiny)
                out.append(
                    f"column {c!r}: {int((~same).sum())} values differ, "
                    f"max |diff| {np.nanmax(d):.3g}, max rel {np.nanmax(rel):.3g}"
                )
        else:
            same = np.array([_same(u, v) for u, v in zip(x, y)], dtype=bool)
            if not same.all():
                out.append(f"column {c!r}: {int((~same).sum())} values differ")
    return out


def compare(first: str | Path, second: str | Path) -> list[str]:
    """Every difference between two results folders, as lines (empty: identical)."""
    first, second = Path(first), Path(second)
    out = []
    names = sorted({p.parent.name for r in (first, second) for p in r.glob("*/table.parquet")})
    for name in names:
        pa_, pb = first / name / "table.parquet", second / name / "table.parquet"
        if not (pa_.exists() and pb.exists()):
            out.append(f"{name}: table only in {'the first' if pa_.exists() else 'the second'}")
            continue
        a, b = _sorted(pd.read_parquet(pa_)), _sorted(pd.read_parquet(pb))
        out += [f"{name}: {line}" for line in column_differences(a, b)]
    ca, cb = first / "claims.csv", second / "claims.csv"
    if ca.exists() and cb.exists():
        a, b = pd.read_csv(ca), pd.read_csv(cb)
        merged = a.merge(b, on=["experiment", "claim"], how="outer", suffixes=("_a", "_b"), indicator=True)
        for _, r in merged[merged._merge != "both"].iterrows():
            side = "first" if r._merge == "left_only" else "second"
            out.append(f"claims: {r.experiment}: {r.claim!r} only in the {side}")
        both = merged[merged._merge == "both"]
        for col in ("measured", "bound", "pass", "relation"):
            if f"{col}_a" not in both:
                continue
            x, y = both[f"{col}_a"], both[f"{col}_b"]
            differ = ~((x == y) | (x.isna() & y.isna()))
            for _, r in both[differ].iterrows():
                out.append(f"claims: {r.experiment}: {r.claim!r}: {col} {r[f'{col}_a']!r} -> {r[f'{col}_b']!r}")
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("first", help="a results folder")
    parser.add_argument("second", help="another results folder")
    args = parser.parse_args(argv)
    lines = compare(args.first, args.second)
    print("\n".join(lines) if lines else "identical: every table value and every claim")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main())
