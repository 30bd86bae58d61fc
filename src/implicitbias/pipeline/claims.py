"""Claims: a lecture statement checked as a number against a bound.

A claim is one row of the claims table: the measured value, the relation it
must satisfy (``<=`` or ``>=``: a *check*; ``info``: a *reported value* with no
bound), the bound, the reference it was compared with, and the *basis* of the
bound, i.e. where it comes from:

* ``rounding: …`` — k·u·κ with the condition number computed;
* ``statistics: …`` — c standard errors (or a binomial interval) of the runs present;
* ``theorem: …`` — a theorem's value or rate at the run's actual step count;
* ``citation: …`` — a published number, cited.

A check whose value could not be measured (NaN, e.g. its cells are missing)
fails; nothing is hidden.  A check drawn from a partial table (a chunk the
plan holds is missing: ``partial: true``) fails too, whatever it measured on
the cells present (:func:`partial_table`): a chunk may hold some seeds of a
model, and the rest alone may well pass.  A reported value is never counted as a pass: its
``pass`` is empty (None).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

import numpy as np

COLUMNS = ("experiment", "claim", "measured", "relation", "bound", "pass", "reference", "basis")
BASES = ("rounding", "statistics", "theorem", "citation")


@dataclass(frozen=True)
class Claim:
    experiment: str
    claim: str
    measured: float
    relation: str
    bound: float
    reference: str
    basis: str = ""
    partial: bool = False  # drawn from a table that lacks planned chunks: a check then fails

    @property
    def is_check(self) -> bool:
        return self.relation != "info"

    @property
    def passed(self) -> bool | None:
        """True or False for a check; None for a reported value."""
        if self.relation == "info":
            return None
        m = float(self.measured)
        if math.isnan(m) or self.partial:
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


def partial_table(claims: list[Claim], missing: list[str]) -> list[Claim]:
    """The claims with every check failed when ``missing`` (the chunks the table lacks) is not empty;
    the basis says which chunks, and the measured value on the cells present is kept."""
    if not missing:
        return list(claims)
    note = f"; PARTIAL: measured without {len(missing)} planned chunk(s) ({', '.join(missing)}), so it fails"
    return [replace(c, basis=c.basis + note, partial=True) if c.is_check else c for c in claims]


def counts(rows: list[dict]) -> tuple[int, int, int]:
    """(checks that pass, checks, reported values) of claim rows."""
    checks = [r for r in rows if r["relation"] != "info"]
    return sum(r["pass"] is True for r in checks), len(checks), len(rows) - len(checks)


def verdict(rows: list[dict]) -> str:
    """``N/M checks pass, K reported values``."""
    passed, checks, info = counts(rows)
    return f"{passed}/{checks} checks pass, {info} reported values"


def summary(rows: list[dict]) -> str:
    """A one-screen account: how many checks pass, and each failure with its numbers."""
    failed = [r for r in rows if r["relation"] != "info" and r["pass"] is not True]
    lines = [f"claims: {verdict(rows)}"]
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


def at_step(table, step: int):
    """Each cell's row at the logged step nearest to ``step`` (in log t), indexed by the cell id."""
    rows = table.assign(dist=(np.log(table.step.clip(lower=1)) - np.log(max(step, 1))).abs())
    return rows.sort_values("dist").groupby("cell", sort=True).head(1).set_index("cell")


def worst(values, how: str = "max") -> float:
    """``max`` (or ``min``, ``mean``, …) of ``values`` as a float; NaN when there are none.

    A NaN among the values propagates, so an unmeasured run fails its claim.
    """
    values = np.asarray(values, dtype=float)
    return float(getattr(np, how)(values)) if values.size else float("nan")
