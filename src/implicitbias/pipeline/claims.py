"""Claims: a lecture statement checked as a number against a bound.

A claim is one row of the claims table: the measured value, the relation it
must satisfy (``<=``, ``>=``, or ``info`` for a reported number with no bound),
the bound, and the reference it was compared with.  A value that could not be
measured (NaN, e.g. a cell missing from the grid) fails; nothing is hidden.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

COLUMNS = ("experiment", "claim", "measured", "relation", "bound", "pass", "reference")


@dataclass(frozen=True)
class Claim:
    experiment: str
    claim: str
    measured: float
    relation: str
    bound: float
    reference: str

    @property
    def passed(self) -> bool:
        m = float(self.measured)
        if self.relation == "info":
            return True
        if math.isnan(m):
            return False
        if self.relation == "<=":
            return m <= self.bound
        if self.relation == ">=":
            return m >= self.bound
        raise ValueError(f"unknown relation {self.relation!r}")

    def row(self) -> dict:
        d = asdict(self)
        d["measured"] = float(self.measured)
        d["pass"] = self.passed
        return {c: d[c] for c in COLUMNS}


def summary(rows: list[dict]) -> str:
    """A one-screen account: how many claims passed, and each failure with its numbers."""
    failed = [r for r in rows if not r["pass"]]
    lines = [f"claims: {len(rows) - len(failed)}/{len(rows)} passed"]
    for r in failed:
        lines.append(
            f"  FAILED {r['experiment']}: {r['claim']}: measured {r['measured']:.4g}, "
            f"needs {r['relation']} {r['bound']:.4g}"
        )
    return "\n".join(lines)


def last_rows(table, keys=("cell",), finite: str | None = None):
    """The last logged row of every run, a run being one value of ``keys``.

    With ``finite``, rows where that column is NaN are skipped first, so a
    diverged run contributes the last row at which it was still finite.
    """
    t = table.dropna(subset=[finite]) if finite else table
    return t.sort_values("step").groupby(list(keys), sort=True, dropna=False).tail(1)


def final_rows(table, finite: str | None = None):
    """:func:`last_rows` of every cell, indexed by the cell id."""
    return last_rows(table, ("cell",), finite).set_index("cell")


def worst(values, how: str = "max") -> float:
    """``max`` (or ``min``, ``mean``, …) of ``values`` as a float; NaN when there are none.

    A NaN among the values propagates, so an unmeasured run fails its claim.
    """
    values = np.asarray(values, dtype=float)
    return float(getattr(np, how)(values)) if values.size else float("nan")
