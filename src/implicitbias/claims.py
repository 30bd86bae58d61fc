"""Claims: a lecture statement checked as a number against a bound.

A claim is one row of the claims table: the measured value, the relation it
must satisfy (``<=``, ``>=``, or ``info`` for a reported number with no bound),
the bound, and the reference it was compared with.  A value that could not be
measured (NaN, e.g. a cell missing from the grid) fails; nothing is hidden.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

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
